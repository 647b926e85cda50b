"""The OpenAPI 3.1 description of the hotline API, served at GET /api/v1/openapi.json.

A static document kept next to the code it describes; tests validate real responses against it.
"""
from __future__ import annotations

import copy

from ... import categories

_JSON = "application/json"


def _content(ref: str) -> dict:
    return {_JSON: {"schema": {"$ref": f"#/components/schemas/{ref}"}}}


_SEGMENT = {
    "type": "object",
    "additionalProperties": False,
    "required": ["speaker", "start", "end", "text"],
    "properties": {
        "speaker": {"enum": ["caller", "agent"]},
        "start": {"type": "number", "minimum": 0, "maximum": 86400,
                  "description": "Seconds from the start of the call."},
        "end": {"type": "number", "minimum": 0, "maximum": 86400,
                "description": "Seconds from the start of the call; must not be less than start (else 422)."},
        "text": {"type": "string", "minLength": 1, "maxLength": 5000, "pattern": "\\S",
                 "description": "Must not be blank."},
    },
}

_CALL = {
    "type": "object",
    "additionalProperties": False,
    "required": ["call_id", "started_at", "duration_seconds", "transcript"],
    "description": (
        "Rules the API enforces beyond the schema (each answered 422 naming the field): started_at no more than "
        "10 minutes in the future; the summary and the transcript's text together at least 20 characters; "
        "a segment's end not before its start; entity_uscc with a valid check character; caller_id_number a "
        "valid resident ID number (check digit, a real date of birth not in the future); caller_number with "
        "3 to 20 digits; division_code a division of Henan known to this instance; NUL characters are "
        "removed from text. The same call_id with other content is refused (409), never merged."),
    # caller_name and caller_id_number only when the caller chose to give their real name.
    "allOf": [
        {"if": {"required": ["caller_name"], "properties": {"caller_name": {"pattern": "\\S"}}},
         "then": {"required": ["real_name"], "properties": {"real_name": {"const": True}}}},
        {"if": {"required": ["caller_id_number"], "properties": {"caller_id_number": {"pattern": "\\S"}}},
         "then": {"required": ["real_name"], "properties": {"real_name": {"const": True}}}},
    ],
    "properties": {
        "call_id": {"type": "string", "minLength": 1, "maxLength": 100, "pattern": "\\S",
                    "description": "The call centre's id for the call; the same id again is the same call: "
                                   "with the same content a repeat (200), with other content a conflict (409)."},
        "started_at": {"type": "string", "format": "date-time",
                       "description": "ISO 8601 with a UTC offset, e.g. 2026-03-02T09:15:00+08:00; not more than "
                                      "10 minutes in the future."},
        "duration_seconds": {"type": "integer", "minimum": 0, "maximum": 86400},
        "division_code": {"type": "string", "pattern": "^41[0-9]{4}$",
                          "description": "GB/T 2260 code in Henan; default: the intake division (410000)."},
        "category_code": {"enum": [""] + sorted(categories.by_code()),
                          "description": "A category of the bureau's catalogue, or empty (triage sets it)."},
        "entity_name": {"type": "string", "maxLength": 200},
        "entity_uscc": {"type": "string", "maxLength": 30, "description": "Unified Social Credit Code (checked)."},
        "caller_number": {"type": "string", "maxLength": 40,
                          "description": "3 to 20 digits (separators and +86 allowed). Stored only as a keyed hash "
                                         "unless real_name is true."},
        "real_name": {"type": "boolean", "default": False},
        "caller_name": {"type": "string", "maxLength": 100, "description": "Only with real_name."},
        "caller_id_number": {"type": "string", "maxLength": 30,
                             "description": "Resident ID number (checked); only with real_name."},
        "summary": {"type": "string", "maxLength": 5000,
                    "description": "The agent's summary; with the transcript's text at least 20 characters."},
        "transcript": {"type": "array", "minItems": 1, "maxItems": 5000,
                       "items": {"$ref": "#/components/schemas/TranscriptSegment"}},
    },
}

_RECEIPT_BASE = {
    "tip_reference": {"type": "string", "pattern": "^T[0-9]{4}-[0-9]{6,}$"},
    "status_url": {"type": "string", "format": "uri"},
}

