"""`tipline bodies import FILE`, `tipline plan draw --year Y --division CODE`, `tipline plan verify PLAN_ID`."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from .. import timesource


@click.group("bodies")
def bodies_group():
    """The register of supervised testing and certification bodies."""


@bodies_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def bodies_import(path: Path):
    """Import bodies from a CSV or XLSX file (idempotent by credit code); rows with problems are
    listed by row and field and skipped. Exit 1 when any row had a problem."""
    from ..extensions import db
    from .bodies import ImportFileError, import_file
    divisions = current_app.extensions["divisions"]
    try:
        result = import_file(db.session, now=timesource.now(), filename=path.name, content=path.read_bytes(),
                             known_division=lambda c: c in divisions, actor_label="cli")
    except ImportFileError as exc:
        db.session.rollback()
        raise click.ClickException(f"{path.name}: {exc}") from exc
    db.session.commit()
    click.echo(f"bodies: {result.created} created, {result.updated} updated, {result.unchanged} unchanged, "
               f"{len(result.errors)} row(s) with problems")
    for error in result.errors:
        click.echo(f"  {path.name}: {error}", err=True)
    if result.errors:
        sys.exit(1)


@click.group("plan")
def plan_group():
    """Annual "double random" inspection plans."""


@plan_group.command("draw")
@click.option("--year", type=int, required=True)
@click.option("--division", "division_code", required=True, help="GB/T 2260 code")
@click.option("--department", "departments", multiple=True, help="a department joining the plan (repeatable)")
@with_appcontext
def plan_draw(year, division_code, departments):
    """Create the plan (tier ratios from the tier file) if there is none, draw it, print it as JSON."""
    from sqlalchemy import select

    from ..calendar.services import WorkCalendar
    from ..errors import Conflict, ValidationFailed
    from ..extensions import db
    from . import services
    from .models import InspectionPlan
    tiers = current_app.extensions["inspection_tiers"]
    divisions = current_app.extensions["divisions"]
    now = timesource.now()
    plan = db.session.scalar(select(InspectionPlan).where(InspectionPlan.year == year,
                                                          InspectionPlan.division_code == division_code))
    try:
        if plan is None:
            plan = services.create_plan(db.session, now=now, year=year, division_code=division_code, tiers=tiers,
                                        known_division=lambda c: c in divisions, departments=list(departments),
                                        actor_label="cli")
        services.draw_plan(db.session, now=now, plan=plan, tiers=tiers, cal=WorkCalendar.load(db.session),
                           actor_label="cli")
    except ValidationFailed as exc:
        db.session.rollback()
        fields = ", ".join(f"{k}: {v}" for k, v in exc.details["fields"].items())
        raise click.ClickException("plan not created (" + fields + ")") from exc
    except Conflict as exc:
        db.session.rollback()
        plan_id = plan.id if plan and plan.id else ""
        raise click.ClickException(f"plan {plan_id} not drawn: {exc.message}".replace("  ", " ")) from exc
    db.session.commit()
    click.echo(json.dumps(services.plan_summary(db.session, plan), ensure_ascii=False, indent=1))


@plan_group.command("verify")
@click.argument("plan_id", type=int)
@with_appcontext
def plan_verify(plan_id):
    """Recompute the draw from the recorded seed and frozen list: exit 0 when identical."""
    from ..errors import NotFound
    from ..extensions import db
    from .services import verify
    try:
        result = verify(db.session, plan_id)
    except NotFound:
        click.echo(f"plan {plan_id}: no such plan", err=True)
        sys.exit(2)
    if result.ok:
        click.echo(f"plan {plan_id}: the recomputed draw is identical")
        return
    click.echo(f"plan {plan_id}: {result.reason}", err=True)
    sys.exit(1)


@click.group("credit")
def credit_group():
    """Credit publicity export (docs/credit-export.md)."""


@credit_group.command("export")
@click.option("--year", type=int, required=True)
@click.option("--division", "division_code", default="410000", show_default=True)
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), help="file to write (default: stdout)")
@with_appcontext
def credit_export(year, division_code, fmt, out):
    """Penalty decisions (ordinary procedure) and final inspection results of YEAR."""
    import datetime as dt

    from ..extensions import db
    from . import export
    rows = export.records(db.session, dt.date(year, 1, 1), dt.date(year, 12, 31), division_code)
    text = export.as_csv(rows) if fmt == "csv" else export.as_json(rows)
    if out:
        out.write_text(text, encoding="utf-8")
        click.echo(f"{len(rows)} records written to {out}")
    else:
        click.echo(text, nl=False)
