"""Per-field digests of a hotline call, to tell a repeat of a call from a different call sent
under the same call_id.

Each field of the parsed call is hashed with the instance key (a database copy does not reveal a
caller's number or name by guessing), and the digests are stored with the call. A later request
with the same call_id and equal digests is a repeat (200); any difference is a conflict (409) that
names the fields, so the call centre can see what it sent twice and nothing is silently dropped.
"""
from __future__ import annotations

import json

from ... import crypto
from .phone import normalise_phone

# The order fields are reported in (the API's field names).
FIELD_ORDER = ("started_at", "duration_seconds", "division_code", "category_code", "entity_name", "entity_uscc",
               "caller_number", "real_name", "caller_name", "caller_id_number", "summary", "transcript")


def _canonical(data, name: str):
    value = getattr(data, name)
    if name == "started_at":
        return value.isoformat()
    if name == "caller_number":
        return normalise_phone(value) if value else ""
    if name == "transcript":
        return [[s.speaker, round(float(s.start), 2), round(float(s.end), 2), s.text] for s in value]
    return value


def field_digests(data) -> dict[str, str]:
    ring = crypto.keyring()
    return {name: ring.keyed_hash("hotline-field:" + name,
                                  json.dumps(_canonical(data, name), ensure_ascii=False, sort_keys=True))[:32]
            for name in FIELD_ORDER}


def encode(digests: dict[str, str]) -> str:
    return json.dumps(digests, sort_keys=True)


def differing(stored: str | None, data) -> list[str]:
    """Fields of `data` that differ from the call stored with digests `stored` ([] for a repeat; [] too
    for a call stored before digests were kept, which cannot be compared)."""
    if not stored:
        return []
    old = json.loads(stored)
    new = field_digests(data)
    return [name for name in FIELD_ORDER if old.get(name) != new[name]]
