"""`tipline demo` adds a register of two cities and a drawn plan, once."""
from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from tipline.inspections import services
from tipline.inspections.models import BodyInspection, InspectionPlan, SupervisedBody


def test_demo_register_and_plan_are_idempotent_and_verifiable(runner, session):
    assert runner.invoke(args=["demo"]).exit_code == 0
    assert runner.invoke(args=["demo"]).exit_code == 0
    by_city = Counter(code[:4] for code in session.scalars(select(SupervisedBody.division_code)))
    assert by_city == {"4101": 100, "4103": 100}
    plan = session.scalars(select(InspectionPlan)).one()
    assert services.verify(session, plan.id).ok
    assert session.scalar(select(func.count()).where(BodyInspection.state == "final")) == 1
