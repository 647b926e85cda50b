"""Two app hosts and two schedulers on one PostgreSQL database, no shared disk (issue 19's proof).

Each host is its own `tipline serve` process with its own instance folder; the secrets come from the
environment, identical on both, as docs/deployment.md says. A report with evidence sent to host A is
read, evidence included, by an officer signed in on host B; two reminder sweeps in two processes with
different instance folders send each due reminder once. With both hosts on one real Redis
(TIPLINE_RATELIMIT_STORAGE_URI) behind a load balancer (TIPLINE_TRUSTED_PROXIES=1, played by this
test), ten wrong receipt codes sent to host A make host B refuse the eleventh; and a reporter who
signs in on host A continues on host B with the same cookie, until signing out on B closes the
session on A as well (server-side reporter sessions, tipline.intake.reporter_sessions).
"""
from __future__ import annotations

import datetime as dt
import http.cookiejar
import os
import re
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from .conftest import PG_URL, free_port
from .intake.helpers import GOOD
from .redis_server import redis_server  # noqa: F401  (fixture)

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SH = dt.timezone(dt.timedelta(hours=8))

pytestmark = pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL: several hosts share one database server")


def _secrets_env() -> dict[str, str]:
    return {"TIPLINE_SECRET_KEY": secrets.token_hex(32), "TIPLINE_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "TIPLINE_HMAC_KEY": secrets.token_hex(32)}


class Host:
    def __init__(self, name: str, root: Path, database_url: str, shared: dict[str, str], **extra: str):
        self.instance = root / name
        self.port = free_port()
        self.env = dict(os.environ, TIPLINE_INSTANCE_PATH=str(self.instance), TIPLINE_DATABASE_URL=database_url,
                        TIPLINE_SCHEDULER_ENABLED="false", **shared, **extra)
        self.proc = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        self.proc = subprocess.Popen([str(BIN / "tipline"), "serve", "--port", str(self.port), "--threads", "4",
                                      "--no-scheduler"], cwd=self.instance.parent, env=self.env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.base + "/healthz", timeout=2)
                return
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.2)  # polling a starting server, not waiting on the clock
        raise RuntimeError("host did not start: " + self.proc.stderr.read().decode(errors="replace")[-3000:])

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=20)

    def run(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(BIN / "tipline"), *args], cwd=self.instance.parent, env=self.env,
                              capture_output=True, timeout=180)

    def files(self) -> list[Path]:
        return sorted(p for p in self.instance.rglob("*") if p.is_file())


def _opener():
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))


def _found(pattern: str, text: str, flags: int = 0) -> re.Match[str]:
    match = re.search(pattern, text, flags)
    assert match, pattern
    return match


def _hidden(html: str, name: str) -> str:
    return _found(rf'name="{name}" type="hidden" value="([^"]*)"', html).group(1)


def _multipart(fields: dict[str, str], files: list[tuple[str, str, bytes]]) -> tuple[bytes, str]:
    boundary = "----tipline" + secrets.token_hex(8)
    out = []
    for k, v in fields.items():
        out.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode())
    for field, filename, data in files:
        out.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
                   f'Content-Type: application/octet-stream\r\n\r\n'.encode() + data + b"\r\n")
    out.append(f"--{boundary}--\r\n".encode())
    return b"".join(out), f"multipart/form-data; boundary={boundary}"


def _submit_report(host: Host, evidence: bytes) -> str:
    web = _opener()
    page = web.open(host.base + "/report", timeout=30).read().decode()
    a, b = map(int, _found(r"(\d+)\s*(?:plus|加)\s*(\d+)", page).groups())
    fields = dict(GOOD, csrf_token=_hidden(page, "csrf_token"), submission_token=_hidden(page, "submission_token"),
                  challenge=_hidden(page, "challenge"), challenge_answer=str(a + b))
    body, ctype = _multipart(fields, [("evidence", "账本.txt", evidence)])
    html = web.open(urllib.request.Request(host.base + "/report", data=body, headers={"Content-Type": ctype}),
                    timeout=60).read().decode()
    shown = _found(r'data-testid="receipt-code">(.*?)</p>', html, re.S).group(1)  # four <span> groups
    return re.sub(r"<[^>]+>|\s", "", shown)


def _staff(host: Host, username: str, password: str):
    web = _opener()
    page = web.open(host.base + "/staff/login", timeout=30).read().decode()
    web.open(urllib.request.Request(host.base + "/staff/login", data=urllib.parse.urlencode(
        {"csrf_token": _hidden(page, "csrf_token"), "username": username, "password": password}).encode()),
        timeout=30).read()
    return web


def _local_app(monkeypatch, host: Host, instance: Path, database_url: str):
    """This test process as a third client of the database (to set up data and look at rows)."""
    from tipline import create_app
    for name in ("TIPLINE_SECRET_KEY", "TIPLINE_ENCRYPTION_KEYS", "TIPLINE_HMAC_KEY"):
        monkeypatch.setenv(name, host.env[name])
    return create_app({"instance_path": instance, "database_url": database_url})


