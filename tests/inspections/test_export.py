"""The credit publicity export (CSV and JSON): penalty decisions and final inspection results."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal

from tipline.cases.models import Case
from tipline.inspections import results


def test_export_lists_decisions_and_final_inspections_with_the_summary_fields(runner, session, clock, tiers, cal,
                                                                            drawn, tmp_path):
    _plan, tasks, team, supervisor = drawn
    body = tasks[0].body
    session.add(Case(division_code="410105", entity_id=body.entity_id, category_code="test.false_report",
                     state="closed", filing_number="郑金市监立〔2026〕3号", filed_on=dt.date(2026, 1, 5),
                     filed_at=clock(),
                     outcome="violation", decision_number="郑金市监罚〔2026〕9号", decision_date=dt.date(2026, 2, 20),
                     fines=Decimal("150000"), confiscated_gains=Decimal("36800"), measures="rectification_notice",
                     legal_basis="《检验检测机构监督管理办法》第二十六条"))
    session.add(Case(division_code="410105", entity_id=body.entity_id, category_code="test.false_report",
                     state="under_investigation", filing_number="F2", filed_on=dt.date(2026, 2, 1), filed_at=clock()))
    results.record_result(session, now=clock(), inspection=tasks[1], actor=supervisor, result="rectification",
                          inspected_on=dt.date(2026, 3, 2), tiers=tiers, cal=cal, problem_kinds=["records"])
    session.commit()
    out = runner.invoke(args=["credit", "export", "--year", "2026", "--format", "csv"])
    assert out.exit_code == 0, out.output
    rows = list(csv.DictReader(io.StringIO(out.output)))
    assert [r["record_type"] for r in rows] == ["penalty", "inspection"]  # the open case is not exported
    penalty, inspection = rows
    assert penalty == {"record_type": "penalty", "decision_number": "郑金市监罚〔2026〕9号", "party": body.name,
                       "credit_code": body.uscc, "violation": "出具虚假检验检测报告",
                       "legal_basis": "《检验检测机构监督管理办法》第二十六条",
                       "penalty_content": "罚款 150,000.00 元；没收违法所得 36,800.00 元；责令改正",
                       "authority": "金水区市场监督管理局", "date": "2026-02-20", "rectification_due": ""}
    assert inspection["penalty_content"] == "责令整改" and inspection["violation"] == "记录缺失或无法溯源"
    assert inspection["rectification_due"] == "2026-03-30" and inspection["credit_code"] == tasks[1].body.uscc
    path = tmp_path / "credit.json"
    out = runner.invoke(args=["credit", "export", "--year", "2026", "--format", "json", "--out", str(path)])
    assert out.exit_code == 0 and "2 records" in out.output
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["fields"][:4] == ["record_type", "decision_number", "party", "credit_code"]
    assert len(data["records"]) == 2
    other_year = runner.invoke(args=["credit", "export", "--year", "2025", "--format", "json"])
    assert json.loads(other_year.output)["records"] == []
