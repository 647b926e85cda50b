"""The command-line contract other systems rely on (issue 21): `calendar add-workdays/add-days` on an
instance whose database has not been migrated yet, and `users create NAME --role ROLE ...`."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import inspect, select

from tipline import create_app
from tipline.auth.models import User
from tipline.extensions import db


@pytest.fixture
def bare_runner(app_settings, clock):
    """An app on an empty database: no `tipline db upgrade` has run."""
    application = create_app(app_settings)
    application.config["TIPLINE_CLOCK"] = clock
    with application.app_context():
        assert not inspect(db.engine).has_table("calendar_override")
    yield application.test_cli_runner()
    with application.app_context():
        db.engine.dispose()


def test_add_workdays_and_add_days_work_before_migration(bare_runner):
    result = bare_runner.invoke(args=["calendar", "add-workdays", "2026-02-10", "15"])
    assert result.exit_code == 0, result.output
    assert result.output == '{"date": "2026-03-09", "provisional": false}\n'
    result = bare_runner.invoke(args=["calendar", "add-days", "2026-09-20", "11"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"date": "2026-10-08", "provisional": False}
    result = bare_runner.invoke(args=["calendar", "add-days", "2026-12-25", "7"])
    assert json.loads(result.output) == {"date": "2027-01-04", "provisional": True}


def test_bad_input_before_migration_is_one_line(bare_runner):
    result = bare_runner.invoke(args=["calendar", "add-workdays", "2026-02-31", "3"])
    assert result.exit_code != 0
    assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output


def _one_line_error(result):
    assert result.exit_code != 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return lines[0]


def test_users_create_name_role_division_email_password_stdin(runner, session):
    result = runner.invoke(args=["users", "create", "Zhou", "--role", "officer", "--division", "410300",
                                 "--email", "zhou@example.org", "--password-stdin"],
                           input="a long enough password\n")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "created zhou (officer, 410300)"
    user = session.scalars(select(User).where(User.username == "zhou")).one()
    assert (user.role, user.division_code, user.email) == ("officer", "410300", "zhou@example.org")
    session.rollback()
    # the password read from stdin is the one that signs in
    from tipline.auth import services
    assert services._hasher.verify(user.password_hash, "a long enough password")


def test_users_create_old_spelling_still_works(runner, session):
    result = runner.invoke(args=["users", "create", "--username", "Qian", "--role", "supervisor",
                                 "--division", "410300", "--password", "a long password"])
    assert result.exit_code == 0, result.output
    assert session.scalars(select(User.role).where(User.username == "qian")).one() == "supervisor"


@pytest.mark.parametrize("args,stdin,word", [
    (["--role", "officer", "--password-stdin"], "a long password\n", "NAME"),
    (["wu", "--password-stdin"], "a long password\n", "--role"),
    (["wu", "--role", "chief", "--password-stdin"], "a long password\n", "--role"),
    (["wu", "--role", "officer", "--division", "990000", "--password-stdin"], "a long password\n", "division_code"),
    (["wu", "--role", "officer", "--email", "not an address", "--password-stdin"], "a long password\n", "--email"),
    (["wu", "--role", "officer", "--password-stdin"], "", "password"),
    (["wu", "--role", "officer", "--password-stdin"], "short\n", "password"),
    (["wu", "--role", "officer", "--frobnicate", "--password-stdin"], "a long password\n", "frobnicate"),
    (["wu", "--role", "--password-stdin"], "", "role"),
])
def test_users_create_bad_input_is_one_line(runner, session, args, stdin, word):
    line = _one_line_error(runner.invoke(args=["users", "create", *args], input=stdin))
    assert word in line
    assert session.scalar(select(User.id).where(User.username == "wu")) is None
