"""The reward quote: the domain.md section 4 table, order of computation, rounding and splits."""
from __future__ import annotations

import dataclasses
from decimal import Decimal as D

import pytest

from tipline.rewards.quote import QuoteError, money, parse_amount, quote
from tipline.rewards.rules import LevelRule, load_rule_sets


@pytest.fixture(scope="module")
def rules():
    return load_rule_sets(None).get("national-2021")


def q(rules, level, base, **kw):
    return quote(rules, level=level, fines_and_confiscations=D(base), **kw)


@pytest.mark.parametrize("level, base, share, amount", [
    (1, "2000000", "100000", "100000.00"),   # 5 % above the 5,000 floor
    (2, "2000000", "60000", "60000.00"),     # 3 % above the 3,000 floor
    (3, "2000000", "20000", "20000.00"),     # 1 % above the 1,000 floor
    (1, "50000", "2500", "5000.00"),         # share below the floor: the floor applies
    (2, "50000", "1500", "3000.00"),
    (3, "50000", "500", "1000.00"),
    (1, "100000", "5000", "5000.00"),        # share exactly at the floor
])
def test_share_then_floor(rules, level, base, share, amount):
    result = q(rules, level, base)
    assert result.share_amount == D(share)
    assert result.after_floor == max(D(share), rules.levels[level].floor)
    assert result.amount == D(amount) and result.amount.as_tuple().exponent == -2
    assert result.shares == [D(amount)] and not result.capped and not result.joint_finance_approval


@pytest.mark.parametrize("level, floor", [(1, "5000.00"), (2, "3000.00"), (3, "1000.00")])
def test_no_fines_gives_the_no_fine_floor_or_a_higher_proposal(rules, level, floor):
    assert q(rules, level, "0").amount == D(floor)
    assert q(rules, level, "0", proposed_no_fine_amount=D(floor)).amount == D(floor)
    assert q(rules, level, "0", proposed_no_fine_amount=D("8000")).amount == D("8000.00")
    with pytest.raises(QuoteError, match="below the level"):
        q(rules, level, "0", proposed_no_fine_amount=D(floor) - D("0.01"))


def test_proposal_only_without_fines(rules):
    with pytest.raises(QuoteError, match="proposed_no_fine_amount"):
        q(rules, 1, "1000", proposed_no_fine_amount=D("8000"))


@pytest.mark.parametrize("uplift, amount", [("1", "100000.00"), ("1.5", "150000.00"), ("2", "200000.00")])
def test_insider_uplift_after_the_floor(rules, uplift, amount):
    result = q(rules, 1, "2000000", insider_uplift=D(uplift))
    assert result.after_uplift == D(amount) and result.amount == D(amount)


def test_uplift_applies_to_the_floor_not_the_share(rules):
    result = q(rules, 3, "50000", insider_uplift=D("1.5"))  # share 500 -> floor 1000 -> 1500
    assert result.after_floor == D("1000") and result.amount == D("1500.00")


@pytest.mark.parametrize("uplift", ["2.01", "0.9", "0", "3"])
def test_uplift_outside_the_limit_is_refused(rules, uplift):
    with pytest.raises(QuoteError, match="insider_uplift: must be from 1 to 2"):
        q(rules, 1, "2000000", insider_uplift=D(uplift))


def test_cap(rules):
    result = q(rules, 1, "30000000")
    assert result.share_amount == D("1500000") and result.capped and result.amount == D("1000000.00")
    uplifted = q(rules, 1, "15000000", insider_uplift=D("2"))
    assert uplifted.after_uplift == D("1500000") and uplifted.capped and uplifted.amount == D("1000000.00")
    assert not q(rules, 1, "20000000").capped  # exactly the cap is not "capped"
    assert q(rules, 1, "30000000", signatories=4).shares == [D("250000.00")] * 4  # cap is per case


@pytest.mark.parametrize("level, base, amount, joint", [
    (1, "10000000", "500000.00", True),      # exactly the threshold
    (1, "9999999.80", "499999.99", False),
    (1, "9999999.90", "500000.00", True),    # 499,999.995 rounds up: compared after rounding
    (1, "30000000", "1000000.00", True),
])
def test_joint_finance_approval_threshold(rules, level, base, amount, joint):
    result = q(rules, level, base)
    assert result.amount == D(amount) and result.joint_finance_approval is joint


