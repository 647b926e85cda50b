"""Kill -9 the gunicorn master and workers in the middle of concurrent web submissions, restart,
and show that every submission that got a receipt is stored exactly once and opens with its receipt.

Citizens whose request failed while the server was down send the same form again (a browser
refresh does this), which the hidden submission token makes idempotent.
"""
from __future__ import annotations

import http.client
import http.cookiejar
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import func, select

from tipline.extensions import db
from tipline.intake import receipts, services
from tipline.intake.models import Tip

from ..conftest import free_port
from ..intake.helpers import GOOD

ROOT = Path(__file__).resolve().parents[2]
SUBMISSIONS = int(os.environ.get("TIPLINE_FAULT_SUBMISSIONS", "2000"))
THREADS = 32


class Server:
    def __init__(self, env: dict, port: int):
        self.env, self.port, self.proc = env, port, None

    def start(self):
        self.proc = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{self.port}",
             "--graceful-timeout", "1", "-t", "60", "wsgi:app"],
            cwd=ROOT, env=self.env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2)
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start: " + self.proc.stderr.read().decode(errors="replace")[-2000:])

    def kill9(self):
        os.killpg(self.proc.pid, signal.SIGKILL)  # master and workers at once, no cleanup
        self.proc.wait()


def _found(pattern: str, html: str) -> re.Match[str]:
    match = re.search(pattern, html)
    assert match, pattern
    return match


def _one(base: str, n: int, results: dict, lock: threading.Lock):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    form_html = None
    for _ in range(200):  # the form may have to be fetched again after the crash
        try:
            form_html = opener.open(base + "/report", timeout=30).read().decode()
            break
        except (OSError, urllib.error.URLError, http.client.HTTPException):  # incl. a body cut by the kill
            time.sleep(0.5)
    assert form_html is not None, "the form never came back"
    token = _found(r'name="submission_token" type="hidden" value="([^"]+)"', form_html).group(1)
    data = dict(GOOD, entity_name=f"并发测试公司{n:05d}",
                csrf_token=_found(r'name="csrf_token" type="hidden" value="([^"]+)"', form_html).group(1),
                submission_token=token,
                challenge=_found(r'name="challenge" type="hidden" value="([^"]*)"', form_html).group(1))
    a, b = map(int, _found(r"(\d+)\s*(?:plus|加)\s*(\d+)", form_html).groups())
    data["challenge_answer"] = str(a + b)
    body = urllib.parse.urlencode(data).encode()
    for attempt in range(400):  # the same form, sent again until it lands (as a refresh would)
        try:
            html = opener.open(urllib.request.Request(base + "/report", data=body), timeout=60).read().decode()
        except (OSError, urllib.error.URLError, http.client.HTTPException):  # incl. a body cut by the kill
            time.sleep(0.25)
            continue
        m = re.search(r'data-testid="receipt-code">(.*?)</p>', html)  # digit groups, each in its own span
        code = re.sub(r"\D", "", m.group(1)) if m else ""
        with lock:
            results[n] = (token, code if len(code) == 16 else None, attempt)
        return
    with lock:
        results[n] = (token, None, -1)


def test_kill9_during_concurrent_submissions(app, app_settings, session):
    env = dict(os.environ, TIPLINE_INSTANCE_PATH=str(app_settings["instance_path"]),
               TIPLINE_DATABASE_URL=app_settings["database_url"], TIPLINE_RATELIMIT_ENABLED="false",
               TIPLINE_SCHEDULER_ENABLED="false")
    server = Server(env, free_port())
    server.start()
    base = f"http://127.0.0.1:{server.port}"
    results: dict[int, tuple] = {}
    lock = threading.Lock()
    with ThreadPoolExecutor(THREADS) as pool:
        futures = [pool.submit(_one, base, n, results, lock) for n in range(SUBMISSIONS)]
        while len(results) < SUBMISSIONS * 0.4:
            time.sleep(0.2)
        server.kill9()  # in the middle of the load: some requests are cut mid-flight
        time.sleep(1)
        server.start()
        for f in futures:
            f.result()
    server.kill9()

    got = {n: r for n, r in results.items() if r[1]}
    assert len(results) == SUBMISSIONS
    assert len(got) == SUBMISSIONS, f"{SUBMISSIONS - len(got)} submissions never got a receipt"
    assert any(r[2] > 0 for r in results.values()), "the kill did not interrupt any submission"
    with app.app_context():
        s = db.session
        total = s.scalar(select(func.count(Tip.id)))
        assert total == SUBMISSIONS  # exactly once each
        key = receipts.token_key
        from tipline import crypto
        hmac_key = crypto.keyring().hmac_key
        by_key = dict(s.execute(select(Tip.submission_key, Tip.id)).all())
        for n, (token, code, _) in got.items():
            tip = services.find_by_receipt(s, code)
            assert tip is not None and tip.id == by_key[key(token, hmac_key)], n
            assert tip.entity_name == f"并发测试公司{n:05d}"
