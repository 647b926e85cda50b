"""Hostile text into every public and staff form field: never a 500, and echoed input is escaped.

Each property posts one hostile value into one field (the others keep sensible values, so the
value travels as far into the app as it can). Values mix control characters (NUL included), up
to 100,000 characters, mojibake (GBK bytes read as Latin-1), HTML/JS, SQL and format strings.
Every value carries MARKER, so "the raw MARKER is in the page" means unescaped echo.
"""
from __future__ import annotations

import itertools
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from ..conftest import csrf_token
from ..intake.helpers import GOOD, challenge_answer, form_page, hidden
from ..intake.hotline import BASE_CALL, new_token
from . import world as w

MARKER = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"

FRAGMENTS = [
    MARKER, "\x00", "\x01\x02\x1b[31m", "\r\n", "\u202e", "\ufeff", "\ud7ff", "\U0001F4A9", "\t",
    "'; DROP TABLE tip;--", "\" OR 1=1 --", "%(x)s", "{0}", "{x.__class__}", "%s%s%n", "${7*7}", "{{7*7}}",
    "<img src=x onerror=alert(1)>", "\"><svg onload=alert(1)>", "javascript:alert(1)", "</textarea>",
    "举报内容：某公司伪造检测报告".encode("gbk").decode("latin-1"),
    "水泥检验报告".encode("utf-8").decode("latin-1"),
    "郑州某检测技术有限公司", "Ωμέγα кириллица العربية", "../../etc/passwd", "A" * 300,
]

hostile_piece = st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=40),
                          st.text(alphabet=st.characters(max_codepoint=0x1F), max_size=10))


@st.composite
def hostile(draw, huge: bool = True):
    parts = draw(st.lists(hostile_piece, max_size=6))
    parts.insert(draw(st.integers(0, len(parts))), MARKER)
    value = "".join(parts)
    if huge and draw(st.integers(0, 9)) == 0:  # one in ten: very long
        filler = draw(st.sampled_from(["A", "举", "\x00", "<b>"]))
        value = filler * draw(st.integers(20_000, 100_000 // len(filler))) + value
    return value


FUZZ = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                       HealthCheck.too_slow,
                                                                       HealthCheck.data_too_large])


def check_page(resp, allowed, value):
    assert resp.status_code < 500, f"server error {resp.status_code} for {value[:200]!r}"
    assert resp.status_code in allowed, (resp.status_code, value[:200])
    body = resp.get_data(as_text=True)
    assert MARKER not in body, f"unescaped echo of {value[:200]!r}"
    return body


def post_multipart(client, path, data, follow=True):
    client.environ_base["REMOTE_ADDR"] = w.fresh_addr()  # each request its own rate-limit bucket
    return client.post(path, data=data, content_type="multipart/form-data", follow_redirects=follow)


_login_names = itertools.count(1)


@pytest.fixture
def fz(app, session, clock):
    return w.build(app, session, clock)


# --- the public report form ----------------------------------------------------------------------

REPORT_FIELDS = ["kind", "category_code", "entity_name", "entity_uscc", "entity_address", "division_code",
                 "occurred_on", "description", "knowledge", "reporter_name", "reporter_id_number",
                 "reporter_phone", "reporter_email", "challenge_answer", "challenge", "submission_token",
                 "website", "keep_original", "remove_draft"]


@FUZZ
@given(field=st.sampled_from(REPORT_FIELDS), value=hostile())
def test_report_form_field(app, field, value):
    client = w.new_client(app)
    page = form_page(client)
    data = dict(GOOD, csrf_token=csrf_token(page), submission_token=hidden(page, "submission_token"),
                challenge=hidden(page, "challenge"), challenge_answer=challenge_answer(page))
    data[field] = value
    resp = post_multipart(client, "/report", data)
    body = check_page(resp, {200, 422}, value)
    if resp.status_code == 422 and field in ("entity_name", "entity_address", "reporter_name") \
            and "\x00" not in value and len(value) <= 200:
        assert ESCAPED in body, f"{field} not shown back (escaped) after a refused form"


