"""`tipline rewards ...`: list the reward rule sets and quote a reward.

`quote` prints one line of JSON on stdout. Any invalid input (including a usage mistake such as
an unknown option) exits 2 with a one-line reason on stderr and nothing on stdout: options are
taken as text and checked here, because click's own errors print a multi-line usage dump.
"""
from __future__ import annotations

import datetime as dt
import json
import re

import click
from flask import current_app
from flask.cli import with_appcontext

from .quote import QuoteError, quote


class _Invalid(click.ClickException):
    exit_code = 2  # like a usage error: the input, not the system, is at fault


class _OneLineErrors(click.Command):
    """Turns click's usage errors (unknown option, missing value) into one-line _Invalid."""

    def parse_args(self, ctx, args):
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            raise _Invalid(exc.format_message().splitlines()[0]) from None


@click.group("rewards")
def rewards_group():
    """Reward rule sets and quotes."""


def _whole(name: str, text: str | None, default: int | None = None) -> int:
    if text is None:
        if default is None:
            raise _Invalid(f"--{name}: required")
        return default
    if not re.fullmatch(r"\s*[0-9]{1,9}\s*", text):
        raise _Invalid(f"--{name}: expected a whole number, got {text!r}")
    return int(text)


def _date(text: str | None) -> dt.date:
    if text is None:
        from .. import clock
        return clock.local(clock.now()).date()  # today in Zhengzhou
    try:
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
            raise ValueError
        return dt.date.fromisoformat(text)
    except ValueError:
        raise _Invalid(f"--date: expected YYYY-MM-DD, got {text!r}") from None


@rewards_group.command("quote", cls=_OneLineErrors)
@click.option("--level", help="1, 2 or 3 (domain.md section 4)")
@click.option("--fines", help="total of fines and confiscations in yuan, e.g. 2000000 or 12345.60")
@click.option("--uplift", help="approved insider uplift factor, 1 to the rule set's maximum")
@click.option("--proposed", help="officer's proposed amount when there are no fines (at least the floor)")
@click.option("--signatories", help="joint reporters sharing the reward [1]")
@click.option("--date", "date_text", help="date deciding the rule set, YYYY-MM-DD [today]")
@click.option("--rule-set", "family", default="henan", show_default=True,
              help="family (henan, national) or exact name; henan falls back to national before it applies")
@with_appcontext
def quote_cmd(level, fines, uplift, proposed, signatories, date_text, family):
    """Print the reward for a case as one line of JSON."""
    if fines is None:
        raise _Invalid("--fines: required (0 when there are no fines or confiscations)")
    level_n = _whole("level", level)
    count = _whole("signatories", signatories, default=1)
    on = _date(date_text)
    try:
        rules = current_app.extensions["reward_rules"].for_date(on, family)
        result = quote(rules, level=level_n, fines_and_confiscations=fines, insider_uplift=uplift,
                       proposed_no_fine_amount=proposed, signatories=count)
    except (QuoteError, LookupError) as exc:
        raise _Invalid(str(exc).splitlines()[0]) from None
    click.echo(json.dumps(result.as_json(), ensure_ascii=False))


@rewards_group.command("rules")
@with_appcontext
def rules_cmd():
    """List the rule sets: name, version, effective from, what it inherits, source file."""
    for r in current_app.extensions["reward_rules"]:
        inherits = f"inherits {r.inherits}" if r.inherits else "-"
        click.echo(f"{r.name:<20} {r.version:<6} {r.effective_from.isoformat()}  {inherits:<26} {r.source}")
