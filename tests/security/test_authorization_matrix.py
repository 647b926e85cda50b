"""Every route x every principal, with the answer written down by hand.

The table is the specification: it is NOT derived from the code. A new route fails
`test_every_route_is_in_the_table` until someone decides, cell by cell, who may reach it.

Principals (columns, in this order):
  anon      no session at all
  reporter  signed in on /status with the receipt of THE world's tip
  off105    officer of the tip's division (郑州金水区 410105)
  off300    officer of another division (洛阳 410300)
  sup105    supervisor, 410105
  fin105    finance, 410105
  admin     administrator, province (410000)
  auditor   auditor, province (410000)
  prov      officer, province (410000): sees every division

The world: one tip in 410105 sent through the real form with a photo, filed as a case, decided,
closed, and its reward proposed, reviewed and approved (status "notified").

GET routes are requested with GET, POST routes with POST carrying a valid CSRF token and an
empty body: an allowed principal gets 200 / 4xx validation / 302-back, a forbidden one 403 / 404 /
302-to-login. Expectations: an int is the status code; "302>/path" is a redirect whose Location
path is exactly /path (query ignored).
"""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from . import world as w

PRINCIPALS = ("anon", "reporter", "off105", "off300", "sup105", "fin105", "admin", "auditor", "prov")
STAFF_USER = {"off105": "off105", "off300": "off300", "sup105": "sup105", "fin105": "fin105", "admin": "admin0",
              "auditor": "aud0", "prov": "prov0"}

LOGIN = "302>/staff/login"
HOME = "302>/staff/"
STATUS = "302>/status"
BACK = "302>/status/report"
ROOT = "302>/"
USERS = "302>/staff/admin/users"
HOLDS = "302>/staff/holds"


def row(*cells):
    assert len(cells) == len(PRINCIPALS)
    return dict(zip(PRINCIPALS, cells, strict=True))


def every(x):
    return row(*([x] * len(PRINCIPALS)))


def staff(x):
    """Staff pages open to any signed-in staff member."""
    return row(LOGIN, LOGIN, x, x, x, x, x, x, x)


def admin_only(ok):
    return row(LOGIN, LOGIN, 403, 403, 403, 403, ok, 403, 403)


