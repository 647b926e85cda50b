"""A real redis-server (Debian's redis-server package) on a free loopback port, per test, in a temp
dir, as tests/intake/email/conftest.py runs Dovecot. No persistence; ended when the test ends."""
from __future__ import annotations

import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from .conftest import free_port

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


@dataclass
class RedisServer:
    port: int
    proc: subprocess.Popen

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self):
        import redis
        return redis.Redis(host="127.0.0.1", port=self.port, db=0)


def start(workdir: Path) -> RedisServer:
    port = free_port()
    proc = subprocess.Popen(
        [REDIS_SERVER, "--bind", "127.0.0.1", "--port", str(port), "--dir", str(workdir), "--save", "",
         "--appendonly", "no", "--protected-mode", "yes", "--daemonize", "no",
         "--logfile", str(workdir / "redis.log")],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    server = RedisServer(port, proc)
    deadline = time.monotonic() + 20
    while True:
        try:
            if server.client().ping():
                return server
        except Exception as exc:  # noqa: BLE001 — not listening yet
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                stderr = proc.stderr.read() if proc.stderr else b""  # always a pipe (Popen above)
                raise RuntimeError("redis-server did not start: " + stderr.decode(errors="replace")) from exc
            time.sleep(0.05)  # waiting for a server process to listen, not on the app's clock


def stop(server: RedisServer) -> None:
    server.proc.terminate()
    try:
        server.proc.wait(10)
    except subprocess.TimeoutExpired:
        server.proc.kill()
        server.proc.wait()


@pytest.fixture
def redis_server(tmp_path):
    assert Path(REDIS_SERVER).exists(), "redis-server is part of the test install (.ci/run PACKAGES)"
    workdir = tmp_path / "redis"
    workdir.mkdir()
    server = start(workdir)
    yield server
    stop(server)
