"""The OpenAPI 3.1 description of the hotline API, served at GET /api/v1/openapi.json.

A static document kept next to the code it describes; tests validate real responses against it.
"""
from __future__ import annotations

_JSON = "application/json"


def _content(ref: str) -> dict:
    return {_JSON: {"schema": {"$ref": f"#/components/schemas/{ref}"}}}


_SEGMENT = {
    "type": "object",
    "additionalProperties": False,
    "required": ["speaker", "start", "end", "text"],
    "properties": {
        "speaker": {"enum": ["caller", "agent"]},
        "start": {"type": "number", "minimum": 0, "description": "Seconds from the start of the call."},
        "end": {"type": "number", "minimum": 0, "description": "Seconds from the start of the call; >= start."},
        "text": {"type": "string", "minLength": 1, "maxLength": 5000},
    },
}

_CALL = {
    "type": "object",
    "additionalProperties": False,
    "required": ["call_id", "started_at", "duration_seconds", "transcript"],
    "properties": {
        "call_id": {"type": "string", "minLength": 1, "maxLength": 100,
                    "description": "The call centre's id for the call; the same id again is the same call."},
        "started_at": {"type": "string", "format": "date-time",
                       "description": "ISO 8601 with a UTC offset, e.g. 2026-03-02T09:15:00+08:00."},
        "duration_seconds": {"type": "integer", "minimum": 0, "maximum": 86400},
        "division_code": {"type": "string", "pattern": "^41[0-9]{4}$",
                          "description": "GB/T 2260 code in Henan; default: the intake division (410000)."},
        "category_code": {"type": "string", "maxLength": 40},
        "entity_name": {"type": "string", "maxLength": 200},
        "entity_uscc": {"type": "string", "maxLength": 30, "description": "Unified Social Credit Code (checked)."},
        "caller_number": {"type": "string", "maxLength": 40,
                          "description": "Stored only as a keyed hash unless real_name is true."},
        "real_name": {"type": "boolean", "default": False},
        "caller_name": {"type": "string", "maxLength": 100, "description": "Only with real_name."},
        "caller_id_number": {"type": "string", "maxLength": 30,
                             "description": "Resident ID number (checked); only with real_name."},
        "summary": {"type": "string", "maxLength": 5000, "description": "The agent's summary."},
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
            "receipt code for the agent to read to the caller; the same call_id again is answered 200 with the "
            "same tip_reference and receipt_code null (the code is stored only as a one-way hash and no copy "
            "is kept for the call centre). Rate limit: 600 requests per minute per token."),
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
                    "200": {"description": "This call_id was received before.", "content": _content("CallRepeated")},
                    "401": {"description": "Missing, unknown or revoked token.",
                            "headers": {"WWW-Authenticate": {"schema": {"type": "string"}}},
                            "content": _content("Error")},
                    "413": {"description": "Body larger than 5 MiB.", "content": _content("Error")},
                    "415": {"description": "Content type is not application/json.", "content": _content("Error")},
                    "422": {"description": "The body is malformed; nothing was stored.",
                            "content": _content("ValidationErrors")},
                    "429": {"description": "Rate limit exceeded.", "content": _content("Error")},
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
                       "description": "Issued by `tipline tokens create --name NAME`; revoked with `tipline tokens revoke NAME`."},
        },
        "schemas": {
            "HotlineCall": _CALL,
            "TranscriptSegment": _SEGMENT,
            "CallCreated": {
                "type": "object", "additionalProperties": False,
                "required": ["tip_reference", "receipt_code", "status_url", "created"],
                "properties": dict(_RECEIPT_BASE, receipt_code={"type": "string", "pattern": "^[0-9]{4}( [0-9]{4}){3}$"},
                                   created={"const": True}),
            },
            "CallRepeated": {
                "type": "object", "additionalProperties": False,
                "required": ["tip_reference", "receipt_code", "status_url", "created"],
                "properties": dict(_RECEIPT_BASE, receipt_code={"type": "null"}, created={"const": False}),
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