# (method, rule) -> (concrete path template, expectations). Columns:
#                     anon    reporter off105 off300 sup105 fin105 admin auditor prov
TABLE = {
    # --- public pages ----------------------------------------------------------------------------
    ("GET", "/"): ("/", every(200)),
    ("GET", "/healthz"): ("/healthz", every(200)),
    ("GET", "/lang/<code>"): ("/lang/en", every(ROOT)),
    ("GET", "/report"): ("/report", every(200)),
    ("POST", "/report"): ("/report", every(422)),
    ("POST", "/report/receipt.txt"): ("/report/receipt.txt", every(404)),
    ("POST", "/report/receipt/done"): ("/report/receipt/done", every(STATUS)),
    ("POST", "/report/receipt/passphrase"): ("/report/receipt/passphrase", every(404)),  # no form token
    ("GET", "/status"): ("/status", every(200)),
    ("POST", "/status"): ("/status", every(200)),
    # --- the reporter's portal: only the reporter's own session opens it ---------------------------
    ("GET", "/status/report"): ("/status/report",
                                row(STATUS, 200, STATUS, STATUS, STATUS, STATUS, STATUS, STATUS, STATUS)),
    ("POST", "/status/report/reply"): ("/status/report/reply",
                                       row(STATUS, 422, STATUS, STATUS, STATUS, STATUS, STATUS, STATUS, STATUS)),
    ("POST", "/status/report/evidence"): ("/status/report/evidence",
                                          row(STATUS, 422, STATUS, STATUS, STATUS, STATUS, STATUS, STATUS, STATUS)),
    ("POST", "/status/report/transcript/confirm"): (
        "/status/report/transcript/confirm",
        row(STATUS, BACK, STATUS, STATUS, STATUS, STATUS, STATUS, STATUS, STATUS)),  # web tip: no call to confirm
    ("POST", "/status/report/transcript/correction"): (
        "/status/report/transcript/correction",
        row(STATUS, 422, STATUS, STATUS, STATUS, STATUS, STATUS, STATUS, STATUS)),  # empty note
    ("POST", "/status/report/passphrase"): ("/status/report/passphrase",
                                            row(STATUS, 422, STATUS, STATUS, STATUS, STATUS, STATUS, STATUS, STATUS)),
    ("POST", "/status/reward/claim"): ("/status/reward/claim",
                                       row(STATUS, 422, STATUS, STATUS, STATUS, STATUS, STATUS, STATUS, STATUS)),
    ("POST", "/status/logout"): ("/status/logout", every(ROOT)),
    # --- the hotline API: bearer token only; a staff or reporter cookie is no credential -------------
    ("POST", "/api/v1/hotline/calls"): ("/api/v1/hotline/calls", every(401)),
    ("GET", "/api/v1/openapi.json"): ("/api/v1/openapi.json", every(200)),
    # --- staff sign-in and own account -----------------------------------------------------------
    ("GET", "/staff/login"): ("/staff/login", row(200, 200, HOME, HOME, HOME, HOME, HOME, HOME, HOME)),
    ("POST", "/staff/login"): ("/staff/login", row(200, 200, HOME, HOME, HOME, HOME, HOME, HOME, HOME)),
    ("GET", "/staff/login/2fa"): ("/staff/login/2fa", every(LOGIN)),
    ("POST", "/staff/login/2fa"): ("/staff/login/2fa", every(LOGIN)),
    ("POST", "/staff/logout"): ("/staff/logout", every(LOGIN)),
    ("GET", "/staff/"): ("/staff/", staff(200)),
    ("GET", "/staff/account"): ("/staff/account", staff(200)),
    ("POST", "/staff/account"): ("/staff/account", staff(200)),  # empty form re-shown
    ("GET", "/staff/account/2fa"): ("/staff/account/2fa", staff(200)),
    ("POST", "/staff/account/2fa"): ("/staff/account/2fa", staff(200)),
    # --- administration --------------------------------------------------------------------------
    ("GET", "/staff/admin/users"): ("/staff/admin/users", admin_only(200)),
    ("POST", "/staff/admin/users"): ("/staff/admin/users", admin_only(200)),
    ("POST", "/staff/admin/users/<int:user_id>/<action>"): ("/staff/admin/users/{spare}/enable", admin_only(USERS)),
    ("POST", "/staff/admin/settings/require-2fa"): ("/staff/admin/settings/require-2fa", admin_only(USERS)),
    ("GET", "/staff/admin/deadlines"): ("/staff/admin/deadlines", admin_only(200)),
    ("POST", "/staff/admin/deadlines"): ("/staff/admin/deadlines", admin_only(200)),
    ("GET", "/staff/admin/calendar"): ("/staff/admin/calendar", admin_only(200)),
    ("POST", "/staff/admin/calendar"): ("/staff/admin/calendar", admin_only(200)),
    # --- tips: officers and supervisors; another division's tip does not exist (404) ---------------
    #                                   anon   reporter off105 off300 sup105 fin105 admin auditor prov
    ("GET", "/staff/tips"): ("/staff/tips", row(LOGIN, LOGIN, 200, 200, 200, 403, 403, 403, 200)),
    ("GET", "/staff/tips/<int:tip_id>"): ("/staff/tips/{tip}",
                                          row(LOGIN, LOGIN, 200, 404, 200, 403, 403, 403, 200)),
    ("GET", "/staff/tips/<int:tip_id>/files/<int:file_id>"): (
        "/staff/tips/{tip}/files/{file}", row(LOGIN, LOGIN, 200, 404, 200, 403, 403, 403, 200)),
    ("POST", "/staff/tips/<int:tip_id>/identity"): (
        "/staff/tips/{tip}/identity", row(LOGIN, LOGIN, 422, 404, 422, 403, 403, 403, 422)),
    ("POST", "/staff/tips/<int:tip_id>/messages"): (
        "/staff/tips/{tip}/messages", row(LOGIN, LOGIN, 422, 404, 422, 403, 403, 403, 422)),
    ("POST", "/staff/tips/<int:tip_id>/triage"): (  # no action given: 400 for those allowed
        "/staff/tips/{tip}/triage", row(LOGIN, LOGIN, 400, 404, 400, 403, 403, 403, 400)),
    ("POST", "/staff/tips/<int:tip_id>/complaint"): (  # no action given: 400 for those allowed
        "/staff/tips/{tip}/complaint", row(LOGIN, LOGIN, 400, 404, 400, 403, 403, 403, 400)),
    # --- unreadable mail: only staff who see the intake division (the province by default) -------
    ("GET", "/staff/mail"): ("/staff/mail", row(LOGIN, LOGIN, 403, 403, 403, 403, 403, 403, 200)),
    ("GET", "/staff/mail/<int:message_id>/raw"): ("/staff/mail/{mail}/raw",
                                                  row(LOGIN, LOGIN, 403, 403, 403, 403, 403, 403, 200)),
    ("POST", "/staff/mail/<int:message_id>/intake"): ("/staff/mail/{mail}/intake",
                                                      row(LOGIN, LOGIN, 403, 403, 403, 403, 403, 403, 422)),
    # automatic mail (auto-replies, bounces, list mail): the same people as unreadable mail; the
    # world's message is not automatic, so the one who may act on it gets 404
    ("GET", "/staff/mail/automatic"): ("/staff/mail/automatic", row(LOGIN, LOGIN, 403, 403, 403, 403, 403, 403, 200)),
    ("POST", "/staff/mail/automatic/<int:message_id>/report"): (
        "/staff/mail/automatic/{mail}/report", row(LOGIN, LOGIN, 403, 403, 403, 403, 403, 403, 404)),
    # --- cases, entities, deadlines ---------------------------------------------------------------
    ("GET", "/staff/cases"): ("/staff/cases", row(LOGIN, LOGIN, 200, 200, 200, 403, 403, 403, 200)),
    ("GET", "/staff/cases/<int:case_id>"): ("/staff/cases/{case}",
                                            row(LOGIN, LOGIN, 200, 404, 200, 403, 403, 403, 200)),
    ("POST", "/staff/cases/<int:case_id>/action"): (  # no action given: 400 for those allowed
        "/staff/cases/{case}/action", row(LOGIN, LOGIN, 400, 404, 400, 403, 403, 403, 400)),
    ("GET", "/staff/entities"): ("/staff/entities", row(LOGIN, LOGIN, 200, 200, 200, 403, 403, 403, 200)),
    ("GET", "/staff/entities/<int:entity_id>"): ("/staff/entities/{entity}",
                                                 row(LOGIN, LOGIN, 200, 404, 200, 403, 403, 403, 200)),
    ("GET", "/staff/deadlines"): ("/staff/deadlines", row(LOGIN, LOGIN, 200, 200, 200, 403, 403, 403, 200)),
    # --- rewards ----------------------------------------------------------------------------------
    #                                   anon   reporter off105 off300 sup105 fin105 admin auditor prov
    ("GET", "/staff/rewards/"): ("/staff/rewards/", row(LOGIN, LOGIN, 200, 200, 200, 200, 403, 200, 200)),
    ("GET", "/staff/rewards/<int:reward_id>"): ("/staff/rewards/{reward}",
                                                row(LOGIN, LOGIN, 200, 404, 200, 200, 403, 200, 200)),
    ("POST", "/staff/rewards/<int:reward_id>/propose"): (
        "/staff/rewards/{reward}/propose", row(LOGIN, LOGIN, 422, 404, 422, 403, 403, 403, 422)),
    ("POST", "/staff/rewards/<int:reward_id>/decide"): (  # no action given: 400 for those allowed
        "/staff/rewards/{reward}/decide", row(LOGIN, LOGIN, 403, 403, 400, 400, 403, 403, 403)),
    ("POST", "/staff/rewards/<int:reward_id>/claim-details"): (  # claimant identity: finance only
        "/staff/rewards/{reward}/claim-details", row(LOGIN, LOGIN, 403, 403, 403, 422, 403, 403, 403)),
    ("POST", "/staff/rewards/<int:reward_id>/payment"): (
        "/staff/rewards/{reward}/payment", row(LOGIN, LOGIN, 403, 403, 403, 422, 403, 403, 403)),
    ("GET", "/staff/rewards/register.<fmt>"): (
        "/staff/rewards/register.csv", row(LOGIN, LOGIN, 403, 403, 200, 200, 403, 200, 403)),
    # --- oversight: public statistics; dashboard for supervisors, admins, auditors; holds -----------
    ("GET", "/public/results"): ("/public/results", every(200)),
    ("GET", "/public/statistics"): ("/public/statistics", every(200)),
    # --- inspections of testing and certification bodies (issue 24); 999999: no such plan or task --
    ("GET", "/public/inspections"): ("/public/inspections", every(200)),
    ("GET", "/staff/inspections/"): ("/staff/inspections/", row(LOGIN, LOGIN, 200, 200, 200, 403, 200, 200, 200)),
    ("POST", "/staff/inspections/plans"): ("/staff/inspections/plans",  # empty form
                                           row(LOGIN, LOGIN, 403, 403, 422, 403, 403, 403, 403)),
    ("GET", "/staff/inspections/plans/<int:plan_id>"): ("/staff/inspections/plans/999999",
                                                        row(LOGIN, LOGIN, 404, 404, 404, 403, 404, 404, 404)),
    ("POST", "/staff/inspections/plans/<int:plan_id>/draw"): ("/staff/inspections/plans/999999/draw",
                                                              row(LOGIN, LOGIN, 403, 403, 404, 403, 403, 403, 403)),
    ("GET", "/staff/inspections/bodies"): ("/staff/inspections/bodies",
                                           row(LOGIN, LOGIN, 200, 200, 200, 403, 200, 200, 200)),
    ("POST", "/staff/inspections/bodies"): ("/staff/inspections/bodies",  # empty form: no file
                                            row(LOGIN, LOGIN, 403, 403, 422, 403, 422, 403, 403)),
    ("GET", "/staff/inspections/bodies/<int:body_id>"): ("/staff/inspections/bodies/999999",
                                                         row(LOGIN, LOGIN, 404, 404, 404, 403, 404, 404, 404)),
    ("GET", "/staff/inspections/<int:inspection_id>"): ("/staff/inspections/999999",
                                                        row(LOGIN, LOGIN, 404, 404, 404, 403, 404, 404, 404)),
    ("POST", "/staff/inspections/<int:inspection_id>/result"): ("/staff/inspections/999999/result",
                                                                row(LOGIN, LOGIN, 404, 404, 404, 403, 403, 403, 404)),
    ("POST", "/staff/inspections/<int:inspection_id>/rectified"): (
        "/staff/inspections/999999/rectified", row(LOGIN, LOGIN, 404, 404, 404, 403, 403, 403, 404)),
    ("POST", "/staff/inspections/<int:inspection_id>/recuse"): ("/staff/inspections/999999/recuse",
                                                                row(LOGIN, LOGIN, 403, 403, 404, 403, 403, 403, 403)),
    ("GET", "/staff/dashboard"): ("/staff/dashboard", row(LOGIN, LOGIN, 403, 403, 200, 403, 200, 200, 403)),
    ("GET", "/staff/dashboard/export/<any(cases, statistics, rewards, 'inspection-plan'):what>.<any(csv, xlsx):fmt>"): (
        "/staff/dashboard/export/statistics.csv", row(LOGIN, LOGIN, 403, 403, 200, 403, 200, 200, 403)),
    ("GET", "/staff/holds"): ("/staff/holds", row(LOGIN, LOGIN, 403, 403, 200, 403, 200, 403, 403)),
    ("POST", "/staff/holds"): ("/staff/holds", row(LOGIN, LOGIN, 403, 403, 200, 403, 200, 403, 403)),  # empty form
    ("POST", "/staff/holds/<int:hold_id>/release"): (  # the first allowed releases it, the next is told so
        "/staff/holds/{hold}/release", row(LOGIN, LOGIN, 403, 403, HOLDS, 403, HOLDS, 403, 403)),
}

