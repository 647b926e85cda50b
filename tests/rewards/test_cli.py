"""`tipline rewards quote` and `tipline rewards rules`."""
from __future__ import annotations

import json

import pytest


def quote(runner, *args):
    return runner.invoke(args=["rewards", "quote", *args])


def test_quote_prints_one_exact_json_line(runner):
    result = quote(runner, "--level", "1", "--fines", "1500000", "--confiscations", "500000", "--on", "2026-03-01")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        '{"rule_set": "henan-2025@1", "rule_set_version": "1", "level": 1, "fines": "1500000.00", '
        '"confiscations": "500000.00", "base": "2000000.00", '
        '"share_amount": "100000.00", "after_floor": "100000.00", "after_uplift": "100000.00", "capped": false, '
        '"computed_amount": "100000.00", "adjusted": false, '
        '"amount": "100000.00", "joint_finance_approval": false, "shares": ["100000.00"]}\n')


def test_quote_contract_names_and_the_old_names_as_aliases(runner):
    """Issue 21: --internal-uplift, --reporters, --on are the contract; --uplift, --signatories,
    --date stay as aliases and give the same line."""
    new = quote(runner, "--level", "2", "--fines", "400000", "--confiscations", "100000", "--internal-uplift", "1.5",
                "--reporters", "3", "--on", "2026-03-01", "--rule-set", "henan")
    old = quote(runner, "--level", "2", "--fines", "500000", "--uplift", "1.5", "--signatories", "3",
                "--date", "2026-03-01", "--rule-set", "henan")
    data, before = json.loads(new.stdout), json.loads(old.stdout)
    assert data["amount"] == before["amount"] == "22500.00"  # 3% of 500,000 x 1.5
    assert data["shares"] == before["shares"] == ["7500.00", "7500.00", "7500.00"]
    assert data["rule_set"] == "henan-2025@1" and data["capped"] is False and data["joint_finance_approval"] is False
    assert (data["fines"], data["confiscations"], data["base"]) == ("400000.00", "100000.00", "500000.00")


def test_quote_proposed_amount_adjusts_within_the_floor_and_the_cap(runner):
    adjusted = json.loads(quote(runner, "--level", "3", "--fines", "200000", "--proposed", "1500",
                                "--on", "2026-03-01").stdout)
    assert adjusted["computed_amount"] == "2000.00" and adjusted["amount"] == "1500.00" and adjusted["adjusted"]
    at_cap = json.loads(quote(runner, "--level", "1", "--fines", "9000000", "--proposed", "1000000", "--reporters",
                              "2", "--on", "2026-03-01").stdout)
    assert at_cap["amount"] == "1000000.00" and at_cap["joint_finance_approval"] is True
    assert at_cap["shares"] == ["500000.00", "500000.00"]
    for too_far in ("999.99", "1000000.01"):
        result = quote(runner, "--level", "3", "--fines", "200000", "--proposed", too_far, "--on", "2026-03-01")
        assert result.exit_code == 2 and result.stdout == "" and "floor" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_quote_with_every_option(runner):
    result = quote(runner, "--level", "1", "--fines", "15000000", "--uplift", "2", "--signatories", "3",
                   "--date", "2025-02-28", "--rule-set", "henan")
    data = json.loads(result.stdout)
    assert data["rule_set"] == "national-2021@1"  # Henan's set applies from 2025-03-01
    assert data["after_uplift"] == "1500000.00" and data["capped"] is True and data["amount"] == "1000000.00"
    assert data["joint_finance_approval"] is True and data["shares"] == ["333333.34", "333333.33", "333333.33"]
    no_fines = json.loads(quote(runner, "--level", "2", "--fines", "0", "--proposed", "8000",
                                "--date", "2026-03-01").stdout)
    assert no_fines["after_floor"] == "8000.00" and no_fines["amount"] == "8000.00"
    rounded = json.loads(quote(runner, "--level", "3", "--fines", "500050.50", "--date", "2026-03-01").stdout)
    assert rounded["share_amount"] == "5000.505" and rounded["amount"] == "5000.51"


def test_quote_defaults_to_today_in_henan(runner, clock):
    assert json.loads(quote(runner, "--level", "3", "--fines", "0").stdout)["rule_set"] == "henan-2025@1"


@pytest.mark.parametrize("args, reason", [
    (["--level", "4", "--fines", "1000"], "level"),
    (["--level", "one", "--fines", "1000"], "--level"),
    (["--fines", "1000"], "--level"),
    (["--level", "1"], "--fines"),
    (["--level", "1", "--fines", "-5"], "negative"),
    (["--level", "1", "--fines", "abc"], "not a number"),
    (["--level", "1", "--fines", "1000", "--uplift", "2.01"], "insider_uplift"),
    (["--level", "1", "--fines", "1000", "--uplift", "0.9"], "insider_uplift"),
    (["--level", "1", "--fines", "0", "--proposed", "4999.99"], "below"),
    (["--level", "1", "--fines", "1000", "--proposed", "4999"], "adjusted_amount"),
    (["--level", "1", "--fines", "1000", "--confiscations", "x"], "--confiscations"),
    (["--level", "1", "--fines", "1000", "--reporters", "two"], "--reporters"),
    (["--level", "1", "--fines", "1000", "--on", "2026-13-01"], "--on"),
    (["--level", "1", "--fines", "1000", "--signatories", "0"], "signatories"),
    (["--level", "1", "--fines", "1000", "--date", "2026-02-30"], "--on"),
    (["--level", "1", "--fines", "1000", "--date", "2021-11-30"], "in force"),
    (["--level", "1", "--fines", "1000", "--rule-set", "shanghai"], "shanghai"),
    (["--level", "1", "--fines", "1000", "--fine", "2"], "No such option"),
    (["--level", "1", "--fines"], "requires an argument"),
])
def test_invalid_input_exits_2_with_one_line_on_stderr(runner, args, reason):
    result = quote(runner, *args)
    assert result.exit_code == 2 and result.stdout == ""
    assert reason in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_rules_lists_the_rule_sets(runner):
    result = runner.invoke(args=["rewards", "rules"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split()[:3] == ["national-2021", "1", "2021-12-01"] and lines[0].endswith("national-2021.toml")
    assert lines[1].split()[:5] == ["henan-2025", "1", "2025-03-01", "inherits", "national-2021"]
