"""Issue 21, rewards: the rule set is the one source of the reward periods and the level hints;
a reward keeps the rule set it was computed with. The instance here overrides the Henan set."""
from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from tipline.cases.deadlines import clocks
from tipline.cases.deadlines.models import Clock, DeadlineRule
from tipline.rewards import claims, services
from tipline.rewards.models import Reward
from tipline.rewards.rules import load_rule_sets

from .test_fidelity import staff_page
from .test_workflow import closed_case, propose

OVERRIDE = '''name = "henan-2025"
version = "1"
effective_from = 2025-03-01
inherits = "national-2021"
notice_workdays = 5
claim_window_workdays = 20
[levels.1]
share = "0.06"
floor = "6000.00"
no_fine_floor = "6000.00"
'''


@pytest.fixture
def app_settings(app_settings):
    folder = app_settings["instance_path"] / "rules"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "henan-2025.toml").write_text(OVERRIDE, encoding="utf-8")
    return app_settings


def test_deadlines_json_no_longer_carries_the_reward_clocks(app, session, clock):
    assert {"reward_notice", "reward_claim"}.isdisjoint(clocks.shipped()["versions"][0]["clocks"])
    clocks.seed_rules(session, clock())
    assert not session.scalars(select(DeadlineRule).where(DeadlineRule.clock.like("reward%"))).all()


def test_the_reward_clocks_take_their_lengths_from_the_rule_set_the_reward_keeps(app, session, clock, bureau,
                                                                                  tmp_path):
    with app.app_context():  # as when a request closes the case: the hook reads the app's rule sets
        closed_case(session, clock, bureau, fines="2000000")
    reward = session.scalars(select(Reward)).one()
    notice = session.scalars(select(Clock).where(Clock.kind == "reward_notice")).one()
    assert (notice.length, notice.unit) == (5, "workdays")  # the instance's notice_workdays, not 15
    propose(session, app, clock, reward, bureau["inv1"])
    assert (reward.rule_set, reward.rule_set_version, str(reward.amount)) == ("henan-2025", "1", "120000.00")
    # A newer version of the set arrives after the proposal: this reward keeps version 1's periods.
    newer = tmp_path / "newer"
    (newer / "rules").mkdir(parents=True)
    (newer / "rules" / "henan-2025-v2.toml").write_text(
        OVERRIDE.replace('version = "1"', 'version = "2"').replace("claim_window_workdays = 20",
                                                                    "claim_window_workdays = 25"), encoding="utf-8")
    (newer / "rules" / "henan-2025.toml").write_text(OVERRIDE, encoding="utf-8")
    app.extensions["reward_rules"] = load_rule_sets(newer)
    assert app.extensions["reward_rules"].get("henan-2025").version == "2"
    services.review(session, now=clock(), reward=reward, actor=bureau["boss2"], version=None)
    services.finance_approve(session, now=clock(), reward=reward, actor=bureau["fin1"], version=None,
                             rule_sets=app.extensions["reward_rules"])
    session.commit()
    window = claims.claim_clock(session, reward)
    assert (window.length, window.unit, window.rule_from.isoformat()) == (20, "workdays", "2025-03-01")
    assert reward.claim_due_told == window.due_on
    assert session.get(Clock, notice.id).state == "done"


def test_the_level_hints_are_rendered_from_the_rule_set(app, session, clock, bureau):
    closed_case(session, clock, bureau, fines="2000000")
    reward = session.scalars(select(Reward)).one()
    page = staff_page(app, session, "inv1", reward)
    hints = re.search(r'data-testid="level-hints">(.*?)</p>', page, re.S).group(1)
    assert "henan-2025" in hints and re.search(r"\b6(%| per cent)", hints) and re.search(r"\b3(%| per cent)", hints)
    # Amounts as every other amount on the page: with thousands separators.
    assert "6,000.00" in hints and "3,000.00" in hints
    assert "1,000,000.00" in hints and "5,000" not in hints and "1000000" not in hints
    periods = re.search(r'data-testid="reward-periods">(.*?)</dd>', page, re.S).group(1)
    assert re.search(r"\b5\b", periods) and re.search(r"\b20\b", periods)


def test_the_quote_command_uses_the_instance_rule_set(runner):
    data = json.loads(runner.invoke(args=["rewards", "quote", "--level", "1", "--fines", "0",
                                          "--on", "2026-03-01"]).stdout)
    assert data["rule_set"] == "henan-2025@1" and data["amount"] == "6000.00"
