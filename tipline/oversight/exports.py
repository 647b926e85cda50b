"""Spreadsheets of the dashboard's figures and registers: CSV (UTF-8 with BOM, so Excel reads the
Chinese) and XLSX (openpyxl).

What may leave the system is fixed here, column by column: references, dates, channel, category,
division, status, business, case and document numbers, outcomes and amounts. Never a reporter's
identity, tip text, file names, messages or notes: no query below selects those columns.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

from flask_babel import get_locale
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import inspect, or_, select
from sqlalchemy.orm import Session

from .. import categories
from ..cases.labels import CASE_STATE_LABELS, MEASURE_LABELS, OUTCOME_LABELS
from ..cases.models import Case, Entity
from ..division_names import division_name
from ..divisions import PROVINCE_CODE
from ..intake.labels import CHANNEL_LABELS
from ..intake.models import Tip, reference_of
from . import stats
from .labels import KEY_FIGURE_LABELS, STAGE_LABELS, TRIAGE_LABELS

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class Table:
    def __init__(self, title: str, header: list[str], rows: list[list]):
        self.title, self.header, self.rows = title, header, rows


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    text_value = str(value)
    # A business name typed by a reporter could be "=HYPERLINK(...)": Excel must show it as text.
    if isinstance(value, str) and text_value.startswith(FORMULA_START):
        return "'" + text_value
    return text_value


def to_csv(table: Table) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(table.header)
    for row in table.rows:
        writer.writerow([_cell_text(v) for v in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def to_xlsx(table: Table) -> bytes:
    wb = Workbook()
    ws = wb.active
    if not isinstance(ws, Worksheet):  # a new Workbook always has one worksheet, and it is active
        raise RuntimeError("openpyxl's new workbook has no active worksheet")
    ws.title = table.title[:31]  # Excel's limit for sheet names
    ws.append(table.header)
    for row in table.rows:
        ws.append(list(row))
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # openpyxl would otherwise store it as a formula
    for number, column in enumerate(ws.columns, start=1):  # ws.columns starts at column 1 (A)
        ws.column_dimensions[get_column_letter(number)].width = min(48, max(10, *(len(str(c.value or "")) + 2
                                                                                  for c in column)))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _locale() -> str:
    return str(get_locale() or "zh")


def _category(code: str) -> str:
    cat = categories.get(code)
    return cat.name(_locale()) if cat else code


def statistics_table(ov: stats.Overview) -> Table:
    """The dashboard's figures, one per row: (section, item, value)."""
    rows: list[list] = []
    section = str(_("Key figures"))
    rows += [[section, str(KEY_FIGURE_LABELS[k]), v] for k, v in ov.key_figures.items()]
    section = str(_("Submissions by channel"))
    rows += [[section, str(CHANNEL_LABELS.get(k, k)), v] for k, v in ov.by_channel.items()]
    rows.append([section, str(_("Total")), ov.submissions])
    groups = {g.code: g.name(_locale()) for g in categories.load()}
    section = str(_("Submissions by category group"))
    rows += [[section, groups.get(k, k), v] for k, v in ov.by_group.items()]
    section = str(_("Triage outcomes"))
    rows += [[section, str(TRIAGE_LABELS[k]), v] for k, v in ov.triage.items()]
    section = str(_("Decisions by outcome"))
    rows += [[section, str(OUTCOME_LABELS.get(k, k)), v] for k, v in ov.decisions.by_outcome.items()]
    section = str(_("Fines and confiscations (yuan)"))
    rows += [[section, str(_("Fines")), ov.decisions.fines],
             [section, str(_("Confiscated gains")), ov.decisions.confiscated_gains],
             [section, str(_("Confiscated property")), ov.decisions.confiscated_property],
             [section, str(_("Total")), ov.decisions.penalties]]
    section = str(_("Rewards"))
    rows += [[section, str(_("Approved")), ov.rewards.approved],
             [section, str(_("Approved amount (yuan)")), ov.rewards.approved_amount],
             [section, str(_("Paid")), ov.rewards.paid],
             [section, str(_("Paid amount (yuan)")), ov.rewards.paid_amount]]
    section = str(_("Handling times (days)"))
    for key, stage in ov.handling.items():
        rows += [[section, f"{STAGE_LABELS[key]}: {_('median')}", stage.median],
                 [section, f"{STAGE_LABELS[key]}: {_('90th percentile')}", stage.p90],
                 [section, f"{STAGE_LABELS[key]}: {_('count')}", stage.count]]
    section = str(_("Deadlines"))
    rows += [[section, str(_("Met")), ov.deadlines_met], [section, str(_("Missed")), ov.deadlines_missed]]
    return Table(str(_("Statistics")), [str(_("Section")), str(_("Figure")), str(_("Value"))], rows)


