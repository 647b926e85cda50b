"""Migrations build the schema from empty, and the models match them (no pending autogenerate diff)."""
from __future__ import annotations

import re

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from tipline import migrate
from tipline.models import metadata


def test_upgrade_from_empty_to_head_matches_models(app_settings, tmp_path):
    from tipline import create_app
    # A fresh database, never touched by create_all.
    url = app_settings["database_url"]
    if url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'migrated.db'}"
    app = create_app(dict(app_settings, database_url=url))
    with app.app_context():
        migrate.upgrade(url)
    engine = create_engine(url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
        assert diff == [], diff
        tables = set(inspect(conn).get_table_names())
        assert {"staff_user", "audit_event", "audit_head", "staff_session"} <= tables
        assert conn.execute(text("SELECT last_id FROM audit_head WHERE id = 1")).scalar() == 0
        # 0022's CHECK constraints (autogenerate does not compare them): the states the gate's tables name
        from tipline import status_checks
        for (table, column, _), states in status_checks.STATUS_COLUMNS.items():
            checks = {c["name"]: c["sqltext"] for c in inspect(conn).get_check_constraints(table)}
            sql = checks[f"ck_{table}_{column}"]
            assert set(re.findall(r"'([a-z_]+)'", sql)) == set(states), (table, sql)
    engine.dispose()


def test_upgrading_keeps_existing_tips_and_their_files(app_settings, tmp_path):
    """Later migrations rebuild the tip table on SQLite: rows referencing it must survive."""
    from tipline import create_app
    url = app_settings["database_url"]
    if url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'upgraded.db'}"
    app = create_app(dict(app_settings, database_url=url))
    with app.app_context():
        migrate.upgrade(url, revision="0002")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO tip (id, channel, kind, category_code, entity_name, entity_address, division_code, "
            "description, knowledge, anonymous, status, status_changed_at, received_at, receipt_hash, version) "
            "VALUES (1, 'web', 'report', 'test.false_report', 'X', '', '410105', :d, 'other', :f, 'received', "
            ":t, :t, 'h1', 1)"), {"d": b"cipher", "f": True, "t": "2026-03-01 01:00:00"})
        conn.execute(text(
            "INSERT INTO tip_message (id, tip_id, author, body, created_at) VALUES (1, 1, 'reporter', :b, :t)"),
            {"b": b"cipher", "t": "2026-03-01 01:00:00"})
    with app.app_context():
        migrate.upgrade(url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM tip")).scalar() == 1
        assert conn.execute(text("SELECT count(*) FROM tip_message")).scalar() == 1
        assert conn.execute(text("SELECT priority FROM tip")).scalar() == 0
    engine.dispose()


def test_db_upgrade_command_seeds_the_deadline_rules_once(app_settings, tmp_path):
    """A fresh deployment's first submissions must not have to seed the rules themselves (several at
    once raced and one reporter got a 500): `tipline db upgrade` leaves them in place."""
    from tipline import create_app
    from tipline.cases.deadlines import clocks
    url = app_settings["database_url"]
    if url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'seeded.db'}"
    app = create_app(dict(app_settings, database_url=url))
    runner = app.test_cli_runner()
    shipped = sum(len(v["clocks"]) for v in clocks.shipped()["versions"])
    first = runner.invoke(args=["db", "upgrade"])
    assert first.exit_code == 0, first.output
    assert f"deadline rules added: {shipped}" in first.output
    again = runner.invoke(args=["db", "upgrade"])
    assert again.exit_code == 0 and "deadline rules added" not in again.output
    engine = create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM deadline_rule")).scalar() == shipped
        assert conn.execute(text("SELECT length FROM deadline_rule WHERE clock = 'filing'")).scalar() == 15
    engine.dispose()


def test_claims_made_before_0013_keep_how_they_were_proven(app_settings, tmp_path, clock):
    """0013 adds the claim's proof columns; for claims already made, the passphrase part is copied
    from their audit event, and the identity check stays empty ("not checked")."""
    from alembic import command

    from tipline import create_app
    from tipline.extensions import db

    from .conftest import csrf_token
    from .rewards.test_claim_passphrase import PHRASE, claim_page, post_claim
    from .security import world as w
    url = app_settings["database_url"]
    if url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'claims.db'}"
    app = create_app(dict(app_settings, database_url=url))
    app.config["TIPLINE_CLOCK"] = clock
    with app.app_context():
        migrate.upgrade(url)
    session = db.factory()
    world = w.build(app, session, clock)
    session.close()
    client = w.reporter_client(app, world.receipt)
    page = claim_page(client)
    client.post("/status/report/passphrase", data={
        "csrf_token": csrf_token(page), "passphrase": PHRASE, "passphrase_confirm": PHRASE})
    assert post_claim(client, claim_page(client), passphrase=PHRASE).status_code == 302
    db.engine.dispose()
    with app.app_context():
        command.downgrade(migrate.alembic_config(url), "0012")
        migrate.upgrade(url)
    engine = create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT with_passphrase, identity_check FROM reward_claim")).one() == (True, None)
    engine.dispose()


def test_0018_keeps_claims_as_the_first_share_and_moves_reward_periods_to_the_rule_sets(app_settings, tmp_path,
                                                                                          clock):
    """0018: an existing claim and payment become signatory 1's; the old exclusion code follows its
    widening; the reward clocks' rows leave the deadline table (the rule sets carry the periods)."""
    from alembic import command

    from tipline import create_app
    from tipline.extensions import db

    from .rewards.test_claim_passphrase import claim_page, post_claim
    from .security import world as w
    url = app_settings["database_url"]
    if url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'shares.db'}"
    app = create_app(dict(app_settings, database_url=url))
    app.config["TIPLINE_CLOCK"] = clock
    with app.app_context():
        migrate.upgrade(url)
    session = db.factory()
    world = w.build(app, session, clock)
    session.close()
    client = w.reporter_client(app, world.receipt)
    assert post_claim(client, claim_page(client)).status_code == 302
    db.engine.dispose()
    with app.app_context():
        command.downgrade(migrate.alembic_config(url), "0013")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE reward SET exclusion = 'paid_by_competitor', status = 'notified'"))
        conn.execute(text("INSERT INTO deadline_rule (clock, effective_from, length, unit, extension, created_at) "
                          "VALUES ('reward_claim', '2021-12-01', 30, 'workdays', 0, '2026-03-01 01:00:00')"))
    engine.dispose()
    with app.app_context():
        migrate.upgrade(url)
    engine = create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT share_no FROM reward_claim")).scalars().all() == [1]
        assert set(conn.execute(text("SELECT exclusion FROM reward")).scalars()) == {"instigated_or_paid"}
        assert conn.execute(text("SELECT count(*) FROM deadline_rule WHERE clock LIKE 'reward%'")).scalar() == 0
        told = conn.execute(text("SELECT claim_due_told FROM reward")).scalar()
        due = conn.execute(text("SELECT due_on FROM clock WHERE kind = 'reward_claim'")).scalar()
        assert told is not None and str(told) == str(due)  # a notified reward knows the deadline it shows
    engine.dispose()
