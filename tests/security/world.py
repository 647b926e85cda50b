"""Shared builders for the security tests: staff clients, a tip with a file, a closed case with a reward."""
from __future__ import annotations

import io
import itertools
from dataclasses import dataclass, field
from types import ModuleType

from PIL import Image
from sqlalchemy import select

from .. import factories
from ..conftest import csrf_token
from ..intake.helpers import open_status, receipt_of, submit

_addr = itertools.count(1)


def fresh_addr() -> str:
    """A new client address: each test client gets its own rate-limit bucket."""
    n = next(_addr)
    return f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"


def new_client(app):
    c = app.test_client()
    c.environ_base["REMOTE_ADDR"] = fresh_addr()
    return c


def staff_client(app, username: str):
    c = new_client(app)
    page = c.get("/staff/login").get_data(as_text=True)
    resp = c.post("/staff/login", data={"csrf_token": csrf_token(page), "username": username,
                                        "password": factories.PASSWORD})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/staff/"), (username, resp.status_code)
    return c


def token_of(client) -> str:
    """A valid CSRF token for this client's session (the receipt form is on every visitor's /status)."""
    return csrf_token(client.get("/status").get_data(as_text=True))


def jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (32, 24), (10, 120, 200)).save(buf, "JPEG")
    return buf.getvalue()


# username -> (role, division)
STAFF = {
    "off105": ("officer", "410105"),
    "off300": ("officer", "410300"),
    "sup105": ("supervisor", "410105"),
    "fin105": ("finance", "410105"),
    "admin0": ("admin", "410000"),
    "aud0": ("auditor", "410000"),
    "prov0": ("officer", "410000"),
}
# Helpers who do the work in the world (not principals of the matrix).
HELPERS = {
    "tri105": ("officer", "410105"),
    "inv105a": ("officer", "410105"),
    "inv105b": ("officer", "410105"),
    "boss105": ("supervisor", "410105"),
    "spare": ("officer", "410300"),
}


@dataclass
class World:
    tip_id: int
    file_id: int
    case_id: int
    entity_id: int
    reward_id: int
    spare_user_id: int
    hold_id: int | None
    receipt: str
    description: str
    users: dict = field(default_factory=dict)
    mail_id: int = 0


def build(app, session, clock, *, with_staff=STAFF) -> World:
    """A tip in 410105 (through the real form, with a photo), filed, decided and closed; its reward notified."""
    from tipline.auth.models import User
    from tipline.cases import investigation, triage
    from tipline.cases.models import Case
    from tipline.intake.models import EvidenceFile, Tip
    from tipline.rewards import services as rewards
    from tipline.rewards.models import Reward

    users = {}
    for name, (role, div) in {**HELPERS, **with_staff}.items():
        users[name] = factories.user(session, now=clock(), username=name, role=role, division_code=div,
                                     display_name=name.upper())
    session.commit()

    reporter_form = new_client(app)
    resp = submit(reporter_form, files=[("现场照片.jpg", jpeg())])
    assert resp.status_code == 200, resp.status_code
    receipt = receipt_of(resp.get_data(as_text=True))
    tip = session.scalars(select(Tip)).one()
    f = session.scalars(select(EvidenceFile).where(EvidenceFile.tip_id == tip.id)).first()

    case = triage.file_case(session, now=clock(), tip=tip, actor=users["tri105"], version=tip.version,
                            filing_number="豫市监金立〔2026〕7号", filed_on=clock().date())
    investigation.decide(session, now=clock(), case=case, actor=users["boss105"],
                         version=case.version, outcome="violation", decision_number="罚1号",
                         decision_date=clock().date(), fines="100000", legal_basis="条例")
    investigation.close(session, now=clock(), case=case, actor=users["boss105"], version=case.version,
                        executed_on=clock().date(), closed_on=clock().date())
    session.commit()
    reward = session.scalars(select(Reward)).one()
    rewards.propose(session, now=clock(), reward=reward, actor=users["boss105"],
                    rule_sets=app.extensions["reward_rules"], version=reward.version, natural_person=True,
                    exclusion="", unknown_to_regulator=True, party_type="organisation", insider=False, level=3)
    reviewer = users.get("sup105") or users["boss105"]
    rewards.review(session, now=clock(), reward=reward, actor=reviewer, version=None)
    finance = users.get("fin105")
    if finance is None:
        finance = users["fin105"] = factories.user(session, now=clock(), username="fin105", role="finance",
                                                   division_code="410105")
    rewards.finance_approve(session, now=clock(), reward=reward, actor=finance, version=None)
    session.commit()
    assert reward.status == "notified", reward.status
    hold_id = None
    holds: ModuleType | None
    try:
        from tipline.oversight import holds
    except ImportError:  # the oversight feature is not in this tree
        holds = None
    if holds is not None:
        hold_id = holds.place(session, now=clock(), actor=users["boss105"], object_type="tip", object_id=tip.id,
                              reason="行政诉讼期间保全").id
        session.commit()
    case = session.get(Case, case.id)
    from tipline.intake.email.models import MailMessage
    unreadable = MailMessage(mailbox="INBOX", uidvalidity=1, uid=1, raw=b"\x00garbage", status="needs_manual",
                             error="unparseable", received_at=clock())
    session.add(unreadable)
    session.commit()
    return World(mail_id=unreadable.id, hold_id=hold_id, tip_id=tip.id, file_id=f.id, case_id=case.id,
                 entity_id=case.entity_id, reward_id=reward.id,
                 spare_user_id=users["spare"].id, receipt=receipt, description=tip.description,
                 users={n: u.id for n, u in users.items() if isinstance(u, User)})


def reporter_client(app, receipt: str):
    c = new_client(app)
    resp = open_status(c, receipt)
    assert resp.status_code == 200 and resp.request.path == "/status/report"
    return c
