"""`tipline rewards ...`: list the reward rule sets and quote a reward.

`quote` prints one line of JSON on stdout. Any invalid input (including a usage mistake such as
an unknown option) exits 2 with a one-line reason on stderr and nothing on stdout: options are
taken as text and checked here, because click's own errors print a multi-line usage dump.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from .quote import QuoteError, money, parse_amount, quote
from .rules import RuleSets


class _Invalid(click.ClickException):
    exit_code = 2  # like a usage error: the input, not the system, is at fault


class _OneLineErrors(click.Command):
    """Turns click's usage errors (unknown option, missing value) into one-line _Invalid."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            raise _Invalid(exc.format_message().splitlines()[0]) from None


@click.group("rewards")
def rewards_group() -> None:
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
        from .. import timesource
        return timesource.local_date(timesource.now())  # today in Zhengzhou
    try:
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
            raise ValueError
        return dt.date.fromisoformat(text)
    except ValueError:
        raise _Invalid(f"--on: expected YYYY-MM-DD, got {text!r}") from None


@rewards_group.command("quote", cls=_OneLineErrors)
@click.option("--level", help="1, 2 or 3 (domain.md section 4)")
@click.option("--fines", help="fines in yuan, e.g. 2000000 or 12345.60 (before 21: the total of fines and "
                              "confiscations, which it still is when --confiscations is left out)")
@click.option("--confiscations", help="confiscated illegal gains and property in yuan [0]; the base is fines + "
                                      "confiscations")
@click.option("--internal-uplift", "--uplift", "uplift",
              help="approved insider (internal reporter) uplift factor, 1 to the rule set's maximum "
                   "(alias: --uplift)")
@click.option("--reporters", "--signatories", "signatories",
              help="joint reporters sharing the reward [1] (alias: --signatories)")
@click.option("--proposed", help="the proposer's amount: without fines or confiscations the amount proposed instead "
                                 "of the no-fine floor; otherwise the adjusted final amount, between the level's "
                                 "floor and the cap")
@click.option("--on", "--date", "date_text", help="date deciding the rule set, YYYY-MM-DD [today] (alias: --date)")
@click.option("--rule-set", "family", default="henan", show_default=True,
              help="family (henan, national) or exact name; henan falls back to national before it applies")
@with_appcontext
def quote_cmd(level: str | None, fines: str | None, confiscations: str | None, uplift: str | None,
              signatories: str | None, proposed: str | None, date_text: str | None, family: str) -> None:
    """Print the reward for a case as one line of JSON.

    The line has amount, shares, capped, joint_finance_approval and rule_set (NAME@VERSION), with
    the steps' intermediate figures; bad input exits 2 with a one-line reason on stderr.
    """
    if fines is None:
        raise _Invalid("--fines: required (0 when there are no fines)")
    level_n = _whole("level", level)
    count = _whole("reporters", signatories, default=1)
    on = _date(date_text)
    try:
        fines_d = parse_amount("--fines", fines)
        confiscations_d = parse_amount("--confiscations", confiscations if confiscations is not None else "0")
        base = fines_d + confiscations_d
        rule_sets: RuleSets = current_app.extensions["reward_rules"]
        rules = rule_sets.for_date(on, family)
        result = quote(rules, level=level_n, fines_and_confiscations=base, insider_uplift=uplift,
                       proposed_no_fine_amount=proposed if base == 0 else None,
                       adjusted_amount=proposed if base != 0 else None, signatories=count)
    except (QuoteError, LookupError) as exc:
        raise _Invalid(str(exc).splitlines()[0]) from None
    data: dict[str, Any] = {"rule_set": f"{result.rule_set}@{result.rule_set_version}",
                            "rule_set_version": result.rule_set_version, "level": result.level,
                            "fines": money(fines_d), "confiscations": money(confiscations_d)}
    data.update((k, v) for k, v in result.as_json().items() if k not in data)
    click.echo(json.dumps(data, ensure_ascii=False))


@rewards_group.command("rules")
@with_appcontext
def rules_cmd() -> None:
    """List the rule sets: name, version, effective from, what it inherits, source file."""
    rule_sets: RuleSets = current_app.extensions["reward_rules"]
    for r in rule_sets:
        inherits = f"inherits {r.inherits}" if r.inherits else "-"
        click.echo(f"{r.name:<20} {r.version:<6} {r.effective_from.isoformat()}  {inherits:<26} {r.source}")
