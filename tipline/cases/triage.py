"""Triage actions on a tip. Each goes through workflow.apply_tip and adds its own side effects."""
from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import categories
from ..actors import Actor
from ..audit import services as audit
from ..calendar.services import WorkCalendar
from ..errors import Conflict, Forbidden, ValidationFailed
from ..intake.models import Tip
from ..jurisdiction import can_see
from ..validators import normalise_uscc, uscc_problem
from . import assignment, workflow
from .deadlines import clocks
from .entities import get_or_create_entity, priority_of
from .investigation import open_extension_request
from .models import Case, ExtensionRequest

# Departments a tip can be sent to outside market regulation (the receiving side is recorded).
DEPARTMENTS = ("construction", "environment", "emergency", "agriculture", "health", "public_security",
               "other_regulator")


def file_case(session: Session, *, now: dt.datetime, tip: Tip, actor: Actor, version: int | None,
              filing_number: str, filed_on: dt.date, reason: str = "", investigators: int = 2,
              exclude_triage: bool = True, widen: str | None = None) -> Case:
    """File a case (立案) from a tip and draw its investigators (at least two: 程序规定 Art. 19 ¶2),
    from the whole city with widen="city". Raises as workflow.apply_tip; ValidationFailed when the
    tip has no entity or category yet; assignment.TooFewOfficers (a Conflict) when fewer than two
    officers are eligible: nothing is filed then."""
    missing = {}
    if not tip.entity_name.strip():
        missing["entity_name"] = "required"
    if categories.get(tip.category_code) is None:
        missing["category_code"] = "required"
    if missing:
        raise ValidationFailed("complete the tip first", fields=missing)
    workflow.apply_tip(session, now=now, tip=tip, action="file_case", actor=actor,
                       version=version, reason=reason, document=filing_number, on=filed_on)
    entity = get_or_create_entity(session, tip.entity_name, tip.entity_uscc)
    if entity is None:  # a name of punctuation only gives no entity key (was an AttributeError)
        raise ValidationFailed("complete the tip first", fields={"entity_name": "required"})
    tip.entity_id = entity.id
    case = Case(division_code=tip.division_code, entity_id=entity.id, category_code=tip.category_code,
                state="under_investigation", filing_number=filing_number.strip(), filed_on=filed_on, filed_at=now)
    session.add(case)
    session.flush()
    workflow.link_tips_to_case(session, tip, case)
    workflow.sync_tip_status(session, case, now)
    audit.record(session, now=now, action="case.filed", actor=actor, object_type="case", object_id=case.id,
                 details={"tip": tip.id, "document": filing_number, "on": filed_on.isoformat()})
    cal = WorkCalendar.load(session)
    clocks.finish(session, clocks.running(session, "filing", tip_id=tip.id), filed_on)
    clocks.start(session, kind="decision", on=filed_on, division_code=case.division_code, now=now, cal=cal,
                 case_id=case.id)
    if not tip.anonymous:  # only a real-name reporter is told whether a case was filed
        clocks.start(session, kind="notify_reporter", on=filed_on, division_code=case.division_code, now=now,
                     cal=cal, tip_id=tip.id)
    assignment.draw(session, now=now, case=case, actor=actor, n=investigators, exclude_triage=exclude_triage,
                    widen=widen)
    return case


def join_case(session: Session, *, now: dt.datetime, tip: Tip, case: Case, actor: Actor,
              version: int | None, reason: str) -> None:
    """Add a tip to an existing case about the same matter."""
    if case.state == "closed":
        raise Conflict("case closed", kind="state")
    workflow.apply_tip(session, now=now, tip=tip, action="join_case", actor=actor,
                       version=version, reason=reason, details={"case": case.id})
    workflow.link_tips_to_case(session, tip, case)
    workflow.sync_tip_status(session, case, now)
    _end_filing(session, tip, now)
    _notice_clock(session, tip, now)


def _end_filing(session: Session, tip: Tip, now: dt.datetime) -> None:
    """Triage decided what happens to the tip: its filing-decision clock is answered."""
    clocks.finish(session, clocks.running(session, "filing", tip_id=tip.id), clocks.local_date(now))


def _notice_clock(session: Session, tip: Tip, now: dt.datetime) -> None:
    """A report ended (not filed, joined, transferred out, merged, a repeat): a real-name reporter is
    told within the notice clock, as after filing (the status page shows it at once to everyone)."""
    if tip.anonymous or tip.kind == "complaint" or clocks.running(session, "notify_reporter", tip_id=tip.id):
        return
    clocks.start(session, kind="notify_reporter", on=clocks.local_date(now), division_code=tip.division_code,
                 now=now, cal=WorkCalendar.load(session), tip_id=tip.id)


