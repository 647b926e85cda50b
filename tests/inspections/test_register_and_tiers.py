"""The register of supervised bodies (import, errors, idempotency, entity link) and the tier rules."""
from __future__ import annotations

import datetime as dt
import io
import json

import openpyxl
import pytest
from sqlalchemy import func, select

from tipline.cases.models import Entity
from tipline.inspections import bodies, register
from tipline.inspections.models import SupervisedBody
from tipline.inspections.tiers import TierFileError, load_tiers, tier_of

from .. import factories


def test_import_reports_each_bad_row_by_row_and_field_and_keeps_the_good_ones(session, clock, known):
    good = register.rows("410100", 3)
    bad_check = dict(good[0], uscc=good[0]["uscc"][:-1] + ("0" if good[0]["uscc"][-1] != "0" else "1"))
    content = register.as_csv(good + [
        dict(good[1], uscc="123"),                        # row 5
        dict(bad_check, name=""),                         # row 6: two problems
        dict(good[2], uscc=register.uscc("410100", 99), division_code="990000", kind="laboratory"),  # row 7
        dict(good[0]),                                    # row 8: repeats row 2
    ])
    result = bodies.import_file(session, now=clock(), filename="b.csv", content=content, known_division=known,
                                actor_label="test")
    session.commit()
    assert result.created == 3
    assert [str(e) for e in result.errors] == [
        "row 5: uscc: must be 18 characters",
        "row 6: name: required",
        "row 6: uscc: check character does not match",
        "row 7: division_code: unknown division code '990000'",
        "row 7: kind: must be one of testing, certification",
        "row 8: uscc: repeats row 2",
    ]
    assert session.scalar(select(func.count(SupervisedBody.id))) == 3


def test_import_is_idempotent_by_credit_code_and_updates_changed_rows(session, clock, known):
    items = register.rows("410300", 20)
    first = bodies.import_file(session, now=clock(), filename="b.csv", content=register.as_csv(items),
                               known_division=known, actor_label="test")
    session.commit()
    again = bodies.import_file(session, now=clock(), filename="b.csv", content=register.as_csv(items),
                               known_division=known, actor_label="test")
    session.commit()
    assert (first.created, again.created, again.updated, again.unchanged) == (20, 0, 0, 20)
    items[4]["status"] = "suspended"
    items[4]["uscc"] = items[4]["uscc"].lower()  # the same code typed in lower case
    third = bodies.import_file(session, now=clock(), filename="b.csv", content=register.as_csv(items),
                               known_division=known, actor_label="test")
    session.commit()
    assert (third.created, third.updated) == (0, 1)
    status = session.scalar(select(SupervisedBody.status).where(SupervisedBody.uscc == items[4]["uscc"].upper()))
    assert status == "suspended"
    assert session.scalar(select(func.count(SupervisedBody.id))) == 20


def test_xlsx_with_chinese_headers_imports(session, clock, known):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["机构名称", "统一社会信用代码", "类型", "资质认定证书编号", "行政区划代码", "检验检测领域", "状态"])
    sheet.append(["郑州某某认证有限公司", register.uscc("410105", 7), "认证", "CNCA-R-2020-001", "410105", "CCC",
                  "有效"])
    sheet.append(["", "", "", "", "", "", ""])
    sheet.append(["郑州坏代码检测有限公司", "91410105MA00000000", "检验检测", "", "410105", "", "吊销"])
    buf = io.BytesIO()
    book.save(buf)
    result = bodies.import_file(session, now=clock(), filename="register.xlsx", content=buf.getvalue(),
                                known_division=known, actor_label="test")
    session.commit()
    assert result.created == 1
    assert [str(e) for e in result.errors] == ["row 4: uscc: check character does not match",
                                               "row 4: status: must be one of active, suspended, revoked, cancelled"]
    body = session.scalars(select(SupervisedBody)).one()
    assert (body.kind, body.status) == ("certification", "active")


def test_unreadable_file_and_missing_columns_are_refused(session, clock, known):
    with pytest.raises(bodies.ImportFileError, match="missing column"):
        bodies.import_file(session, now=clock(), filename="b.csv", content="name,uscc\nx,y\n".encode(),
                           known_division=known)
    with pytest.raises(bodies.ImportFileError, match="XLSX"):
        bodies.import_file(session, now=clock(), filename="b.xlsx", content=b"not a zip", known_division=known)


