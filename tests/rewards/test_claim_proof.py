"""Finance sees how a reward claimant was proven before paying: the passphrase, and whether the
claimant's name and ID number match the identity given in the report. The claimant is told nothing."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from tipline.intake.models import ReporterIdentity, Tip
from tipline.rewards.claims import identity_check

from ..conftest import csrf_token
from ..security import world as w
from .test_claim_passphrase import CLAIM, PHRASE, claim_page, events, post_claim, text_of


@pytest.fixture
def world(app, session, clock):
    return w.build(app, session, clock)


def name_the_reporter(session, **identity):
    """The world's report was anonymous; this one gave a name (and an ID number) when reporting."""
    tip = session.scalars(select(Tip)).one()
    tip.anonymous = False
    session.add(ReporterIdentity(tip_id=tip.id, **identity))
    session.commit()


def reward_page(app, world) -> str:
    staff = w.staff_client(app, "fin105")
    resp = staff.get(f"/staff/rewards/{world.reward_id}")
    assert resp.status_code == 200
    return text_of(resp.get_data(as_text=True))


def test_identity_check_rules():
    named = ReporterIdentity(name="王小明", id_number="11010519491231002X")
    assert identity_check(named, name="王 小明", id_number="11010519491231002x") == "match"
    # The ID number decides where the report gave one: a different person with the same name differs.
    assert identity_check(named, name="王小明", id_number="110105194912310021") == "differs"
    assert identity_check(ReporterIdentity(name="王小明"), name=" 王小明 ", id_number="110105194912310021") == "match"
    assert identity_check(ReporterIdentity(name="王小明"), name="李四", id_number="11010519491231002X") == "differs"
    assert identity_check(ReporterIdentity(phone="13800000000"), name="王小明", id_number="1") == "none"
    assert identity_check(None, name="王小明", id_number="11010519491231002X") == "none"
    # A joint report names one of its reporters: another signatory is not "differs" but "cosigner".
    assert identity_check(named, name="李四", id_number="110105194912310021", joint=True) == "cosigner"
    assert identity_check(named, name="王小明", id_number="11010519491231002X", joint=True) == "match"
    assert identity_check(None, name="李四", id_number="110105194912310021", joint=True) == "none"


def test_a_claim_by_someone_else_than_the_named_reporter_is_flagged_for_finance(app, session, world):
    name_the_reporter(session, name="王小明", id_number="110105194912310021")
    client = w.reporter_client(app, world.receipt)
    resp = post_claim(client, claim_page(client))  # CLAIM's ID number ends in 002X: not the reporter's
    assert resp.status_code == 302
    # The claimant sees the usual acknowledgement: nothing says the identity was compared.
    page = claim_page(client)
    assert "已收到您的领奖申请" in page and "不一致" not in page and "身份" not in text_of(page).split("已收到")[1][:80]

    page = reward_page(app, world)
    assert "如何证明领奖人是举报人" in page
    assert "与举报时提供的身份不一致：付款前请与举报人核实" in page
    assert "仅凭回执码（举报人未设置领奖口令）" in page
    [claimed] = events(session, "reward.claimed")
    details = json.loads(claimed.details)
    assert details["identity_check"] == "differs" and details["with_passphrase"] is False
    assert "110105194912310021" not in claimed.details and "王小明" not in claimed.details


def test_the_named_reporter_claiming_with_a_passphrase(app, session, world):
    name_the_reporter(session, name="王小明", id_number=CLAIM["id_number"])
    client = w.reporter_client(app, world.receipt)
    page = claim_page(client)
    client.post("/status/report/passphrase", data={
        "csrf_token": csrf_token(page), "passphrase": PHRASE, "passphrase_confirm": PHRASE})
    assert post_claim(client, claim_page(client), passphrase=PHRASE).status_code == 302

    page = reward_page(app, world)
    assert "与举报时提供的身份一致" in page and "不一致" not in page
    assert "回执码及举报人设置的领奖口令" in page


def test_an_anonymous_report_has_no_identity_to_compare(app, session, world):
    client = w.reporter_client(app, world.receipt)
    assert post_claim(client, claim_page(client)).status_code == 302
    page = reward_page(app, world)
    assert "举报时未提供可比对的身份" in page and "仅凭回执码" in page


def test_no_proof_section_before_a_claim(app, session, world):
    staff = w.staff_client(app, "fin105")
    page = staff.get(f"/staff/rewards/{world.reward_id}").get_data(as_text=True)
    assert 'data-testid="claim-proof"' not in page


def test_proof_in_english(app, session, world):
    name_the_reporter(session, name="王小明", id_number="110105194912310021")
    client = w.reporter_client(app, world.receipt)
    assert post_claim(client, claim_page(client)).status_code == 302
    staff = w.staff_client(app, "fin105")
    staff.get("/lang/en")
    page = text_of(staff.get(f"/staff/rewards/{world.reward_id}").get_data(as_text=True))
    assert "How the claimant was proven" in page
    assert "Differs from the identity given in the report: check with the reporter before paying" in page