def test_report_form_echoes_markup_escaped(app):
    """The deterministic case of the property above: a refused form shows the typed text, escaped."""
    client = w.new_client(app)
    page = form_page(client)
    data = dict(GOOD, csrf_token=csrf_token(page), submission_token=hidden(page, "submission_token"),
                challenge=hidden(page, "challenge"), challenge_answer="999", entity_name=MARKER,
                description=MARKER + " 该公司未做检测即出具水泥检验报告，样品从未送到实验室。")
    body = check_page(post_multipart(client, "/report", data), {422}, MARKER)
    assert body.count(ESCAPED) >= 2


# --- the reporter's portal -----------------------------------------------------------------------

@FUZZ
@given(value=hostile())
def test_status_receipt_form(app, value):
    client = w.new_client(app)
    token = csrf_token(client.get("/status").get_data(as_text=True))
    check_page(post_multipart(client, "/status", {"csrf_token": token, "receipt": value}), {200}, value)


PORTAL_FORMS = [("/status/report/reply", "body"), ("/status/report/transcript/correction", "note"),
                ("/status/reward/claim", "name"), ("/status/reward/claim", "id_number"),
                ("/status/reward/claim", "bank"), ("/status/reward/claim", "account_number"),
                ("/status/reward/claim", "account_holder"), ("/status/reward/claim", "passphrase"),
                ("/status/report/passphrase", "passphrase")]
CLAIM = {"name": "王小明", "id_number": "11010519491231002X", "bank": "中国银行郑州分行",
         "account_number": "62166100000012345", "account_holder": "王小明"}


@FUZZ
@given(form=st.sampled_from(PORTAL_FORMS), value=hostile())
def test_reporter_portal_forms(app, fz, form, value):
    path, field = form
    client = w.reporter_client(app, fz.receipt)
    token = csrf_token(client.get("/status/report").get_data(as_text=True))
    data = dict(CLAIM) if path.endswith("claim") else {}
    if path.endswith("passphrase"):
        data["passphrase_confirm"] = value  # the same twice: the passphrase itself is judged (and hashed)
    data.update({"csrf_token": token, field: value})
    check_page(post_multipart(client, path, data), {200, 422}, value)


# --- staff sign-in -------------------------------------------------------------------------------

@FUZZ
@given(field=st.sampled_from(["username", "password"]), value=hostile())
def test_staff_login_form(app, make_user, field, value):
    client = w.new_client(app)
    token = csrf_token(client.get("/staff/login").get_data(as_text=True))
    # Each attempt its own unknown name: since issue 19 an unknown name is locked after five failures
    # like an account, and that lockout is not what this test is about. A fuzzed username repeats
    # across examples, so it may meet its own lockout (429, the same page with the same escaping).
    data = {"csrf_token": token, "username": f"nobody-{next(_login_names)}", "password": "wrong password 1"}
    data[field] = value
    body = check_page(post_multipart(client, "/staff/login", data), {200, 429} if field == "username" else {200},
                      value)
    if field == "username" and "\x00" not in value and len(value) <= 64:
        assert ESCAPED in body


# --- staff: triage, messages, identity, case actions --------------------------------------------

TRIAGE_ACTIONS = ["start_triage", "file_case", "split", "mark_complaint", "transfer_division", "transfer_department",
                  "reject", "update_details", "merge", "join_case", "stop_filing", "resume_filing"]
TRIAGE_FIELDS = ["reason", "document", "on", "target", "case_id", "division_code", "department", "public_reason",
                 "category_code", "entity_name", "entity_uscc", "version", "action", "widen", "stop_reason", "note"]


@pytest.fixture
def desk(app, session, clock, fz):
    """Staff clients of the tip's division: an officer (triage) and a supervisor (case actions)."""
    return {"officer": w.staff_client(app, "off105"), "supervisor": w.staff_client(app, "sup105")}


def _fresh_tip(session, clock):
    from .. import factories
    tip, _code = factories.tip(session, now=clock())
    session.commit()
    return tip.id