def test_a_body_shares_the_entity_of_reports_about_the_same_credit_code(session, clock, known):
    code = register.uscc("410105", 42)
    tip, _ = factories.tip(session, now=clock(), entity_name="另一个名字检测公司", entity_uscc=code)
    session.commit()
    items = [dict(register.rows("410100", 1)[0], uscc=code, division_code="410105")]
    bodies.import_file(session, now=clock(), filename="b.csv", content=register.as_csv(items), known_division=known)
    session.commit()
    body = session.scalars(select(SupervisedBody)).one()
    assert body.entity_id == tip.entity_id
    assert session.scalar(select(func.count(Entity.id))) == 1


def test_a_report_moves_a_body_up_from_normal_to_watch_and_says_why(session, clock, register_of, tiers):
    items = register_of("410100", 5)
    body = session.scalars(select(SupervisedBody).where(SupervisedBody.uscc == items[2]["uscc"])).one()
    version = tiers.for_date(clock().date())
    tier, events = tier_of(session, body.entity_id, version, clock().date())
    assert (tier.code, events) == ("normal", [])
    tip, _ = factories.tip(session, now=clock(), entity_name=body.name, entity_uscc=body.uscc,
                           division_code=body.division_code)
    session.commit()
    tier, events = tier_of(session, body.entity_id, version, clock().date())
    assert tier.code == "watch" and tier.ratio > version.tier("normal").ratio
    assert events == [{"event": "open_report", "date": "2026-03-02", "ref": str(tip.id)}]


def test_penalty_within_the_years_is_high_and_an_older_one_is_not(session, clock, register_of, tiers):
    from tipline.cases.models import Case
    items = register_of("410100", 2)
    body = session.scalars(select(SupervisedBody).where(SupervisedBody.uscc == items[0]["uscc"])).one()
    version = tiers.for_date(clock().date())
    case = Case(division_code=body.division_code, entity_id=body.entity_id, category_code="test.false_report",
                state="closed", filing_number="F1", filed_on=dt.date(2022, 1, 5), filed_at=clock(),
                outcome="violation", decision_number="郑市监罚〔2022〕3号", decision_date=dt.date(2023, 3, 2),
                measures="rectification_notice")
    session.add(case)
    session.commit()
    # 2023-03-02 is three years before 2026-03-02, still within: high, explained by the decision.
    tier, events = tier_of(session, body.entity_id, version, clock().date())
    assert tier.code == "high" and events[0]["ref"] == "郑市监罚〔2022〕3号"
    case.decision_date = dt.date(2023, 3, 1)  # one day more than three years before
    session.commit()
    tier, _ = tier_of(session, body.entity_id, version, clock().date())
    assert tier.code == "normal"


def test_shipped_tier_file_names_its_sources_and_marks_local_figures():
    data = json.loads(load_tiers().source.read_text(encoding="utf-8"))
    assert any("国办发〔2015〕58号" in s for s in data["sources"])
    for tier in data["versions"][0]["tiers"]:
        assert tier["figures_local"] is True  # no ratio or frequency is a legal figure


@pytest.mark.parametrize("mutate, field", [
    (lambda v: v["tiers"][0].__setitem__("ratio", "1.5"), "versions.0.tiers.0.ratio"),
    (lambda v: v["tiers"][1].__setitem__("rule", "gut_feeling"), "versions.0.tiers.1.rule"),
    (lambda v: v["tiers"][2].update(source="", figures_local=False), "versions.0.tiers.2.source"),
    (lambda v: v["tiers"][2].__setitem__("figures_local", "yes"), "versions.0.tiers.2.figures_local"),
    (lambda v: v.__setitem__("effective_from", "2025-02-30"), "versions.0.effective_from"),
    (lambda v: v.__setitem__("penalty_years", 0), "versions.0.penalty_years"),
    (lambda v: v["tiers"].pop(), "versions.0.tiers"),
])
def test_a_bad_tier_file_names_file_and_field(tmp_path, mutate, field):
    data = json.loads(load_tiers().source.read_text(encoding="utf-8"))
    mutate(data["versions"][0])
    path = tmp_path / "inspection_tiers.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(TierFileError) as info:
        load_tiers(tmp_path)
    assert str(path) in str(info.value) and f": {field}:" in str(info.value)


def test_the_app_refuses_to_start_with_a_bad_tier_file(app_settings):
    from tipline import create_app
    folder = app_settings["instance_path"]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "inspection_tiers.json").write_text('{"versions": []}', encoding="utf-8")
    with pytest.raises(TierFileError, match="versions"):
        create_app(app_settings)