def split(session: Session, *, now: dt.datetime, tip: Tip, actor: Actor, version: int | None,
          reason: str) -> Tip:
    """Split a 'both' submission: the tip continues as the report, a linked complaint record gets
    its own track. The reporter keeps one receipt (the report's)."""
    if tip.kind != "both":
        raise Conflict("only a submission that is both can be split", kind="state")
    workflow.apply_tip(session, now=now, tip=tip, action="split", actor=actor,
                       version=version, reason=reason)
    complaint = Tip(channel=tip.channel, kind="complaint", category_code=tip.category_code,
                    entity_name=tip.entity_name, entity_uscc=tip.entity_uscc, entity_address=tip.entity_address,
                    division_code=tip.division_code, occurred_on=tip.occurred_on, description=tip.description,
                    knowledge=tip.knowledge, anonymous=tip.anonymous, status="complaint", status_changed_at=now,
                    received_at=tip.received_at, receipt_hash="split:" + secrets.token_hex(24),
                    split_from_id=tip.id, entity_id=tip.entity_id, priority=tip.priority, triaged_by_id=actor.id)
    tip.kind = "report"
    session.add(complaint)
    session.flush()
    clocks.start(session, kind="complaint_acceptance", on=clocks.local_date(tip.received_at),
                 division_code=tip.division_code, now=now, cal=WorkCalendar.load(session), tip_id=complaint.id)
    audit.record(session, now=now, action="tip.split_created", actor=actor, object_type="tip",
                 object_id=complaint.id, details={"from": tip.id})
    return complaint


def mark_complaint(session: Session, *, now: dt.datetime, tip: Tip, actor: Actor, version: int | None,
                   reason: str) -> None:
    workflow.apply_tip(session, now=now, tip=tip, action="mark_complaint", actor=actor,
                       version=version, reason=reason)
    tip.kind = "complaint"
    _end_filing(session, tip, now)
    if clocks.running(session, "complaint_acceptance", tip_id=tip.id) is not None:
        return  # a complaint as submitted has had its acceptance clock since it arrived
    clocks.start(session, kind="complaint_acceptance", on=clocks.local_date(tip.received_at),
                 division_code=tip.division_code, now=now, cal=WorkCalendar.load(session), tip_id=tip.id)


def merge(session: Session, *, now: dt.datetime, tip: Tip, target: Tip, actor: Actor,
version: int | None, reason: str) -> None:
    """Merge a duplicate into `target`. The duplicate keeps its receipt and shows the target's progress.
    Raises Conflict for a self-merge or a merged target, Forbidden for a target out of jurisdiction."""
    if target.id == tip.id or target.merged_into_id is not None:
        raise Conflict("cannot merge into that tip", kind="target")
    if not can_see(actor, target.division_code):
        raise Forbidden("target outside jurisdiction")
    workflow.apply_tip(session, now=now, tip=tip, action="merge", actor=actor, version=version,
                       reason=reason, details={"into": target.id})
    tip.merged_into_id = target.id
    if target.case_id:
        tip.case_id = target.case_id
        tip.status = target.status
    for child in session.scalars(select(Tip).where(Tip.merged_into_id == tip.id)):
        child.merged_into_id = target.id  # keep merges one level deep
    _end_filing(session, tip, now)
    _notice_clock(session, tip, now)


def mark_repeat(session: Session, *, now: dt.datetime, tip: Tip, original: Tip, actor: Actor,
version: int | None, reason: str, merge: bool,
                public_reason: str = "") -> None:
    """The same reporter reported the same matter again: not processed again, or (`merge`) merged
    into the earlier report so it shows that report's progress. The reporter reads `public_reason`."""
    if original.id == tip.id:
        raise Conflict("a tip is not a repeat of itself", kind="target")
    if not can_see(actor, original.division_code):
        raise Forbidden("original outside jurisdiction")
    workflow.apply_tip(session, now=now, tip=tip, action="mark_repeat", actor=actor,
                       version=version, reason=reason, details={"of": original.id, "merged": bool(merge)})
    if merge:
        tip.merged_into_id = original.merged_into_id or original.id
    tip.public_note = (public_reason or "").strip() or None
    _end_filing(session, tip, now)
    _notice_clock(session, tip, now)


