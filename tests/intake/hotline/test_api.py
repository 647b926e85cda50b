"""POST /api/v1/hotline/calls: idempotency, validation, auth, content type, rate limit, tokens and
the OpenAPI document checked against real responses."""
from __future__ import annotations

import re

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from sqlalchemy import func, select, text

from tipline import crypto
from tipline.audit.models import AuditEvent
from tipline.intake.hotline.models import ApiToken, HotlineCall, TranscriptSegment
from tipline.intake.hotline.openapi import OPENAPI, document
from tipline.intake.models import ReporterIdentity, Tip

from . import CALLER_NUMBER, call, new_token, post

VALID_ID = "41010519900307123X"
CALLS = "/paths/~1api~1v1~1hotline~1calls/post"
COMPLAINT = "我要举报一家无证经营的饭店，就在我家楼下。"


def _counts(session):
    """Row counts, read in a transaction of their own (SQLite: the test's session must not hold the
    write lock while the app serves the next request)."""
    session.rollback()
    counts = tuple(session.scalar(select(func.count()).select_from(m))
                   for m in (Tip, HotlineCall, TranscriptSegment, ReporterIdentity, AuditEvent))
    session.rollback()
    return counts


# --- the OpenAPI document, and real responses checked against it -------------------------------

_REGISTRY = Registry().with_resource("urn:tipline:openapi", Resource.from_contents(OPENAPI, DRAFT202012))


def _validator(pointer: str) -> Draft202012Validator:
    # A $ref into the whole document, so the schemas' own "#/components/..." refs resolve in it.
    return Draft202012Validator({"$ref": "urn:tipline:openapi#" + pointer}, registry=_REGISTRY)


def check_response(response, status: int):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    _validator(f"{CALLS}/responses/{status}/content/application~1json/schema").validate(response.get_json())


