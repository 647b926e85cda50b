"""The `tipline` command line."""
from __future__ import annotations

from sqlalchemy import select

from tipline.auth.models import User


def test_users_create_and_refusals(runner, session):
    result = runner.invoke(args=["users", "create", "--username", "Qian", "--role", "supervisor",
                                 "--division", "410300", "--password", "a long password"])
    assert result.exit_code == 0, result.output
    user = session.scalars(select(User).where(User.username == "qian")).one()
    assert user.role == "supervisor" and user.division_code == "410300"
    session.rollback()  # end this reader's transaction, as a finished request would
    result = runner.invoke(args=["users", "create", "--username", "x", "--role", "officer",
                                 "--division", "990000", "--password", "a long password"])
    assert result.exit_code != 0 and "division_code" in result.output


def test_demo_is_idempotent_and_prints_accounts(runner, session):
    first = runner.invoke(args=["demo"])
    second = runner.invoke(args=["demo"])
    assert first.exit_code == 0 and second.exit_code == 0
    assert "officer" in first.output and "tipline-demo-2026" in first.output
    names = session.scalars(select(User.username)).all()
    assert len(names) == len(set(names)) >= 8


def test_demo_has_a_complaint_in_mediation_one_agreed_and_one_not_accepted(runner, session):
    from tipline.cases.complaint_models import Complaint
    from tipline.intake.models import Tip
    assert runner.invoke(args=["demo"]).exit_code == 0
    rows = session.execute(select(Tip.status, Complaint.outcome, Complaint.ground)
                           .join(Complaint, Complaint.tip_id == Tip.id)).all()
    assert sorted(tuple(r) for r in rows) == [("complaint_ended", "agreement", None),
                                              ("complaint_refused", None, "not_consumer"),
                                              ("mediation", None, None)]
