"""Checking a call record, making its tip once per call_id, and the reporter's view of the transcript.

Functions take the session and `now` and never commit, like intake.services: the tip, identity,
call, transcript and audit event commit together or not at all.

Problems are reported as {"field.path": code}; api.message(code) words a code for people.
"""
from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from typing import cast

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ... import categories, crypto
from ...audit import services as audit
from ...errors import ValidationFailed
from ...timesource import local_date
from ...validators import id_number_problem, uscc_problem
from .. import receipts
from .. import services as intake
from ..models import Tip
from . import digests
from .models import SPEAKERS, HotlineCall, TranscriptSegment
from .phone import normalise_phone

FIELDS = {"call_id", "started_at", "duration_seconds", "division_code", "category_code", "entity_name",
          "entity_uscc", "caller_number", "real_name", "caller_name", "caller_id_number", "summary", "transcript"}
SEGMENT_FIELDS = {"speaker", "start", "end", "text"}
MAX_SEGMENTS = 5000
MAX_SEGMENT_TEXT = 5000
MAX_SUMMARY = 5000
MAX_DURATION = 24 * 3600
FUTURE_SLACK = dt.timedelta(minutes=10)
# Dialogue labels inside the stored description (tip data in the reporters' language, not UI text).
DIALOGUE_LABELS = {"caller": "来电人", "agent": "接线员"}
TRUNCATED = "……（通话记录过长，完整内容见通话记录）"
_DIVISION_RE = re.compile(r"\d{6}")


@dataclass
class Segment:
    speaker: str
    start: float
    end: float
    text: str


@dataclass
class CallData:
    call_id: str
    started_at: dt.datetime
    duration_seconds: int
    division_code: str
    category_code: str
    entity_name: str
    entity_uscc: str
    caller_number: str
    real_name: bool
    caller_name: str
    caller_id_number: str
    summary: str
    transcript: list[Segment]


@dataclass
class CallResult:
    call: HotlineCall
    tip: Tip
    created: bool
    receipt_code: str | None  # grouped; only when this call made the tip (never stored)
    differs: list[str] = field(default_factory=list)  # same call_id, other content: the fields that differ


def _string(p, errors, name, value, *, required=False, limit=200) -> str:
    if value is None or (value == "" and not required):
        if required:
            errors[p + name] = "required"
        return ""
    if not isinstance(value, str):
        errors[p + name] = "string"
        return ""
    value = value.replace("\x00", "")  # NUL is never text, and PostgreSQL refuses it
    if required and not value.strip():
        errors[p + name] = "empty"
    elif len(value) > limit:
        errors[p + name] = "too_long"
    return value.strip()


def _number(p, errors, name, value, *, integer=False):
    if value is None:
        errors[p + name] = "required"
    elif isinstance(value, bool) or not isinstance(value, (int, float) if not integer else int):
        errors[p + name] = "integer" if integer else "number"
    elif not math.isfinite(value):
        errors[p + name] = "number"
    elif value < 0:
        errors[p + name] = "negative"
    elif value > MAX_DURATION:
        errors[p + name] = "too_large"
    else:
        return value
    return None


def _segments(errors, value) -> list[Segment]:
    if value is None:
        errors["transcript"] = "required"
        return []
    if not isinstance(value, list):
        errors["transcript"] = "list"
        return []
    if not value:
        errors["transcript"] = "empty"
        return []
    if len(value) > MAX_SEGMENTS:
        errors["transcript"] = "too_many"
        return []
    out = []
    for i, item in enumerate(value):
        p = f"transcript.{i}."
        if not isinstance(item, dict):
            errors[f"transcript.{i}"] = "object"
            continue
        for extra in sorted(set(item) - SEGMENT_FIELDS):
            errors[p + extra] = "unknown"
        speaker = item.get("speaker")
        if speaker is None:
            errors[p + "speaker"] = "required"
        elif speaker not in SPEAKERS:
            errors[p + "speaker"] = "speaker"
        start = _number(p, errors, "start", item.get("start"))
        end = _number(p, errors, "end", item.get("end"))
        if start is not None and end is not None and end < start:
            errors[p + "end"] = "before_start"
        text = _string(p, errors, "text", item.get("text"), required=True, limit=MAX_SEGMENT_TEXT)
        # speaker is checked above; a segment with an error is dropped with the whole record
        out.append(Segment(cast(str, speaker), float(start or 0), float(end or 0), text))
    return out


