"""The claim passphrase (domain.md §4): an anonymous reporter proves a reward claim with the receipt
code and a passphrase of their own, set once on the receipt page or the status page."""
from __future__ import annotations

import html
import json
import re

import pytest
from sqlalchemy import select

from tipline.audit.models import AuditEvent
from tipline.errors import Conflict, ValidationFailed
from tipline.intake import passphrase
from tipline.intake.models import Tip
from tipline.rewards.models import Reward

from ..conftest import csrf_token
from ..intake.helpers import form_page, hidden, receipt_of, submit
from ..security import world as w

PHRASE = "黄河岸边的老槐树2026"
CLAIM = {"name": "王小明", "id_number": "11010519491231002X", "bank": "中国银行郑州分行",
         "account_number": "62166100000012345", "account_holder": "王小明"}


def text_of(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def error_of(page: str, field_id: str) -> str | None:
    m = re.search(rf'id="{field_id}-err" role="alert">([^<]*)<', page)
    return html.unescape(m.group(1)) if m else None


def events(session, action: str) -> list[AuditEvent]:
    session.expire_all()
    rows = list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))
    session.rollback()  # end the read, so the app's next write is not waiting on this test
    return rows


def stored_hash(session) -> str | None:
    value = session.scalar(select(Tip.claim_passphrase_hash))
    session.rollback()
    return value


def reward_status(session, reward_id: int) -> str:
    session.expire_all()
    value = session.get(Reward, reward_id).status
    session.rollback()
    return value


def test_passphrase_rules(session, clock):
    from .. import factories
    tip, _code = factories.tip(session, now=clock())
    session.commit()
    assert passphrase.problem("", "") == {"passphrase": "required"}
    assert passphrase.problem("1234567", "1234567") == {"passphrase": "passphrase_short"}
    assert passphrase.problem("x" * 129, "x" * 129) == {"passphrase": "passphrase_long"}
    assert passphrase.problem("黄河岸边老槐树下", "黄河岸边老槐树上") == {"passphrase_confirm": "passphrase_mismatch"}
    assert passphrase.problem("黄河岸边老槐树下", "黄河岸边老槐树下") == {}  # 8 Chinese characters are enough

    with pytest.raises(ValidationFailed) as exc:
        passphrase.set_passphrase(session, now=clock(), tip=tip, passphrase="短口令", confirm="短口令")
    assert exc.value.details["fields"] == {"passphrase": "passphrase_short"}
    passphrase.set_passphrase(session, now=clock(), tip=tip, passphrase=f"  {PHRASE} ", confirm=PHRASE)
    session.commit()
    stored = tip.claim_passphrase_hash
    assert stored.startswith("$argon2id$") and PHRASE not in stored
    assert passphrase.matches(stored, PHRASE)
    assert passphrase.matches(stored, "黄河岸边的老槐树２０２６")  # full-width digits typed on a phone
    assert not passphrase.matches(stored, "黄河岸边的老槐树2025")
    assert not passphrase.matches(stored, "") and not passphrase.matches(None, PHRASE)
    # Set once: nobody holding only the receipt code can replace it.
    with pytest.raises(Conflict):
        passphrase.set_passphrase(session, now=clock(), tip=tip, passphrase="另一个口令另一个口令",
                                  confirm="另一个口令另一个口令")
    assert tip.claim_passphrase_hash == stored
    [ev] = events(session, "tip.passphrase_set")
    assert ev.object_id == str(tip.id) and ev.actor_label == "reporter" and PHRASE not in str(ev.details)


