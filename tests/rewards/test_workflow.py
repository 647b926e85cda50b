"""From a closed case to a paid reward: eligibility, approvals, the claim, payment, forfeiture."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from tipline.cases import investigation, triage
from tipline.errors import Conflict, Forbidden, ValidationFailed
from tipline.intake import services as intake
from tipline.rewards import claims, services
from tipline.rewards.models import Reward

from .. import factories

SH = dt.timezone(dt.timedelta(hours=8))
ID = "11010519491231002X"


def closed_case(session, clock, bureau, fines="2000000", tips=1, measures=(), outcome="violation"):
    first, code = factories.tip(session, now=clock())
    case = triage.file_case(session, now=clock(), tip=first, actor=bureau["tri"],
                            version=first.version, filing_number="立1号", filed_on=clock().date())
    codes = [code]
    for _ in range(tips - 1):
        later, c2 = factories.tip(session, now=clock.advance(hours=1))
        triage.join_case(session, now=clock(), tip=later, case=case, actor=bureau["tri"],
                         version=later.version, reason="同一事项")
        codes.append(c2)
    investigation.decide(session, now=clock(), case=case, actor=bureau["boss"], version=case.version,
                         outcome=outcome, decision_number="罚1号", decision_date=clock().date(), fines=fines,
                         measures=list(measures), legal_basis="条例")
    investigation.close(session, now=clock(), case=case, actor=bureau["boss"], version=case.version,
                        executed_on=clock().date(), closed_on=clock().date())
    session.commit()
    return case, codes


def propose(session, app, clock, reward, actor, **kw):
    args = dict(natural_person=True, exclusion="", unknown_to_regulator=True, party_type="organisation",
                insider=False, level=1)
    args.update(kw)
    return services.propose(session, now=clock(), reward=reward, actor=actor,
                            rule_sets=app.extensions["reward_rules"], version=reward.version, **args)


def test_closing_opens_reviews_in_order_of_receipt(app, session, clock, bureau):
    case, _ = closed_case(session, clock, bureau, tips=3)
    rewards = session.scalars(select(Reward).order_by(Reward.order_in_case)).all()
    assert [r.order_in_case for r in rewards] == [1, 2, 3] and all(r.status == "review" for r in rewards)
    # a later reporter needs an explicit allocation with a reason
    with pytest.raises(ValidationFailed):
        propose(session, app, clock, rewards[1], bureau["inv1"])
    session.rollback()


def test_no_reward_when_no_violation(app, session, clock, bureau):
    closed_case(session, clock, bureau, outcome="no_violation", fines="0")
    assert session.scalars(select(Reward)).all() == []


def test_full_flow_with_two_finance_approvals_at_the_threshold(app, session, clock, bureau):
    case, (code,) = closed_case(session, clock, bureau, fines="12000000")  # 5% = 600,000
    reward = session.scalars(select(Reward)).one()
    propose(session, app, clock, reward, bureau["inv1"])
    assert reward.amount == Decimal("600000.00") and reward.joint_finance_approval
    assert reward.rule_set == "henan-2025"
    with pytest.raises(Forbidden):  # an investigator of the case cannot review
        services.review(session, now=clock(), reward=reward, actor=bureau["inv2"], version=None)
    services.review(session, now=clock(), reward=reward, actor=bureau["boss2"], version=None)
    services.finance_approve(session, now=clock(), reward=reward, actor=bureau["fin1"], version=None)
    assert reward.status == "reviewed"  # one approval is not enough at 500,000 or more
    with pytest.raises(Forbidden) as refused:
        services.finance_approve(session, now=clock(), reward=reward, actor=bureau["fin1"], version=None)
    assert refused.value.details["kind"] == "already_approved"  # the page names this reason
    services.finance_approve(session, now=clock(), reward=reward, actor=bureau["fin2"], version=None)
    session.commit()
    assert reward.status == "notified"
    tip = intake.find_by_receipt(session, code)
    claims.claim(session, now=clock(), reward=reward, name="王小明", id_number=ID, bank="中国银行郑州分行",
                 account_number="6216 6100 0000 1234 567", account_holder="王小明")
    with pytest.raises(ValidationFailed):
        claims.record_payment(session, now=clock(), reward=reward, actor=bureau["fin1"], voucher_number="V1",
                              paid_on=clock().date(), method="bank_transfer", amount="599999.99")
    claims.record_payment(session, now=clock(), reward=reward, actor=bureau["fin1"], voucher_number="记账凭证 2026-031",
                          paid_on=clock().date(), method="bank_transfer", amount="600000.00")
    session.commit()
    assert reward.status == "paid" and tip.id == reward.tip_id


def test_self_approval_and_uplift_consent(app, session, clock, bureau):
    case, _ = closed_case(session, clock, bureau, fines="100000")
    reward = session.scalars(select(Reward)).one()
    propose(session, app, clock, reward, bureau["boss"], insider=True, uplift=Decimal("1.5"), level=2)
    assert reward.amount == Decimal("4500.00")  # 3% of 100,000 = 3,000 (floor 3,000) x 1.5
    with pytest.raises(Forbidden):  # nobody approves their own proposal
        services.review(session, now=clock(), reward=reward, actor=bureau["boss"], version=None)
    services.review(session, now=clock(), reward=reward, actor=bureau["boss2"], version=None)
    with pytest.raises(ValidationFailed):
        services.finance_approve(session, now=clock(), reward=reward, actor=bureau["fin1"], version=None)
    services.finance_approve(session, now=clock(), reward=reward, actor=bureau["fin1"], version=None,
                             uplift_consent=True)
    assert reward.status == "notified" and reward.uplift_consent_by == bureau["fin1"].id


def test_send_back_clears_approvals(app, session, clock, bureau):
    closed_case(session, clock, bureau, fines="100000")
    reward = session.scalars(select(Reward)).one()
    propose(session, app, clock, reward, bureau["inv1"], level=3)
    services.send_back(session, now=clock(), reward=reward, actor=bureau["boss2"], reason="等级偏高")
    assert reward.status == "review" and reward.returned_reason == "等级偏高"
    propose(session, app, clock, reward, bureau["inv1"], level=3)
    assert reward.status == "proposed"


def test_ineligible_reporter_is_told_in_plain_words(app, client, session, clock, bureau):
    _, (code,) = closed_case(session, clock, bureau, fines="5000")  # below the organisation threshold
    reward = session.scalars(select(Reward)).one()
    propose(session, app, clock, reward, bureau["inv1"])
    session.commit()
    assert reward.status == "not_eligible" and reward.ineligible_reason == "not_major"
    from ..intake.helpers import open_status
    html = open_status(client, code).get_data(as_text=True)
    assert "data-testid=\"reward-section\"" in html, html[html.find("<main"):html.find("<main")+1500]
    assert "不属于" in html


def test_claim_must_be_in_own_name_and_within_the_window(app, session, clock, bureau):
    closed_case(session, clock, bureau, fines="100000")
    reward = session.scalars(select(Reward)).one()
    propose(session, app, clock, reward, bureau["inv1"], level=3)
    services.review(session, now=clock(), reward=reward, actor=bureau["boss2"], version=None)
    services.finance_approve(session, now=clock(), reward=reward, actor=bureau["fin1"], version=None)
    with pytest.raises(ValidationFailed) as info:
        claims.claim(session, now=clock(), reward=reward, name="王小明", id_number=ID, bank="银行",
                     account_number="62166100000012345", account_holder="李四")
    assert info.value.details["fields"] == {"account_holder": "not_own_name"}
    session.commit()
    window = claims.claim_clock(session, reward)
    assert window.length == 30 and window.unit == "workdays"
    late = dt.datetime.combine(window.due_on + dt.timedelta(days=1), dt.time(10), SH)
    with pytest.raises(Conflict):
        claims.claim(session, now=late, reward=reward, name="王小明", id_number=ID, bank="银行",
                     account_number="62166100000012345", account_holder="王小明")
    assert claims.forfeit_expired(session, late) == 1
    assert reward.status == "forfeited"


def test_extension_keeps_the_claim_open(app, session, clock, bureau):
    closed_case(session, clock, bureau, fines="100000")
    reward = session.scalars(select(Reward)).one()
    propose(session, app, clock, reward, bureau["inv1"], level=3)
    services.review(session, now=clock(), reward=reward, actor=bureau["boss2"], version=None)
    services.finance_approve(session, now=clock(), reward=reward, actor=bureau["fin1"], version=None)
    due = claims.claim_clock(session, reward).due_on
    claims.extend_claim(session, now=clock(), reward=reward, actor=bureau["fin1"], workdays=10, reason="住院")
    session.commit()
    late = dt.datetime.combine(due + dt.timedelta(days=1), dt.time(10), SH)
    assert claims.forfeit_expired(session, late) == 0
    claims.claim(session, now=late, reward=reward, name="王小明", id_number=ID, bank="银行",
                 account_number="62166100000012345", account_holder="王小明")
    assert reward.status == "claimed"


def test_revocation_for_fraud(app, session, clock, bureau):
    closed_case(session, clock, bureau, fines="100000")
    reward = session.scalars(select(Reward)).one()
    propose(session, app, clock, reward, bureau["inv1"], level=3)
    claims.revoke(session, now=clock(), reward=reward, actor=bureau["fin1"], reason="伪造证据材料")
    assert reward.status == "revoked"


def test_claim_details_are_encrypted_and_only_finance_reads_them(app, session, clock, bureau):
    from sqlalchemy import text
    closed_case(session, clock, bureau, fines="100000")
    reward = session.scalars(select(Reward)).one()
    propose(session, app, clock, reward, bureau["inv1"], level=3)
    services.review(session, now=clock(), reward=reward, actor=bureau["boss2"], version=None)
    services.finance_approve(session, now=clock(), reward=reward, actor=bureau["fin1"], version=None)
    claims.claim(session, now=clock(), reward=reward, name="独特领奖人", id_number=ID, bank="银行",
                 account_number="62166100000099999", account_holder="独特领奖人")
    session.commit()
    raw = b"".join(bytes(v) for v in session.execute(text("SELECT name, account_number FROM reward_claim")).one())
    assert "独特领奖人".encode() not in raw and b"62166100000099999" not in raw
    with pytest.raises(Forbidden):
        claims.reveal_claim(session, now=clock(), reward=reward, actor=bureau["inv1"], reason="查看")
    row = claims.reveal_claim(session, now=clock(), reward=reward, actor=bureau["fin1"], reason="付款核对")
    assert row.account_number == "62166100000099999"


def test_register_export_has_identity_only_for_finance_with_a_reason(app, session, clock, bureau):
    import csv
    import io

    from openpyxl import load_workbook

    from ..conftest import csrf_token
    closed_case(session, clock, bureau, fines="100000")
    reward = session.scalars(select(Reward)).one()
    propose(session, app, clock, reward, bureau["inv1"], level=3)
    services.review(session, now=clock(), reward=reward, actor=bureau["boss2"], version=None)
    services.finance_approve(session, now=clock(), reward=reward, actor=bureau["fin1"], version=None)
    claims.claim(session, now=clock(), reward=reward, name="导出领奖人", id_number=ID, bank="银行",
                 account_number="62166100000012345", account_holder="导出领奖人")
    session.commit()
    fin = app.test_client()
    page = fin.get("/staff/login").get_data(as_text=True)
    fin.post("/staff/login", data={"csrf_token": csrf_token(page), "username": "fin1", "password": factories.PASSWORD})
    plain = fin.get("/staff/rewards/register.csv").get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(plain)))
    assert rows[1][9] == "1000.00" and "导出领奖人" not in plain
    with_id = fin.get("/staff/rewards/register.csv?identity_reason=年度审计").get_data().decode("utf-8-sig")
    assert "导出领奖人" in with_id
    book = load_workbook(io.BytesIO(fin.get("/staff/rewards/register.xlsx").get_data()))
    assert book.active.cell(row=2, column=10).value == "1000.00"
