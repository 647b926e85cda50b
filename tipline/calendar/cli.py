"""`tipline calendar ...`: date arithmetic, official data import, and a year's non-standard days.

Errors are one line on stderr and a non-zero exit (click.ClickException), never a usage dump:
arguments are taken as text and checked here, and options are not parsed after the command
name so that "-1" reaches the count check instead of being read as an unknown option.
"""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import TYPE_CHECKING

import click
from flask.cli import with_appcontext

from .holidays import ProjectionUnavailable

if TYPE_CHECKING:
    from .services import Result, WorkCalendar

_ARGS_ONLY = {"ignore_unknown_options": True}


@click.group("calendar")
def calendar_group() -> None:
    """Working days and statutory periods."""


def _date(text: str) -> dt.date:
    from .services import parse_date
    try:
        return parse_date(text)
    except ValueError as exc:
        raise click.ClickException(f"DATE: {exc}") from None


def _count(text: str, minimum: int) -> int:
    try:
        value = int(text.strip(), 10)
    except ValueError:
        value = None
    if value is None or value < minimum:
        raise click.ClickException(f"N: expected a whole number >= {minimum}, not {text!r}")
    return value


def _calendar() -> WorkCalendar:
    """The instance's calendar; on a database not migrated yet (no calendar tables), the packaged
    calendar alone: official years entered later can only make dates final, the packaged years
    are the same either way."""
    from sqlalchemy import inspect

    from ..extensions import db
    from .services import WorkCalendar
    try:
        migrated = inspect(db.engine).has_table("calendar_override") and inspect(db.engine).has_table("calendar_year")
    except Exception as exc:  # noqa: BLE001 — a database that cannot be reached at all: one line
        raise click.ClickException(f"database unavailable ({type(exc).__name__}); "
                                   "check TIPLINE_DATABASE_URL") from None
    if not migrated:
        return WorkCalendar()
    return WorkCalendar.load(db.session)


def _print_result(compute: Callable[[], Result]) -> None:
    try:
        result = compute()
    except (ProjectionUnavailable, OverflowError, ValueError) as exc:
        raise click.ClickException(str(exc).splitlines()[0]) from None
    click.echo(json.dumps(result.as_json()))


@calendar_group.command("add-workdays", context_settings=_ARGS_ONLY)
@click.argument("date")
@click.argument("n")
@with_appcontext
def add_workdays_cmd(date: str, n: str) -> None:
    """The Nth working day after DATE (DATE itself not counted; N >= 1)."""
    start, count = _date(date), _count(n, 1)
    _print_result(lambda: _calendar().add_workdays(start, count))


@calendar_group.command("add-days", context_settings=_ARGS_ONLY)
@click.argument("date")
@click.argument("n")
@with_appcontext
def add_days_cmd(date: str, n: str) -> None:
    """DATE + N calendar days, moved forward to the next working day (N >= 0)."""
    start, count = _date(date), _count(n, 0)
    _print_result(lambda: _calendar().add_days(start, count))


@calendar_group.command("import")
@click.argument("path", type=click.Path(dir_okay=False))
@with_appcontext
def import_cmd(path: str) -> None:
    """Enter a year's official days from a CSV (date,type,note) or JSON file."""
    from .. import timesource
    from ..extensions import db
    from .services import CalendarFileError, import_official, read_official_file
    try:
        rows, years = read_official_file(path)
        if not rows and not years:
            raise CalendarFileError("no days in file")
        affected = import_official(db.session, timesource.now(), rows, years=years, actor_label="cli")
    except (CalendarFileError, ValueError) as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo("imported official calendar for " + ", ".join(str(y) for y in sorted(affected)))


@calendar_group.command("show")
@click.argument("year")
@with_appcontext
def show_cmd(year: str) -> None:
    """List YEAR's holidays on weekdays and working days on weekends."""
    y = _count(year, 1)
    if y > 9998:
        raise click.ClickException(f"YEAR: out of range: {year!r}")
    cal = _calendar()
    day, end = dt.date(y, 1, 1), dt.date(y, 12, 31)
    try:
        state = "provisional (projected by rule)" if cal.is_provisional(day) else "final"
        click.echo(f"{y}: {state}")
        while day <= end:
            info = cal.info(day)
            if info.non_standard:
                kind = "workday" if info.is_workday else "holiday"
                flag = " provisional" if info.provisional else ""
                click.echo(f"{day.isoformat()} {day:%a} {kind:<7} {info.note}{flag}".rstrip())
            day += dt.timedelta(days=1)
    except ProjectionUnavailable as exc:
        raise click.ClickException(str(exc)) from None
