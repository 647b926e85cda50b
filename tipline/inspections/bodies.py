"""The register of supervised bodies and its import from CSV or XLSX.

Columns (header row, English or Chinese names): name/机构名称, uscc/统一社会信用代码,
kind/类型 (testing|certification, 检验检测|认证), approval_number/资质认定证书编号,
division_code/行政区划代码, fields/检验检测领域, status/状态 (active|suspended|revoked|cancelled).

Every row is checked; rows with problems are skipped and reported by row number (the spreadsheet's,
header = row 1) and field. Rows are keyed by credit code: importing the same file again changes
nothing, a changed row updates its body. Each body is linked to the entity register entry of its
credit code (`cases.entities.get_or_create_entity`), the one reports about it already use.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..actors import Actor
from ..audit import services as audit
from ..cases.entities import get_or_create_entity
from ..validators import normalise_uscc, uscc_problem
from .models import BODY_KINDS, BODY_STATUSES, SupervisedBody

COLUMNS = {
    "name": ("name", "机构名称", "名称"),
    "uscc": ("uscc", "credit_code", "统一社会信用代码"),
    "kind": ("kind", "类型", "机构类型"),
    "approval_number": ("approval_number", "资质认定证书编号", "批准号", "证书编号"),
    "division_code": ("division_code", "division", "行政区划代码", "区划代码"),
    "fields": ("fields", "检验检测领域", "领域"),
    "status": ("status", "状态"),
}
REQUIRED = ("name", "uscc", "division_code")
KIND_WORDS = {"testing": "testing", "检验检测": "testing", "检验检测机构": "testing",
              "certification": "certification", "认证": "certification", "认证机构": "certification"}
STATUS_WORDS = {"active": "active", "有效": "active", "suspended": "suspended", "暂停": "suspended",
                "revoked": "revoked", "撤销": "revoked", "cancelled": "cancelled", "注销": "cancelled"}
UPDATED = ("name", "kind", "approval_number", "division_code", "fields", "status")


class ImportFileError(ValueError):
    """The file itself cannot be read (format, missing columns)."""


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    problem: str

    def __str__(self) -> str:
        return f"row {self.row}: {self.field}: {self.problem}"


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    def as_json(self) -> dict:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged,
                "errors": [str(e) for e in self.errors]}


def read_rows(filename: str, content: bytes) -> list[dict[str, str]]:
    """Rows as {column: text}, from CSV (UTF-8, with or without BOM) or XLSX (first sheet)."""
    suffix = Path(filename).suffix.lower()
    if suffix == ".xlsx":
        import openpyxl
        try:
            # Not read-only: that mode skips rows with no cells, and row numbers in errors must be
            # the spreadsheet's own.
            book = openpyxl.load_workbook(io.BytesIO(content), data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            raise ImportFileError(f"not a readable XLSX file ({type(exc).__name__})") from exc
        values = [["" if c is None else str(c).strip() for c in row]
                  for row in book.worksheets[0].iter_rows(values_only=True)]
        book.close()
    elif suffix == ".csv":
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ImportFileError("CSV must be UTF-8") from exc
        values = [[c.strip() for c in row] for row in csv.reader(io.StringIO(text))]
    else:
        raise ImportFileError("expected a .csv or .xlsx file")
    if not values:
        raise ImportFileError("the file is empty")
    header = [h.strip().lower() for h in values[0]]
    index = {}
    for name, aliases in COLUMNS.items():
        for alias in aliases:
            if alias.lower() in header:
                index[name] = header.index(alias.lower())
                break
    missing = [c for c in REQUIRED if c not in index]
    if missing:
        raise ImportFileError("missing column(s): " + ", ".join(missing))
    rows = []
    for raw in values[1:]:
        rows.append({name: (raw[i] if i < len(raw) else "") for name, i in index.items()})
    return rows


def check_row(row: dict[str, str], number: int, known_division) -> tuple[dict | None, list[RowError]]:
    errors = []
    name = row.get("name", "").strip()
    if not name:
        errors.append(RowError(number, "name", "required"))
    elif len(name) > 200:
        errors.append(RowError(number, "name", "longer than 200 characters"))
    uscc = normalise_uscc(row.get("uscc", ""))
    problem = uscc_problem(uscc)
    if problem:
        errors.append(RowError(number, "uscc", {"length": "must be 18 characters",
                                                 "characters": "contains characters a credit code cannot have",
                                                 "check": "check character does not match"}[problem]))
    division = row.get("division_code", "").strip()
    if not known_division(division):
        errors.append(RowError(number, "division_code", f"unknown division code {division!r}"))
    kind = KIND_WORDS.get(row.get("kind", "").strip().lower() or "testing")
    if kind is None:
        errors.append(RowError(number, "kind", f"must be one of {', '.join(BODY_KINDS)}"))
    status = STATUS_WORDS.get(row.get("status", "").strip().lower() or "active")
    if status is None:
        errors.append(RowError(number, "status", f"must be one of {', '.join(BODY_STATUSES)}"))
    approval = row.get("approval_number", "").strip()
    if len(approval) > 60:
        errors.append(RowError(number, "approval_number", "longer than 60 characters"))
    fields_ = row.get("fields", "").strip()
    if len(fields_) > 500:
        errors.append(RowError(number, "fields", "longer than 500 characters"))
    if errors:
        return None, errors
    return dict(name=name, uscc=uscc, kind=kind, approval_number=approval, division_code=division,
                fields=fields_, status=status), []


def import_rows(session: Session, *, now: dt.datetime, rows: list[dict[str, str]], known_division,
                actor: Actor | None = None, actor_label: str | None = None, source: str = "") -> ImportResult:
    """Create or update bodies from checked rows; the caller commits. One audit event per import."""
    result = ImportResult()
    checked: dict[str, dict] = {}
    for number, row in enumerate(rows, start=2):
        if not any(v.strip() for v in row.values()):
            continue  # blank line
        values, errors = check_row(row, number, known_division)
        if values is None:  # check_row gives the values or the errors
            result.errors += errors
        elif values["uscc"] in checked:
            result.errors.append(RowError(number, "uscc", f"repeats row {checked[values['uscc']]['_row']}"))
        else:
            checked[values["uscc"]] = values | {"_row": number}
    existing: dict[str, SupervisedBody] = {}
    codes = list(checked)
    for start in range(0, len(codes), 500):
        for found in session.scalars(select(SupervisedBody).where(SupervisedBody.uscc.in_(codes[start:start + 500]))):
            existing[found.uscc] = found
    for uscc, values in checked.items():
        values.pop("_row")
        body = existing.get(uscc)
        if body is None:
            entity = get_or_create_entity(session, values["name"], uscc)
            if entity is None:  # cannot happen: a body has a credit code, which is an entity key
                raise ValueError(f"no entity key for {uscc}")
            session.add(SupervisedBody(**values, entity_id=entity.id, created_at=now, updated_at=now))
            result.created += 1
        elif any(getattr(body, k) != values[k] for k in UPDATED):
            for k in UPDATED:
                setattr(body, k, values[k])
            body.updated_at = now
            result.updated += 1
        else:
            result.unchanged += 1
    session.flush()
    audit.record(session, now=now, action="bodies.imported", actor=actor, actor_label=actor_label,
                 object_type="supervised_body", details={"source": source, "created": result.created,
                                                         "updated": result.updated, "unchanged": result.unchanged,
                                                         "errors": len(result.errors)})
    return result


def import_file(session: Session, *, now: dt.datetime, filename: str, content: bytes, known_division,
                actor: Actor | None = None, actor_label: str | None = None) -> ImportResult:
    """Raises ImportFileError when the file cannot be read at all."""
    rows = read_rows(filename, content)
    return import_rows(session, now=now, rows=rows, known_division=known_division, actor=actor,
                       actor_label=actor_label, source=Path(filename).name)