def _pair(tmp_path, database_url, smtp_sink, **extra: str) -> tuple[Host, Host]:
    """Two hosts with the same secrets and settings on one migrated database (not started yet)."""
    shared = _secrets_env()
    mail = {"TIPLINE_MAIL_SERVER": "127.0.0.1", "TIPLINE_MAIL_PORT": str(smtp_sink.port)}
    a = Host("host-a", tmp_path, database_url, shared, **mail, **extra)
    b = Host("host-b", tmp_path, database_url, shared, **mail, **extra)
    up = a.run("db", "upgrade")
    assert up.returncode == 0, up.stderr.decode()
    return a, b


@pytest.fixture
def hosts(tmp_path, database_url, smtp_sink):
    a, b = _pair(tmp_path, database_url, smtp_sink)
    yield a, b
    a.stop()
    b.stop()


@pytest.fixture
def redis_hosts(tmp_path, database_url, smtp_sink, redis_server):  # noqa: F811
    """Both hosts started, as in production: limits on, counted in one Redis, one proxy in front."""
    a, b = _pair(tmp_path, database_url, smtp_sink, TIPLINE_RATELIMIT_ENABLED="true",
                 TIPLINE_RATELIMIT_STORAGE_URI=redis_server.url, TIPLINE_TRUSTED_PROXIES="1")
    try:
        a.start()
        b.start()
        yield a, b
    finally:
        a.stop()
        b.stop()


def test_evidence_sent_to_host_a_is_read_on_host_b(hosts, database_url, tmp_path, monkeypatch):
    from tipline.extensions import db
    from tipline.intake.models import EvidenceFile, Tip

    from . import factories
    a, b = hosts
    made = b.run("users", "create", "--username", "zhou", "--role", "officer", "--division", "410000",
                 "--password", factories.PASSWORD)
    assert made.returncode == 0, made.stderr.decode()
    a.start()
    b.start()
    evidence = "2026年2月 出库记录：水泥 300 吨，未检验即出具报告。\n".encode() * 2000  # ~140 KB
    receipt = _submit_report(a, evidence)
    assert len(receipt) == 16

    officer = _staff(b, "zhou", factories.PASSWORD)
    app = _local_app(monkeypatch, a, tmp_path / "reader", database_url)
    with app.app_context():
        tip = db.session.scalars(select(Tip)).one()
        f = db.session.scalars(select(EvidenceFile).where(EvidenceFile.tip_id == tip.id)).one()
        tip_id, file_id = tip.id, f.id
    db.engine.dispose()
    page = officer.open(f"{b.base}/staff/tips/{tip_id}", timeout=30).read().decode()
    assert GOOD["entity_name"] in page and "账本.txt" in page
    got = officer.open(f"{b.base}/staff/tips/{tip_id}/files/{file_id}", timeout=30).read()
    assert got == evidence

    # No evidence on either host's disk (it lives in PostgreSQL), and no secret files were generated.
    for host in (a, b):
        assert not [p for p in host.files() if "evidence" in p.parts or "secrets" in p.parts], host.files()