@pytest.mark.parametrize("level, base, share, amount", [
    (3, "500050.50", "5000.505", "5000.51"),      # exactly half a fen rounds up
    (3, "500050.49", "5000.5049", "5000.50"),
    (3, "123456.785", "1234.56785", "1234.57"),
    (2, "166666.85", "5000.0055", "5000.01"),
])
def test_round_half_up_once_at_the_end(rules, level, base, share, amount):
    result = q(rules, level, base)
    assert result.share_amount == D(share) and result.amount == D(amount)


def test_rounding_happens_once_after_the_uplift(rules):
    # 5000.505 x 1.5 = 7500.7575 -> 7500.76; rounding the share first would give 5000.51 x 1.5 = 7500.765 -> 7500.77
    assert q(rules, 3, "500050.50", insider_uplift=D("1.5")).amount == D("7500.76")


@pytest.mark.parametrize("signatories, shares", [
    (1, ["1000.00"]),
    (2, ["500.00", "500.00"]),
    (3, ["333.34", "333.33", "333.33"]),
    (7, ["142.90"] + ["142.85"] * 6),
])
def test_joint_reporters_split_equally_remainder_to_the_first(rules, signatories, shares):
    result = q(rules, 3, "0", signatories=signatories)  # level 3 without fines: 1000.00
    assert result.shares == [D(s) for s in shares] and sum(result.shares) == result.amount == D("1000.00")


@pytest.mark.parametrize("kwargs, reason", [
    ({"level": 0}, "level"), ({"level": 4}, "level"), ({"level": "1"}, "level"), ({"level": True}, "level"),
    ({"fines_and_confiscations": D("-1")}, "negative"), ({"fines_and_confiscations": "abc"}, "not a number"),
    ({"fines_and_confiscations": 100.5}, "expected a decimal"), ({"fines_and_confiscations": D("NaN")}, "finite"),
    ({"fines_and_confiscations": D("Infinity")}, "finite"), ({"fines_and_confiscations": None}, "expected a decimal"),
    ({"fines_and_confiscations": D("1E+20")}, "10\\^15"), ({"insider_uplift": "x"}, "not a number"),
    ({"fines_and_confiscations": D("1000000000000000")}, "10\\^15"),
    ({"fines_and_confiscations": D("0.0000001")}, "at most 6 decimals, got 1E-7"),
    ({"insider_uplift": D("-1")}, "negative"), ({"proposed_no_fine_amount": D("-5000")}, "negative"),
    ({"signatories": 0}, "signatories"), ({"signatories": 1001}, "signatories"), ({"signatories": 2.0}, "signatories"),
])
def test_invalid_input_is_a_one_line_error(rules, kwargs, reason):
    args = {"level": 1, "fines_and_confiscations": D("1000")} | kwargs
    with pytest.raises(QuoteError, match=reason) as info:
        quote(rules, **args)
    assert "\n" not in str(info.value)


def test_text_and_int_inputs_are_exact(rules):
    assert q(rules, 1, "2000000").amount == quote(rules, level=1, fines_and_confiscations=2000000).amount
    assert quote(rules, level=3, fines_and_confiscations=" 500050.50 ").amount == D("5000.51")


def test_quote_records_rule_set_and_steps(rules):
    result = q(rules, 1, "15000000", insider_uplift=D("2"), signatories=2)
    assert (result.rule_set, result.rule_set_version, result.level) == ("national-2021", "1", 1)
    assert [s.split(" ")[0] for s in result.steps] == ["share:", "floor", "insider", "cap", "rounded", "joint", "2"]
    assert "(capped)" in result.steps[3]


def test_money_format_keeps_unrounded_digits():
    assert money(D("100000")) == "100000.00" and money(D("5000.5050")) == "5000.505" and money(D("0E-8")) == "0.00"
    assert money(D("7500.7575")) == "7500.7575" and money(D("12.3")) == "12.30"


