"""Limits shared by every worker through Redis (TIPLINE_RATELIMIT_STORAGE_URI): ten wrong receipt
codes on one worker, and the eleventh, sent to another worker process, is refused. With the
per-process memory:// store the same sequence gets through, which is why several gunicorn workers
on memory:// refuse to start (tipline.production, gunicorn.conf.py)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tipline.production import StorageRefused, check_workers

from ..conftest import csrf_token
from ..redis_server import redis_server  # noqa: F401  (fixture)

ROOT = Path(__file__).resolve().parents[2]
ADDR = "203.0.113.44"


class Worker:
    """Another worker process of the same deployment: same instance folder, database and limit store."""

    def __init__(self, settings: dict):
        self.proc = subprocess.Popen([sys.executable, str(Path(__file__).with_name("limit_worker.py")),
                                      json.dumps({k: str(v) if isinstance(v, Path) else v
                                                  for k, v in settings.items()})],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, cwd=ROOT)
        assert self.proc.stdin and self.proc.stdout and self.proc.stderr  # all three are PIPEs
        self.stdin, self.stdout = self.proc.stdin, self.proc.stdout
        line = self.stdout.readline().strip()
        assert line == "ready", self.proc.stderr.read()

    def wrong_code_from(self, addr: str) -> int:
        self.stdin.write(addr + "\n")
        self.stdin.flush()
        return int(self.stdout.readline())

    def stop(self):
        self.proc.stdin.close()
        self.proc.wait(30)


def wrong_code(client) -> int:
    page = client.get("/status").get_data(as_text=True)
    return client.post("/status", data={"csrf_token": csrf_token(page), "receipt": "9999 8888 7777 6666"}).status_code


def settings_for_worker(app_settings: dict) -> dict:
    return {**app_settings, "testing": True, "scheduler_enabled": False}


@pytest.fixture
def redis_app_settings(app_settings, redis_server):  # noqa: F811
    app_settings["ratelimit_storage_uri"] = redis_server.url
    return app_settings


def test_two_workers_share_the_receipt_code_limit_through_redis(redis_app_settings, redis_server, app):  # noqa: F811
    other = Worker(settings_for_worker(redis_app_settings))  # started first: the minute window is not spent waiting
    try:
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = ADDR
        assert [wrong_code(client) for _ in range(10)] == [200] * 10
        assert other.wrong_code_from(ADDR) == 429  # the eleventh, on the other worker
        assert other.wrong_code_from("203.0.113.45") == 200  # someone else is not affected
    finally:
        other.stop()
    # Redis holds the counters under keyed hashes, never the client's address.
    keys = [k.decode() for k in redis_server.client().keys("*")]
    assert keys and not any("203.0.113" in k for k in keys)


def test_per_process_memory_store_does_not_share_limits(app_settings, app):
    """The control: with memory:// each worker counts alone, so the eleventh gets through."""
    other = Worker(settings_for_worker(app_settings))
    try:
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = ADDR
        assert [wrong_code(client) for _ in range(10)] == [200] * 10
        assert wrong_code(client) == 429
        assert other.wrong_code_from(ADDR) == 200
    finally:
        other.stop()


def test_several_workers_on_the_default_store_refuse_to_start():
    with pytest.raises(StorageRefused, match="TIPLINE_RATELIMIT_STORAGE_URI"):
        check_workers(4, {})
    assert "per worker" in check_workers(4, {"TIPLINE_RATELIMIT_STORAGE_URI": "memory://"})
    assert check_workers(4, {"TIPLINE_RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0"}) is None
    assert check_workers(1, {}) is None  # tipline serve / one worker: memory:// is right
    assert check_workers(4, {"TIPLINE_RATELIMIT_ENABLED": "false"}) is None


def test_gunicorn_with_two_workers_on_memory_refuses_to_start(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIPLINE_")}
    env.update(TIPLINE_INSTANCE_PATH=str(tmp_path / "instance"), TIPLINE_SCHEDULER_ENABLED="false")
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    proc = subprocess.run([gunicorn, "-w", "2", "-b", "127.0.0.1:0", "wsgi:app"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    assert "TIPLINE_RATELIMIT_STORAGE_URI" in proc.stderr and "redis://" in proc.stderr
