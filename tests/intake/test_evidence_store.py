"""Evidence in the database (TIPLINE_EVIDENCE_STORE=database, the default on PostgreSQL): written in the
tip's transaction, read by any host, gone with its row; `tipline evidence migrate` from the file store."""
from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from sqlalchemy import func, select, text

from tipline.config import load_settings
from tipline.intake import evidence as ev
from tipline.intake.dbstore import CHUNK, DatabaseEvidenceStore, EvidenceChunk
from tipline.intake.models import EvidenceFile

from ..conftest import csrf_token
from ..factories import PASSWORD
from .helpers import submit


def _big_text(size: int) -> bytes:
    line = "第 {:06d} 行：检验报告编号 2026-0211，样品从未送到实验室。\n"
    out: list[bytes] = []
    i = 0
    while sum(map(len, out)) < size:
        out.append(line.format(i).encode("utf-8"))
        i += 1
    return b"".join(out)


def _officer_client(app, make_user, username="dl"):
    make_user(username=username, division_code="410000")
    staff = app.test_client()
    page = staff.get("/staff/login").get_data(as_text=True)
    staff.post("/staff/login", data={"csrf_token": csrf_token(page), "username": username, "password": PASSWORD})
    return staff


@pytest.fixture
def db_store_settings(app_settings):
    app_settings["evidence_store"] = "database"
    return app_settings


def test_default_store_is_the_database_on_postgresql_and_files_on_sqlite(tmp_path):
    pg = load_settings({}, instance_path=tmp_path, database_url="postgresql+psycopg://u@127.0.0.1/x")
    lite = load_settings({}, instance_path=tmp_path)
    forced = load_settings({"TIPLINE_EVIDENCE_STORE": "file"}, instance_path=tmp_path,
                           database_url="postgresql+psycopg://u@127.0.0.1/x")
    assert (pg.evidence_in_database, lite.evidence_in_database, forced.evidence_in_database) == (True, False, False)
    from tipline.config import ConfigError
    with pytest.raises(ConfigError, match="EVIDENCE_STORE"):
        load_settings({"TIPLINE_EVIDENCE_STORE": "s3"}, instance_path=tmp_path)


def test_a_report_with_evidence_is_stored_in_chunks_and_downloads_whole(db_store_settings, app, client, session,
                                                                         make_user):
    data = _big_text(700 * 1024)  # plain text is stored unchanged, so the download must equal it
    resp = submit(client, files=[("记录.txt", data)])
    assert resp.status_code == 200
    f = session.scalars(select(EvidenceFile)).one()
    chunks = session.scalars(select(EvidenceChunk).where(EvidenceChunk.stored_name == f.stored_name)
                             .order_by(EvidenceChunk.seq)).all()
    assert len(chunks) >= 3 and all(len(c.data) <= CHUNK for c in chunks)
    assert data[:200] not in b"".join(c.data for c in chunks)  # encrypted at rest
    evidence_dir = app.config["TIPLINE"].instance_path / "evidence"
    assert not [p for p in evidence_dir.rglob("*") if p.is_file()]  # nothing on this host's disk
    tip_id, file_id = f.tip_id, f.id
    session.rollback()
    staff = _officer_client(app, make_user)
    got = staff.get(f"/staff/tips/{tip_id}/files/{file_id}")
    assert got.status_code == 200 and got.data == data


def test_a_rolled_back_submission_leaves_no_chunks(db_store_settings, app, session, clock):
    store = app.extensions["evidence_store"]
    stored, rejected = ev.store_uploads(session, now=clock(), uploads=[ev.Upload("a.txt", "证据内容".encode() * 50)],
                                        store=store, keep_original=False, source="reporter", room=5)
    assert len(stored) == 1 and not rejected
    session.rollback()
    assert session.scalar(select(func.count()).select_from(EvidenceChunk)) == 0
    assert session.scalar(select(func.count()).select_from(EvidenceFile)) == 0


def test_chunks_go_with_their_evidence_row(db_store_settings, app, session, clock):
    """A purged draft (and the retention job's bulk delete) removes the chunks by ON DELETE CASCADE."""
    from tipline.intake.jobs import purge_drafts
    store = app.extensions["evidence_store"]
    ev.store_uploads(session, now=clock(), uploads=[ev.Upload("a.txt", "证据内容".encode() * 50)], store=store,
                     keep_original=False, source="reporter", room=5, draft_key="k" * 64)
    session.commit()
    assert session.scalar(select(func.count()).select_from(EvidenceChunk)) == 1
    assert purge_drafts(session, clock() + dt.timedelta(hours=7), store) == 1
    assert session.scalar(select(func.count()).select_from(EvidenceChunk)) == 0


