"""`tipline calendar ...` output and errors."""
from __future__ import annotations

import json

import pytest


def _ok(runner, *args):
    result = runner.invoke(args=["calendar", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_add_workdays_prints_one_json_line(runner):
    out = _ok(runner, "add-workdays", "2026-02-10", "15")
    assert out == '{"date": "2026-03-09", "provisional": false}\n'
    assert json.loads(_ok(runner, "add-workdays", "2026-12-25", "15")) == {"date": "2027-01-18", "provisional": True}


def test_add_days(runner):
    assert _ok(runner, "add-days", "2026-09-20", "11") == '{"date": "2026-10-08", "provisional": false}\n'
    assert json.loads(_ok(runner, "add-days", "2026-03-07", "0"))["date"] == "2026-03-09"


@pytest.mark.parametrize("args", [
    ["add-workdays", "2026-02-10", "0"], ["add-workdays", "20260210", "3"], ["add-workdays", "2026-02-30", "3"],
    ["add-workdays", "2026-02-10", "x"], ["add-days", "2026-02-10", "-1"], ["add-days", "2026-02-10", "1.5"],
    ["add-days", "2040-12-25", "30"], ["add-days", "9999-12-31", "1"],
])
def test_bad_arguments_exit_non_zero_with_one_line(runner, args):
    result = runner.invoke(args=["calendar", *args])
    assert result.exit_code != 0
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    assert "Traceback" not in result.output


def test_import_then_show_and_recompute(runner, tmp_path):
    assert "provisional" in _ok(runner, "show", "2027")
    assert json.loads(_ok(runner, "add-days", "2026-12-25", "7")) == {"date": "2027-01-04", "provisional": True}
    path = tmp_path / "2027.json"
    path.write_text(json.dumps({"year": 2027, "holidays": ["2027-01-01", "2027-01-04"], "workdays": ["2027-01-09"]}))
    assert _ok(runner, "import", str(path)).strip() == "imported official calendar for 2027"
    assert json.loads(_ok(runner, "add-days", "2026-12-25", "7")) == {"date": "2027-01-05", "provisional": False}
    shown = _ok(runner, "show", "2027").splitlines()
    assert shown[0] == "2027: final"
    assert shown[1:] == ["2027-01-01 Fri holiday", "2027-01-04 Mon holiday", "2027-01-09 Sat workday"]


def test_show_package_year(runner):
    lines = _ok(runner, "show", "2026").splitlines()
    assert lines[0] == "2026: final"
    assert "2026-02-14 Sat workday Spring Festival" in lines and "2026-02-17 Tue holiday Spring Festival" in lines
    assert not any(line.startswith("2026-02-15") for line in lines)  # a Sunday holiday is not non-standard
    projected = _ok(runner, "show", "2028").splitlines()
    assert projected[0] == "2028: provisional (projected by rule)"
    assert "2028-01-25 Tue holiday Spring Festival provisional" in projected


def test_import_errors_name_the_line(runner, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("date,type,note\n2027-01-01,holiday,\n2027-01-0x,holiday,\n")
    result = runner.invoke(args=["calendar", "import", str(path)])
    assert result.exit_code != 0 and "line 3" in result.output
    assert len(result.output.strip().splitlines()) == 1
    result = runner.invoke(args=["calendar", "import", str(tmp_path / "missing.csv")])
    assert result.exit_code != 0 and len(result.output.strip().splitlines()) == 1
