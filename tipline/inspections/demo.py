"""Demo data for `tipline demo`: a register of about 100 testing and certification bodies in each of
two cities (Zhengzhou and Luoyang, generated deterministically by register.rows), and this year's
Zhengzhou plan drawn with one inspection that ordered rectification. Idempotent."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..divisions import packaged
from ..timesource import local_date
from . import bodies, register, results, services
from .models import InspectionPlan
from .tiers import load_tiers

CITIES = (("410100", 100), ("410300", 100))


def load(session: Session, now: dt.datetime, users: dict) -> None:
    divisions = packaged()
    rows = [row for city, count in CITIES for row in register.rows(city, count)]
    bodies.import_rows(session, now=now, rows=rows, known_division=lambda c: c in divisions, actor_label="demo",
                       source="demo register")
    year = local_date(now).year
    if session.scalar(select(InspectionPlan.id).where(InspectionPlan.year == year,
                                                      InspectionPlan.division_code == "410100")):
        return
    from ..calendar.services import WorkCalendar
    tiers = load_tiers()
    plan = services.create_plan(session, now=now, year=year, division_code="410100", tiers=tiers,
                                known_division=lambda c: c in divisions, actor=users.get("supervisor"),
                                departments=["郑州市市场监督管理局", "郑州市城乡建设局"], ratios={"normal": "0.08"})
    cal = WorkCalendar.load(session)
    drawn = services.draw_plan(session, now=now, plan=plan, tiers=tiers, cal=cal, actor=users.get("supervisor"))
    if drawn.inspections:
        results.record_result(session, now=now, inspection=drawn.inspections[0], actor=users["supervisor"],
                              result="rectification", inspected_on=local_date(now), tiers=tiers, cal=cal,
                              problem_kinds=["records", "sampling"], problems_count=3,
                              findings="抽查 20 份报告，其中 3 份原始记录缺少检测人员签名，留样记录不全。")
