"""Filling in the public report form as a citizen would."""
from __future__ import annotations

import io
import re

from ..conftest import csrf_token

GOOD = {
    "kind": "report",
    "category_code": "test.false_report",
    "entity_name": "郑州某某检测技术有限公司",
    "entity_uscc": "91350200MA2YJ1XR9G",
    "entity_address": "郑州市金水区某路1号",
    "division_code": "410105",
    "occurred_on": "2026-02-10",
    "description": "该公司在没有做检测的情况下出具了水泥检验报告，报告编号 2026-0211，样品从未到实验室。",
    "knowledge": "insider",
}


def form_page(client, path="/report"):
    page = client.get(path).get_data(as_text=True)
    return page


def hidden(page: str, name: str) -> str:
    m = re.search(rf'name="{name}" type="hidden" value="([^"]*)"', page) or \
        re.search(rf'id="{name}" name="{name}" type="hidden" value="([^"]*)"', page)
    assert m, f"hidden field {name} not found"
    return m.group(1)


def challenge_answer(page: str) -> str:
    m = re.search(r"(\d+)\s*(?:plus|加)\s*(\d+)", page)
    assert m, "no challenge question on page"
    return str(int(m.group(1)) + int(m.group(2)))


def submit(client, page=None, files=(), **overrides):
    """POST the form from `page` (fetched if not given); returns the response."""
    page = page or form_page(client)
    data = dict(GOOD)
    data.update({"csrf_token": csrf_token(page), "submission_token": hidden(page, "submission_token"),
                 "challenge": hidden(page, "challenge"), "challenge_answer": challenge_answer(page)})
    data.update(overrides)
    data = {k: v for k, v in data.items() if v is not None}
    if files:
        data["evidence"] = [(io.BytesIO(content), name) for name, content in files]
    return client.post("/report", data=data, content_type="multipart/form-data")


def receipt_of(html: str) -> str:
    m = re.search(r'data-testid="receipt-code">(.*?)</p>', html)
    assert m, "no receipt code on page"
    digits = re.sub(r"<[^>]+>|\s", "", m.group(1))
    assert digits.isdigit(), m.group(1)
    return digits


def open_status(client, code: str):
    page = client.get("/status").get_data(as_text=True)
    return client.post("/status", data={"csrf_token": csrf_token(page), "receipt": code}, follow_redirects=True)