def test_openapi_document_is_served_and_well_formed(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc = response.get_json()
    assert doc == document(client.application.extensions["divisions"]) and doc["openapi"].startswith("3.1")
    assert "410105" in doc["components"]["schemas"]["HotlineCall"]["properties"]["division_code"]["enum"]
    assert doc["components"]["securitySchemes"]["bearer"] == {**doc["components"]["securitySchemes"]["bearer"],
                                                              "type": "http", "scheme": "bearer"}
    for schema in doc["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)
    assert set(doc["paths"]["/api/v1/hotline/calls"]["post"]["responses"]) >= {"200", "201", "401", "415", "422"}
    request_schema = _validator(f"{CALLS}/requestBody/content/application~1json/schema")
    request_schema.validate(call())
    assert not request_schema.is_valid(call(transcript=[]))
    assert not request_schema.is_valid(call(transcript=[{"speaker": "customer", "start": 0, "end": 1, "text": "x"}]))


def test_first_call_created_then_same_call_id_recognised(app, client, session, token):
    first = post(client, token, call())
    check_response(first, 201)
    body = first.get_json()
    assert body["created"] is True
    assert re.fullmatch(r"T2026-\d{6}", body["tip_reference"])
    assert re.fullmatch(r"\d{4} \d{4} \d{4} \d{4}", body["receipt_code"])
    assert body["status_url"] == app.config["TIPLINE"].public_url.rstrip("/") + "/status"
    before = _counts(session)

    again = post(client, token, call())  # the same call pushed again
    check_response(again, 200)
    assert again.get_json() == {**body, "receipt_code": None, "created": False}
    assert _counts(session) == before

    # The same call_id with other content: 409, naming the stored tip and what differs; nothing changes.
    changed = call(summary="重复推送，内容略有不同。", duration_seconds=185)
    conflict = post(client, token, changed)
    check_response(conflict, 409)
    answer = conflict.get_json()
    assert answer["tip_reference"] == body["tip_reference"] and answer["differs"] == ["duration_seconds", "summary"]
    assert answer["tip_id"] == int(body["tip_reference"].split("-")[1])
    assert _counts(session) == before
    session.rollback()
    assert before[:3] == (1, 1, 4)

    tip = session.scalars(select(Tip)).one()
    assert tip.channel == "hotline" and tip.division_code == "410000" and tip.anonymous
    assert tip.sealed_receipt is None  # no recoverable copy of the code is kept
    assert tip.description.startswith(
        "来电反映金水区某超市销售过期牛奶。\n\n接线员：您好，12315，请讲。\n来电人：我在金水路")
    hc = session.scalars(select(HotlineCall)).one()
    assert hc.call_id == "CC-20260302-0001" and hc.duration_seconds == 184 and hc.tip_id == tip.id
    assert hc.started_at.isoformat() == "2026-03-02T01:05:00+00:00"
    segments = session.scalars(select(TranscriptSegment).order_by(TranscriptSegment.seq)).all()
    assert [(s.speaker, s.start, s.end) for s in segments][-1] == ("caller", 18.4, 25.75)
    actions = session.scalars(select(AuditEvent.action)).all()
    assert "tip.received" in actions and "hotline.call_received" in actions


def test_caller_number_is_stored_only_as_a_keyed_hash(app, client, session, token):
    check_response(post(client, token, call(caller_number="+86 139-0371-0042")), 201)
    hc = session.scalars(select(HotlineCall)).one()
    with app.app_context():
        assert hc.caller_hash == crypto.keyring().keyed_hash("caller", CALLER_NUMBER)
    assert session.scalar(select(func.count()).select_from(ReporterIdentity)) == 0
    session.rollback()
    # A repeat caller is linked by the hash, whatever way the number was written.
    check_response(post(client, token, call(call_id="CC-2", caller_number=CALLER_NUMBER)), 201)
    assert session.scalar(select(func.count()).where(HotlineCall.caller_hash == hc.caller_hash)) == 2
    for table in ("hotline_call", "tip", "transcript_segment", "audit_event"):
        for row in session.execute(text(f"SELECT * FROM {table}")).all():
            for value in row:
                raw = bytes(value) if isinstance(value, (bytes, memoryview)) else str(value).encode()
                for form in ("13903710042", "139-0371-0042", "0371"):
                    assert form.encode() not in raw, (table, row)


def test_real_name_caller_gets_an_encrypted_identity(client, session, token):
    body = call(real_name=True, caller_name="张三", caller_id_number=VALID_ID)
    check_response(post(client, token, body), 201)
    tip = session.scalars(select(Tip)).one()
    identity = session.scalars(select(ReporterIdentity)).one()
    assert not tip.anonymous
    assert (identity.name, identity.id_number, identity.phone) == ("张三", VALID_ID, CALLER_NUMBER)
    raw = session.execute(text("SELECT phone, name FROM reporter_identity")).one()
    assert CALLER_NUMBER.encode() not in bytes(raw[0]) and "张三".encode() not in bytes(raw[1])


BAD = [
    ({"call_id": None}, "call_id"),
    ({"call_id": "  "}, "call_id"),
    ({"call_id": "x" * 101}, "call_id"),
    ({"call_id": 17}, "call_id"),
    ({"started_at": None}, "started_at"),
    ({"started_at": "yesterday"}, "started_at"),
    ({"started_at": "2026-03-02T09:05:00"}, "started_at"),  # no offset
    ({"started_at": "2026-03-09T09:05:00+08:00"}, "started_at"),  # future
    ({"duration_seconds": None}, "duration_seconds"),
    ({"duration_seconds": -1}, "duration_seconds"),
    ({"duration_seconds": "60"}, "duration_seconds"),
    ({"duration_seconds": 1.5}, "duration_seconds"),
    ({"duration_seconds": True}, "duration_seconds"),
    ({"division_code": "110000"}, "division_code"),
    ({"division_code": "41010"}, "division_code"),
    ({"category_code": "no.such"}, "category_code"),
    ({"entity_name": "某" * 201}, "entity_name"),
    ({"entity_uscc": "91350200MA2YJ1XR9A"}, "entity_uscc"),
    ({"caller_number": "ext."}, "caller_number"),
    ({"real_name": "yes"}, "real_name"),
    ({"caller_name": "李四"}, "caller_name"),
    ({"caller_id_number": VALID_ID}, "caller_id_number"),
    ({"real_name": True, "caller_id_number": "410105199003071231"}, "caller_id_number"),
    ({"summary": ["not", "text"]}, "summary"),
    ({"callerNumber": "13903710042"}, "callerNumber"),
    ({"transcript": None}, "transcript"),
    ({"transcript": []}, "transcript"),
    ({"transcript": "来电人：你好"}, "transcript"),
    ({"transcript": ["text"]}, "transcript.0"),
    ({"transcript": [{"speaker": "customer", "start": 0, "end": 1, "text": COMPLAINT}]},
     "transcript.0.speaker"),
    ({"transcript": [{"start": 0, "end": 1, "text": COMPLAINT}]}, "transcript.0.speaker"),
    ({"transcript": [{"speaker": "caller", "start": -1, "end": 1, "text": COMPLAINT}]},
     "transcript.0.start"),
    ({"transcript": [{"speaker": "caller", "start": 5, "end": 2, "text": COMPLAINT}]},
     "transcript.0.end"),
    ({"transcript": [{"speaker": "caller", "start": 0, "end": 2, "text": ""}]}, "transcript.0.text"),
    ({"transcript": [{"speaker": "caller", "start": 0, "end": 2, "text": "我要举报一家无证经营的饭店，就在我家楼下。",
                      "volume": 3}]}, "transcript.0.volume"),
    ({"summary": None, "transcript": [{"speaker": "caller", "start": 0, "end": 1, "text": "喂？"}]}, "transcript"),
]


@pytest.mark.parametrize("change,path", BAD, ids=[f"{i}-{p}" for i, (_c, p) in enumerate(BAD)])
def test_each_bad_field_is_422_with_its_path_and_nothing_is_stored(client, session, token, change, path):
    before = _counts(session)
    body = call()
    for key, value in change.items():
        if value is None:
            body.pop(key)
        else:
            body[key] = value
    response = post(client, token, body)
    check_response(response, 422)
    assert path in response.get_json()["errors"], response.get_json()
    assert _counts(session) == before


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b"null", "\xff".encode("latin-1")])
def test_a_body_that_is_no_call_object_is_422(client, session, token, raw):
    before = _counts(session)
    response = client.post("/api/v1/hotline/calls", data=raw, content_type="application/json",
                           headers={"Authorization": f"Bearer {token}"})
    check_response(response, 422)
    assert list(response.get_json()["errors"]) == ["body"]
    assert _counts(session) == before