@FUZZ
@given(action=st.sampled_from(TRIAGE_ACTIONS), field=st.sampled_from(TRIAGE_FIELDS), value=hostile())
def test_triage_form(app, session, clock, desk, action, field, value):
    tip_id = _fresh_tip(session, clock)
    client = desk["officer"]
    page = client.get(f"/staff/tips/{tip_id}").get_data(as_text=True)
    data = {"csrf_token": csrf_token(page), "action": action, "version": "1", "on": "2026-03-02",
            "reason": "职责范围", "public_reason": "不属于本局职责范围。", "document": "立1号",
            "division_code": "410105", "department": "", "category_code": "test.false_report",
            "entity_name": "郑州某检测技术有限公司", "entity_uscc": "", "target": "", "case_id": ""}
    data[field] = value
    check_page(post_multipart(client, f"/staff/tips/{tip_id}/triage", data), {200, 400, 409, 422}, value)


COMPLAINT_ACTIONS = ["accept", "not_accept", "record_session", "stop_mediation", "resume_mediation", "end_mediation",
                     "refer_violation", "follow_up", "expire_mediation"]
COMPLAINT_FIELDS = ["action", "version", "on", "ground", "notice", "mode", "mediator", "positions", "stop_reason",
                    "outcome", "termination_ground", "terms", "agreement_file", "result", "reason"]


@FUZZ
@given(action=st.sampled_from(COMPLAINT_ACTIONS), field=st.sampled_from(COMPLAINT_FIELDS), value=hostile())
def test_complaint_form(app, session, clock, desk, action, field, value):
    from .. import factories
    tip, _code = factories.tip(session, now=clock(), kind="complaint")
    session.commit()
    client = desk["officer"]
    page = client.get(f"/staff/tips/{tip.id}").get_data(as_text=True)
    data = {"csrf_token": csrf_token(page), "action": action, "version": str(tip.version), "on": "2026-03-02",
            "ground": "not_consumer", "notice": "依法不予受理。", "mode": "phone", "mediator": "",
            "positions": "双方意见",
            "stop_reason": "testing", "outcome": "agreement", "termination_ground": "", "terms": "退款",
            "agreement_file": "", "result": "satisfied", "reason": "涉嫌违法"}
    data[field] = value
    check_page(post_multipart(client, f"/staff/tips/{tip.id}/complaint", data), {200, 400, 409, 422}, value)


@FUZZ
@given(form=st.sampled_from([("messages", "body"), ("identity", "reason")]), value=hostile())
def test_tip_message_and_identity_forms(app, fz, desk, form, value):
    route, field = form
    client = desk["officer"]
    page = client.get(f"/staff/tips/{fz.tip_id}").get_data(as_text=True)
    check_page(post_multipart(client, f"/staff/tips/{fz.tip_id}/{route}",
                              {"csrf_token": csrf_token(page), field: value}), {200, 422}, value)


CASE_ACTIONS = ["note", "task", "task_done", "inspection", "evidence", "custody", "suspend", "resume", "extension",
                "extension_decision", "decide", "close", "redraw", "publishable", "conflict", "complete_team",
                "collective", "recusal", "recusal_decision"]
CASE_FIELDS = ["body", "title", "due_on", "task_id", "on", "place", "officers", "findings", "problems_found", "item",
               "source", "sha256", "item_id", "custodian", "suspension_reason", "note", "clock", "length", "reason",
               "request_id", "approve", "outcome", "decision_number", "decision_date", "fines", "confiscated_gains",
               "confiscated_property", "measures", "legal_basis", "executed_on", "closed_on", "version", "action",
               "participants", "officer", "reason_code", "widen", "applicant", "grounds", "application_id"]


@pytest.fixture
def open_case(app, session, clock, fz):
    from tipline.auth.models import User
    from tipline.cases import triage
    from tipline.intake.models import Tip
    tip = session.get(Tip, _fresh_tip(session, clock))
    tri = session.scalars(select(User).where(User.username == "tri105")).one()
    case = triage.file_case(session, now=clock(), tip=tip, actor=tri, version=tip.version,
                            filing_number="立2号", filed_on=clock().date())
    session.commit()
    return case.id


