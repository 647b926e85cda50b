"""The reward register for audit, as a table (written as CSV or XLSX by tipline.oversight.exports)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, Callable, cast

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from ..actors import Actor
from ..audit import services as audit
from ..cases.models import Case
from ..jurisdiction import division_filter
from ..oversight.exports import Table
from .models import Reward, RewardClaim, RewardPayment

HEADER = ["reward", "case", "filing_number", "decision_number", "status", "rule_set", "rule_set_version", "level",
          "base", "amount", "joint_finance_approval", "notified_on", "paid_on", "voucher"]
IDENTITY_HEADER = ["claimant_name", "claimant_account"]

# tipline.jurisdiction.division_filter is not annotated yet (not this package's module); its type here:
_division_filter = cast(Callable[[Any, Actor], ColumnElement[bool]], division_filter)


def register_table(session: Session, *, now: dt.datetime, actor: Actor, identity_reason: str = "") -> Table:
    """Every reward in `actor`'s jurisdiction. The claimant's identity only for finance giving a reason,
    and that export is audited (the caller commits)."""
    reason = (identity_reason or "").strip()
    with_identity = bool(reason) and actor.has_role("finance")
    rows = session.execute(select(Reward, Case).join(Case, Case.id == Reward.case_id)
                           .where(_division_filter(Case.division_code, actor)).order_by(Reward.id)).all()
    header = HEADER + (IDENTITY_HEADER if with_identity else [])
    if with_identity:
        audit.record(session, now=now, action="reward.register_exported_with_identity", actor=actor,
                     details={"reason": reason, "rows": len(rows)})
    # Joint reporters have one claim and one payment per share: their cells list them by share, "; "-separated.
    payments: dict[int, list[RewardPayment]] = {}
    for p in session.scalars(select(RewardPayment).order_by(RewardPayment.reward_id, RewardPayment.share_no)):
        payments.setdefault(p.reward_id, []).append(p)
    claims_by: dict[int, list[RewardClaim]] = {}
    if with_identity:
        for cl in session.scalars(select(RewardClaim).order_by(RewardClaim.reward_id, RewardClaim.share_no)):
            claims_by.setdefault(cl.reward_id, []).append(cl)

    lines: list[list[Any]] = []
    for r, c in rows:
        ps = payments.get(r.id, [])
        line = [r.id, c.id, c.filing_number, c.decision_number or "", r.status, r.rule_set or "",
                r.rule_set_version or "", r.level or "", str(r.base or ""), str(r.amount or ""),
                "yes" if r.joint_finance_approval else "no", r.notified_on or "", _cell(ps, "paid_on"),
                _cell(ps, "voucher_number")]
        if with_identity:
            cls = claims_by.get(r.id, [])
            line += [_cell(cls, "name"), _cell(cls, "account_number")]
        lines.append(line)
    return Table("rewards", header, lines)


def _cell(items: Sequence[object], attr: str) -> Any:
    if not items:
        return ""
    return getattr(items[0], attr) if len(items) == 1 else "; ".join(str(getattr(i, attr)) for i in items)
