"""Who handles and who supervises a statutory clock: the people reminders, moved-deadline notices and
ended mediations are addressed to (shared by reminders, clocks and complaints, so none imports another)."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...auth.models import User
from ...intake.models import Tip
from ..models import Assignment
from .models import Clock


class People:
    """Who handles and who supervises each clock of a batch, read in at most three queries per batch
    (active investigators of the cases, triagers of the tips, supervisors of the divisions and their
    cities) instead of one or two per clock."""

    def __init__(self, session: Session, clocks: Sequence[Clock]):
        case_ids = {c.case_id for c in clocks if c.case_id is not None}
        tip_ids = {c.tip_id for c in clocks if c.tip_id is not None}
        self._investigators: dict[int, list[int]] = defaultdict(list)
        if case_ids:
            for case_id, uid in session.execute(
                    select(Assignment.case_id, Assignment.user_id)
                    .where(Assignment.case_id.in_(case_ids), Assignment.active.is_(True)).order_by(Assignment.id)):
                self._investigators[case_id].append(uid)
        self._triagers: dict[int, int | None] = dict(session.execute(
            select(Tip.id, Tip.triaged_by_id).where(Tip.id.in_(tip_ids))).tuples().all()) if tip_ids else {}
        divisions = {c.division_code for c in clocks}
        self._supervisors: dict[str, list[int]] = defaultdict(list)
        if divisions:
            for uid, division in session.execute(
                    select(User.id, User.division_code)
                    .where(User.role == "supervisor", User.active.is_(True),
                           User.division_code.in_(divisions | {d[:4] + "00" for d in divisions}))
                    .order_by(User.id)):
                self._supervisors[division].append(uid)

    def supervisors(self, division: str) -> list[int]:
        """Supervisors of the division itself and of its city."""
        city = division[:4] + "00"
        return self._supervisors[division] + (self._supervisors[city] if city != division else [])

    def handlers(self, clock: Clock) -> list[int]:
        """The case's investigators, else the tip's triager, else the supervisors."""
        if clock.case_id is not None and self._investigators.get(clock.case_id):
            return list(self._investigators[clock.case_id])
        triager = self._triagers.get(clock.tip_id) if clock.tip_id is not None else None
        if triager:
            return [triager]
        return self.supervisors(clock.division_code)