@FUZZ
@given(action=st.sampled_from(CASE_ACTIONS), field=st.sampled_from(CASE_FIELDS), value=hostile())
def test_case_action_form(app, desk, open_case, action, field, value):
    client = desk["supervisor"]
    page = client.get(f"/staff/cases/{open_case}").get_data(as_text=True)
    version = __import__("re").search(r'name="version" value="(\d+)"', page).group(1)
    data = {"csrf_token": csrf_token(page), "action": action, "version": version, "on": "2026-03-02",
            "body": "记录", "title": "调取台账", "place": "郑州市金水区某路1号", "officers": "甲、乙",
            "findings": "原始记录缺失", "problems_found": "1", "item": "检验报告", "source": "现场",
            "custodian": "证据室", "reason": "需要", "note": "说明", "outcome": "violation",
            "decision_number": "罚2号", "decision_date": "2026-03-02", "fines": "1000", "legal_basis": "条例",
            "executed_on": "2026-03-02", "closed_on": "2026-03-02", "clock": "investigation", "length": "10",
            "suspension_reason": "expert_testing"}
    data[field] = value
    check_page(post_multipart(client, f"/staff/cases/{open_case}/action", data), {200, 400, 409, 422}, value)


# --- the hotline API -----------------------------------------------------------------------------

json_leaf = st.one_of(hostile(huge=False), st.integers(-2**70, 2**70), st.floats(allow_nan=False), st.booleans(),
                      st.none(), st.just(""), st.just("A" * 100_001))
json_value = st.recursive(json_leaf, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                              st.dictionaries(st.text(max_size=10), inner, max_size=4)),
                          max_leaves=8)
API_FIELDS = list(BASE_CALL) + ["division_code", "category_code", "entity_name", "entity_uscc", "real_name",
                                "caller_name", "caller_id_number", "unexpected", "transcript.0.text",
                                "transcript.0.speaker", "transcript.1.start", "transcript.1.end"]


@pytest.fixture
def api_token(app):
    return new_token(app)


_CALL_NUMBERS = itertools.count()


@FUZZ
@given(field=st.sampled_from(API_FIELDS), value=st.one_of(hostile(), json_value), n=st.integers(0, 10**9))
def test_hotline_api_hostile_values(app, api_token, field, value, n):
    body = json.loads(json.dumps(BASE_CALL))
    # A new call id for every example: the same id with another body is a 409 conflict (issue 20), which
    # is right for a resend but not what this test is about.
    body["call_id"] = f"FUZZ-{n}-{next(_CALL_NUMBERS)}"
    if field.startswith("transcript."):
        _t, i, key = field.split(".")
        body["transcript"][int(i)][key] = value
    else:
        body[field] = value
    client = w.new_client(app)
    resp = client.post("/api/v1/hotline/calls", json=body, headers={"Authorization": f"Bearer {api_token}"})
    assert resp.status_code in (200, 201, 422), (resp.status_code, field, repr(value)[:200])
    assert resp.is_json


@FUZZ
@given(raw=st.one_of(st.binary(max_size=300), hostile(huge=False).map(lambda s: s.encode("utf-8", "surrogatepass")),
                     st.sampled_from([b"", b"null", b"[]", b"{}", b'"x"', b"1e999", b'{"call_id": NaN}',
                                      b"\xef\xbb\xbf{}", "举报".encode("gbk")])))
def test_hotline_api_hostile_bodies(app, api_token, raw):
    client = w.new_client(app)
    resp = client.post("/api/v1/hotline/calls", data=raw, content_type="application/json",
                       headers={"Authorization": f"Bearer {api_token}"})
    assert resp.status_code in (200, 201, 422), (resp.status_code, raw[:200])


@pytest.mark.parametrize("raw", [b'{"a":' * 5000, b"[" * 100_000, b'{"call_id": ' + b"[" * 3000 + b"]" * 3000 + b"}"],
                         ids=["unclosed-objects", "open-arrays", "nested-arrays-in-a-field"])
