"""intake.email.manual without HTTP: unreadable mail waits, and becomes a tip only once, with no receipt kept."""
from __future__ import annotations

import pytest

from tipline.errors import NotFound, ValidationFailed
from tipline.intake.email import manual
from tipline.intake.email.models import MailMessage

from ... import factories

DIVISIONS = {"410000"}


@pytest.fixture
def unreadable(session, clock):
    row = MailMessage(mailbox="INBOX", uidvalidity=7, uid=42, raw=b"\xff\xfe not a message", status="needs_manual",
                      error="unparseable", received_at=clock())
    session.add(row)
    session.commit()
    return row


def take_in(session, clock, row, actor, description):
    return manual.take_in(session, now=clock(), message=row, description=description, entity_name="某检测公司",
                          division_code="410000", known_division=DIVISIONS.__contains__, actor=actor)


def test_a_waiting_message_becomes_a_tip_once(app, session, clock, unreadable):
    officer = factories.user(session, now=clock(), division_code="410000")
    assert manual.waiting(session) == [unreadable]
    tip = take_in(session, clock, unreadable, officer,
                  "来信反映某检测公司伪造检测报告，附件为报告扫描件，编号 2026-77。")
    session.commit()
    assert tip.channel == "email" and tip.sealed_receipt is None and tip.division_code == "410000"
    assert unreadable.status == "ingested" and unreadable.tip_id == tip.id
    assert manual.waiting(session) == []
    with pytest.raises(NotFound):
        manual.waiting_message(session, unreadable.id)


def test_a_too_short_description_takes_nothing_in(app, session, clock, unreadable):
    officer = factories.user(session, now=clock(), division_code="410000")
    with pytest.raises(ValidationFailed):
        take_in(session, clock, unreadable, officer, "太短")
    session.rollback()
    assert manual.waiting_message(session, unreadable.id).status == "needs_manual"
