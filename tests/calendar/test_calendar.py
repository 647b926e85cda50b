"""WorkCalendar: package data, projection for unpublished years, official imports."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from tipline.audit.models import AuditEvent
from tipline.calendar import services
from tipline.calendar.holidays import ProjectionUnavailable, projected_holidays
from tipline.calendar.models import CalendarOverride, CalendarYear
from tipline.calendar.services import (
    CalendarFileError,
    DayInfo,
    Result,
    WorkCalendar,
    import_official,
    parse_date,
    read_official_file,
)
from tipline.events import CalendarImported

D = dt.date
cal = WorkCalendar()


def test_2026_spring_festival_follows_the_package_not_the_weekday():
    assert cal.is_workday(D(2026, 2, 14))  # Saturday, make-up day
    assert cal.is_workday(D(2026, 2, 28))  # Saturday, make-up day
    for day in range(15, 24):
        assert not cal.is_workday(D(2026, 2, day)), day
    assert cal.is_workday(D(2026, 2, 24))
    assert not cal.is_provisional(D(2026, 2, 17))


def test_2026_labour_and_national_day():
    assert [cal.is_workday(D(2026, 5, d)) for d in range(1, 6)] == [False] * 5
    assert cal.is_workday(D(2026, 5, 9))  # Saturday make-up
    assert [cal.is_workday(D(2026, 10, d)) for d in range(1, 8)] == [False] * 7
    assert cal.is_workday(D(2026, 9, 20)) and cal.is_workday(D(2026, 10, 10))  # Sunday, Saturday


def test_add_workdays_across_spring_festival():
    # 11, 12, 13, 14 (Sat), 24-27, 28 (Sat) Feb, 2-6, 9 Mar
    assert cal.add_workdays(D(2026, 2, 10), 15) == Result(D(2026, 3, 9), False)
    assert cal.add_workdays(D(2026, 2, 13), 1) == Result(D(2026, 2, 14), False)
    assert cal.add_workdays(D(2026, 2, 14), 1) == Result(D(2026, 2, 24), False)


def test_add_workdays_across_national_day_and_labour_day():
    assert cal.add_workdays(D(2026, 9, 30), 1).date == D(2026, 10, 8)
    assert cal.add_workdays(D(2026, 9, 30), 3).date == D(2026, 10, 10)  # 8, 9, Sat 10
    assert cal.add_workdays(D(2026, 4, 30), 2).date == D(2026, 5, 7)  # 6, 7
    assert cal.add_workdays(D(2026, 5, 8), 1).date == D(2026, 5, 9)


def test_start_day_is_never_counted_and_n_must_be_positive():
    assert cal.add_workdays(D(2026, 3, 2), 1).date == D(2026, 3, 3)
    with pytest.raises(ValueError):
        cal.add_workdays(D(2026, 3, 2), 0)
    with pytest.raises(ValueError):
        cal.add_days(D(2026, 3, 2), -1)


def test_add_days_moves_forward_off_holidays():
    assert cal.add_days(D(2026, 9, 20), 11) == Result(D(2026, 10, 8), False)  # 1 Oct -> 8 Oct
    assert cal.add_days(D(2026, 2, 4), 10).date == D(2026, 2, 14)  # Saturday, but a make-up day
    assert cal.add_days(D(2026, 3, 2), 5).date == D(2026, 3, 9)  # Saturday -> Monday
    assert cal.add_days(D(2026, 3, 2), 0).date == D(2026, 3, 2)
    assert cal.add_days(D(2026, 3, 7), 0).date == D(2026, 3, 9)


def test_year_boundary_into_unpublished_2027_is_provisional():
    # 28-31 Dec; 1 Jan projected holiday; 4-8, 11-15, 18 Jan
    assert cal.add_workdays(D(2026, 12, 25), 15) == Result(D(2027, 1, 18), True)
    assert cal.add_workdays(D(2026, 12, 25), 4) == Result(D(2026, 12, 31), False)
    assert cal.add_days(D(2026, 12, 1), 20) == Result(D(2026, 12, 21), False)
    assert cal.add_days(D(2026, 12, 25), 7) == Result(D(2027, 1, 4), True)  # 1 Jan, then weekend
    assert cal.is_provisional(D(2027, 6, 1)) and not cal.is_provisional(D(2026, 12, 31))


def test_projection_rules_2027():
    days = projected_holidays(2027)
    assert {D(2027, 2, 5), D(2027, 2, 6), D(2027, 2, 7), D(2027, 2, 8)} <= set(days)  # eve to 1/3
    assert D(2027, 2, 9) not in days
    assert D(2027, 4, 5) in days and D(2027, 4, 4) not in days  # Qingming
    assert {D(2027, 5, 1), D(2027, 5, 2)} <= set(days) and D(2027, 5, 3) not in days
    assert D(2027, 6, 9) in days and D(2027, 9, 15) in days  # Dragon Boat, Mid-Autumn
    assert {D(2027, 10, d) for d in (1, 2, 3)} <= set(days) and D(2027, 10, 4) not in days
    assert len(days) == 13
    assert not cal.is_workday(D(2027, 2, 8)) and cal.is_workday(D(2027, 2, 9))
    assert not cal.is_workday(D(2027, 2, 6))  # Saturday, and no make-up days are projected
    assert len(projected_holidays(2031)) == 12  # Mid-Autumn falls on 1 Oct


def test_beyond_the_projection_table_raises():
    with pytest.raises(ProjectionUnavailable):
        cal.is_workday(D(2041, 3, 1))
    assert WorkCalendar(official_years={2041}).is_workday(D(2041, 3, 1))


def test_result_as_json():
    assert Result(D(2027, 1, 18), True).as_json() == {"date": "2027-01-18", "provisional": True}


def test_workdays_between():
    assert cal.workdays_between(D(2026, 2, 10), D(2026, 3, 9)) == 15
    assert cal.workdays_between(D(2026, 3, 9), D(2026, 2, 10)) == -15
    assert cal.workdays_between(D(2026, 3, 2), D(2026, 3, 2)) == 0
    assert cal.workdays_between(D(2026, 2, 14), D(2026, 2, 23)) == 0


def test_constructed_overrides_and_corrections():
    c = WorkCalendar({D(2027, 1, 4): False}, {2027}, corrections={D(2026, 3, 2): False})
    assert not c.is_provisional(D(2027, 1, 4)) and not c.is_workday(D(2027, 1, 4))
    assert c.is_workday(D(2027, 1, 1))  # official year: only its overrides, no projection
    assert not c.is_workday(D(2026, 3, 2))


def test_import_official_replaces_projection(session, clock):
    before = WorkCalendar.load(session).add_workdays(D(2026, 12, 25), 15)
    assert before == Result(D(2027, 1, 18), True)
    rows = [(D(2027, 1, 1), False, "元旦"), (D(2027, 1, 4), False, "bridge"), (D(2027, 1, 9), True, "make-up")]
    assert import_official(session, clock(), rows, actor_label="test") == {2027}
    session.commit()
    after = WorkCalendar.load(session)
    # 28-31 Dec; 5-8, 9 (Sat make-up), 11-15, 18 Jan
    assert after.add_workdays(D(2026, 12, 25), 15) == Result(D(2027, 1, 18), False)
    assert after.add_workdays(D(2026, 12, 25), 10) == Result(D(2027, 1, 11), False)
    assert before != after.add_workdays(D(2026, 12, 25), 15)
    assert after.is_workday(D(2027, 2, 8))  # projected Spring Festival no longer applies: a Monday
    assert session.get(CalendarYear, 2027).official
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "calendar.imported")).one()
    assert event.object_id == "2027" and json.loads(event.details)["workdays"] == ["2027-01-09"]

    # A second import replaces the year's rows rather than adding to them.
    import_official(session, clock(), [(D(2027, 2, 8), False, "")], actor_label="test")
    session.commit()
    assert session.scalars(select(CalendarOverride.day)).all() == [D(2027, 2, 8)]
    assert session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc())) == 2


def test_import_refuses_duplicate_days(session, clock):
    with pytest.raises(ValueError, match="twice"):
        import_official(session, clock(), [(D(2027, 1, 1), False, ""), (D(2027, 1, 1), True, "")])


def test_parse_date_is_strict():
    assert parse_date("2026-02-10") == D(2026, 2, 10)
    for bad in ("20260210", "2026-2-10", "2026-02-30", "", "2026-W07-2"):
        with pytest.raises(ValueError):
            parse_date(bad)


def test_read_files(tmp_path):
    good = tmp_path / "cal.csv"
    good.write_text("date,type,note\n2027-01-01,holiday,元旦\n2027-02-06,workday,\n", encoding="utf-8")
    assert read_official_file(good) == ([(D(2027, 1, 1), False, "元旦"), (D(2027, 2, 6), True, "")], set())
    js = tmp_path / "cal.json"
    js.write_text(json.dumps({"year": 2027, "holidays": ["2027-01-01"], "workdays": []}))
    assert read_official_file(js) == ([(D(2027, 1, 1), False, "")], {2027})
    cases = {
        "date,kind\n": "line 1: header",
        "date,type,note\n2027-01-01,holiday\n2027-13-01,holiday,x\n": "line 3: date",
        "date,type,note\n2027-01-01,rest,x\n": "line 2: type",
        "date,type,note\n2027-01-01,holiday,\n2027-01-01,workday,\n": "line 3: 2027-01-01 appears twice",
    }
    for text, message in cases.items():
        good.write_text(text)
        with pytest.raises(CalendarFileError, match=message):
            read_official_file(good)
    for obj, message in (({"year": "2027"}, "^year"), ({"year": 2027, "holidays": ["2028-01-01"]}, r"holidays\[0\]"),
                         ({"year": 2027, "workdays": [20270101]}, r"workdays\[0\]"), ({"year": 2027, "x": 1}, "^x")):
        js.write_text(json.dumps(obj))
        with pytest.raises(CalendarFileError, match=message):
            read_official_file(js)


def test_read_files_as_administrators_save_them(tmp_path):
    # Excel saves "CSV UTF-8" with a byte-order mark; a GBK file cannot be read and says so.
    bom = tmp_path / "excel.csv"
    bom.write_bytes("date,type,note\n2027-01-01,holiday,元旦\n".encode("utf-8-sig"))
    assert read_official_file(bom) == ([(D(2027, 1, 1), False, "元旦")], set())
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes("date,type,note\n2027-01-01,holiday,元旦\n".encode("gbk"))
    with pytest.raises(CalendarFileError, match=r"^gbk\.csv: cannot read \("):
        read_official_file(gbk)
    # JSON is recognised by its first character whatever the file is called, and by a .json name
    # (any case) even when the text is not JSON at all.
    for name, text, years in (("cal.txt", '\n  {"year": 2027, "holidays": ["2027-01-01"]}', {2027}),
                              ("cal.txt", '[{"year": 2027}, {"year": 2028}]', {2027, 2028})):
        (tmp_path / name).write_text(text)
        assert read_official_file(tmp_path / name)[1] == years
    for name in ("cal.json", "CAL.JSON"):
        (tmp_path / name).write_text("year,2027\n")
        with pytest.raises(CalendarFileError, match=r"^line 1: invalid JSON"):
            read_official_file(tmp_path / name)


@pytest.mark.parametrize("text, message", [
    ("", "line 1: header must be date,type,note"),
    ("date,type,extra\n", "line 1: header must be date,type,note"),
    ("date,type,note,extra\n", "line 1: header must be date,type,note"),
    ("date,type,note,note\n", "line 1: header must be date,type,note"),
    ("date,type\n2027-01-01\n", "line 2: expected date,type,note"),
    ("date,type\n2027-01-01,holiday,x,y\n", "line 2: expected date,type,note"),
])
def test_csv_header_and_columns(tmp_path, text, message):
    path = tmp_path / "cal.csv"
    path.write_text(text)
    with pytest.raises(CalendarFileError, match=f"^{message}$"):
        read_official_file(path)


def test_blank_csv_lines_are_skipped_not_the_end(tmp_path):
    path = tmp_path / "cal.csv"
    path.write_text("date,type,note\n2027-01-01,holiday,\n,,\n\n2027-02-06,workday,\n")
    assert [day for day, _, _ in read_official_file(path)[0]] == [D(2027, 1, 1), D(2027, 2, 6)]


def test_workdays_between_the_same_day_either_way():
    assert cal.workdays_between(D(2026, 3, 2), D(2026, 3, 3)) == 1
    assert cal.workdays_between(D(2026, 3, 3), D(2026, 3, 2)) == -1


def test_import_official_replaces_only_its_own_year(session, clock):
    """The year's rows go, corrections included (31 December too); the neighbouring years' stay."""
    for day, source in ((D(2026, 12, 31), "correction"), (D(2027, 1, 1), "official"),
                        (D(2027, 12, 31), "correction"), (D(2028, 1, 1), "correction")):
        session.add(CalendarOverride(day=day, is_workday=True, note="old", source=source, created_at=clock()))
    session.commit()
    import_official(session, clock(), [(D(2027, 1, 1), False, "元旦")], actor_label="test")
    session.commit()
    assert session.execute(select(CalendarOverride.day, CalendarOverride.note, CalendarOverride.source)
                           .order_by(CalendarOverride.day)).all() == [
        (D(2026, 12, 31), "old", "correction"), (D(2027, 1, 1), "元旦", "official"),
        (D(2028, 1, 1), "old", "correction")]


def test_import_official_keeps_the_notes(session, clock):
    rows = [(D(2027, 1, 1), False, "元旦"), (D(2027, 1, 4), False, None), (D(2027, 2, 5), False, "春" * 250)]
    import_official(session, clock(), rows, actor_label="test")
    session.commit()
    assert session.scalars(select(CalendarOverride.note).order_by(CalendarOverride.day)).all() == [
        "元旦", "", "春" * 200]
    assert WorkCalendar.load(session).info(D(2027, 1, 1)).note == "元旦"
    with pytest.raises(ValueError, match=r"^2027-01-01 appears twice$"):
        import_official(session, clock(), [(D(2027, 1, 1), False, ""), (D(2027, 1, 1), True, "")])


@pytest.mark.parametrize("text", ["20260210", "2026-2-10", "2026-02-30", "", "  ", None])
def test_parse_date_names_the_text(text):
    with pytest.raises(ValueError) as info:
        parse_date(text)
    assert str(info.value) == f"not a date (YYYY-MM-DD): {(text or '').strip()!r}"


def test_csv_type_error_names_the_type_and_a_missing_note_is_empty(tmp_path):
    path = tmp_path / "cal.csv"
    path.write_text("date,type,note\n2027-01-01,rest,x\n")
    with pytest.raises(CalendarFileError, match=r"^line 2: type must be workday or holiday, not 'rest'$"):
        read_official_file(path)
    path.write_text("date,type\n2027-01-01,holiday\n2027-02-06, Workday \n")
    assert read_official_file(path) == ([(D(2027, 1, 1), False, ""), (D(2027, 2, 6), True, "")], set())


def test_json_days_and_years(tmp_path):
    path = tmp_path / "cal.json"
    path.write_text(json.dumps([{"year": 1900, "workdays": ["1900-01-06"]},
                                {"year": 9998, "holidays": ["9998-01-01"], "workdays": []}]))
    assert read_official_file(path) == ([(D(1900, 1, 6), True, ""), (D(9998, 1, 1), False, "")], {1900, 9998})


@pytest.mark.parametrize("data, message", [
    (5, "file: expected an object with year, holidays, workdays"),
    ([{"year": 2027}, "2028"], "[1]: expected an object with year, holidays, workdays"),
    ({"year": 1899}, "year: expected a year such as 2027, not 1899"),
    ({"year": 9999}, "year: expected a year such as 2027, not 9999"),
    ({"year": True}, "year: expected a year such as 2027, not True"),
    ([{"year": 2027}, {"year": "2028"}], "[1].year: expected a year such as 2027, not '2028'"),
    ([{"year": 2027}, {"year": 2028, "notes": []}], "[1].notes: unknown field"),
    ({"year": 2027, "holidays": "2027-01-01"}, "holidays: expected a list of dates"),
    ({"year": 2027, "workdays": [20270101]}, "workdays[0]: not a date (YYYY-MM-DD): '20270101'"),
    ({"year": 2027, "holidays": ["2028-01-01"]}, "holidays[0]: 2028-01-01 is not in 2027"),
    ({"year": 2027, "holidays": ["2027-01-01"], "workdays": ["2027-02-06", "2027-01-01"]},
     "workdays[1]: 2027-01-01 appears twice"),
    ([{"year": 2027, "holidays": ["2027-01-01"]}, {"year": 2027, "workdays": ["2027-01-01"]}],
     "[1].workdays[0]: 2027-01-01 appears twice"),
    ('{"year": 2027,\n "holidays": [}', "line 2: invalid JSON (Expecting value)"),
])
def test_json_errors_name_the_field(tmp_path, data, message):
    path = tmp_path / "cal.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    with pytest.raises(CalendarFileError) as info:
        read_official_file(path)
    assert str(info.value) == message


def test_day_info_says_where_the_day_comes_from():
    c = WorkCalendar({D(2027, 1, 4): False, D(2026, 3, 3): False, D(2027, 2, 6): True}, {2028},
                     corrections={D(2027, 1, 5): False, D(2026, 3, 4): False, D(2028, 1, 3): False},
                     notes={D(2027, 1, 4): "bridge", D(2027, 1, 5): "flood", D(2028, 1, 3): "snow"})
    assert [c.info(d) for d in (D(2027, 1, 5), D(2026, 3, 4), D(2028, 1, 3))] == [  # corrections
        DayInfo(D(2027, 1, 5), False, "flood", True), DayInfo(D(2026, 3, 4), False, "", False),
        DayInfo(D(2028, 1, 3), False, "snow", False)]
    assert [c.info(d) for d in (D(2027, 1, 4), D(2026, 3, 3), D(2027, 2, 6))] == [  # overrides
        DayInfo(D(2027, 1, 4), False, "bridge", True), DayInfo(D(2026, 3, 3), False, "", False),
        DayInfo(D(2027, 2, 6), True, "", True)]
    assert [c.info(d) for d in (D(2028, 1, 4), D(2028, 1, 1))] == [  # an official year: the weekday rule
        DayInfo(D(2028, 1, 4), True, "", False), DayInfo(D(2028, 1, 1), False, "", False)]
    assert [c.info(d) for d in (D(2026, 2, 17), D(2026, 2, 14), D(2026, 3, 2))] == [  # the package
        DayInfo(D(2026, 2, 17), False, "Spring Festival", False),
        DayInfo(D(2026, 2, 14), True, "Spring Festival", False),  # its make-up days are named too
        DayInfo(D(2026, 3, 2), True, "", False)]
    assert [c.info(d) for d in (D(2027, 1, 1), D(2027, 1, 6))] == [  # a provisional year: projected
        DayInfo(D(2027, 1, 1), False, "New Year's Day", True), DayInfo(D(2027, 1, 6), True, "", True)]
    assert c.info(D(2027, 2, 6)).non_standard and not c.info(D(2028, 1, 1)).non_standard


def test_period_errors_say_what_is_wrong():
    with pytest.raises(ValueError, match=r"^a period in working days needs at least 1 day$"):
        cal.add_workdays(D(2026, 3, 2), 0)
    with pytest.raises(ValueError, match=r"^a period in days cannot be negative$"):
        cal.add_days(D(2026, 3, 2), -1)


def test_a_provisional_day_passed_over_keeps_the_result_provisional():
    """2027 is provisional, 2028 official: a count that runs through 31 Dec 2027 (a holiday here)
    into 2028 ends on an official day, yet passed a provisional one."""
    c = WorkCalendar({D(2027, 12, 31): False}, {2028})
    assert c.add_workdays(D(2027, 12, 30), 1) == Result(D(2028, 1, 3), True)  # 1 and 2 Jan: weekend
    assert c.next_workday(D(2027, 12, 31)) == Result(D(2028, 1, 3), True)
    assert c.add_days(D(2027, 12, 30), 1) == Result(D(2028, 1, 3), True)
    assert c.next_workday(D(2028, 1, 1)) == Result(D(2028, 1, 3), False)
    assert c.count_workdays(D(2027, 12, 30), D(2028, 1, 3)) == (1, True)
    assert c.count_workdays(D(2028, 1, 1), D(2028, 1, 4)) == (2, False)


def test_load_reads_corrections_notes_and_official_years(session, clock):
    session.add_all([
        CalendarOverride(day=D(2026, 3, 2), is_workday=False, note="flood", source="correction", created_at=clock()),
        CalendarOverride(day=D(2027, 1, 4), is_workday=False, note="bridge", source="official", created_at=clock()),
        CalendarYear(year=2027, official=True, entered_at=clock()),
        CalendarYear(year=2028, official=False, entered_at=clock())])
    session.commit()
    c = WorkCalendar.load(session)
    assert c.info(D(2026, 3, 2)) == DayInfo(D(2026, 3, 2), False, "flood", False)
    assert c.info(D(2027, 1, 4)) == DayInfo(D(2027, 1, 4), False, "bridge", False)
    assert c.info(D(2027, 2, 8)) == DayInfo(D(2027, 2, 8), True, "", False)  # official: no projection
    assert c.is_provisional(D(2028, 1, 3))


def test_import_official_records_who_when_and_what(session, clock, make_user, monkeypatch):
    admin = make_user(username="cal-admin", role="admin")
    calls = []
    monkeypatch.setattr(services.events, "publish", lambda s, event: calls.append((s, event)))
    first = clock()
    import_official(session, first, [(D(2027, 1, 1), False, ""), (D(2027, 2, 6), True, "")], admin,
                    years=[2028])
    assert calls == [(session, CalendarImported(now=first, years=frozenset({2027, 2028})))]
    session.commit()
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "calendar.imported")
                             .order_by(AuditEvent.id)).all()
    assert [(e.actor_id, e.actor_label, e.object_type, e.object_id, json.loads(e.details)) for e in events] == [
        (admin.id, "cal-admin", "calendar_year", "2027", {"holidays": ["2027-01-01"], "workdays": ["2027-02-06"]}),
        (admin.id, "cal-admin", "calendar_year", "2028", {"holidays": [], "workdays": []})]
    assert session.scalars(select(CalendarOverride.created_at)).all() == [first, first]
    assert session.get(CalendarYear, 2028).entered_at == first and session.get(CalendarYear, 2028).official

    later = clock.advance(days=1)
    import_official(session, later, [], years=[2028], actor_label="cli")
    session.commit()
    year = session.get(CalendarYear, 2028)
    assert year.official and year.entered_at == later
    event = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (event.actor_id, event.actor_label) == (None, "cli")