def transfer_division(session: Session, *, now: dt.datetime, tip: Tip, division_code: str, known_division,
                      actor: Actor, version: int | None, reason: str) -> None:
    if not known_division(division_code) or division_code == tip.division_code:
        raise ValidationFailed("bad division", fields={"division_code": "invalid"})
    workflow.apply_tip(session, now=now, tip=tip, action="transfer_division", actor=actor,
                       version=version, reason=reason, details={"from_division": tip.division_code,
                                                                "to_division": division_code})
    tip.division_code = division_code
    tip.transferred_to = division_code
    filing = clocks.running(session, "filing", tip_id=tip.id)
    if filing is not None:  # the receiving bureau inherits the running clock
        filing.division_code = division_code


def transfer_department(session: Session, *, now: dt.datetime, tip: Tip, department: str, actor: Actor,
                        version: int | None, reason: str) -> None:
    if department not in DEPARTMENTS:
        raise ValidationFailed("bad department", fields={"department": "invalid"})
    workflow.apply_tip(session, now=now, tip=tip, action="transfer_department", actor=actor,
                       version=version, reason=reason, details={"department": department})
    tip.transferred_to = department
    _end_filing(session, tip, now)
    _notice_clock(session, tip, now)


def reject(session: Session, *, now: dt.datetime, tip: Tip, actor: Actor, version: int | None,
           reason: str, public_reason: str) -> None:
    """Not accepted; `public_reason` is what the reporter reads."""
    if len((public_reason or "").strip()) < 2:
        raise ValidationFailed("public reason required", fields={"public_reason": "required"})
    workflow.apply_tip(session, now=now, tip=tip, action="reject", actor=actor, version=version,
                       reason=reason)
    tip.public_note = public_reason.strip()
    _end_filing(session, tip, now)
    _notice_clock(session, tip, now)


def update_details(session: Session, *, now: dt.datetime, tip: Tip, actor: Actor, version: int | None,
                   category_code: str, entity_name: str, entity_uscc: str, known_division,
                   division_code: str) -> None:
    """Correct what triage needs (mail and hotline tips arrive without it). Raises ValidationFailed,
    Forbidden, Conflict (stale version or a tip no longer in triage)."""
    if not actor.has_role(*workflow.TRIAGE_ROLES) or not can_see(actor, tip.division_code):
        raise Forbidden("not allowed")
    if version is not None and version != tip.version:
        raise Conflict("changed meanwhile", kind="stale")
    if tip.status not in workflow.OPEN_TIP_STATES:
        raise Conflict("tip no longer in triage", kind="state")
    fields = {}
    if categories.get(category_code) is None:
        fields["category_code"] = "invalid"
    if not entity_name.strip():
        fields["entity_name"] = "required"
    uscc = normalise_uscc(entity_uscc)
    problem = uscc_problem(uscc) if uscc else None
    if problem:
        fields["entity_uscc"] = "uscc_" + problem
    if not known_division(division_code) or division_code == "410000":
        fields["division_code"] = "invalid"
    if fields:
        raise ValidationFailed("invalid", fields=fields)
    before = {"category": tip.category_code, "entity": tip.entity_name, "uscc": tip.entity_uscc,
              "division": tip.division_code}
    tip.category_code, tip.entity_name, tip.entity_uscc = category_code, entity_name.strip(), uscc or None
    tip.division_code = division_code
    entity = get_or_create_entity(session, tip.entity_name, tip.entity_uscc)
    tip.entity_id = entity.id if entity else None
    session.flush()
    tip.priority = priority_of(session, tip).stored
    audit.record(session, now=now, action="tip.details_updated", actor=actor, object_type="tip", object_id=tip.id,
                 details={"before": before})


def message_reporter(session: Session, *, now: dt.datetime, tip: Tip, actor: Actor, body: str):
    """An officer writes to the reporter; after filing, that answers the real-name notice clock."""
    from ..intake import services as intake
    msg = intake.post_message(session, now=now, tip=tip, body=body, author="staff", staff_user=actor)
    clocks.finish(session, clocks.running(session, "notify_reporter", tip_id=tip.id), clocks.local_date(now))
    return msg


