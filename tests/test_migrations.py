"""Migrations build the schema from empty, and the models match them (no pending autogenerate diff)."""
from __future__ import annotations

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
    engine.dispose()