# Requests that change the principal's own session or the whole site run last, in this order
# (the admin's site-wide "require 2FA" switch would otherwise send every later request to enrolment).
LAST = [("POST", "/staff/admin/settings/require-2fa"), ("POST", "/staff/login/2fa"), ("POST", "/status/logout"),
        ("POST", "/staff/logout")]


def _rules(app):
    return {(m, r.rule) for r in app.url_map.iter_rules() if r.endpoint != "static"
            for m in r.methods - {"HEAD", "OPTIONS"}}


def test_every_route_is_in_the_table(app):
    rules = _rules(app)
    missing = sorted(rules - TABLE.keys())
    stale = sorted(TABLE.keys() - rules)
    assert not missing, f"routes without a row in the authorization table (add one, by hand): {missing}"
    assert not stale, f"rows for routes that no longer exist: {stale}"


def _matches(resp, expected) -> bool:
    if isinstance(expected, int):
        return resp.status_code == expected
    code, path = expected.split(">", 1)
    return resp.status_code == int(code) and urlsplit(resp.headers.get("Location", "")).path == path


def _show(resp) -> str:
    loc = resp.headers.get("Location")
    return f"{resp.status_code}" + (f">{urlsplit(loc).path}" if loc else "")


@pytest.fixture
def the_world(app, session, clock):
    return w.build(app, session, clock)