def test_adjusted_amount_within_the_floor_and_the_cap(rules):
    result = q(rules, 3, "2000000", adjusted_amount=D("25000.5"), signatories=2)
    assert (result.computed_amount, result.amount, result.adjusted) == (D("20000.00"), D("25000.50"), True)
    assert result.amount.as_tuple().exponent == -2  # stored in fen, like a computed amount
    assert result.shares == [D("12500.25"), D("12500.25")]
    assert result.steps[-3] == "adjusted by the proposer within 1000.00 to 1000000.00: 25000.50"
    same = q(rules, 3, "2000000", adjusted_amount=D("20000"))
    assert same.amount == D("20000.00") and not same.adjusted  # the computed amount is no adjustment
    assert q(rules, 3, "0", adjusted_amount=D("1000.00")).amount == D("1000.00")  # the no-fine floor
    assert q(rules, 1, "2000000", adjusted_amount=D("1000000")).joint_finance_approval


@pytest.mark.parametrize("level, base, adjusted, reason", [
    (3, "2000000", "999.99",
     "adjusted_amount: 999.99 is outside the level 3 floor of 1000.00 and the cap of 1000000.00"),
    (1, "2000000", "1000000.01",
     "adjusted_amount: 1000000.01 is outside the level 1 floor of 5000.00 and the cap of 1000000.00"),
    (2, "0", "2999.99", "adjusted_amount: 2999.99 is outside the level 2 floor of 3000.00 and the cap of 1000000.00"),
    (3, "2000000", "20000.001", "adjusted_amount: at most two decimals (fen), got 20000.001"),
])
def test_adjusted_amount_outside_the_rules_is_refused(rules, level, base, adjusted, reason):
    with pytest.raises(QuoteError) as info:
        q(rules, level, base, adjusted_amount=D(adjusted))
    assert str(info.value) == reason


def test_as_json_has_fixed_keys_and_money_as_text(rules):
    result = q(rules, 3, "500050.50", insider_uplift=D("1.5"), adjusted_amount=D("8000"), signatories=3)
    assert result.as_json() == {
        "rule_set": "national-2021", "rule_set_version": "1", "level": 3,
        "base": "500050.50", "share_amount": "5000.505", "after_floor": "5000.505", "after_uplift": "7500.7575",
        "capped": False, "computed_amount": "7500.76", "adjusted": True, "amount": "8000.00",
        "joint_finance_approval": False, "shares": ["2666.68", "2666.66", "2666.66"],
    }
    assert list(result.as_json()) == ["rule_set", "rule_set_version", "level", "base", "share_amount", "after_floor",
                                      "after_uplift", "capped", "computed_amount", "adjusted", "amount",
                                      "joint_finance_approval", "shares"]
    by_hand = dataclasses.replace(q(rules, 3, "0"), computed_amount=None)
    assert by_hand.as_json()["computed_amount"] == "1000.00"


def test_steps_read_as_the_computation(rules):
    result = q(rules, 1, "15000000", insider_uplift=D("2"), signatories=3)
    assert list(result.steps) == [
        "share: 15000000.00 x 0.05 = 750000.00",
        "floor 5000.00: 750000.00",
        "insider uplift x 2: 1500000.00",
        "cap 1000000.00: 1000000.00 (capped)",
        "rounded half up to the fen: 1000000.00",
        "joint finance approval (>= 500000.00): yes",
        "3 signatories: 333333.33 each, first 333333.34",
    ]
    assert list(q(rules, 2, "0").steps) == [
        "share: 0.00 x 0.03 = 0.00",
        "no fines or confiscations: no-fine floor 3000.00 (at least 3000.00)",
        "insider uplift x 1: 3000.00",
        "cap 1000000.00: 3000.00",
        "rounded half up to the fen: 3000.00",
        "joint finance approval (>= 500000.00): no",
    ]
    assert q(rules, 2, "0", proposed_no_fine_amount=D("4000")).steps[1] == \
        "no fines or confiscations: proposed 4000.00 (at least 3000.00)"


def test_the_sanity_bounds_themselves_are_accepted(rules):
    assert q(rules, 3, "999999999999999.999999").amount == D("1000000.00")
    assert q(rules, 3, "0.000001").share_amount == D("0.00000001")


def test_uplift_factor_and_uneven_pair_are_recorded(rules):
    assert q(rules, 3, "0").uplift == D(1) and q(rules, 3, "0", insider_uplift=D("1.5")).uplift == D("1.5")
    pair = q(rules, 3, "0", adjusted_amount=D("1000.01"), signatories=2)
    assert pair.shares == [D("500.01"), D("500.00")]
    assert pair.steps[-1] == "2 signatories: 500.00 each, first 500.01"