def test_two_schedulers_on_two_hosts_send_each_reminder_once(hosts, database_url, tmp_path, smtp_sink, monkeypatch):
    from tipline.cases import triage
    from tipline.cases.deadlines.models import Clock, Reminder
    from tipline.extensions import db

    from . import factories
    a, b = hosts
    app = _local_app(monkeypatch, a, tmp_path / "setup", database_url)
    now = dt.datetime(2026, 3, 2, 9, tzinfo=SH).astimezone(dt.timezone.utc)
    with app.app_context():
        s = db.session
        team = {n: factories.user(s, now=now, username=n, role=r, division_code="410105", email=f"{n}@scjg.example.cn")
                for n, r in (("tri", "officer"), ("inv1", "officer"), ("inv2", "officer"), ("boss", "supervisor"))}
        for _ in range(3):
            tip, _code = factories.tip(s, now=now)
            case = triage.file_case(s, now=now, tip=tip, actor=team["tri"], version=tip.version,
                                    filing_number="1", filed_on=now.date())
            s.scalars(select(Clock).where(Clock.kind == "decision", Clock.case_id == case.id)).one().due_on = \
                dt.date(2026, 3, 4)
        s.commit()
    db.engine.dispose()

    sweep = ("deadlines", "sweep", "--now", "2026-03-04T09:00:00+08:00")
    procs = [subprocess.Popen([str(BIN / "tipline"), *sweep], cwd=h.instance.parent, env=h.env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for h in (a, b)]
    outputs = [p.communicate(timeout=180) for p in procs]
    assert all(p.returncode == 0 for p in procs), outputs
    sent = [int(out.split(b"sent ")[1].split(b",")[0]) for out, _ in outputs]
    # Three cases due today: "before_3" and "due_day" for both investigators = 12 reminders, each sent once.
    assert sum(sent) == 12
    listed = sum(body.decode("utf-8", "replace").count("\n- ") for _, body in smtp_sink.messages)
    assert listed == 12 * 2  # each reminder listed once in Chinese and once in English
    app = _local_app(monkeypatch, a, tmp_path / "setup", database_url)
    with app.app_context():
        rows = db.session.scalars(select(Reminder)).all()
        assert len(rows) == 12 and all(r.status == "sent" for r in rows)
    db.engine.dispose()


def _send(web, url: str, fields: dict[str, str] | None = None, client: str | None = None) -> tuple[int, str]:
    """GET (or POST `fields`) through `web`, following redirects; the status code and page, 4xx included.
    `client` is the X-Forwarded-For the load balancer in front of the hosts would add."""
    data = urllib.parse.urlencode(fields).encode() if fields is not None else None
    headers = {"X-Forwarded-For": client} if client else {}
    try:
        with web.open(urllib.request.Request(url, data=data, headers=headers), timeout=30) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")


def _wrong_code(web, host: Host, client: str) -> int:
    status, page = _send(web, host.base + "/status", client=client)
    assert status == 200, page[-2000:]
    return _send(web, host.base + "/status", {"csrf_token": _hidden(page, "csrf_token"),
                                              "receipt": "9999 8888 7777 6666"}, client=client)[0]


def test_ten_wrong_receipt_codes_on_host_a_make_host_b_refuse_the_eleventh(redis_hosts, redis_server):  # noqa: F811
    a, b = redis_hosts
    guesser, other = "203.0.113.44", "198.51.100.7"
    # Host B takes a wrong code (from someone else) before: it is up, limits on, and has seen nothing from the guesser.
    assert _wrong_code(_opener(), b, other) == 200
    web = _opener()
    assert [_wrong_code(web, a, guesser) for _ in range(10)] == [200] * 10
    # The eleventh within the minute, sent to the other host: refused there, from the counters in Redis.
    assert _wrong_code(web, b, guesser) == 429
    assert _wrong_code(_opener(), b, other) == 200  # the other client is not affected
    # Redis holds the counters under keyed hashes, never a client's address.
    keys = [k.decode() for k in redis_server.client().keys("*")]
    assert keys and not any(addr in k for k in keys for addr in (guesser, other, "127.0.0.1"))


def test_reporter_signs_in_on_host_a_and_continues_on_host_b(redis_hosts, database_url, tmp_path, monkeypatch):
    from tipline.extensions import db
    from tipline.intake.models import Message, Tip
    from tipline.intake.reporter_sessions import ReporterSession
    a, b = redis_hosts
    receipt = _submit_report(a, "2026年2月 出库记录。\n".encode())  # the code as the receipt page shows it
    assert re.fullmatch(r"\d{16}", receipt), receipt

    # One browser behind the load balancer: cookies do not depend on the port, so one jar serves A and B.
    jar = http.cookiejar.CookieJar()
    web = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    status, page = _send(web, a.base + "/status")
    status, page = _send(web, a.base + "/status", {"csrf_token": _hidden(page, "csrf_token"), "receipt": receipt})
    assert status == 200 and 'data-testid="status-text"' in page and GOOD["entity_name"] in page
    assert [c.name for c in jar] == ["tipline"]
    signed_in = next(iter(jar)).value

    status, page = _send(web, b.base + "/status/report")  # the same cookie, on host B
    assert status == 200 and GOOD["entity_name"] in page
    reply = "补充：2月20日又有一批未检验的水泥出库。"
    status, page = _send(web, b.base + "/status/report/reply", {"csrf_token": _hidden(page, "csrf_token"),
                                                                "body": reply})
    assert status == 200 and reply in page
    status, page = _send(web, a.base + "/status/report")  # and back on host A: the reply is there
    assert status == 200 and reply in page

    app = _local_app(monkeypatch, a, tmp_path / "reader", database_url)
    with app.app_context():
        tip = db.session.scalars(select(Tip)).one()
        assert [(m.author, m.body) for m in db.session.scalars(select(Message).where(Message.tip_id == tip.id))] \
            == [("reporter", reply)]
    db.engine.dispose()

    # Signing out on B ends the session everywhere: the cookie as it was right after signing in (a
    # copy kept on a shared computer), which opens the report on A until then, no longer does.
    old = urllib.request.build_opener()
    old.addheaders = [("Cookie", f"tipline={signed_in}")]
    assert reply in _send(old, a.base + "/status/report")[1]
    status, page = _send(web, b.base + "/status/logout", {"csrf_token": _hidden(page, "csrf_token")})
    assert status == 200
    status, page = _send(old, a.base + "/status/report")
    assert status == 200 and GOOD["entity_name"] not in page and reply not in page
    assert 'name="receipt"' in page  # back at the sign-in form
    with app.app_context():
        rows = db.session.scalars(select(ReporterSession)).all()
        assert [(r.ended_at is not None, r.end_reason) for r in rows] == [(True, "logout")]
    db.engine.dispose()
