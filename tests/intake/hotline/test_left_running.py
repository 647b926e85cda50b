"""The hotline channel left running (issue 20): a conflicting resend is reported per line, two
imports of one file at once both finish, and the API answers JSON even when the database is busy."""
from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from tipline import extensions
from tipline.intake.hotline.models import HotlineCall
from tipline.intake.models import Tip

from . import call, new_token


def _calls(n: int, prefix: str = "CC-RUN") -> list[bytes]:
    return [json.dumps(call(call_id=f"{prefix}-{i:04d}", caller_number=f"1390371{i:04d}",
                            summary=f"第{i}号来电：反映某药店销售过期药品，请核查。"), ensure_ascii=False).encode()
            for i in range(n)]


def test_a_resent_call_id_with_other_content_is_reported_per_line(app, runner, session, tmp_path):
    lines = _calls(3)
    changed = json.dumps(call(call_id="CC-RUN-0001", caller_number="13903710001", duration_seconds=200,
                              summary="第1号来电：内容被坐席修改后重新推送。"), ensure_ascii=False).encode()
    path = tmp_path / "calls.jsonl"
    path.write_bytes(b"\n".join(lines + [lines[0], changed]) + b"\n")
    result = runner.invoke(args=["intake", "import-hotline", str(path)])
    assert result.exit_code == 0, result.output
    assert "new 3, duplicates 1, conflicts 1, rejected 0" in result.output
    reference = session.scalar(select(Tip).join(HotlineCall, HotlineCall.tip_id == Tip.id)
                               .where(HotlineCall.call_id == "CC-RUN-0001")).reference
    assert (f"line 5: call_id CC-RUN-0001 was stored before as tip {reference} with other content "
            "(differs: duration_seconds, summary); nothing was changed") in result.output
    session.rollback()

    # Run again (the calls now come from the database, not from earlier in the file): same verdicts.
    again = runner.invoke(args=["intake", "import-hotline", str(path)])
    assert "new 0, duplicates 4, conflicts 1, rejected 0" in again.output, again.output
    assert "line 5: call_id CC-RUN-0001" in again.output
    assert session.scalar(select(func.count()).select_from(Tip)) == 3


def _command(app_settings, *args) -> subprocess.Popen:
    """`tipline ARGS` in a process of its own, on the test's database and instance keys."""
    env = dict(os.environ, TIPLINE_DATABASE_URL=app_settings["database_url"],
               TIPLINE_INSTANCE_PATH=str(app_settings["instance_path"]), TIPLINE_SCHEDULER_ENABLED="false")
    return subprocess.Popen([str(Path(sys.executable).parent / "tipline"), *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_two_imports_of_one_file_at_once_both_finish_with_each_call_once(app, app_settings, session, tmp_path):
    path = tmp_path / "calls.jsonl"
    path.write_bytes(b"\n".join(_calls(150)) + b"\n")
    procs = [_command(app_settings, "intake", "import-hotline", str(path)) for _ in range(2)]
    outputs = [p.communicate(timeout=600) for p in procs]
    for proc, (_out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err[-2000:]
    counts = [re.search(r"new (\d+), duplicates (\d+), conflicts 0, rejected 0", out) for out, _err in outputs]
    assert all(counts), outputs
    assert sum(int(c.group(1)) for c in counts) == 150
    assert all(int(c.group(1)) + int(c.group(2)) == 150 for c in counts)
    assert session.scalar(select(func.count()).select_from(HotlineCall)) == 150
    assert session.scalar(select(func.count()).select_from(Tip)) == 150


def test_the_api_gets_its_turn_during_an_import(app, app_settings, client, session, tmp_path):
    token = new_token(app)
    path = tmp_path / "calls.jsonl"
    path.write_bytes(b"\n".join(_calls(300, prefix="CC-IMPORT")) + b"\n")
    proc = _command(app_settings, "intake", "import-hotline", str(path))
    answers = []
    try:
        while proc.poll() is None and len(answers) < 6:
            if not session.scalar(select(func.count()).select_from(HotlineCall)):
                session.rollback()
                continue  # the import has not stored its first call yet
            session.rollback()
            started = time.monotonic()
            response = client.post("/api/v1/hotline/calls", json=call(call_id=f"CC-API-{len(answers)}"),
                                   headers={"Authorization": f"Bearer {token}"})
            answers.append((response.status_code, response.mimetype, round(time.monotonic() - started, 1)))
    finally:
        out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err[-2000:]
    assert len(answers) >= 3, (answers, out)  # the calls were posted while the import was running
    # Each was stored, well within the API's lock wait (the import yields the write lock between calls).
    assert all(status == 201 and mimetype == "application/json" for status, mimetype, _s in answers), answers
    assert session.scalar(select(func.count()).select_from(HotlineCall)) == 300 + len(answers)


@pytest.fixture
def database_locked(app, app_settings):
    """Another process holds the database (SQLite: an exclusive lock on the file; PostgreSQL: an
    ACCESS EXCLUSIVE lock on the token table) until the test ends."""
    url = app_settings["database_url"]
    if url.startswith("sqlite"):
        conn = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        conn.execute("BEGIN EXCLUSIVE")
        yield
        conn.execute("ROLLBACK")
        conn.close()
        return
    engine = create_engine(make_url(url))
    conn = engine.connect()
    conn.execute(text("LOCK TABLE api_token IN ACCESS EXCLUSIVE MODE"))
    yield
    conn.rollback()
    conn.close()
    engine.dispose()


def test_a_locked_database_answers_json_503_with_retry_after(app, client, monkeypatch, request):
    token = new_token(app)
    monkeypatch.setattr(extensions, "API_LOCK_WAIT", 1.0)  # the wait under test, shorter than in production
    request.getfixturevalue("database_locked")
    started = time.monotonic()
    response = client.post("/api/v1/hotline/calls", json=call(), headers={"Authorization": f"Bearer {token}"})
    assert time.monotonic() - started < 10
    assert response.status_code == 503 and response.mimetype == "application/json"
    assert response.headers["Retry-After"].isdigit()
    assert response.get_json()["error"]


def test_api_errors_are_json(client):
    missing = client.get("/api/v1/no-such-thing")
    assert missing.status_code == 404 and missing.mimetype == "application/json" and "error" in missing.get_json()
    wrong = client.get("/api/v1/hotline/calls")
    assert wrong.status_code == 405 and wrong.mimetype == "application/json"