OPENAPI: dict = {
    "openapi": "3.1.0",
    "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
    "info": {
        "title": "Tipline hotline API",
        "version": "1.0.0",
        "description": (
            "The 12315 call-centre system posts each call as a tip. A new call is answered 201 with the "
            "receipt code for the agent to read to the caller; the same call_id again with the same content is "
            "answered 200 with the same tip_reference and receipt_code null (the code is stored only as a one-way "
            "hash and no copy is kept for the call centre); the same call_id with other content is answered 409 "
            "with the stored tip and the fields that differ, and nothing is changed. When the database is busy the "
            "answer is 503 with Retry-After (JSON, like every error). Rate limit: 600 requests per minute per token."),
    },
    "servers": [{"url": "/"}],
    "security": [{"bearer": []}],
    "paths": {
        "/api/v1/hotline/calls": {
            "post": {
                "operationId": "receiveHotlineCall",
                "summary": "Record a hotline call as a tip (idempotent per call_id).",
                "requestBody": {"required": True, "content": _content("HotlineCall")},
                "responses": {
                    "201": {"description": "The call made a new tip.", "content": _content("CallCreated")},
                    "200": {"description": "This call_id was received before with the same content.",
                            "content": _content("CallRepeated")},
                    "409": {"description": "This call_id was received before with other content; nothing was changed. "
                                           "Names the stored tip and the fields that differ.",
                            "content": _content("CallConflict")},
                    "401": {"description": "Missing, unknown or revoked token.",
                            "headers": {"WWW-Authenticate": {"schema": {"type": "string"}}},
                            "content": _content("Error")},
                    "413": {"description": "Body larger than 5 MiB.", "content": _content("Error")},
                    "415": {"description": "Content type is not application/json.", "content": _content("Error")},
                    "422": {"description": "The body is malformed; nothing was stored.",
                            "content": _content("ValidationErrors")},
                    "429": {"description": "Rate limit exceeded.", "content": _content("Error")},
                    "503": {"description": "The database is busy or unavailable; nothing was stored. Retry after "
                                           "the given number of seconds.",
                            "headers": {"Retry-After": {"required": True, "schema": {"type": "string",
                                                                                     "pattern": "^[0-9]+$"}}},
                            "content": _content("Error")},
                },
            },
        },
        "/api/v1/openapi.json": {
            "get": {
                "operationId": "openapi",
                "summary": "This document.",
                "security": [],
                "responses": {"200": {"description": "OpenAPI 3.1 document.",
                                      "content": {_JSON: {"schema": {"type": "object"}}}}},
            },
        },
    },
    "components": {
        "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer",
                       "description": "Issued by `tipline tokens create --name NAME`; "
                                      "revoked with `tipline tokens revoke NAME`."},
        },
        "schemas": {
            "HotlineCall": _CALL,
            "TranscriptSegment": _SEGMENT,
            "CallCreated": {
                "type": "object", "additionalProperties": False,
                "required": ["tip_reference", "receipt_code", "status_url", "created"],
                "properties": dict(_RECEIPT_BASE,
                                   receipt_code={"type": "string", "pattern": "^[0-9]{4}( [0-9]{4}){3}$"},
                                   created={"const": True}),
            },
            "CallRepeated": {
                "type": "object", "additionalProperties": False,
                "required": ["tip_reference", "receipt_code", "status_url", "created"],
                "properties": dict(_RECEIPT_BASE, receipt_code={"type": "null"}, created={"const": False}),
            },
            "CallConflict": {
                "type": "object", "additionalProperties": False,
                "required": ["error", "tip_reference", "tip_id", "differs"],
                "properties": {
                    "error": {"type": "string"},
                    "tip_reference": _RECEIPT_BASE["tip_reference"],
                    "tip_id": {"type": "integer", "minimum": 1},
                    "differs": {"type": "array", "minItems": 1, "uniqueItems": True,
                                "items": {"enum": ["started_at", "duration_seconds", "division_code", "category_code",
                                                   "entity_name", "entity_uscc", "caller_number", "real_name",
                                                   "caller_name", "caller_id_number", "summary", "transcript"]}},
                },
            },
            "Error": {
                "type": "object", "additionalProperties": False, "required": ["error"],
                "properties": {"error": {"type": "string"}},
            },
            "ValidationErrors": {
                "type": "object", "additionalProperties": False, "required": ["errors"],
                "properties": {"errors": {
                    "type": "object", "minProperties": 1,
                    "description": "Field path (e.g. transcript.2.end, or body) -> message.",
                    "additionalProperties": {"type": "string"},
                }},
            },
        },
    },
}


def document(divisions=None) -> dict:
    """The document as served: with `divisions`, division_code lists the codes this instance knows."""
    if divisions is None:
        return OPENAPI
    doc = copy.deepcopy(OPENAPI)
    codes = [d.code for d in divisions.all() if d.code.startswith("41")]
    doc["components"]["schemas"]["HotlineCall"]["properties"]["division_code"]["enum"] = codes
    return doc