def treat_sender_as_real_name(session: Session, *, now: dt.datetime, tip: Tip, actor: Actor,
                              version: int | None, reason: str) -> None:
    """A mail tip's sender becomes the reporter's contact only when an officer decides the reporter
    is reporting by real name (the sender asked to be contacted, signed the mail...). Until then the
    address stays encrypted with the raw message and is shown nowhere. Raises Forbidden, Conflict,
    ValidationFailed."""
    from ..intake.email.models import MailMessage
    from ..intake.models import ReporterIdentity
    if not actor.has_role(*workflow.TRIAGE_ROLES) or not can_see(actor, tip.division_code):
        raise Forbidden("not allowed")
    if version is not None and version != tip.version:
        raise Conflict("changed meanwhile", kind="stale")
    if len((reason or "").strip()) < 2:
        raise ValidationFailed("reason", fields={"reason": "required"})
    mail = session.scalar(select(MailMessage).where(MailMessage.tip_id == tip.id, MailMessage.sender.is_not(None))
                          .order_by(MailMessage.id).limit(1))
    if tip.channel != "email" or mail is None or not tip.anonymous:
        raise Conflict("no anonymous mail sender", kind="state")
    identity = session.scalar(select(ReporterIdentity).where(ReporterIdentity.tip_id == tip.id))
    if identity is None:
        session.add(ReporterIdentity(tip_id=tip.id, email=mail.sender))
    else:
        identity.email = mail.sender
    tip.anonymous = False
    audit.record(session, now=now, action="tip.sender_real_name", actor=actor, object_type="tip", object_id=tip.id,
                 details={"reason": reason.strip()})


# --- more time to decide whether to file (domain.md §3: once, 15 working days, the head approves) ---

def filing_extensions(session: Session, tip: Tip) -> Sequence[ExtensionRequest]:
    return session.scalars(select(ExtensionRequest).where(ExtensionRequest.tip_id == tip.id)
                           .order_by(ExtensionRequest.id)).all()


def filing_extension_length(session: Session, tip: Tip) -> int:
    """Working days an approved request adds: the extension of the rule the filing clock started under
    (0 when the clock is not running or its rule allows none)."""
    clock = clocks.running(session, "filing", tip_id=tip.id)
    if clock is None:
        return 0
    return clocks.rule_for(session, "filing", clock.start_on).extension


def request_filing_extension(session: Session, *, now: dt.datetime, tip: Tip, actor: Actor,
                             reason: str, version: int | None = None) -> ExtensionRequest:
    """Ask for more time on the filing decision. Once per tip: refused (Conflict) while a request is
    open or after one was approved, and when no filing clock is running."""
    if not can_see(actor, tip.division_code):
        raise Forbidden("not your jurisdiction")
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise ValidationFailed("reason required", fields={"reason": "required"})
    if len(reason) > 500:
        raise ValidationFailed("reason too long", fields={"reason": "too_long"})
    length = filing_extension_length(session, tip)
    clock = clocks.running(session, "filing", tip_id=tip.id)
    if length <= 0 or clock is None:
        raise Conflict("no filing clock to extend", kind="state")
    rule = clocks.rule_for(session, "filing", clock.rule_from)
    rows = filing_extensions(session, tip)
    if any(row.approved is None for row in rows):
        raise Conflict("a request is open", kind="extension_open")
    if sum(1 for row in rows if row.approved) >= rule.extension_count:  # Art. 18 ¶1: once, by the head
        raise Conflict("extended once already", kind="extension_once")
    row = ExtensionRequest(tip_id=tip.id, clock="filing", length=length, reason=reason, requested_by=actor.id,
                           requested_at=now)
    session.add(row)
    session.flush()
    audit.record(session, now=now, action="tip.filing_extension_requested", actor=actor, object_type="tip",
                 object_id=tip.id, details={"request": row.id, "length": length})
    return row


def decide_filing_extension(session: Session, *, now: dt.datetime, tip: Tip, actor: Actor,
                            request_id: int, approve: bool, version: int | None = None) -> None:
    """A supervisor (the department head) approves or refuses; nobody decides their own request."""
    row = open_extension_request(session, actor=actor, division_code=tip.division_code, request_id=request_id,
                                 belongs=lambda r: r.tip_id == tip.id)
    clock = clocks.running(session, "filing", tip_id=tip.id)
    if approve and clock is None:
        raise Conflict("the filing decision was made already", kind="state")
    row.approved, row.decided_by, row.decided_at = approve, actor.id, now
    before = clock.due_on if clock else None
    after = None
    if approve and clock is not None:  # approving without a clock was refused above
        clocks.extend(session, clock, row.length, WorkCalendar.load(session))
        after = clock.due_on
    audit.record(session, now=now, action="tip.filing_extension_" + ("approved" if approve else "refused"),
                 actor=actor, object_type="tip", object_id=tip.id,
                 details={"request": row.id, "due_before": before.isoformat() if before else None,
                          "due_after": after.isoformat() if after else None})