@pytest.fixture
def principals(app, the_world):
    clients = {"anon": w.new_client(app), "reporter": w.reporter_client(app, the_world.receipt)}
    for p, username in STAFF_USER.items():
        clients[p] = w.staff_client(app, username)
    return {p: (c, w.token_of(c)) for p, c in clients.items()}


def _path(template, world):
    return template.format(tip=world.tip_id, file=world.file_id, case=world.case_id, entity=world.entity_id,
                           reward=world.reward_id, spare=world.spare_user_id,
                           hold=world.hold_id, mail=world.mail_id)


def _request(client, token, method, path):
    if method == "GET":
        return client.get(path)
    return client.post(path, data={"csrf_token": token})


def test_authorization_matrix(the_world, principals, subtests):
    order = [k for k in TABLE if k not in LAST] + LAST
    results = {p: [] for p in PRINCIPALS}
    for key in order:
        template, expected = TABLE[key]
        path = _path(template, the_world)
        # the admin last, so the site-wide switch hits nobody else's cell
        for p in sorted(PRINCIPALS, key=lambda x: x == "admin"):
            client, token = principals[p]
            resp = _request(client, token, key[0], path)
            if resp.status_code >= 500 or not _matches(resp, expected[p]):
                results[p].append(f"{key[0]} {path} ({key[1]}): expected {expected[p]}, got {_show(resp)}")
    for p in PRINCIPALS:
        with subtests.test(msg=p, principal=p):
            assert not results[p], f"{p}:\n  " + "\n  ".join(results[p])


def test_wrong_method_is_405(app, the_world, principals):
    """Every route answers a method it does not have with 405, signed in or not."""
    rules = _rules(app)
    wrong = []
    for (method, rule), (template, _e) in TABLE.items():
        other = "GET" if method == "POST" else "POST"
        if (other, rule) in rules:
            continue
        path = _path(template, the_world)
        for p in ("anon", "off105"):
            client, token = principals[p]
            resp = _request(client, token, other, path)
            if resp.status_code != 405:
                wrong.append(f"{other} {path} as {p}: {resp.status_code}")
    assert not wrong, wrong


def test_finance_reads_no_tip_text_and_officers_no_claimant(app, the_world, principals):
    """Pages finance does reach (the reward) do not carry the tip's text; officers' reward page no claim form."""
    client, _t = principals["fin105"]
    page = client.get(f"/staff/rewards/{the_world.reward_id}").get_data(as_text=True)
    assert the_world.description not in page
    assert the_world.description[:12] not in page
    for p in ("off105", "prov"):
        client, _t = principals[p]
        page = client.get(f"/staff/rewards/{the_world.reward_id}").get_data(as_text=True)
        assert f"/staff/rewards/{the_world.reward_id}/claim-details" not in page, p