def test_reporter_sets_the_passphrase_on_the_receipt_page(app, session):
    client = w.new_client(app)
    page = submit(client).get_data(as_text=True)
    code = receipt_of(page)
    assert "领奖口令" in page and "设置口令" in page
    token = hidden(page, "submission_token") if 'name="submission_token"' in page else \
        re.search(r'name="token" value="([^"]+)"', page).group(1)

    # Two different passphrases: the error is next to the second field, the receipt code still shown.
    resp = client.post("/report/receipt/passphrase", data={
        "csrf_token": csrf_token(page), "token": token, "passphrase": PHRASE, "passphrase_confirm": PHRASE + "x"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert error_of(page, "passphrase_confirm") == "两次输入的口令不一致，请重新输入。"
    assert receipt_of(page) == code
    assert PHRASE not in page  # what was typed is never sent back
    assert stored_hash(session) is None

    resp = client.post("/report/receipt/passphrase", data={
        "csrf_token": csrf_token(page), "token": token, "passphrase": PHRASE, "passphrase_confirm": PHRASE})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "领奖口令已设置。请将它与回执码一起妥善保管：领取奖励时两者都需要。" in text_of(page)
    assert "本举报已设置领奖口令" in page and 'action="/report/receipt/passphrase"' not in page
    assert receipt_of(page) == code  # the code stays on screen until the reporter says it is saved
    assert passphrase.matches(stored_hash(session), PHRASE)

    # A second try (a refresh, or someone else with the page) cannot change it.
    resp = client.post("/report/receipt/passphrase", data={
        "csrf_token": csrf_token(page), "token": token, "passphrase": "另一个口令另一个口令",
        "passphrase_confirm": "另一个口令另一个口令"})
    assert resp.status_code == 200 and "本举报已设置领奖口令，无法在此更改。" in resp.get_data(as_text=True)
    assert passphrase.matches(stored_hash(session), PHRASE)

    # Without the reporter's form token nothing is set.
    other = w.new_client(app)
    other_page = form_page(other, "/status")
    resp = other.post("/report/receipt/passphrase", data={
        "csrf_token": csrf_token(other_page), "token": "x" * 43, "passphrase": PHRASE, "passphrase_confirm": PHRASE})
    assert resp.status_code == 404


@pytest.fixture
def world(app, session, clock):
    return w.build(app, session, clock)


def claim_page(client) -> str:
    return client.get("/status/report").get_data(as_text=True)


def post_claim(client, page: str, **extra):
    client.environ_base["REMOTE_ADDR"] = w.fresh_addr()  # the per-address limit is not what is tested here
    return client.post("/status/reward/claim", data={"csrf_token": csrf_token(page), **CLAIM, **extra})


def test_claim_needs_the_passphrase_set_on_the_status_page(app, session, world):
    client = w.reporter_client(app, world.receipt)
    page = claim_page(client)
    # No passphrase yet: the claim form does not ask for one, the status page offers to set it.
    assert 'id="claim_passphrase"' not in page and 'action="/status/report/passphrase"' in page

    resp = client.post("/status/report/passphrase", data={
        "csrf_token": csrf_token(page), "passphrase": "太短了", "passphrase_confirm": "太短了"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422 and error_of(page, "passphrase") == "口令至少需要 8 个字符。"
    resp = client.post("/status/report/passphrase", data={
        "csrf_token": csrf_token(page), "passphrase": PHRASE, "passphrase_confirm": PHRASE}, follow_redirects=True)
    page = resp.get_data(as_text=True)
    assert "领奖口令已设置" in page and "本举报已设置领奖口令" in page
    assert 'action="/status/report/passphrase"' not in page
    assert 'id="claim_passphrase"' in page and "领奖口令" in page

    # Claiming without it: the error is beside the passphrase, what was typed stays (not the account).
    resp = post_claim(client, page)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422 and error_of(page, "claim_passphrase") == "此项为必填项。"
    assert 'value="王小明"' in page and "62166100000012345" not in page

    # A wrong one: refused, recorded, and nothing else about the claim is judged.
    resp = post_claim(client, page, passphrase="黄河岸边的老槐树2025", id_number="123")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert error_of(page, "claim_passphrase") == "口令与本举报设置的领奖口令不符。"
    assert error_of(page, "id_number") is None
    assert len(events(session, "reward.claim_passphrase_wrong")) == 1
    assert reward_status(session, world.reward_id) == "notified"

    # The right one (typed on a phone with full-width digits) completes the claim.
    resp = post_claim(client, page, passphrase="黄河岸边的老槐树２０２６")
    assert resp.status_code == 302
    page = claim_page(client)
    assert "已收到您的领奖申请" in page
    assert reward_status(session, world.reward_id) == "claimed"
    [claimed] = events(session, "reward.claimed")
    assert json.loads(claimed.details)["with_passphrase"] is True and PHRASE not in str(claimed.details)


def test_wrong_passphrases_are_limited_per_report_not_per_address(app, session, world):
    client = w.reporter_client(app, world.receipt)
    page = claim_page(client)
    client.post("/status/report/passphrase", data={
        "csrf_token": csrf_token(page), "passphrase": PHRASE, "passphrase_confirm": PHRASE})
    page = claim_page(client)
    # Mistakes in other fields, with the right passphrase, do not use up the reporter's tries.
    for _ in range(11):
        assert post_claim(client, page, passphrase=PHRASE, id_number="123").status_code == 422
    for i in range(10):  # each from a new address
        assert post_claim(client, page, passphrase=f"猜一猜口令{i:04d}").status_code == 422
    # The eleventh wrong try, and even the right one, must wait: this report's tries are used up today.
    assert post_claim(client, page, passphrase="猜一猜口令9999").status_code == 429
    assert post_claim(client, page, passphrase=PHRASE).status_code == 429
    assert len(events(session, "reward.claim_passphrase_wrong")) == 10
    assert reward_status(session, world.reward_id) == "notified"


def test_claim_without_a_passphrase_set_still_works_with_the_receipt(app, session, world):
    """Reporters who never set one (e.g. before this feature) claim with the receipt code, as before."""
    client = w.reporter_client(app, world.receipt)
    resp = post_claim(client, claim_page(client))
    assert resp.status_code == 302
    assert reward_status(session, world.reward_id) == "claimed"
    [claimed] = events(session, "reward.claimed")
    assert json.loads(claimed.details)["with_passphrase"] is False


def test_passphrase_pages_in_english(app, session, world):
    client = w.reporter_client(app, world.receipt)
    client.get("/lang/en")
    page = client.get("/status/report").get_data(as_text=True)
    assert "Claim passphrase" in page and "Set the passphrase" in page
    resp = client.post("/status/report/passphrase", data={
        "csrf_token": csrf_token(page), "passphrase": PHRASE, "passphrase_confirm": "something else"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert error_of(page, "passphrase_confirm") == "The two passphrases are not the same. Please type it again."
    resp = post_claim(client, page)
    assert resp.status_code == 302  # still none set: the receipt alone claims
