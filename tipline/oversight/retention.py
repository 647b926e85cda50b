"""Retention: what is kept how long, as data (tipline/data/retention.json), and the sweep that
deletes or anonymises what has expired.

`plan` is the dry run: it lists what `apply` would do and changes nothing. `apply` does it, one
audit event per deleted or anonymised record, and never touches a tip under an active legal hold
on the tip itself or on its case. Evidence blobs are unlinked from storage only after the commit:
a crash in between leaves an orphan blob (harmless, encrypted), never a row pointing at nothing.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field, fields
from importlib import resources
from pathlib import Path

from sqlalchemy import delete, exists, func, select, update
from sqlalchemy.orm import Session

from .. import crypto
from ..audit import services as audit
from ..cases.models import Case
from ..intake.email.models import MailMessage
from ..intake.hotline.models import HotlineCall, TranscriptSegment
from ..intake.models import EvidenceFile, Message, ReporterIdentity, Tip, reference_of
from .models import LegalHold
from .stats import local_date

ANONYMISED = "[removed under the retention rules]"
SHIPPED = "tipline/data/retention.json"


class RetentionRuleError(ValueError):
    """A retention file is malformed: not JSON, an unknown key, or a period that is not a positive
    integer; the message names the file and the key."""


@dataclass(frozen=True)
class Rules:
    rejected_tips_days: int
    closed_case_anonymise_years: int
    mail_raw_days: int
    closed_case_evidence_years: int


_KEYS = tuple(f.name for f in fields(Rules))


def _periods(raw: str, where: str, *, complete: bool) -> dict[str, int]:
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise RetentionRuleError(f"{where}: retention rules are not JSON: {exc}") from exc
    values = {}
    for key, value in data.items():
        if key.startswith("_"):
            continue
        if key not in _KEYS:
            raise RetentionRuleError(f"{where}: unknown retention rule {key!r}")
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise RetentionRuleError(f"{where}: retention rule {key!r} must be a positive whole number, got {value!r}")
        values[key] = value
    missing = [k for k in _KEYS if k not in values]
    if complete and missing:
        raise RetentionRuleError(f"{where}: retention rule {missing[0]!r} is missing")
    return values


def load_rules(path: str | Path | None = None) -> Rules:
    """Read the rules: the packaged file, or `path` over it (a key `path` leaves out keeps the packaged
    value, the one source of every period). Raises RetentionRuleError naming the file and the bad key,
    OSError when the file cannot be read."""
    values = _periods(resources.files("tipline.data").joinpath("retention.json").read_text("utf-8"), SHIPPED,
                      complete=True)
    if path is not None:
        values.update(_periods(Path(path).read_text(encoding="utf-8"), str(path), complete=False))
    return Rules(**values)


@dataclass(frozen=True)
class Item:
    object_type: str  # tip | evidence_file | mail_message
    object_id: int
    label: str
    tip_id: int | None = None
    stored_name: str | None = None


@dataclass
class Plan:
    delete_tips: list[Item] = field(default_factory=list)
    anonymise_tips: list[Item] = field(default_factory=list)
    delete_files: list[Item] = field(default_factory=list)
    purge_mail: list[Item] = field(default_factory=list)
    held: list[Item] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.delete_tips) + len(self.anonymise_tips) + len(self.delete_files) + len(self.purge_mail)

    def lines(self) -> list[str]:
        out = []
        for title, items in (("delete tip", self.delete_tips), ("anonymise tip", self.anonymise_tips),
                             ("delete evidence file", self.delete_files), ("purge raw mail", self.purge_mail),
                             ("kept (legal hold)", self.held)):
            out += [f"{title}: {i.label}" for i in items]
        return out


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def held_tip_ids(session: Session, tip_ids: set[int]) -> set[int]:
    """Those of `tip_ids` under an active hold, on the tip or on its case."""
    if not tip_ids:
        return set()
    active = LegalHold.released_at.is_(None)
    on_tip = set(session.scalars(select(LegalHold.object_id).where(
        active, LegalHold.object_type == "tip", LegalHold.object_id.in_(tip_ids))))
    on_case = set(session.scalars(select(Tip.id).join(LegalHold, (LegalHold.object_type == "case")
                                                      & (LegalHold.object_id == Tip.case_id))
                                  .where(active, Tip.id.in_(tip_ids))))
    return on_tip | on_case


def _ref(tip_id: int, received: dt.datetime) -> str:
    return reference_of(received, tip_id)


def plan(session: Session, now: dt.datetime, rules: Rules) -> Plan:
    """What has expired at `now`. Changes nothing."""
    result = Plan()
    today = local_date(now)

    rejected = session.execute(select(Tip.id, Tip.received_at).where(
        Tip.status == "not_accepted",
        Tip.status_changed_at < now - dt.timedelta(days=rules.rejected_tips_days))).all()
    anon_cutoff = _years_before(today, rules.closed_case_anonymise_years)
    old_closed = (Case.state == "closed") & Case.closed_on.is_not(None)
    anon = session.scalars(select(Tip).join(Case, Case.id == Tip.case_id)
                           .where(old_closed, Case.closed_on < anon_cutoff)).all()
    anon = [t for t in anon if t.description != ANONYMISED or _has_personal_rows(session, t.id)]
    files_cutoff = _years_before(today, rules.closed_case_evidence_years)
    files = session.execute(select(EvidenceFile.id, EvidenceFile.stored_name, Tip.id, Tip.received_at)
                            .join(Tip, Tip.id == EvidenceFile.tip_id).join(Case, Case.id == Tip.case_id)
                            .where(old_closed, Case.closed_on < files_cutoff)).all()
    # Fernet output has one size for every plaintext under 16 bytes; a purged message is exactly that.
    empty = len(crypto.keyring().encrypt(b""))
    mail = session.execute(select(MailMessage.id, MailMessage.tip_id).where(
        MailMessage.received_at < now - dt.timedelta(days=rules.mail_raw_days),
        func.length(MailMessage.raw) > empty)).all()

    held = held_tip_ids(session, {r.id for r in rejected} | {t.id for t in anon} | {f[2] for f in files}
                        | {m.tip_id for m in mail if m.tip_id})
    for tip_id, received in rejected:
        item = Item("tip", tip_id, _ref(tip_id, received), tip_id)
        (result.held if tip_id in held else result.delete_tips).append(item)
    for t in anon:
        item = Item("tip", t.id, _ref(t.id, t.received_at), t.id)
        (result.held if t.id in held else result.anonymise_tips).append(item)
    for file_id, stored, tip_id, received in files:
        item = Item("evidence_file", file_id, f"{_ref(tip_id, received)} file #{file_id}", tip_id, stored)
        (result.held if tip_id in held else result.delete_files).append(item)
    for mail_id, mail_tip_id in mail:
        item = Item("mail_message", mail_id, f"mail message #{mail_id}", mail_tip_id)
        (result.held if mail_tip_id in held else result.purge_mail).append(item)
    return result


def _has_personal_rows(session: Session, tip_id: int) -> bool:
    return bool(session.scalar(select(
        exists().where(ReporterIdentity.tip_id == tip_id) | exists().where(Message.tip_id == tip_id)
        | exists().where(HotlineCall.tip_id == tip_id))))


def apply(session: Session, now: dt.datetime, rules: Rules, store, actor_label: str = "retention") -> Plan:
    """Carry out `plan(now)`, commit, then unlink the deleted evidence blobs from `store`.
    Returns the plan carried out. Database errors propagate (nothing is committed then)."""
    todo = plan(session, now, rules)
    blobs: list[str] = []
    deleted_tip_ids = [i.object_id for i in todo.delete_tips]

    for item in todo.delete_tips:
        tip_files = session.execute(select(EvidenceFile.stored_name).where(EvidenceFile.tip_id == item.object_id))
        names = [n for (n,) in tip_files]
        blobs += names
        audit.record(session, now=now, action="retention.deleted", actor_label=actor_label, object_type="tip",
                     object_id=item.object_id, details={"reference": item.label, "rule": "rejected_tips_days",
                                                        "files": len(names)})
    if deleted_tip_ids:
        # References without ON DELETE: point them at nothing rather than block the deletion.
        session.execute(update(Tip).where(Tip.merged_into_id.in_(deleted_tip_ids)).values(merged_into_id=None))
        session.execute(update(Tip).where(Tip.split_from_id.in_(deleted_tip_ids)).values(split_from_id=None))
        session.execute(delete(EvidenceFile).where(EvidenceFile.tip_id.in_(deleted_tip_ids)))
        session.execute(delete(ReporterIdentity).where(ReporterIdentity.tip_id.in_(deleted_tip_ids)))
        session.execute(delete(Message).where(Message.tip_id.in_(deleted_tip_ids)))
        # Clocks, suggestions and hotline calls go by ON DELETE CASCADE; mail rows by SET NULL.
        session.execute(delete(Tip).where(Tip.id.in_(deleted_tip_ids)),
                        execution_options={"synchronize_session": False})

    for item in todo.anonymise_tips:
        _anonymise(session, item.object_id)
        audit.record(session, now=now, action="retention.anonymised", actor_label=actor_label, object_type="tip",
                     object_id=item.object_id, details={"reference": item.label,
                                                        "rule": "closed_case_anonymise_years"})

    for item in todo.delete_files:
        session.execute(delete(EvidenceFile).where(EvidenceFile.id == item.object_id))
        if item.stored_name is not None:  # always set for an evidence file (plan)
            blobs.append(item.stored_name)
        audit.record(session, now=now, action="retention.deleted", actor_label=actor_label,
                     object_type="evidence_file", object_id=item.object_id,
                     details={"tip": item.tip_id, "rule": "closed_case_evidence_years"})

    for item in todo.purge_mail:
        # The row stays: its Message-ID key is what recognises a re-delivered message later.
        session.execute(update(MailMessage).where(MailMessage.id == item.object_id).values(raw=b"", sender=None))
        audit.record(session, now=now, action="retention.deleted", actor_label=actor_label,
                     object_type="mail_message", object_id=item.object_id,
                     details={"tip": item.tip_id, "rule": "mail_raw_days", "kept": "message_id"})
    session.commit()
    session.expire_all()
    for name in blobs:
        store.delete(name)
    return todo


def _anonymise(session: Session, tip_id: int) -> None:
    tip = session.get_one(Tip, tip_id)
    tip.description = ANONYMISED
    tip.public_note = None
    session.execute(delete(ReporterIdentity).where(ReporterIdentity.tip_id == tip_id))
    session.execute(delete(Message).where(Message.tip_id == tip_id))
    calls = select(HotlineCall.id).where(HotlineCall.tip_id == tip_id)
    # A call's transcript is the caller's own words, and its number hash links repeat callers.
    session.execute(delete(TranscriptSegment).where(TranscriptSegment.call_id.in_(calls)))
    session.execute(delete(HotlineCall).where(HotlineCall.tip_id == tip_id))
    session.execute(update(MailMessage).where(MailMessage.tip_id == tip_id).values(raw=b"", sender=None))
    session.flush()

