"""Key rotation, the PostgreSQL dump, rate limits and the absence of untranslated literals."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from cryptography.fernet import Fernet
from sqlalchemy import select
from sqlalchemy.engine import make_url

from tipline import create_app
from tipline.intake.models import EvidenceFile, Tip

from .helpers import open_status, submit
from .test_report_views import _jpeg_with_gps

ROOT = Path(__file__).resolve().parents[2]


def test_keys_rotate_then_old_key_can_go(app, app_settings, client, session, runner):
    submit(client, reporter_name="轮换测试", files=[("a.jpg", _jpeg_with_gps())])
    old = app.config["TIPLINE"].encryption_keys
    new = Fernet.generate_key().decode()
    session.close()
    both = create_app(dict(app_settings, encryption_keys=(new,) + old))
    result = both.test_cli_runner().invoke(args=["keys", "rotate"])
    assert result.exit_code == 0, result.output
    assert "re-encrypted" in result.output
    only_new = create_app(dict(app_settings, encryption_keys=(new,)))
    from tipline.extensions import db
    with only_new.app_context():
        tip = db.session.scalars(select(Tip)).one()
        assert "水泥" in tip.description
        f = db.session.scalars(select(EvidenceFile)).first()
        assert only_new.extensions["evidence_store"].get(f.stored_name)[:2] == b"\xff\xd8"  # a JPEG again


def test_postgres_dump_shows_no_plain_tip_text(app, client, database_url):
    submit(client, reporter_name="导出检查姓名")
    if not database_url.startswith("postgresql"):
        # SQLite: the database file itself is the dump (see test_database_file_holds_no_plain_tip_text).
        blob = Path(database_url.split("///", 1)[1]).read_bytes()
        assert "导出检查姓名".encode() not in blob
        return
    assert shutil.which("pg_dump"), "pg_dump is part of the PostgreSQL client install"
    schema = re.search(r"search_path%3D(\w+)|search_path=(\w+)", database_url)
    assert schema, database_url
    name = next(g for g in schema.groups() if g)
    database = make_url(database_url).database  # the test run's own database, not always "test"
    assert database, database_url
    out = subprocess.run(["pg_dump", "-h", "127.0.0.1", "-U", "postgres", "-d", database, "-n", name, "--data-only"],
                         capture_output=True, check=True).stdout
    assert b"tip" in out
    assert "导出检查姓名".encode() not in out and "水泥检验报告".encode() not in out


def test_status_attempts_are_rate_limited(client):
    statuses = [open_status(client, f"{i:016d}").status_code for i in range(12)]
    assert statuses[:10] == [200] * 10
    assert 429 in statuses[10:]


def test_templates_carry_no_untranslated_literals():
    allowed = {"SHA-256", "·", "—", "←", "(", ")", ":", "KB", "CSV", "Excel"}  # format names are not translated
    problems = []
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text("utf-8")
        text = re.sub(r"{#.*?#}|{{.*?}}|{%.*?%}", " ", text, flags=re.S)
        text = re.sub(r"<[^>]+>", " ", text)
        for token in text.split():
            if token in allowed or not re.search(r"[A-Za-z\u4e00-\u9fff]", token):
                continue
            problems.append(f"{path.relative_to(ROOT)}: {token}")
    assert problems == []


def test_every_message_has_a_chinese_translation(tmp_path):
    """Extract the messages from the code and templates as they are now: each has a Chinese text."""
    import sys

    from babel.messages.pofile import read_po
    pot = tmp_path / "messages.pot"
    subprocess.run([str(Path(sys.executable).parent / "pybabel"), "-q", "extract", "-F", "babel.cfg", "-k", "_l",
                    "-k", "lazy_gettext", "-o", str(pot), "."], cwd=ROOT, check=True)
    with open(pot, "rb") as fh:
        wanted = {m.id for m in read_po(fh) if m.id}
    with open(ROOT / "tipline/translations/zh/LC_MESSAGES/messages.po", "rb") as fh:
        catalog = read_po(fh)
    translated = {m.id for m in catalog if m.id and m.string and not m.fuzzy}
    assert sorted(str(w) for w in wanted - translated) == []
