"""`POST /api/v1/hotline/calls` for the call-centre system, and `GET /api/v1/openapi.json`.

Order of checks: bearer token (401), content type (415), body (422), then the call is stored
(201), recognised by its call_id (200), or refused because its call_id was stored with other
content (409, naming the fields that differ). The receipt code is returned only in the 201 response:
it is stored as a slow keyed hash and cannot be recovered, and no sealed copy is kept for the
call centre (its call_id and token are not secrets from the server), so a repeat gets
`"receipt_code": null`. The agent reads the code to the caller from the first response.
"""
from __future__ import annotations

import json

from flask import Blueprint, current_app, jsonify, request
from flask_babel import gettext as _

from ... import timesource
from ...errors import ValidationFailed
from ...extensions import db, limiter
from ...ratelimit import client_key
from . import services, tokens
from .openapi import document

bp = Blueprint("hotline_api", __name__, url_prefix="/api/v1")

RATE_LIMIT = "600 per minute"
MAX_BODY = 5 * 1024 * 1024


def _bearer() -> str | None:
    scheme, _sep, value = (request.headers.get("Authorization") or "").strip().partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None


def _rate_key() -> str:
    # Per token (hashed, so the limiter's storage never holds it); per client without one.
    raw = _bearer()
    return "t:" + tokens.token_hash(raw)[:32] if raw else client_key()


def _error(status: int, text: str, **headers):
    response = jsonify({"error": text})
    response.status_code = status
    response.headers.update(headers)
    return response


def _unauthorized(presented: bool):
    challenge = 'Bearer realm="tipline"' + (', error="invalid_token"' if presented else "")
    return _error(401, _("A valid bearer token is required."), **{"WWW-Authenticate": challenge})


def message(code: str) -> str:
    messages = {
        "required": _("This field is required."),
        "unknown": _("Unknown field."),
        "string": _("Must be a string."),
        "integer": _("Must be a whole number."),
        "number": _("Must be a number."),
        "boolean": _("Must be true or false."),
        "list": _("Must be a list."),
        "object": _("Must be an object."),
        "empty": _("Must not be empty."),
        "too_long": _("This is too long."),
        "too_short": _("The summary and transcript together are too short to make a tip (at least 20 characters)."),
        "too_many": _("Too many transcript segments."),
        "negative": _("Must not be negative."),
        "too_large": _("This number is too large."),
        "before_start": _("Must not be before the segment's start."),
        "speaker": _("Must be \"caller\" or \"agent\"."),
        "datetime": _("Must be an ISO 8601 date and time."),
        "offset": _("Must include a UTC offset, e.g. +08:00."),
        "future": _("Must not be in the future."),
        "division": _("Must be a 6-digit Henan division code."),
        "category": _("Unknown category code."),
        "phone": _("Must be a telephone number (3 to 20 digits)."),
        "real_name_only": _("Only allowed when the caller chose to give their real name."),
        "json": _("The body is not valid JSON."),
        "encoding": _("The body is not UTF-8 text."),
    }
    if code.startswith(("uscc_", "id_")):
        from ..messages import field_message  # the same wording as the web form's
        return field_message(code)
    return messages.get(code, _("Please check this field."))


def _invalid(errors: dict[str, str]):
    response = jsonify({"errors": {path: message(code) for path, code in errors.items()}})
    response.status_code = 422
    return response


@bp.errorhandler(429)
def _too_many(exc):  # noqa: ARG001
    return _error(429, _("Too many requests; slow down and retry later."))


@bp.post("/hotline/calls")
@limiter.limit(RATE_LIMIT, key_func=_rate_key)
def receive_call():
    raw = _bearer()
    token = tokens.authenticate(db.session, raw)
    if token is None:
        return _unauthorized(raw is not None)
    if request.mimetype != "application/json":
        return _error(415, _("Send the call as application/json."))
    if (request.content_length or 0) > MAX_BODY:
        return _error(413, _("The request body is too large."))
    try:
        payload = json.loads(request.get_data(cache=False).decode("utf-8"))
    except UnicodeDecodeError:
        return _invalid({"body": "encoding"})
    except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting is malformed too
        return _invalid({"body": "json"})
    settings = current_app.config["TIPLINE"]
    divisions = current_app.extensions["divisions"]
    try:
        result = services.receive_payload(db.session, now=timesource.now(), payload=payload,
                                          default_division=settings.intake_division,
                                          known_division=lambda c: c in divisions,
                                          actor_label=f"hotline:{token.name}"[:120])
        db.session.commit()
    except ValidationFailed as exc:
        db.session.rollback()
        return _invalid(exc.details.get("fields") or {"body": "invalid"})
    except Exception:
        db.session.rollback()
        raise
    if result.differs:
        # The same call_id with other content: nothing is changed or dropped silently.
        return jsonify({"error": _("This call_id was received before with different content; nothing was changed."),
                        "tip_reference": result.tip.reference, "tip_id": result.tip.id,
                        "differs": result.differs}), 409
    body = {"tip_reference": result.tip.reference, "receipt_code": result.receipt_code,
            "status_url": settings.public_url.rstrip("/") + "/status", "created": result.created}
    return jsonify(body), 201 if result.created else 200


@bp.get("/openapi.json")
def openapi():
    return jsonify(document(current_app.extensions["divisions"]))