def test_missing_wrong_or_revoked_token_is_401(app, client, session, token):
    for headers in ({}, {"Authorization": "Bearer"}, {"Authorization": "Bearer wrong-token"},
                    {"Authorization": f"Basic {token}"}, {"Authorization": f"Bearer {token}x"}):
        response = client.post("/api/v1/hotline/calls", json=call(), headers=headers)
        check_response(response, 401)
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    check_response(post(client, token, call()), 201)
    revoked = app.test_cli_runner().invoke(args=["tokens", "revoke", "callcentre"])
    assert revoked.exit_code == 0, revoked.output
    response = post(client, token, call(call_id="CC-after-revoke"))
    check_response(response, 401)
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    assert session.scalar(select(func.count()).select_from(HotlineCall)) == 1


def test_wrong_content_type_is_415(client, session, token):
    import json
    headers = {"Authorization": f"Bearer {token}"}
    for kwargs in ({"data": json.dumps(call()), "content_type": "text/plain"},
                   {"data": {"call_id": "x"}},  # a form post
                   {"data": json.dumps(call())}):
        response = client.post("/api/v1/hotline/calls", headers=headers, **kwargs)
        check_response(response, 415)
    assert session.scalar(select(func.count()).select_from(Tip)) == 0


def test_no_csrf_token_is_needed_but_the_bearer_is(client, token):
    # The app enforces CSRF on every other POST; the API is exempt because it takes no cookies.
    check_response(post(client, token, call()), 201)


def test_rate_limited_per_token(app, client, token):
    for _i in range(600):
        assert client.post("/api/v1/hotline/calls", headers={"Authorization": "Bearer guessing"}).status_code == 401
    limited = client.post("/api/v1/hotline/calls", headers={"Authorization": "Bearer guessing"})
    check_response(limited, 429)
    check_response(post(client, token, call()), 201)  # another token has its own budget


def test_tokens_cli_create_list_revoke(app, session):
    runner = app.test_cli_runner()
    raw = new_token(app, "12315-centre")
    assert raw.startswith("tlh_") and len(raw) > 40
    stored = session.execute(text("SELECT name, token_hash FROM api_token")).all()
    session.rollback()
    assert stored and all(raw not in str(r) for r in stored)
    again = runner.invoke(args=["tokens", "create", "--name", "12315-centre"])
    assert again.exit_code == 1 and "revoke it first" in again.output
    listed = runner.invoke(args=["tokens", "list"])
    assert "12315-centre" in listed.output and "active" in listed.output and raw not in listed.output
    assert runner.invoke(args=["tokens", "revoke", "12315-centre"]).exit_code == 0
    assert "revoked 2026-03-02" in runner.invoke(args=["tokens", "list"]).output
    assert runner.invoke(args=["tokens", "revoke", "12315-centre"]).exit_code == 1
    reissued = new_token(app, "12315-centre")
    assert reissued != raw
    session.rollback()
    assert session.scalar(select(func.count()).select_from(ApiToken).where(ApiToken.revoked_at.is_(None))) == 1
