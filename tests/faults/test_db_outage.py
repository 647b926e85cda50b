"""The database goes away for a while during intake: a friendly 503, nothing half-stored, and
submissions succeed again once it is back. Runs against the real PostgreSQL server through a
proxy the test can cut, in both passes of the suite."""
from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from tipline import create_app
from tipline.extensions import db
from tipline.intake.models import EvidenceFile, Tip
from tipline.models import metadata

from ..intake.helpers import form_page, receipt_of, submit
from ..intake.test_report_views import _jpeg_with_gps
from .proxy import CuttableProxy

PG = os.environ.get("TIPLINE_TEST_DATABASE_URL") or "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.fixture
def outage_app(tmp_path, clock):
    base = make_url(PG if "+psycopg" in PG else PG.replace("postgresql://", "postgresql+psycopg://"))
    schema = "o_" + uuid.uuid4().hex[:12]
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    proxy = CuttableProxy((base.host or "127.0.0.1", base.port or 5432))
    url = base.set(host="127.0.0.1", port=proxy.port).update_query_dict({"options": f"-csearch_path={schema}"})
    app = create_app({"instance_path": tmp_path / "instance", "database_url": url.render_as_string(False),
                      "testing": True, "scheduler_enabled": False})
    app.config["TIPLINE_CLOCK"] = clock
    metadata.create_all(db.engine)
    direct = create_engine(base.update_query_dict({"options": f"-csearch_path={schema}"}))
    yield app, proxy, direct
    db.engine.dispose()
    direct.dispose()
    proxy.close()
    with admin.connect() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def _counts(direct):
    with direct.connect() as conn:
        return (conn.execute(select(func.count()).select_from(Tip.__table__)).scalar(),
                conn.execute(select(func.count()).select_from(EvidenceFile.__table__)).scalar())


def test_database_outage_gives_a_friendly_503_and_loses_nothing(outage_app):
    app, proxy, direct = outage_app
    client = app.test_client()
    assert submit(client).status_code == 200
    assert _counts(direct) == (1, 0)

    page = form_page(client)  # the citizen loaded the form before the outage
    proxy.cut()
    resp = submit(client, page, files=[("现场.jpg", _jpeg_with_gps())])
    assert resp.status_code == 503
    html = resp.get_data(as_text=True)
    assert "服务暂时不可用" in html
    assert resp.headers["Retry-After"]
    assert client.get("/status").status_code == 200  # pages without the database still work
    proxy.restore()
    # The same form sent again after the outage lands once, with its file.
    resp = submit(client, page, files=[("现场.jpg", _jpeg_with_gps())])
    assert resp.status_code == 200 and len(receipt_of(resp.get_data(as_text=True))) == 16
    assert _counts(direct) == (2, 1)
    # and the evidence store holds exactly the referenced file
    if app.extensions["evidence_store"].in_database:  # PostgreSQL's default: chunks of the tip's transaction
        with direct.connect() as conn:
            assert conn.execute(text("SELECT count(DISTINCT stored_name) FROM evidence_chunk")).scalar() == 1
    else:
        stored = [p for p in (app.config["TIPLINE"].instance_path / "evidence").rglob("*") if p.is_file()]
        assert len(stored) == 1