def parse(payload, *, now: dt.datetime, default_division: str, known_division) -> tuple[CallData | None, dict]:
    """(CallData, {}) for an acceptable call record, else (None, {"field.path": code})."""
    if not isinstance(payload, dict):
        return None, {"body": "object"}
    errors: dict[str, str] = {}
    for extra in sorted(set(payload) - FIELDS):
        errors[extra] = "unknown"
    call_id = _string("", errors, "call_id", payload.get("call_id"), required=True, limit=100)
    started_at = None
    raw = payload.get("started_at")
    if raw is None:
        errors["started_at"] = "required"
    elif not isinstance(raw, str):
        errors["started_at"] = "string"
    else:
        try:
            started_at = dt.datetime.fromisoformat(raw.strip())
        except ValueError:
            errors["started_at"] = "datetime"
        else:
            if started_at.tzinfo is None:
                errors["started_at"], started_at = "offset", None
            elif started_at > now + FUTURE_SLACK:
                errors["started_at"] = "future"
    duration = _number("", errors, "duration_seconds", payload.get("duration_seconds"), integer=True)
    division = _string("", errors, "division_code", payload.get("division_code"), limit=6) or default_division
    if "division_code" not in errors and not (_DIVISION_RE.fullmatch(division) and known_division(division)):
        errors["division_code"] = "division"
    category = _string("", errors, "category_code", payload.get("category_code"), limit=40)
    if category and "category_code" not in errors and categories.get(category) is None:
        errors["category_code"] = "category"
    entity_name = _string("", errors, "entity_name", payload.get("entity_name"), limit=200)
    uscc = _string("", errors, "entity_uscc", payload.get("entity_uscc"), limit=30)
    if uscc and "entity_uscc" not in errors and (uscc_code := uscc_problem(uscc)):
        errors["entity_uscc"] = "uscc_" + uscc_code
    number = _string("", errors, "caller_number", payload.get("caller_number"), limit=40)
    if number and "caller_number" not in errors and not 3 <= len(normalise_phone(number)) <= 20:
        errors["caller_number"] = "phone"
    real_name = payload.get("real_name", False)
    if not isinstance(real_name, bool):
        errors["real_name"], real_name = "boolean", False
    name = _string("", errors, "caller_name", payload.get("caller_name"), limit=100)
    id_number = _string("", errors, "caller_id_number", payload.get("caller_id_number"), limit=30)
    for field_name, value in (("caller_name", name), ("caller_id_number", id_number)):
        if value and field_name not in errors and not real_name and "real_name" not in errors:
            errors[field_name] = "real_name_only"
    if id_number and "caller_id_number" not in errors and (
            id_code := id_number_problem(id_number, today=local_date(now))):
        errors["caller_id_number"] = "id_" + id_code
    summary = _string("", errors, "summary", payload.get("summary"), limit=MAX_SUMMARY)
    segments = _segments(errors, payload.get("transcript"))
    if not errors and len(description(summary, segments)) < intake.MIN_DESCRIPTION:
        errors["transcript"] = "too_short"
    if errors:
        return None, errors
    if started_at is None:  # cannot happen: every path that leaves it unset records an error
        raise AssertionError("started_at unset without an error")
    return CallData(call_id, started_at, duration, division, category, entity_name, uscc, number, real_name,
                    name, id_number, summary, segments), {}


def description(summary: str, segments: list[Segment]) -> str:
    """The tip's text: the agent's summary, then the dialogue, cut to the tip's limit."""
    dialogue = "\n".join(f"{DIALOGUE_LABELS[s.speaker]}：{s.text.strip()}" for s in segments)
    text = (summary.strip() + "\n\n" + dialogue).strip() if summary.strip() else dialogue
    if len(text) > intake.MAX_DESCRIPTION:
        text = text[:intake.MAX_DESCRIPTION - len(TRUNCATED) - 1].rstrip() + "\n" + TRUNCATED
    return text


def find_call(session: Session, call_id: str) -> HotlineCall | None:
    return session.scalar(select(HotlineCall).where(HotlineCall.call_id == call_id))


def _duplicate(session: Session, call: HotlineCall, data: CallData) -> CallResult:
    """The call stored under this call_id: a repeat, or a conflict naming the fields that differ."""
    return CallResult(call, session.get_one(Tip, call.tip_id), created=False, receipt_code=None,
                      differs=digests.differing(call.field_digests, data))