def test_hotline_api_deeply_nested_json_is_422_not_500(app, api_token, raw):
    """FINDING: json.loads raises RecursionError (not a ValueError) on deep nesting; the API lets it out as a 500.
    A body a few KB long is enough, and only a valid bearer token is needed."""
    client = w.new_client(app)
    resp = client.post("/api/v1/hotline/calls", data=raw, content_type="application/json",
                       headers={"Authorization": f"Bearer {api_token}"})
    assert resp.status_code == 422, resp.status_code


# --- NUL bytes, field by field (PostgreSQL text cannot hold them: each must be refused or stripped) ---

NUL = "abc\x00def" + MARKER
NUL_CASES = [  # (id, needs) -- needs: "" public, "reporter", "officer", "supervisor"
    ("report-entity_name", ""), ("report-entity_address", ""), ("report-description", ""),
    ("report-reporter_name", ""), ("report-reporter_email", ""), ("report-entity_uscc", ""),
    ("status-receipt", ""), ("staff_login-username", ""), ("staff_login-password", ""),
    ("reply-body", "reporter"), ("correction-note", "reporter"), ("claim-name", "reporter"),
    ("passphrase-passphrase", "reporter"),
    ("messages-body", "officer"), ("identity-reason", "officer"), ("triage-reason", "officer"),
    ("triage-entity_name", "officer"), ("case-body", "supervisor"),
]


@pytest.mark.parametrize("target,needs", NUL_CASES, ids=[c[0] for c in NUL_CASES])
def test_nul_byte_in_field_is_not_a_server_error(app, session, clock, target, needs):
    form, field = target.split("-", 1)
    world = w.build(app, session, clock) if needs else None
    if form == "report":
        client = w.new_client(app)
        page = form_page(client)
        data = dict(GOOD, csrf_token=csrf_token(page), submission_token=hidden(page, "submission_token"),
                    challenge=hidden(page, "challenge"), challenge_answer=challenge_answer(page))
        path = "/report"
    elif form == "status":
        client, path, data = w.new_client(app), "/status", {}
        data["csrf_token"] = w.token_of(client)
    elif form == "staff_login":
        client, path = w.new_client(app), "/staff/login"
        data = {"csrf_token": w.token_of(client), "username": "nobody-here", "password": "wrong password 1"}
    elif needs == "reporter":
        client = w.reporter_client(app, world.receipt)
        path = {"reply": "/status/report/reply", "correction": "/status/report/transcript/correction",
                "claim": "/status/reward/claim", "passphrase": "/status/report/passphrase"}[form]
        data = dict(CLAIM) if form == "claim" else {}
        if form == "passphrase":
            data["passphrase_confirm"] = NUL
        data["csrf_token"] = w.token_of(client)
    elif needs == "officer":
        client = w.staff_client(app, "off105")
        tip_id = _fresh_tip(session, clock) if form == "triage" else world.tip_id
        path = f"/staff/tips/{tip_id}/{form}"
        data = {"csrf_token": w.token_of(client)}
        if form == "triage":
            data.update(action="reject" if field == "reason" else "update_details", version="1",
                        public_reason="不属于本局职责范围。", category_code="test.false_report",
                        entity_name="郑州某检测技术有限公司", division_code="410105")
    else:
        client = w.staff_client(app, "sup105")
        from tipline.auth.models import User
        from tipline.cases import triage
        from tipline.intake.models import Tip
        tip = session.get(Tip, _fresh_tip(session, clock))
        tri = session.scalars(select(User).where(User.username == "tri105")).one()
        case = triage.file_case(session, now=clock(), tip=tip, actor=tri, version=tip.version,
                                filing_number="立3号", filed_on=clock().date())
        session.commit()
        path, data = f"/staff/cases/{case.id}/action", {"csrf_token": w.token_of(client), "action": "note"}
    data[field] = NUL
    check_page(post_multipart(client, path, data), {200, 400, 409, 422}, NUL)
