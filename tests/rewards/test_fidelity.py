"""Issue 21, rewards: discretion within the rules, joint reporters' own shares, late claims by four
eyes, the catch-all exclusion, provisional claim deadlines and a calendar that moves them."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from tipline.calendar.services import WorkCalendar, import_official
from tipline.errors import Conflict, Forbidden, ValidationFailed
from tipline.rewards import claims, services
from tipline.rewards.models import Reward, RewardClaim, RewardPayment

from .test_workflow import ID, SH, closed_case, propose

ACCOUNT = dict(bank="中国银行郑州分行", account_number="62166100000012345")


def approved(session, app, clock, bureau, **kw):
    """A reward proposed by an investigator, reviewed and approved by people outside the case."""
    reward = session.scalars(select(Reward)).one()
    propose(session, app, clock, reward, bureau["inv1"], **kw)
    services.review(session, now=clock(), reward=reward, actor=bureau["boss2"], version=None)
    services.finance_approve(session, now=clock(), reward=reward, actor=bureau["fin1"], version=None)
    session.commit()
    return reward


def claim_as(session, now, reward, name, share_no=1, id_number=ID):
    return claims.claim(session, now=now, reward=reward, name=name, id_number=id_number, account_holder=name,
                        share_no=share_no, **ACCOUNT)


def staff_page(app, session, username, reward):
    from .. import factories
    from ..conftest import csrf_token
    session.commit()  # no read transaction of the test left open while the app writes (SQLite)
    c = app.test_client()
    page = c.get("/staff/login").get_data(as_text=True)
    c.post("/staff/login", data={"csrf_token": csrf_token(page), "username": username, "password": factories.PASSWORD})
    return c.get(f"/staff/rewards/{reward.id}").get_data(as_text=True)


# -- discretion within the rules -------------------------------------------------------------------

def test_the_proposer_adjusts_within_floor_and_cap_with_a_reason_the_approvers_see(app, session, clock, bureau):
    closed_case(session, clock, bureau, fines="200000")  # level 3: 1% = 2,000
    reward = session.scalars(select(Reward)).one()
    with pytest.raises(ValidationFailed) as no_reason:
        propose(session, app, clock, reward, bureau["inv1"], level=3, adjusted_amount=Decimal("1500"))
    assert no_reason.value.details["fields"] == {"adjustment_reason": "required"}
    session.rollback()
    for outside in ("999.99", "1000000.01"):  # below the level 3 floor of 1,000 / above the cap
        with pytest.raises(ValidationFailed) as info:
            propose(session, app, clock, reward, bureau["inv1"], level=3, adjusted_amount=Decimal(outside),
                    adjustment_reason="货值较小，社会影响有限")
        assert "adjusted_amount" in info.value.details["fields"]
        session.rollback()
    propose(session, app, clock, reward, bureau["inv1"], level=3, adjusted_amount=Decimal("1500"),
            adjustment_reason="货值较小，社会影响有限")
    session.commit()
    assert (reward.computed_amount, reward.amount) == (Decimal("2000.00"), Decimal("1500.00"))
    page = staff_page(app, session, "boss2", reward)  # the supervisor who reviews it
    shown = re.search(r'data-testid="reward-adjustment">([^<]*)<', page).group(1)
    assert "2,000.00" in shown and "货值较小，社会影响有限" in shown


def test_without_an_adjustment_the_computed_amount_stands(app, session, clock, bureau):
    closed_case(session, clock, bureau, fines="200000")
    reward = approved(session, app, clock, bureau, level=3)
    assert reward.amount == reward.computed_amount == Decimal("2000.00") and reward.adjustment_reason == ""
    assert 'data-testid="reward-adjustment"' not in staff_page(app, session, "fin2", reward)


# -- joint reporters -------------------------------------------------------------------------------

def test_a_joint_reporter_other_than_the_one_named_is_not_flagged_as_someone_else(app, session, clock, bureau):
    """The report names one of the joint reporters; the second signatory's claim used to show finance
    "differs from the identity given in the report", the warning for a stranger holding the receipt."""
    from tipline.intake.models import ReporterIdentity, Tip
    closed_case(session, clock, bureau, fines="100000")
    tip = session.scalars(select(Tip)).one()
    tip.anonymous = False
    session.add(ReporterIdentity(tip_id=tip.id, name="王一", id_number=ID))
    reward = approved(session, app, clock, bureau, level=3, signatories=2)
    claim_as(session, clock(), reward, "王一", share_no=1)
    claim_as(session, clock(), reward, "李二", share_no=2, id_number="110105198001010016")
    session.commit()
    checks = dict(session.execute(select(RewardClaim.share_no, RewardClaim.identity_check)).all())
    assert checks == {1: "match", 2: "cosigner"}
    page = staff_page(app, session, "fin2", reward)
    assert "该举报为联名举报" in page and "付款前请与举报人核实" not in page


def test_joint_reporters_each_claim_and_are_paid_their_own_share(app, session, clock, bureau):
    closed_case(session, clock, bureau, fines="100000")  # level 3: 1,000 for three signatories
    reward = approved(session, app, clock, bureau, level=3, signatories=3)
    assert claims.share_amounts(reward) == [Decimal("333.34"), Decimal("333.33"), Decimal("333.33")]
    claim_as(session, clock(), reward, "王一", share_no=1)
    session.commit()
    assert reward.status == "notified"  # the others can still claim their shares
    with pytest.raises(Conflict):
        claim_as(session, clock(), reward, "王一", share_no=1)
    session.rollback()
    claim_as(session, clock(), reward, "李二", share_no=2)
    with pytest.raises(ValidationFailed) as wrong:  # a share is paid at its own amount, not the whole
        claims.record_payment(session, now=clock(), reward=reward, actor=bureau["fin2"], voucher_number="V2",
                              paid_on=clock().date(), method="bank_transfer", amount="1000.00", share_no=2)
    assert wrong.value.details["fields"] == {"amount": "mismatch"}
    claims.record_payment(session, now=clock(), reward=reward, actor=bureau["fin2"], voucher_number="V2",
                          paid_on=clock().date(), method="bank_transfer", amount="333.33", share_no=2)
    claim_as(session, clock(), reward, "张三", share_no=3)
    assert reward.status == "claimed"
    for n, amount in ((1, "333.34"), (3, "333.33")):
        claims.record_payment(session, now=clock(), reward=reward, actor=bureau["fin2"], voucher_number=f"V{n}",
                              paid_on=clock().date(), method="bank_transfer", amount=amount, share_no=n)
    session.commit()
    assert reward.status == "paid"
    rows = session.scalars(select(RewardClaim).order_by(RewardClaim.share_no)).all()
    assert [(r.share_no, r.name) for r in rows] == [(1, "王一"), (2, "李二"), (3, "张三")]
    payments = session.scalars(select(RewardPayment).order_by(RewardPayment.share_no)).all()
    assert [(p.share_no, str(p.amount)) for p in payments] == [(1, "333.34"), (2, "333.33"), (3, "333.33")]
    assert sum(p.amount for p in payments) == reward.amount
    from .. import factories
    from ..conftest import csrf_token
    session.commit()  # no read transaction of the test left open while the app writes (SQLite)
    fin = app.test_client()
    page = fin.get("/staff/login").get_data(as_text=True)
    fin.post("/staff/login", data={"csrf_token": csrf_token(page), "username": "fin1", "password": factories.PASSWORD})
    register = fin.get("/staff/rewards/register.csv?identity_reason=年度审计").get_data().decode("utf-8-sig")
    assert "V1; V2; V3" in register and "王一; 李二; 张三" in register


def test_unclaimed_shares_lapse_while_the_claimed_ones_are_paid(app, session, clock, bureau):
    closed_case(session, clock, bureau, fines="100000")
    reward = approved(session, app, clock, bureau, level=3, signatories=2)
    claim_as(session, clock(), reward, "王一", share_no=1)
    session.commit()
    late = dt.datetime.combine(claims.claim_clock(session, reward).due_on + dt.timedelta(days=1), dt.time(10), SH)
    assert claims.forfeit_expired(session, late) == 1
    assert reward.status == "claimed" and claims.open_shares(session, reward) == [2]
    claims.record_payment(session, now=late, reward=reward, actor=bureau["fin2"], voucher_number="V1",
                          paid_on=late.date(), method="bank_transfer", amount="500.00", share_no=1)
    assert reward.status == "paid"


def test_joint_status_page_offers_the_open_shares(app, client, session, clock, bureau):
    from ..intake.helpers import open_status
    _, (code,) = closed_case(session, clock, bureau, fines="100000")
    reward = approved(session, app, clock, bureau, level=3, signatories=2)
    claim_as(session, clock(), reward, "王一", share_no=1)
    session.commit()
    html = open_status(client, code).get_data(as_text=True)
    assert 'data-testid="reward-shares"' in html and "500.00" in html
    options = re.search(r'<select[^>]*name="share_no"[^>]*>(.*?)</select>', html, re.S).group(1)
    assert re.findall(r'value="(\d+)"', options) == ["2"]


# -- late claims -----------------------------------------------------------------------------------

def test_finance_accepts_a_late_claim_on_a_good_reason_with_a_second_approver(app, session, clock, bureau):
    from tipline.rewards import late_claims
    closed_case(session, clock, bureau, fines="100000")
    reward = approved(session, app, clock, bureau, level=3)
    due = claims.claim_clock(session, reward).due_on
    late = dt.datetime.combine(due + dt.timedelta(days=3), dt.time(10), SH)
    assert claims.forfeit_expired(session, late) == 1 and reward.status == "forfeited"
    with pytest.raises(Forbidden):  # an officer of the case cannot
        late_claims.request(session, now=late, reward=reward, actor=bureau["inv1"], reason="住院治疗")
    with pytest.raises(ValidationFailed):
        late_claims.request(session, now=late, reward=reward, actor=bureau["fin1"], reason="")
    session.rollback()
    late_claims.request(session, now=late, reward=reward, actor=bureau["fin1"], reason="举报人住院治疗，有医院证明")
    with pytest.raises(Forbidden) as same:  # four eyes: not the one who asked
        late_claims.approve(session, now=late, reward=reward, actor=bureau["fin1"])
    assert same.value.details["kind"] == "already_approved"
    assert reward.status == "forfeited"
    row = late_claims.approve(session, now=late, reward=reward, actor=bureau["fin2"])
    session.commit()
    window = claims.claim_clock(session, reward)
    assert reward.status == "notified" and window.length == 10 and window.start_on == late.date()
    assert row.due_on == window.due_on > due and reward.claim_due_told == window.due_on
    claim_as(session, late + dt.timedelta(days=1), reward, "王小明")
    assert reward.status == "claimed"


def test_no_late_claim_while_the_window_is_open(app, session, clock, bureau):
    from tipline.rewards import late_claims
    closed_case(session, clock, bureau, fines="100000")
    reward = approved(session, app, clock, bureau, level=3)
    with pytest.raises(Conflict):
        late_claims.request(session, now=clock(), reward=reward, actor=bureau["fin1"], reason="住院治疗")


# -- eligibility -----------------------------------------------------------------------------------

def test_the_catch_all_exclusion_needs_a_reason_that_the_page_shows(app, session, clock, bureau):
    closed_case(session, clock, bureau, fines="2000000")
    reward = session.scalars(select(Reward)).one()
    with pytest.raises(ValidationFailed) as info:
        propose(session, app, clock, reward, bureau["inv1"], exclusion="other_not_payable")
    assert info.value.details["fields"] == {"exclusion_reason": "required"}
    session.rollback()
    propose(session, app, clock, reward, bureau["inv1"], exclusion="other_not_payable",
            exclusion_reason="举报人系该公司聘请的合规顾问，依合同负有报告义务")
    session.commit()
    assert reward.status == "not_eligible" and reward.ineligible_reason == "other_not_payable"
    page = staff_page(app, session, "boss2", reward)
    assert re.search(r'data-testid="exclusion-reason">举报人系该公司聘请的合规顾问', page)


def test_instigated_or_paid_by_any_market_participant_excludes_without_a_reason(app, session, clock, bureau):
    closed_case(session, clock, bureau, fines="2000000")
    reward = session.scalars(select(Reward)).one()
    propose(session, app, clock, reward, bureau["inv1"], exclusion="instigated_or_paid")
    assert reward.status == "not_eligible" and reward.ineligible_reason == "instigated_or_paid"
    assert reward.exclusion_reason == ""


def test_the_checklist_offers_the_widened_and_the_catch_all_exclusions(app, session, clock, bureau):
    closed_case(session, clock, bureau, fines="2000000")
    reward = session.scalars(select(Reward)).one()
    page = staff_page(app, session, "inv1", reward)
    options = dict(re.findall(r'<option value="([a-z_]+)">([^<]+)</option>', page))
    assert "市场主体" in options["instigated_or_paid"] and "法律、法规" in options["other_not_payable"]
    assert "paid_by_competitor" not in options


# -- provisional dates and a calendar that moves them -----------------------------------------------

def test_a_provisional_claim_deadline_is_marked_and_a_moving_calendar_tells_the_reporter(app, client, session, clock,
                                                                                        bureau):
    from ..intake.helpers import open_status
    clock.current = dt.datetime(2026, 12, 14, 1, 30, tzinfo=dt.timezone.utc)  # 30 working days reach into 2027
    _, (code,) = closed_case(session, clock, bureau, fines="100000")
    reward = approved(session, app, clock, bureau, level=3)
    window = claims.claim_clock(session, reward)
    assert window.provisional and window.due_on.year == 2027
    session.commit()
    html = open_status(client, code).get_data(as_text=True)
    deadline = re.search(r'data-testid="claim-deadline">(.*?)</p>', html, re.S).group(1)
    assert window.due_on.isoformat() in deadline and 'data-testid="provisional"' in deadline
    assert 'data-testid="claim-deadline-moved"' not in html
    # The official 2027 calendar closes a week inside the window (11-15 January) to working.
    cal = WorkCalendar.load(session)
    week = [dt.date(2027, 1, 11) + dt.timedelta(n) for n in range(5)]
    assert all(cal.info(d).is_workday and d < window.due_on for d in week)
    was = window.due_on
    import_official(session, clock(), [(d, False, "停工") for d in week], years=[2027])
    session.commit()
    assert window.due_on > was and not window.provisional
    assert (reward.claim_due_was, reward.claim_due_told) == (was, window.due_on)
    session.commit()
    html = open_status(client, code).get_data(as_text=True)
    moved = re.search(r'data-testid="claim-deadline-moved">(.*?)</p>', html, re.S).group(1)
    assert was.isoformat() in moved and window.due_on.isoformat() in moved
    deadline = re.search(r'data-testid="claim-deadline">(.*?)</p>', html, re.S).group(1)
    assert 'data-testid="provisional"' not in deadline
