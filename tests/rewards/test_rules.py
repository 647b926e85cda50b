"""Reward rule sets: shipped values, inheritance, overrides from the instance folder, validation."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from tipline import create_app
from tipline.rewards.quote import quote
from tipline.rewards.rules import SHIPPED_DIR, RuleSetError, load_rule_sets

CODES = ["regulator_staff", "duty_to_report", "injured_party", "agent_or_interested", "violator_non_insider",
         "instigated_or_paid", "other_not_payable"]


def write(instance, filename, text):
    folder = instance / "rules"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / filename
    path.write_text(text, encoding="utf-8")
    return path


def henan_override(body: str, version: str = "1") -> str:
    return (f'name = "henan-2025"\nversion = "{version}"\neffective_from = 2025-03-01\n'
            f'inherits = "national-2021"\n{body}')


def test_shipped_national_values():
    national = load_rule_sets(None).get("national-2021", "1")
    assert national.effective_from == dt.date(2021, 12, 1) and national.inherits is None
    assert {n: (r.share, r.floor, r.no_fine_floor) for n, r in national.levels.items()} == {
        1: (D("0.05"), D("5000"), D("5000")), 2: (D("0.03"), D("3000"), D("3000")),
        3: (D("0.01"), D("1000"), D("1000"))}
    assert (national.cap, national.joint_approval_threshold, national.insider_uplift_max) == (
        D("1000000"), D("500000"), D("2"))
    assert (national.large_fines_natural_person, national.large_fines_organisation) == (D("10000"), D("100000"))
    assert [e.code for e in national.exclusions] == CODES and all(e.zh and e.en for e in national.exclusions)
    assert (national.claim_window_workdays, national.notice_workdays, national.late_claim_workdays) == (30, 15, 10)
    assert all(isinstance(r.share, D) for r in national.levels.values())


def test_exclusions_widened_and_the_catch_all_needs_a_reason():
    """Issue 21: "instigated or paid by any market participant" (not only a competitor), and the
    catch-all "other circumstances where a reward is not payable under laws and regulations",
    which alone asks the officer for a reason."""
    national = load_rule_sets(None).get("national-2021", "1")
    by_code = {e.code: e for e in national.exclusions}
    assert "market participant" in by_code["instigated_or_paid"].en and "市场主体" in by_code["instigated_or_paid"].zh
    catch_all = by_code["other_not_payable"]
    assert "laws and regulations" in catch_all.en and "法律、法规" in catch_all.zh and catch_all.reason_required
    assert [e.code for e in national.exclusions if e.reason_required] == ["other_not_payable"]


def test_reason_required_must_be_a_boolean(tmp_path):
    write(tmp_path, "h.toml", henan_override('[[exclusions]]\ncode = "x"\nzh = "x"\nen = "x"\n'
                                                        'reason_required = "yes"\n'))
    with pytest.raises(RuleSetError) as info:
        load_rule_sets(tmp_path)
    assert "exclusions[0].reason_required" in str(info.value)


def test_henan_inherits_everything_but_its_identity():
    sets = load_rule_sets(None)
    national, henan = sets.get("national-2021"), sets.get("henan-2025")
    assert henan.inherits == "national-2021" and henan.effective_from == dt.date(2025, 3, 1)
    for field in ("levels", "cap", "joint_approval_threshold", "insider_uplift_max", "large_fines_natural_person",
                  "large_fines_organisation", "exclusions", "claim_window_workdays", "notice_workdays"):
        assert getattr(henan, field) == getattr(national, field), field
    assert henan.source == SHIPPED_DIR / "henan-2025.toml"


@pytest.mark.parametrize("day, family, expected", [
    (dt.date(2025, 2, 28), None, "national-2021"), (dt.date(2025, 3, 1), None, "henan-2025"),
    (dt.date(2021, 12, 1), None, "national-2021"), (dt.date(2026, 3, 1), None, "henan-2025"),
    (dt.date(2025, 2, 28), "henan", "national-2021"),  # no Henan set in force yet: national applies
    (dt.date(2025, 3, 1), "henan", "henan-2025"), (dt.date(2026, 3, 1), "national", "national-2021"),
    (dt.date(2026, 3, 1), "henan-2025", "henan-2025"),
])
def test_rule_set_chosen_by_date(day, family, expected):
    assert load_rule_sets(None).for_date(day, family).name == expected


def test_no_rule_set_in_force_or_unknown_family():
    sets = load_rule_sets(None)
    with pytest.raises(LookupError, match="in force on 2021-11-30"):
        sets.for_date(dt.date(2021, 11, 30))
    with pytest.raises(LookupError, match="shanghai"):
        sets.for_date(dt.date(2026, 1, 1), "shanghai")
    with pytest.raises(LookupError):
        sets.get("henan-2025", "9")


def test_override_with_same_name_and_version_replaces_the_shipped_set(tmp_path):
    path = write(tmp_path, "henan.toml", henan_override('cap = "800000.00"\n[levels.1]\nshare = "0.06"\n'))
    sets = load_rule_sets(tmp_path)
    assert len(sets) == 2
    henan = sets.for_date(dt.date(2026, 3, 1), "henan")
    assert henan.source == path and henan.levels[1].share == D("0.06") and henan.cap == D("800000.00")
    assert henan.levels[1].floor == D("5000.00") and henan.levels[2].share == D("0.03")  # the rest inherited
    result = quote(henan, level=1, fines_and_confiscations=D("2000000"))
    assert result.amount == D("120000.00") and result.rule_set == "henan-2025"
    assert quote(henan, level=1, fines_and_confiscations=D("30000000")).amount == D("800000.00")


def test_new_version_and_new_set_are_added(tmp_path):
    write(tmp_path, "henan-v2.toml", henan_override('[large_fines]\nnatural_person = "100000.00"\n', version="2"))
    write(tmp_path, "henan-2027.toml", 'name = "henan-2027"\nversion = "1"\neffective_from = 2027-01-01\n'
                                       'inherits = "henan-2025"\nnotice_workdays = 10\n')
    sets = load_rule_sets(tmp_path)
    assert [(r.name, r.version) for r in sets] == [("national-2021", "1"), ("henan-2025", "1"),
                                                   ("henan-2025", "2"), ("henan-2027", "1")]
    current = sets.for_date(dt.date(2026, 6, 1), "henan")
    assert current.version == "2" and current.large_fines_natural_person == D("100000.00")
    later = sets.for_date(dt.date(2027, 1, 1), "henan")
    assert later.name == "henan-2027" and later.notice_workdays == 10
    assert later.large_fines_natural_person == D("100000.00")  # inherits the highest henan-2025 version


NATIONAL_TEXT = (SHIPPED_DIR / "national-2021.toml").read_text(encoding="utf-8")


@pytest.mark.parametrize("text, field", [
    (henan_override('caps = "1000.00"\n'), "caps"),
    (henan_override('[levels.1]\nshare = "0"\n'), "levels.1.share"),
    (henan_override('[levels.2]\nshare = "1.5"\n'), "levels.2.share"),
    (henan_override('[levels.1]\nshare = 0.05\n'), "levels.1.share"),
    (henan_override('[levels.3]\nfloor = "-1"\n'), "levels.3.floor"),
    (henan_override('[levels.3]\nno_fine_floor = "abc"\n'), "levels.3.no_fine_floor"),
    (henan_override('[levels.1]\nfloor = "5000.001"\n'), "levels.1.floor"),
    (henan_override('[levels.4]\nshare = "0.01"\n'), "levels.4"),
    (henan_override('[levels.1]\nshares = "0.01"\n'), "levels.1.shares"),
    (henan_override('cap = "0"\n'), "cap"),
    (henan_override('cap = "NaN"\n'), "cap"),
    (henan_override('joint_approval_threshold = "-5"\n'), "joint_approval_threshold"),
    (henan_override('insider_uplift_max = "0.5"\n'), "insider_uplift_max"),
    (henan_override('[large_fines]\norganisation = "0"\n'), "large_fines.organisation"),
    (henan_override('claim_window_workdays = 0\n'), "claim_window_workdays"),
    (henan_override('notice_workdays = "15"\n'), "notice_workdays"),
    (henan_override('[[exclusions]]\ncode = "x"\nzh = ""\nen = "X"\n'), "exclusions[0].zh"),
    (henan_override('[[exclusions]]\ncode = "a"\nzh = "甲"\nen = "A"\n'
                    '[[exclusions]]\ncode = "a"\nzh = "乙"\nen = "B"\n'),
     "exclusions[1].code"),
    (henan_override('levels = "x"\n'), "levels"),
    (henan_override('exclusions = "x"\n'), "exclusions"),
    (henan_override('[[exclusions]]\ncode = "a"\nzh = "甲"\nen = "A"\nlabel = "?"\n'), "exclusions[0].label"),
    (henan_override('[[exclusions]]\ncode = "A b"\nzh = "甲"\nen = "A"\n'), "exclusions[0].code"),
    (henan_override("").replace('"henan-2025"', '"henan-2025\\n"'), "name"),
    (henan_override("").replace("2025-03-01", '"2025-03-01"'), "effective_from"),
    (henan_override("").replace("effective_from = 2025-03-01\n", ""), "effective_from"),
    (henan_override("").replace("national-2021", "national-2020"), "inherits"),
    (henan_override("").replace('name = "henan-2025"\n', ""), "name"),
    (henan_override("").replace('version = "1"', 'version = 1'), "version"),
    (NATIONAL_TEXT.replace("[levels.3]", "[ignored]"), "ignored"),
    (NATIONAL_TEXT.split("[levels.3]")[0], "levels.3"),
    (NATIONAL_TEXT.replace('cap = "1000000.00"', ""), "cap"),
    ('name = "henan-2025"\nversion = \n', None),  # not TOML at all
])
def test_broken_override_names_file_and_field(tmp_path, text, field):
    path = write(tmp_path, "broken.toml", text)
    with pytest.raises(RuleSetError) as info:
        load_rule_sets(tmp_path)
    assert info.value.path == path and str(path) in str(info.value)
    if field:
        assert info.value.field == field and f"{path}: {field}:" in str(info.value)


def test_circular_inheritance_is_refused(tmp_path):
    write(tmp_path, "a.toml", 'name = "a"\nversion = "1"\neffective_from = 2026-01-01\ninherits = "b"\n')
    write(tmp_path, "b.toml", 'name = "b"\nversion = "1"\neffective_from = 2026-01-01\ninherits = "a"\n')
    with pytest.raises(RuleSetError, match="inherits: circular"):
        load_rule_sets(tmp_path)


def test_two_files_with_one_name_and_version_in_a_folder(tmp_path):
    write(tmp_path, "one.toml", henan_override(""))
    second = write(tmp_path, "two.toml", henan_override(""))
    with pytest.raises(RuleSetError, match="also defined in") as info:
        load_rule_sets(tmp_path)
    assert info.value.path == second and info.value.field == "name"


def test_broken_override_stops_create_app(app_settings):
    path = write(app_settings["instance_path"], "henan.toml", henan_override('[levels.2]\nshare = "0.3x"\n'))
    with pytest.raises(RuleSetError, match="levels.2.share") as info:
        create_app(dict(app_settings))
    assert str(path) in str(info.value)


def test_create_app_loads_the_override(app_settings):
    write(app_settings["instance_path"], "henan.toml", henan_override('[levels.3]\nfloor = "1200.00"\n'))
    app = create_app(dict(app_settings))
    henan = app.extensions["reward_rules"].for_date(dt.date(2026, 3, 1), "henan")
    assert henan.levels[3].floor == D("1200.00")


TOP_KEYS = ("cap, claim_window_workdays, effective_from, exclusions, inherits, insider_uplift_max, "
            "joint_approval_threshold, large_fines, late_claim_workdays, levels, name, notice_workdays, version")


@pytest.mark.parametrize("text, field, reason", [
    (henan_override('caps = "1000.00"\n'), "caps", f"unknown key (expected one of {TOP_KEYS})"),
    (henan_override('[levels.4]\nshare = "0.01"\n'), "levels.4", "unknown key (expected one of 1, 2, 3)"),
    (henan_override('[levels.1]\nshares = "0.01"\n'), "levels.1.shares",
     "unknown key (expected one of floor, no_fine_floor, share)"),
    (henan_override('[large_fines]\nperson = "1.00"\n'), "large_fines.person",
     "unknown key (expected one of natural_person, organisation)"),
    (henan_override('[[exclusions]]\ncode = "a"\nzh = "甲"\nen = "A"\nlabel = "?"\n'), "exclusions[0].label",
     "unknown key (expected one of code, en, reason_required, zh)"),
    (henan_override('levels = "x"\n'), "levels", "expected a table"),
    (henan_override('[levels]\n1 = "x"\n'), "levels.1", "expected a table"),
    (henan_override('exclusions = "x"\n'), "exclusions", "expected a list of [[exclusions]] tables"),
    (henan_override('exclusions = ["x"]\n'), "exclusions[0]", "expected a table"),
    (henan_override("").replace('"henan-2025"', '"henan-2025\\n"'), "name",
     "expected text like 'henan-2025', got 'henan-2025\\n'"),
    (henan_override("").replace('name = "henan-2025"\n', ""), "name", "expected text like 'henan-2025', got None"),
    (henan_override("").replace('version = "1"', 'version = 1'), "version", "expected text like '1', got 1"),
    (henan_override("").replace('version = "1"', 'version = "1."'), "version", "expected text like '1', got '1.'"),
    (henan_override("").replace("2025-03-01", '"2025-03-01"'), "effective_from",
     "expected a TOML date such as 2025-03-01, got '2025-03-01'"),
    (henan_override("").replace("2025-03-01", "2025-03-01T08:00:00"), "effective_from",
     "expected a TOML date such as 2025-03-01, got datetime.datetime(2025, 3, 1, 8, 0)"),
    (henan_override("").replace("effective_from = 2025-03-01\n", ""), "effective_from",
     "missing (and not inherited)"),
    (henan_override("").replace("national-2021", "national-2020"), "inherits", "no rule set named 'national-2020'"),
    (henan_override("").replace('"national-2021"', "5"), "inherits", "no rule set named 5"),
    (henan_override('[levels.1]\nshare = "0"\n'), "levels.1.share", "must be > 0 and <= 1, got '0'"),
    (henan_override('[levels.2]\nshare = "1.01"\n'), "levels.2.share", "must be > 0 and <= 1, got '1.01'"),
    (henan_override('[levels.1]\nshare = 0.05\n'), "levels.1.share",
     'expected a quoted decimal such as "5000.00", got 0.05'),
    (henan_override('[levels.3]\nfloor = "-0.01"\n'), "levels.3.floor", "must be >= 0, got '-0.01'"),
    (henan_override('[levels.3]\nno_fine_floor = "abc"\n'), "levels.3.no_fine_floor", "not a number: 'abc'"),
    (henan_override('[levels.3]\nno_fine_floor = "Infinity"\n'), "levels.3.no_fine_floor",
     "not a number: 'Infinity'"),
    (henan_override('[levels.1]\nfloor = "5000.001"\n'), "levels.1.floor",
     "money has at most two decimals (fen), got '5000.001'"),
    (henan_override('cap = "0"\n'), "cap", "must be > 0, got '0'"),
    (henan_override('joint_approval_threshold = "-5"\n'), "joint_approval_threshold", "must be > 0, got '-5'"),
    (henan_override('insider_uplift_max = "0.99"\n'), "insider_uplift_max", "must be >= 1, got '0.99'"),
    (henan_override('[large_fines]\norganisation = "0"\n'), "large_fines.organisation", "must be > 0, got '0'"),
    (henan_override('[large_fines]\nnatural_person = "0.00"\n'), "large_fines.natural_person",
     "must be > 0, got '0.00'"),
    (henan_override('claim_window_workdays = 0\n'), "claim_window_workdays",
     "expected a whole number of working days >= 1, got 0"),
    (henan_override('notice_workdays = "15"\n'), "notice_workdays",
     "expected a whole number of working days >= 1, got '15'"),
    (henan_override('late_claim_workdays = true\n'), "late_claim_workdays",
     "expected a whole number of working days >= 1, got True"),
    (henan_override('[[exclusions]]\ncode = "x"\nzh = " "\nen = "X"\n'), "exclusions[0].zh",
     "expected non-empty text, got ' '"),
    (henan_override('[[exclusions]]\ncode = "x"\nzh = "甲"\nen = 5\n'), "exclusions[0].en",
     "expected non-empty text, got 5"),
    (henan_override('[[exclusions]]\ncode = "x"\nzh = "甲"\n'), "exclusions[0].en", "missing (and not inherited)"),
    (henan_override('[[exclusions]]\ncode = "a"\nzh = "甲"\nen = "A"\n'
                    '[[exclusions]]\ncode = "a"\nzh = "乙"\nen = "B"\n'),
     "exclusions[1].code", "expected a new snake_case code, got 'a'"),
    (henan_override('[[exclusions]]\ncode = "A b"\nzh = "甲"\nen = "A"\n'), "exclusions[0].code",
     "expected a new snake_case code, got 'A b'"),
    (henan_override('[[exclusions]]\ncode = "x"\nzh = "x"\nen = "x"\nreason_required = "yes"\n'),
     "exclusions[0].reason_required", "expected true or false, got 'yes'"),
    (NATIONAL_TEXT.split("[levels.3]")[0], "levels.3", "missing (and not inherited)"),
    (NATIONAL_TEXT.replace('cap = "1000000.00"', ""), "cap", "missing (and not inherited)"),
    (NATIONAL_TEXT.replace('\nfloor = "1000.00"\n', "\n"), "levels.3.floor", "missing (and not inherited)"),
    (NATIONAL_TEXT.replace('organisation = "100000.00"\n', ""), "large_fines.organisation",
     "missing (and not inherited)"),
])
def test_broken_override_message_in_full(tmp_path, text, field, reason):
    """What an administrator reads when start-up refuses a rule set file: file, field, why."""
    path = write(tmp_path, "broken.toml", text)
    with pytest.raises(RuleSetError) as info:
        load_rule_sets(tmp_path)
    assert (info.value.field, info.value.reason) == (field, reason)
    assert str(info.value) == f"reward rule set {path}: {field}: {reason}"


def test_unreadable_file_message_names_only_the_file(tmp_path):
    path = write(tmp_path, "broken.toml", 'name = "henan-2025"\nversion = \n')
    with pytest.raises(RuleSetError) as info:
        load_rule_sets(tmp_path)
    assert info.value.field is None
    assert str(info.value).startswith(f"reward rule set {path}: cannot be read: ")


def test_no_rule_set_at_all_stops_start_up(tmp_path, monkeypatch):
    monkeypatch.setattr("tipline.rewards.rules.SHIPPED_DIR", tmp_path / "empty")
    with pytest.raises(RuleSetError) as info:
        load_rule_sets(tmp_path)
    assert str(info.value) == f"reward rule set {tmp_path / 'empty'}: no *.toml rule set found"


def test_duplicate_and_circular_messages_in_full(tmp_path):
    first = write(tmp_path, "one.toml", henan_override(""))
    second = write(tmp_path, "two.toml", henan_override(""))
    with pytest.raises(RuleSetError) as info:
        load_rule_sets(tmp_path)
    assert str(info.value) == f"reward rule set {second}: name: henan-2025 version 1 is also defined in {first}"
    first.unlink(), second.unlink()
    write(tmp_path, "a.toml", 'name = "a"\nversion = "1"\neffective_from = 2026-01-01\ninherits = "b"\n')
    write(tmp_path, "b.toml", 'name = "b"\nversion = "1"\neffective_from = 2026-01-01\ninherits = "a"\n')
    with pytest.raises(RuleSetError) as info:
        load_rule_sets(tmp_path)
    assert str(info.value) == f"reward rule set {tmp_path / 'rules' / 'b.toml'}: inherits: circular: a -> b -> a"


def test_lookup_messages_in_full():
    sets = load_rule_sets(None)
    with pytest.raises(LookupError, match=r"^no reward rule set henan-2025 version 9$"):
        sets.get("henan-2025", "9")
    with pytest.raises(LookupError, match=r"^no reward rule set shanghai$"):
        sets.get("shanghai")
    with pytest.raises(LookupError, match=r"^no reward rule set named 'shanghai'$"):
        sets.for_date(dt.date(2026, 1, 1), "shanghai")
    with pytest.raises(LookupError, match=r"^no reward rule set in force on 2021-11-30$"):
        sets.for_date(dt.date(2021, 11, 30), "henan")


def test_boundary_values_are_accepted(tmp_path):
    write(tmp_path, "henan.toml", henan_override(
        'insider_uplift_max = "1"\nlate_claim_workdays = 1\n[levels.2]\nshare = "1"\nfloor = "0"\n'
        'no_fine_floor = " 0.10 "\n'))
    henan = load_rule_sets(tmp_path).get("henan-2025")
    assert (henan.insider_uplift_max, henan.late_claim_workdays) == (D("1"), 1)
    assert henan.levels[2] == type(henan.levels[2])(share=D("1"), floor=D("0"), no_fine_floor=D("0.10"))
    write(tmp_path, "henan.toml", henan_override('insider_uplift_max = "1.125"\n[levels.3]\nshare = "0.005"\n'))
    henan = load_rule_sets(tmp_path).get("henan-2025")
    assert (henan.insider_uplift_max, henan.levels[3].share) == (D("1.125"), D("0.005"))  # not money: any decimals


@pytest.mark.parametrize("versions, highest", [
    (["9", "10"], "10"),  # numbers compare as numbers, not as text
    (["1.9", "1.10"], "1.10"),  # part by part
    (["2", "2a"], "2a"),  # a lettered revision comes after the plain number
    (["1", "1.1"], "1.1"),
])
def test_the_highest_version_wins(tmp_path, versions, highest):
    for v in versions:
        write(tmp_path, f"henan-{v}.toml", henan_override(f'notice_workdays = {len(v)}\n', version=v))
    sets = load_rule_sets(tmp_path)
    assert sets.get("henan-2025").version == highest
    assert sets.for_date(dt.date(2026, 3, 1), "henan").version == highest  # same effective date: the highest
    assert [r.version for r in sets if r.name == "henan-2025"] == ["1"] * ("1" not in versions) + versions


def test_a_child_inherits_the_highest_version_by_number_not_by_text(tmp_path):
    """Version 1.10 comes after 1.9 (a text comparison would pick 1.9)."""
    write(tmp_path, "henan-1.9.toml", henan_override('[large_fines]\nnatural_person = "190000.00"\n', version="1.9"))
    write(tmp_path, "henan-1.10.toml",
          henan_override('[large_fines]\nnatural_person = "110000.00"\n', version="1.10"))
    write(tmp_path, "henan-2027.toml", 'name = "henan-2027"\nversion = "1"\neffective_from = 2027-01-01\n'
                                       'inherits = "henan-2025"\n')
    later = load_rule_sets(tmp_path).for_date(dt.date(2027, 1, 1), "henan")
    assert later.name == "henan-2027"
    assert later.large_fines_natural_person == D("110000.00")


def test_a_rule_set_that_inherits_itself_is_refused_in_plain_words(tmp_path):
    path = write(tmp_path, "self.toml", 'name = "selfish"\nversion = "1"\neffective_from = 2026-01-01\n'
                                        'inherits = "selfish"\n')
    with pytest.raises(RuleSetError) as caught:
        load_rule_sets(tmp_path)
    assert str(caught.value) == f"reward rule set {path}: inherits: circular: selfish -> selfish"
