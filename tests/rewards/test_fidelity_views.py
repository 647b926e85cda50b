"""Issue 21, rewards, through the staff pages: the proposal form's adjustment and catch-all
exclusion reason, and a late claim requested and approved by two members of finance."""
from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from tipline.rewards import claims
from tipline.rewards.models import Reward, RewardLateClaim

from .. import factories
from ..conftest import csrf_token
from .test_fidelity import approved
from .test_workflow import SH, closed_case


def signed_in(app, username):
    c = app.test_client()
    page = c.get("/staff/login").get_data(as_text=True)
    c.post("/staff/login", data={"csrf_token": csrf_token(page), "username": username, "password": factories.PASSWORD})
    return c


def proposal(client, reward_id, **fields):
    page = client.get(f"/staff/rewards/{reward_id}").get_data(as_text=True)
    version = re.search(r'id="version" name="version" type="hidden" value="(\d+)"', page).group(1)
    data = {"csrf_token": csrf_token(page), "version": version, "natural_person": "1", "exclusion": "",
            "unknown_to_regulator": "1", "party_type": "organisation", "level": "3", "signatories": "1"}
    data.update(fields)
    return client.post(f"/staff/rewards/{reward_id}/propose", data=data)


def test_the_proposal_form_adjusts_the_amount_and_asks_for_the_reason(app, session, clock, bureau):
    closed_case(session, clock, bureau, fines="200000")
    reward_id = session.scalars(select(Reward.id)).one()
    session.commit()
    officer = signed_in(app, "inv1")
    refused = proposal(officer, reward_id, adjusted_amount="1500.00")
    assert refused.status_code == 422 and 'id="adjustment_reason-err"' in refused.get_data(as_text=True)
    outside = proposal(officer, reward_id, adjusted_amount="500.00", adjustment_reason="货值较小")
    assert outside.status_code == 422 and 'id="adjusted_amount-err"' in outside.get_data(as_text=True)
    done = proposal(officer, reward_id, adjusted_amount="1500.00", adjustment_reason="货值较小，社会影响有限")
    assert done.status_code == 302
    page = signed_in(app, "boss2").get(f"/staff/rewards/{reward_id}").get_data(as_text=True)
    assert re.search(r'data-testid="reward-amount">1,500.00<', page)
    assert "货值较小，社会影响有限" in re.search(r'data-testid="reward-adjustment">([^<]*)<', page).group(1)


def test_the_catch_all_exclusion_through_the_form(app, session, clock, bureau):
    closed_case(session, clock, bureau, fines="2000000")
    reward_id = session.scalars(select(Reward.id)).one()
    session.commit()
    officer = signed_in(app, "inv1")
    refused = proposal(officer, reward_id, exclusion="other_not_payable")
    assert refused.status_code == 422 and 'id="exclusion_reason-err"' in refused.get_data(as_text=True)
    assert proposal(officer, reward_id, exclusion="other_not_payable",
                    exclusion_reason="依合同负有报告义务的合规顾问").status_code == 302
    session.expire_all()
    reward = session.get(Reward, reward_id)
    assert (reward.status, reward.exclusion_reason) == ("not_eligible", "依合同负有报告义务的合规顾问")


def test_a_late_claim_is_requested_and_approved_by_two_members_of_finance(app, session, clock, bureau):
    closed_case(session, clock, bureau, fines="100000")
    reward = approved(session, app, clock, bureau, level=3)
    due = claims.claim_clock(session, reward).due_on
    clock.current = dt.datetime.combine(due + dt.timedelta(days=2), dt.time(10), SH)
    assert claims.forfeit_expired(session, clock()) == 1
    reward_id = reward.id
    session.commit()
    first = signed_in(app, "fin1")
    page = first.get(f"/staff/rewards/{reward_id}").get_data(as_text=True)
    assert 'data-testid="late-claim"' in page and 'value="late_request"' in page
    first.post(f"/staff/rewards/{reward_id}/decide", data={"csrf_token": csrf_token(page), "action": "late_request",
                                                           "reason": "举报人出国就医，有证明"})
    page = first.get(f"/staff/rewards/{reward_id}").get_data(as_text=True)
    assert "举报人出国就医，有证明" in page and 'value="late_approve"' not in page  # not the same person
    second = signed_in(app, "fin2")
    page = second.get(f"/staff/rewards/{reward_id}").get_data(as_text=True)
    assert 'value="late_approve"' in page
    assert second.post(f"/staff/rewards/{reward_id}/decide", data={
        "csrf_token": csrf_token(page), "action": "late_approve"}).status_code == 302
    session.expire_all()
    reward = session.get(Reward, reward_id)
    row = session.scalars(select(RewardLateClaim)).one()
    assert reward.status == "notified" and row.approved_by == bureau["fin2"].id
    assert row.requested_by == bureau["fin1"].id and row.due_on == claims.claim_clock(session, reward).due_on
