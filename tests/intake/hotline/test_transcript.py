"""The caller follows up with the receipt code: reads the transcript, confirms it or asks for a
correction; staff see the dialogue on the tip page."""
from __future__ import annotations

import re

from sqlalchemy import select

from tipline.audit.models import AuditEvent
from tipline.intake import services as intake
from tipline.intake.hotline.models import HotlineCall

from ...conftest import csrf_token
from ...intake.helpers import open_status, receipt_of, submit
from . import call, post


def _receive(client, token, **overrides) -> dict:
    response = post(client, token, call(**overrides))
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def _call(session) -> HotlineCall:
    session.rollback()
    found = session.scalars(select(HotlineCall)).one()
    session.expunge(found)  # a detached snapshot: reading it later must not start a transaction
    session.rollback()
    return found


def _events(session, action):
    found = session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()
    session.expunge_all()
    session.rollback()
    return found


def test_receipt_code_from_the_api_opens_the_tip(client, session, token):
    body = _receive(client, token)
    tip = intake.find_by_receipt(session, body["receipt_code"])
    assert tip is not None and tip.reference == body["tip_reference"]
    session.rollback()


def test_reporter_reads_and_confirms_the_transcript(app, client, session, token):
    body = _receive(client, token)
    page = open_status(client, body["receipt_code"])
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-testid="transcript"' in html
    turns = re.findall(r'data-testid="turn">(.*?)</li>', html, re.S)
    assert len(turns) == 4
    assert "我在金水路的超市买到了过期三个月的牛奶。" in turns[1] and "00:03–00:15" in turns[1]
    assert 'action="/status/report/transcript/confirm"' in html

    done = client.post("/status/report/transcript/confirm", data={"csrf_token": csrf_token(html)})
    assert done.status_code == 302 and done.headers["Location"].endswith("/status/report")
    hc = _call(session)
    assert hc.confirmed_at is not None
    [event] = _events(session, "hotline.transcript_confirmed")
    assert event.actor_label == "reporter" and event.object_id == str(hc.tip_id)
    again = client.get("/status/report").get_data(as_text=True)
    assert 'data-testid="transcript-confirmed"' in again


def test_reporter_asks_for_a_correction(client, session, token):
    body = _receive(client, token)
    html = open_status(client, body["receipt_code"]).get_data(as_text=True)
    empty = client.post("/status/report/transcript/correction", data={"csrf_token": csrf_token(html), "note": "  "})
    assert empty.status_code == 422
    assert _call(session).correction_requested_at is None
    note = "超市的门牌号是182号，不是128号。"
    done = client.post("/status/report/transcript/correction", data={"csrf_token": csrf_token(html), "note": note})
    assert done.status_code == 302
    hc = _call(session)
    assert hc.correction_note == note and hc.correction_requested_at is not None
    [event] = _events(session, "hotline.transcript_correction_requested")
    assert note not in event.details  # the note stays encrypted, out of the audit trail
    assert note in client.get("/status/report").get_data(as_text=True)


def test_transcript_actions_need_the_reporter_session_and_csrf(client, session, token):
    _receive(client, token)
    anonymous = client.post("/status/report/transcript/confirm", data={})
    assert anonymous.status_code == 400  # no CSRF token: refused before the session is even looked at
    assert _call(session).confirmed_at is None
    page = client.get("/status").get_data(as_text=True)
    no_session = client.post("/status/report/transcript/confirm", data={"csrf_token": csrf_token(page)})
    assert no_session.status_code == 302 and no_session.headers["Location"].endswith("/status")
    assert _call(session).confirmed_at is None
    assert _events(session, "hotline.transcript_confirmed") == []


def test_web_tips_show_no_transcript(client):
    code = receipt_of(submit(client).get_data(as_text=True))
    html = open_status(client, code).get_data(as_text=True)
    assert 'data-testid="status-text"' in html
    assert 'data-testid="transcript"' not in html


def test_staff_see_the_dialogue_on_the_tip_page(app, client, session, token, make_user, login):
    body = _receive(client, token, call_id="CC-staff")
    tip_id = int(body["tip_reference"].rsplit("-", 1)[1])
    correction = open_status(client, body["receipt_code"]).get_data(as_text=True)
    client.post("/status/report/transcript/correction",
                data={"csrf_token": csrf_token(correction), "note": "我说的是金水路，不是经三路。"})
    client.post("/status/logout", data={"csrf_token": csrf_token(correction)})
    make_user(username="province", role="officer", division_code="410000")
    assert login("province").status_code == 200
    page = client.get(f"/staff/tips/{tip_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200, html[:500]
    assert 'data-testid="transcript"' in html
    turns = re.findall(r'data-testid="turn">(.*?)</li>', html, re.S)
    assert 'class="turn agent"' in html and 'class="turn caller"' in html
    assert "叫惠民生鲜超市，在金水路128号。" in turns[3]
    assert "我说的是金水路，不是经三路。" in html  # the correction request reaches staff
    assert 'action="/status/report/transcript/confirm"' not in html
