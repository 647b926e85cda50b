"""Credit publicity export: penalty decisions under the ordinary procedure and inspection results,
as CSV or JSON, for submission to the national enterprise credit publicity system (国家企业信用信息
公示系统). The layout, its fields and their sources are documented in docs/credit-export.md.

The system's own electronic submission layout was not found in public sources, so the fields are
those the publicity rules name: 《市场监督管理行政处罚信息公示规定》 (2021) art. 4, the penalty
information summary (decision number, the party, violation type, penalty content, authority and
date), plus the party's credit code and the legal basis. Text is Chinese (the system's language).
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import asdict, dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import categories
from ..cases.models import Case, Entity
from ..divisions import packaged
from ..reporting import scope
from .models import BodyInspection, SupervisedBody

FIELDS = ("record_type", "decision_number", "party", "credit_code", "violation", "legal_basis", "penalty_content",
          "authority", "date", "rectification_due")
MEASURES_ZH = {"suspend_business": "责令停产停业", "closure": "责令关闭", "licence_revoked": "吊销许可证件",
               "certificate_revoked": "撤销证书", "rectification_notice": "责令改正"}
RESULTS_ZH = {"no_problem": "未发现问题", "problems": "发现问题", "rectification": "责令整改",
              "suspended": "暂停证书", "revoked": "撤销证书", "case_opened": "发现问题，立案查处"}
PROBLEMS_ZH = {"false_report": "虚假报告", "unqualified_report": "不实或不规范报告", "records": "记录缺失或无法溯源",
               "sampling": "样品管理", "personnel": "人员", "equipment": "设备和环境", "scope": "超出资质认定范围",
               "ccc_certification": "CCC 认证", "other": "其他"}


@dataclass(frozen=True)
class Record:
    record_type: str        # "penalty" | "inspection"
    decision_number: str    # 行政处罚决定书文号; for an inspection, the plan and task reference
    party: str              # 当事人名称
    credit_code: str        # 统一社会信用代码
    violation: str          # 违法行为类型; for an inspection, the problems found
    legal_basis: str        # 处罚依据
    penalty_content: str    # 处罚内容; for an inspection, its result
    authority: str          # 作出决定的机关
    date: str               # 决定日期 / 检查日期, YYYY-MM-DD
    rectification_due: str  # inspections ordering rectification: the deadline


def authority(division_code: str) -> str:
    div = packaged().get(division_code)
    return (div.name("zh") if div else division_code) + "市场监督管理局"


def _money(value) -> str:
    return f"{value:,.2f}"


def penalty_content(case: Case) -> str:
    parts = []
    if case.fines:
        parts.append(f"罚款 {_money(case.fines)} 元")
    if case.confiscated_gains:
        parts.append(f"没收违法所得 {_money(case.confiscated_gains)} 元")
    if case.confiscated_property:
        parts.append(f"没收非法财物（价值 {_money(case.confiscated_property)} 元）")
    parts += [MEASURES_ZH.get(m, m) for m in case.measure_list]
    return "；".join(parts)


def records(session: Session, start: dt.date, end: dt.date, division: str = "410000") -> list[Record]:
    """Decisions (outcome "violation", a decision number, decided or closed) and final inspections
    dated from `start` to `end`, of `division` and below, in date order."""
    out = []
    cases = session.execute(select(Case, Entity).join(Entity, Entity.id == Case.entity_id).where(
        Case.outcome == "violation", Case.decision_number.is_not(None), Case.decision_number != "",
        Case.state.in_(("decided", "closed")), Case.decision_date.between(start, end),
        scope(Case.division_code, division))).all()
    for case, entity in cases:
        if case.decision_number is None or case.decision_date is None:  # the query asks for both
            continue
        cat = categories.get(case.category_code)
        out.append(Record("penalty", case.decision_number, entity.name, entity.uscc or "",
                          cat.name("zh") if cat else case.category_code, case.legal_basis, penalty_content(case),
                          authority(case.division_code), case.decision_date.isoformat(), ""))
    for insp, body in session.execute(select(BodyInspection, SupervisedBody)
                                      .join(SupervisedBody, SupervisedBody.id == BodyInspection.body_id)
                                      .where(BodyInspection.state == "final",
                                             BodyInspection.inspected_on.between(start, end),
                                             scope(SupervisedBody.division_code, division))).all():
        if insp.result is None or insp.inspected_on is None:  # a final inspection has both
            continue
        out.append(Record("inspection", f"抽查计划 {insp.plan_id} / 任务 {insp.id}", body.name, body.uscc,
                          "、".join(PROBLEMS_ZH.get(k, k) for k in insp.problem_list), "",
                          RESULTS_ZH[insp.result], authority(body.division_code), insp.inspected_on.isoformat(),
                          insp.rectification_due.isoformat() if insp.rectification_due else ""))
    return sorted(out, key=lambda r: (r.date, r.record_type, r.decision_number))


def as_csv(rows: list[Record]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(asdict(r) for r in rows)
    return buf.getvalue()


def as_json(rows: list[Record]) -> str:
    return json.dumps({"layout": "tipline-credit-publicity-1", "fields": list(FIELDS),
                       "records": [asdict(r) for r in rows]}, ensure_ascii=False, indent=1)
