"""Reading GET /report as a browser would, and the varied answers a load test types in. Kept apart from
bench/locust_intake.py so bench/intake.py can prefetch forms without importing locust (whose gevent
patching must not run in the measuring process)."""
from __future__ import annotations

import random
import re

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
CSRF2 = re.compile(r'name="csrf_token" value="([^"]+)"')
CHALLENGE_Q = re.compile(r"(\d+)\s*(?:plus|加)\s*(\d+)")


def hidden(page: str, name: str) -> str | None:
    m = re.search(rf'name="{name}" type="hidden" value="([^"]*)"', page) or \
        re.search(rf'id="{name}" name="{name}" type="hidden" value="([^"]*)"', page)
    return m.group(1) if m else None


def parse_form(page: str) -> dict | None:
    """CSRF token, submission token, challenge and its answer from a GET /report page (the challenge
    parsed with the same regexes as tests/intake/helpers.py)."""
    csrf = (CSRF.search(page) or CSRF2.search(page))
    q = CHALLENGE_Q.search(page)
    token, challenge = hidden(page, "submission_token"), hidden(page, "challenge")
    if not (csrf and q and token and challenge):
        return None
    return {"csrf": csrf.group(1), "token": token, "challenge": challenge,
            "answer": str(int(q.group(1)) + int(q.group(2)))}


RECEIPT = re.compile(r'data-testid="receipt-code"><span class="group">\d{4}<')  # the first of the four digit groups

DIVISIONS = ["410102", "410103", "410104", "410105", "410106", "410108", "410122", "410181", "410183", "410184"]
CATEGORIES = ["test.false_report", "cert.false"]
NAMES = ["检测技术", "建材贸易", "食品加工", "医疗器械", "电子商务", "餐饮管理", "物业服务", "汽车维修"]
CLAUSES = ["该公司在没有做检测的情况下出具了检验报告", "样品从未送到实验室", "报告编号为{n}", "涉及工地{m}处",
           "负责人要求员工伪造原始记录", "证书在过期后仍在使用", "去年已被投诉过一次但没有整改", "价格远低于市场水平",
           "客户反映产品质量问题但被拒绝退换", "仓库里堆放着没有标签的原料", "夜间偷偷生产并在凌晨发货",
           "检测设备长期没有校准", "对外宣称取得了认证但无法查到编号"]


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
