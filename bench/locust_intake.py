"""Locust users for bench/intake.py (run by it, headless, in a separate process).

IntakeUser  the real public flow: GET /report (CSRF token, hidden submission_token, arithmetic
            challenge parsed with the same regexes as tests/intake/helpers.py), then POST /report
            as multipart/form-data with the answers. Each virtual user keeps its own cookie jar
            (locust's HttpSession), so the CSRF session cookie matches. A submission counts as
            completed only when the receipt page with a receipt code comes back.
BareUser    POST /submit on bench/bare_app.py with the same multipart fields.
"""
from __future__ import annotations

import random
import re

import uuid

from locust import FastHttpUser, HttpUser, constant, task

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
CSRF2 = re.compile(r'name="csrf_token" value="([^"]+)"')
CHALLENGE_Q = re.compile(r"(\d+)\s*(?:plus|加)\s*(\d+)")
RECEIPT = re.compile(r'data-testid="receipt-code">([\d ]+)<')

DIVISIONS = ["410102", "410103", "410104", "410105", "410106", "410108", "410122", "410181", "410183", "410184"]
CATEGORIES = ["test.false_report", "cert.false"]
NAMES = ["检测技术", "建材贸易", "食品加工", "医疗器械", "电子商务", "餐饮管理", "物业服务", "汽车维修"]
CLAUSES = ["该公司在没有做检测的情况下出具了检验报告", "样品从未送到实验室", "报告编号为{n}", "涉及工地{m}处",
           "负责人要求员工伪造原始记录", "证书在过期后仍在使用", "去年已被投诉过一次但没有整改", "价格远低于市场水平",
           "客户反映产品质量问题但被拒绝退换", "仓库里堆放着没有标签的原料", "夜间偷偷生产并在凌晨发货",
           "检测设备长期没有校准", "对外宣称取得了认证但无法查到编号"]


def hidden(page: str, name: str) -> str | None:
    m = re.search(rf'name="{name}" type="hidden" value="([^"]*)"', page) or \
        re.search(rf'id="{name}" name="{name}" type="hidden" value="([^"]*)"', page)
    return m.group(1) if m else None


def form_data() -> dict:
    rng = random
    text = "，".join(c.format(n=rng.randint(1000, 9999), m=rng.randint(2, 30)) for c in rng.sample(CLAUSES, 4)) + "。"
    return {
        "kind": "report", "category_code": rng.choice(CATEGORIES),
        "entity_name": f"郑州{rng.choice(NAMES)}有限公司{rng.randint(1, 5000)}",
        "entity_address": f"郑州市金水区某路{rng.randint(1, 300)}号",
        "division_code": rng.choice(DIVISIONS), "occurred_on": "2026-02-10",
        "description": text, "knowledge": rng.choice(["insider", "witness", "customer", "other"]),
    }


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
            page = r.text
            csrf = (CSRF.search(page) or CSRF2.search(page))
            q = CHALLENGE_Q.search(page)
            token, challenge = hidden(page, "submission_token"), hidden(page, "challenge")
            if r.status_code != 200 or not (csrf and q and token and challenge):
                r.failure(f"form not understood ({r.status_code})")
                return
        data = form_data()
        data.update(csrf_token=csrf.group(1), submission_token=token, challenge=challenge,
                    challenge_answer=str(int(q.group(1)) + int(q.group(2))))
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