def receive(session: Session, *, now: dt.datetime, data: CallData, known_division,
            actor_label: str = "hotline") -> CallResult:
    """Make the tip for a parsed call, or return the tip this call_id already made. Never commits."""
    existing = find_call(session, data.call_id)
    if existing is not None:
        return _duplicate(session, existing, data)
    tip_input = intake.TipInput(
        kind="report", channel="hotline", category_code=data.category_code, entity_name=data.entity_name,
        entity_uscc=data.entity_uscc, division_code=data.division_code,
        description=description(data.summary, data.transcript),
        reporter_name=data.caller_name if data.real_name else "",
        reporter_id_number=data.caller_id_number if data.real_name else "",
        reporter_phone=data.caller_number if data.real_name else "")
    # The submission token is the call_id: the same call twice is the same tip, also in a race. The
    # call was just looked up (a tip and its call commit together, so no tip has this token either).
    # The call centre's call_id is no secret, so no sealed copy of the code is kept: the agent reads
    # the code out once.
    result = intake.submit(session, now=now, data=tip_input, token="hotline:" + data.call_id,
                           known_division=known_division, actor_label=actor_label, looked_up=True, sealed=False)
    if not result.created:
        existing = find_call(session, data.call_id)
        if existing is None:  # cannot happen: the tip and its call commit together
            raise ValidationFailed("call without record", fields={"call_id": "invalid"})
        return _duplicate(session, existing, data)
    number = normalise_phone(data.caller_number) if data.caller_number else ""
    call = HotlineCall(call_id=data.call_id, tip_id=result.tip.id, started_at=data.started_at,
                       duration_seconds=data.duration_seconds, created_at=now,
                       field_digests=digests.encode(digests.field_digests(data)),
                       caller_hash=crypto.keyring().keyed_hash("caller", number) if number else None)
    call.segments = [TranscriptSegment(seq=i, speaker=s.speaker, start=round(s.start, 2), end=round(s.end, 2),
                                       text=s.text) for i, s in enumerate(data.transcript)]
    # No savepoint: a race on the same call_id is decided by the tip's unique submission key above
    # (inside submit's savepoint), so this INSERT cannot lose one.
    session.add(call)
    session.flush()
    audit.record(session, now=now, action="hotline.call_received", actor_label=actor_label, object_type="tip",
                 object_id=result.tip.id, details={"call": call.id, "segments": len(call.segments),
                                                   "real_name": data.real_name})
    if result.receipt_code is None:  # cannot happen: a tip just made always has its code
        raise AssertionError("new tip without a receipt code")
    return CallResult(call, result.tip, created=True, receipt_code=receipts.grouped(result.receipt_code))


def receive_payload(session: Session, *, now: dt.datetime, payload, default_division: str, known_division,
                    actor_label: str = "hotline") -> CallResult:
    """Parse and receive; raises ValidationFailed(fields={"path": code})."""
    data, errors = parse(payload, now=now, default_division=default_division, known_division=known_division)
    if data is None:  # parse() gives None exactly when there are errors
        raise ValidationFailed("invalid call", fields=errors)
    return receive(session, now=now, data=data, known_division=known_division, actor_label=actor_label)


# --- reading and confirming the transcript ----------------------------------------------------


@dataclass
class TranscriptView:
    call: HotlineCall
    segments: list[dict]


def _clock(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 60:02d}:{whole % 60:02d}" if whole < 3600 else \
        f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def transcript_for(session: Session, tip: Tip | None) -> TranscriptView | None:
    """The call and its dialogue for a hotline tip (None for other channels), for templates."""
    if tip is None or tip.channel != "hotline":
        return None
    call = session.scalar(select(HotlineCall).where(HotlineCall.tip_id == tip.id)
                          .options(selectinload(HotlineCall.segments)))
    if call is None:
        return None
    return TranscriptView(call, [dict(speaker=s.speaker, start=_clock(s.start), end=_clock(s.end), text=s.text)
                                 for s in call.segments])


MAX_NOTE = 2000


def confirm(session: Session, *, now: dt.datetime, tip_id: int) -> HotlineCall | None:
    """The reporter confirms the transcript is right; recorded in the audit trail. None: no call."""
    call = session.scalar(select(HotlineCall).where(HotlineCall.tip_id == tip_id))
    if call is None:
        return None
    call.confirmed_at = now
    audit.record(session, now=now, action="hotline.transcript_confirmed", actor_label="reporter",
                 object_type="tip", object_id=tip_id, details={"call": call.id})
    return call


def request_correction(session: Session, *, now: dt.datetime, tip_id: int, note: str) -> HotlineCall | None:
    """The reporter asks for a correction. Raises ValidationFailed(fields={'note': ...}); None: no call."""
    note = (note or "").strip()
    if not note:
        raise ValidationFailed("note required", fields={"note": "required"})
    if len(note) > MAX_NOTE:
        raise ValidationFailed("note too long", fields={"note": "too_long"})
    call = session.scalar(select(HotlineCall).where(HotlineCall.tip_id == tip_id))
    if call is None:
        return None
    call.correction_requested_at, call.correction_note = now, note
    # The note itself stays in the encrypted column, never in the (plain) audit details.
    audit.record(session, now=now, action="hotline.transcript_correction_requested", actor_label="reporter",
                 object_type="tip", object_id=tip_id, details={"call": call.id})
    return call