def test_parse_amount_names_the_option():
    assert parse_amount("--fines", " 1000.50 ") == D("1000.50")
    with pytest.raises(QuoteError, match="^--fines: must not be negative, got -1$"):
        parse_amount("--fines", "-1")


@pytest.mark.parametrize("kwargs, message", [
    ({"level": 0}, "level: expected 1, 2 or 3, got 0"),
    ({"signatories": 0}, "signatories: expected a whole number from 1 to 1000, got 0"),
    ({"signatories": True}, "signatories: expected a whole number from 1 to 1000, got True"),
    ({"fines_and_confiscations": 100.5},
     "fines_and_confiscations: expected a decimal number (Decimal, int or text), got 100.5"),
    ({"fines_and_confiscations": False},
     "fines_and_confiscations: expected a decimal number (Decimal, int or text), got False"),
    ({"insider_uplift": "x"}, "insider_uplift: not a number: 'x'"),
    ({"fines_and_confiscations": D("NaN")}, "fines_and_confiscations: not a finite number: Decimal('NaN')"),
    ({"proposed_no_fine_amount": D("-5000")}, "proposed_no_fine_amount: must not be negative, got -5000"),
    ({"adjusted_amount": "-0.01"}, "adjusted_amount: must not be negative, got -0.01"),
    ({"fines_and_confiscations": D("1E+20")},
     "fines_and_confiscations: expected less than 10^15 with at most 6 decimals, got 1E+20"),
    ({"insider_uplift": D("2.5")}, "insider_uplift: must be from 1 to 2, got 2.5"),
    ({"proposed_no_fine_amount": D("8000")},
     "proposed_no_fine_amount: only for cases without fines or confiscations (the base is not 0)"),
    ({"fines_and_confiscations": D("0"), "proposed_no_fine_amount": D("4999.99")},
     "proposed_no_fine_amount: 4999.99 is below the level 1 floor of 5000.00"),
])
def test_error_messages_name_the_field(rules, kwargs, message):
    args = {"level": 1, "fines_and_confiscations": D("1000")} | kwargs
    with pytest.raises(QuoteError) as info:
        quote(rules, **args)
    assert str(info.value) == message


def test_input_edges_that_are_accepted(rules):
    assert len(q(rules, 3, "0", signatories=1000).shares) == 1000
    assert q(rules, 1, "2000000", insider_uplift=D("2")).amount == D("200000.00")  # the limit itself
    assert q(rules, 1, "-0").as_json()["base"] == "0.00"  # not "-0.00"
    assert q(rules, 1, "0", proposed_no_fine_amount=D("5000.00")).steps[1].startswith(
        "no fines or confiscations: proposed")


def test_the_no_fine_floor_and_the_floor_are_different_values(rules):
    # The national set has equal floors; a province may lower the no-fine one.
    levels = dict(rules.levels)
    levels[3] = LevelRule(share=D("0.01"), floor=D("1000.00"), no_fine_floor=D("500.00"))
    custom = dataclasses.replace(rules, levels=levels)
    assert q(custom, 3, "0").amount == D("500.00")
    assert q(custom, 3, "0").steps[1] == "no fines or confiscations: no-fine floor 500.00 (at least 500.00)"
    assert q(custom, 3, "50000").amount == D("1000.00")
    assert q(custom, 3, "50000").steps[1] == "floor 1000.00: 1000.00"
    assert q(custom, 3, "0", proposed_no_fine_amount=D("700")).amount == D("700.00")
    assert q(custom, 3, "0", adjusted_amount=D("600")).amount == D("600.00")
    for base in ("1", "50000"):  # any base at all: the floor, not the no-fine floor
        with pytest.raises(QuoteError, match="^adjusted_amount: 600.00 is outside the level 3 floor of 1000.00 "):
            q(custom, 3, base, adjusted_amount=D("600"))
    with pytest.raises(QuoteError, match="^proposed_no_fine_amount: 499.99 is below the level 3 floor of 500.00$"):
        q(custom, 3, "0", proposed_no_fine_amount=D("499.99"))
