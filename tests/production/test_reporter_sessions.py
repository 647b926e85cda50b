"""Reporter sessions are server-side records: sign-out, the idle timeout and the absolute lifetime
end them everywhere, so a copy of the cookie taken earlier no longer opens the portal."""
from __future__ import annotations

from sqlalchemy import select

from tipline.intake import reporter_sessions
from tipline.intake.reporter_sessions import ReporterSession

from ..conftest import csrf_token
from ..intake.helpers import open_status, receipt_of, submit


def signed_in_reporter(app):
    c = app.test_client()
    receipt = receipt_of(submit(c).get_data(as_text=True))
    resp = open_status(c, receipt)
    assert resp.status_code == 200 and resp.request.path == "/status/report"
    return c, receipt


def copy_of(app, client):
    """Another browser holding the same cookie (copied before anything below happened)."""
    other = app.test_client()
    cookie = client.get_cookie("tipline")
    other.set_cookie(cookie.key, cookie.value)
    return other


def opens_portal(c) -> bool:
    resp = c.get("/status/report")
    return resp.status_code == 200


def test_cookie_copied_before_sign_out_no_longer_opens_the_portal(app, session):
    reporter, _ = signed_in_reporter(app)
    stolen = copy_of(app, reporter)
    assert opens_portal(stolen)  # the copy works while the session lives...
    page = reporter.get("/status/report").get_data(as_text=True)
    assert reporter.post("/status/logout", data={"csrf_token": csrf_token(page)}).status_code == 302
    assert not opens_portal(reporter)
    assert not opens_portal(stolen)  # ...and not after sign-out
    assert stolen.get("/status/report").headers["Location"].endswith("/status")
    row = session.scalars(select(ReporterSession)).one()
    assert row.end_reason == "logout"


def test_the_cookie_holds_no_tip_id_only_a_token(app, session):
    reporter, _ = signed_in_reporter(app)
    with reporter.session_transaction() as s:
        token = s["reporter"]
    assert isinstance(token, str) and len(token) >= 40
    row = session.scalars(select(ReporterSession)).one()
    assert token not in row.id  # only its keyed hash is stored


def test_idle_timeout_ends_the_session_for_every_copy(app, clock):
    reporter, _ = signed_in_reporter(app)
    stolen = copy_of(app, reporter)
    clock.advance(minutes=29)
    assert opens_portal(reporter)  # activity keeps it alive
    clock.advance(minutes=29)
    assert opens_portal(stolen)
    clock.advance(minutes=31)
    assert not opens_portal(stolen)
    assert not opens_portal(reporter)


def test_absolute_lifetime_ends_even_an_active_session(app, clock, session):
    reporter, receipt = signed_in_reporter(app)
    stolen = copy_of(app, reporter)
    for _ in range(int(reporter_sessions.ABSOLUTE.total_seconds() // 1200)):
        clock.advance(minutes=20)
        assert opens_portal(reporter)
    clock.advance(minutes=20)
    assert not opens_portal(reporter)
    assert not opens_portal(stolen)
    assert session.scalars(select(ReporterSession)).one().end_reason == "absolute_timeout"
    session.rollback()  # end the test's read transaction (SQLite would keep the app from writing)
    # The receipt code still works: a new sign-in makes a new session.
    assert open_status(reporter, receipt).request.path == "/status/report"


def test_scheduler_purges_ended_and_expired_sessions(app, clock, session):
    signed_in_reporter(app)
    ended, _ = signed_in_reporter(app)
    page = ended.get("/status/report").get_data(as_text=True)
    ended.post("/status/logout", data={"csrf_token": csrf_token(page)})
    assert reporter_sessions.purge(session, clock()) == 1  # the signed-out one
    clock.advance(minutes=31)
    assert reporter_sessions.purge(session, clock()) == 1  # the idle one
    assert session.scalars(select(ReporterSession)).all() == []