def test_evidence_migrate_moves_files_into_the_database_once(app_settings, tmp_path, clock):
    from tipline import create_app
    from tipline.extensions import db
    from tipline.models import metadata
    file_app = create_app(dict(app_settings, evidence_store="file"))
    file_app.config["TIPLINE_CLOCK"] = clock
    metadata.create_all(db.engine)
    client = file_app.test_client()
    payloads = [_big_text(300 * 1024), "第二份证据。".encode() * 40, "第三份证据。".encode() * 40]
    for i, data in enumerate(payloads):
        assert submit(client, files=[(f"{i}.txt", data)]).status_code == 200
    root = app_settings["instance_path"] / "evidence"
    on_disk = sorted(p.name for p in root.rglob("*") if p.is_file())
    assert len(on_disk) == 3
    # One file's bytes damaged on disk: it must stay where it is, reported, not moved.
    with db.factory() as s:
        names = s.scalars(select(EvidenceFile.stored_name).order_by(EvidenceFile.id)).all()
        broken_id = s.scalar(select(EvidenceFile.id).where(EvidenceFile.stored_name == names[2]))
    (root / names[2][:2] / names[2]).write_bytes(b"gAAAA-not-a-token")
    db.engine.dispose()

    db_app = create_app(dict(app_settings, evidence_store="database"))
    runner = db_app.test_cli_runner()
    first = runner.invoke(args=["evidence", "migrate"])
    assert first.exit_code == 1 and "moved 2 files" in first.output
    assert f"evidence [{broken_id}]" in first.output
    assert sorted(p.name for p in root.rglob("*") if p.is_file()) == [names[2]]
    # An interrupted run: the chunks of the first file committed, its file not yet removed.
    store = db_app.extensions["evidence_store"]
    with db_app.app_context():
        s = db.session
        original = store.get(names[0], s)
        assert hashlib.sha256(original).hexdigest() == s.scalar(
            select(EvidenceFile.sha256).where(EvidenceFile.stored_name == names[0]))
        s.rollback()
    leftover = root / names[0][:2] / names[0]
    leftover.write_bytes(b"left behind")
    again = runner.invoke(args=["evidence", "migrate"])
    assert "moved 0 files" in again.output and "2 were there already" in again.output
    assert not leftover.exists()
    with db_app.app_context():
        assert db.session.scalar(select(func.count(func.distinct(EvidenceChunk.stored_name)))) == 2
        actions = db.session.scalars(select(text("action")).select_from(text("audit_event"))
                                     .where(text("action = 'evidence.migrated'"))).all()
        assert len(actions) == 2
    db.engine.dispose()


def test_evidence_migrate_needs_the_database_store(app, runner):
    result = runner.invoke(args=["evidence", "migrate"])
    if app.config["TIPLINE"].evidence_in_database:  # PostgreSQL: nothing in the file store, nothing moved
        assert result.exit_code == 0 and "moved 0 files" in result.output
    else:
        assert result.exit_code == 1 and "TIPLINE_EVIDENCE_STORE" in result.output


def test_key_rotation_re_encrypts_evidence_in_the_database(db_store_settings, app, client, session, runner):
    from cryptography.fernet import Fernet
    data = "需要重新加密的证据。".encode() * 30
    submit(client, files=[("r.txt", data)])
    name = session.scalar(select(EvidenceFile.stored_name))
    session.rollback()
    from tipline import create_app
    old = list(app.config["TIPLINE"].encryption_keys)
    new_key = Fernet.generate_key().decode()
    rotating = create_app(dict(db_store_settings, encryption_keys=[new_key] + old))
    out = rotating.test_cli_runner().invoke(args=["keys", "rotate"])
    assert out.exit_code == 0, out.output
    only_new = create_app(dict(db_store_settings, encryption_keys=[new_key]))
    store = only_new.extensions["evidence_store"]
    assert isinstance(store, DatabaseEvidenceStore)
    with only_new.app_context():
        assert store.get(name) == data