def cases_table(session: Session, period: stats.Period, division: str) -> Table:
    """Cases filed, decided or closed in the period, each with the submission that started it."""
    in_days = [col.between(period.start, period.end) for col in (Case.filed_on, Case.decision_date, Case.closed_on)]
    cases = session.scalars(select(Case).where(or_(*in_days), stats.scope(Case.division_code, division))
                            .order_by(Case.filed_on, Case.id)).all()
    first_tip: dict[int | None, tuple[str, dt.datetime | None, str]] = {}
    if cases:
        ids = [c.id for c in cases]
        # Only public-safe columns of the tip: never description, identity or files.
        for case_id, ref_id, received, channel in session.execute(
                select(Tip.case_id, Tip.id, Tip.received_at, Tip.channel).where(Tip.case_id.in_(ids))
                .order_by(Tip.received_at, Tip.id)):
            first_tip.setdefault(case_id, (reference_of(received, ref_id), received, channel))
    header = [_("Reference"), _("Received"), _("Channel"), _("Category"), _("Division"), _("Status"),
              _("Business"), _("Case number"), _("Filing number"), _("Filed on"), _("Outcome"),
              _("Decision number"), _("Decision date"), _("Measures"), _("Fines"), _("Confiscated gains"),
              _("Confiscated property"), _("Total (yuan)")]
    rows = []
    for c in cases:
        ref, first_received, channel = first_tip.get(c.id, ("", None, ""))
        rows.append([ref, stats.local_date(first_received) if first_received else None,
                     str(CHANNEL_LABELS.get(channel, channel)),
                     _category(c.category_code), division_name(c.division_code),
                     str(CASE_STATE_LABELS.get(c.state, c.state)), c.entity.name, c.id, c.filing_number, c.filed_on,
                     str(OUTCOME_LABELS[c.outcome]) if c.outcome else "", c.decision_number or "", c.decision_date,
                     "; ".join(str(MEASURE_LABELS.get(m, m)) for m in c.measure_list),
                     c.fines, c.confiscated_gains, c.confiscated_property, c.penalty_total])
    return Table(str(_("Cases")), [str(h) for h in header], rows)


def inspection_plan_table(session: Session, division: str) -> Table:
    """Flagged businesses with a case in scope, most violations first, with their latest decision."""
    entities = session.scalars(
        select(Entity).join(Case, Case.entity_id == Entity.id)
        .where(Entity.flagged_at.is_not(None), stats.scope(Case.division_code, division)).distinct()
        .order_by(Entity.substantiated.desc(), Entity.name)).all()
    latest: dict[int, str] = {}
    if entities:
        for entity_id, day, number, outcome in session.execute(
                select(Case.entity_id, Case.decision_date, Case.decision_number, Case.outcome)
                .where(Case.entity_id.in_([e.id for e in entities]), Case.decision_date.is_not(None),
                       stats.scope(Case.division_code, division))
                .order_by(Case.decision_date.desc(), Case.id.desc())):
            if day is None:  # never: the query filters on it
                continue
            label = OUTCOME_LABELS.get(outcome, outcome) if outcome is not None else None
            latest.setdefault(entity_id, f"{day.isoformat()} {number or ''} {label}".replace("  ", " "))
    header = [_("Business"), _("Credit code"), _("Substantiated violations"), _("Flagged since"),
              _("Last case decision")]
    # flagged_at is never None here (the query filters on it); the check is for mypy.
    rows = [[e.name, e.uscc or "", e.substantiated, stats.local_date(e.flagged_at) if e.flagged_at else None,
             latest.get(e.id, "")] for e in entities]
    return Table(str(_("Inspection plan")), [str(h) for h in header], rows)


def has_rewards(session: Session) -> bool:
    return inspect(session.connection()).has_table("reward")


def rewards_table(session: Session, period: stats.Period, division: str) -> Table | None:
    """The reward register (rewards created in the period), or None while the table does not exist.
    Plain SQL by table name, like stats.rewards; never the claim (the reporter's payment details)."""
    insp = inspect(session.connection())
    if not insp.has_table("reward"):
        return None
    cols = {c["name"] for c in insp.get_columns("reward")}
    if "case_id" not in cols:
        return None
    paid = "(SELECT MAX(p.paid_on) FROM reward_payment p WHERE p.reward_id = r.id)" \
        if insp.has_table("reward_payment") else ("r.paid_at" if "paid_at" in cols else "NULL")
    where = "" if division == PROVINCE_CODE else " AND c.division_code LIKE :div"
    params = {"div": division[:4] + "%" if division.endswith("00") else division} if where else {}
    rows = session.execute(stats._typed(
        f"SELECT r.id, c.filing_number, c.decision_number, r.status, r.amount, {paid} FROM reward r "  # noqa: S608 - paid, where: constants
        f"JOIN case_file c ON c.id = r.case_id WHERE r.created_at >= :lo AND r.created_at < :hi{where} "
        f"ORDER BY r.id", stats.UTCDateTime()), {**params, "lo": period.bounds[0], "hi": period.bounds[1]}).all()
    header = [_("Reward"), _("Filing number"), _("Decision number"), _("Status"), _("Amount (yuan)"), _("Paid on")]
    return Table(str(_("Rewards")), [str(h) for h in header],
                 [[rid, filing, decision or "", status, Decimal(str(amount)) if amount is not None else None,
                   str(paid_on)[:10] if paid_on else ""] for rid, filing, decision, status, amount, paid_on in rows])

