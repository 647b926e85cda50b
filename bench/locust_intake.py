"""Locust users for bench/intake.py (run by it, headless, in a separate process).

IntakeUser  the real public flow: GET /report (CSRF token, hidden submission_token, arithmetic
            challenge parsed with the same regexes as tests/intake/helpers.py), then POST /report
            as multipart/form-data with the answers. Each virtual user keeps its own cookie jar
            (locust's HttpSession), so the CSRF session cookie matches. A submission counts as
            completed only when the receipt page with a receipt code comes back.
BareUser    POST /submit on bench/bare_app.py with the same multipart fields.
PostUser    the submitting POST alone (what the issue's figure compares with the bare endpoint):
            forms fetched before the measured window by bench/intake.py (`prefetch_forms`, one
            session cookie each) are read from the JSON-lines file named by TIPLINE_BENCH_FORMS,
            and each task posts one of them, with its own cookie, exactly as IntakeUser would.
"""
from __future__ import annotations

import json
import os
import uuid
from collections import deque

from locust import FastHttpUser, HttpUser, constant, task

from form_page import RECEIPT, form_data, parse_form


def multipart(data: dict) -> dict:
    # (None, value) parts: multipart/form-data fields without a filename, as a browser sends them.
    return {k: (None, v) for k, v in data.items()}


def multipart_body(data: dict) -> tuple[bytes, dict]:
    """The same multipart/form-data body a browser sends, encoded by hand for FastHttpUser
    (geventhttpclient has no `files=`). Returns (body, headers)."""
    boundary = "----tipline" + uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n' for k, v in data.items()]
    body = ("".join(parts) + f"--{boundary}--\r\n").encode("utf-8")
    return body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}


def _post_form(client, url: str, data: dict, name: str, fast: bool):
    if fast:
        body, headers = multipart_body(data)
        return client.post(url, data=body, headers=headers, name=name, catch_response=True)
    return client.post(url, files=multipart(data), name=name, catch_response=True)


class IntakeUser(HttpUser):
    wait_time = constant(0)
    fast = False

    @task
    def report(self):
        with self.client.get("/report", name="GET /report", catch_response=True) as r:
            f = parse_form(r.text) if r.status_code == 200 else None
            if f is None:
                r.failure(f"form not understood ({r.status_code})")
                return
        data = form_data()
        data.update(csrf_token=f["csrf"], submission_token=f["token"], challenge=f["challenge"],
                    challenge_answer=f["answer"])
        with _post_form(self.client, "/report", data, "POST /report (submission)", self.fast) as r:
            if r.status_code != 200 or not RECEIPT.search(r.text):
                r.failure(f"no receipt ({r.status_code})")


class BareUser(HttpUser):
    wait_time = constant(0)
    fast = False

    @task
    def submit(self):
        with _post_form(self.client, "/submit", form_data(), "POST /submit (submission)", self.fast) as r:
            if r.status_code != 200 or "receipt" not in r.text:
                r.failure(f"no receipt ({r.status_code})")


_FORMS: deque = deque()


def _load_forms() -> None:
    path = os.environ.get("TIPLINE_BENCH_FORMS")
    if path and not _FORMS and os.path.exists(path):
        with open(path, encoding="utf-8") as fh:
            _FORMS.extend(json.loads(line) for line in fh if line.strip())
        # Each form is posted once: a second POST of the same submission token is a cheap replay
        # (the stored tip's receipt page again), which would flatter the figure. The next locust
        # run gets a freshly fetched file or none (and then only failures).
        os.unlink(path)


class FastPostUser(FastHttpUser):
    """Only the submitting POST: each task posts one prefetched form with that form's session cookie."""
    wait_time = constant(0)

    def on_start(self):
        _load_forms()

    @task
    def post(self):
        if not _FORMS:
            # Counted as a failed submission: the run must be given more forms, not read as faster.
            with self.client.get("/report", name="POST /report (submission)", catch_response=True) as r:
                r.failure("out of prefetched forms")
            return
        f = _FORMS.popleft()
        data = form_data()
        data.update(csrf_token=f["csrf"], submission_token=f["token"], challenge=f["challenge"],
                    challenge_answer=f["answer"])
        body, headers = multipart_body(data)
        headers["Cookie"] = f["cookie"]
        with self.client.post("/report", data=body, headers=headers, name="POST /report (submission)",
                              catch_response=True) as r:
            if r.status_code != 200 or not RECEIPT.search(r.text):
                r.failure(f"no receipt ({r.status_code})")


class FastIntakeUser(FastHttpUser):
    """IntakeUser on locust's geventhttpclient client, which costs the shared 2 cores far less
    per request than `requests` does (the full flow makes two requests per submission)."""
    wait_time = constant(0)
    fast = True
    report = IntakeUser.report


class FastBareUser(FastHttpUser):
    wait_time = constant(0)
    fast = True
    submit = BareUser.submit
