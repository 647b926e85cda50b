"""Demo data for `make run`: accounts in the province and in Zhengzhou. Idempotent."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from .auth import services as auth
from .auth.models import User

DEMO_PASSWORD = "tipline-demo-2026"

ACCOUNTS = [
    # username, role, division, display name
    ("admin", "admin", "410000", "系统管理员"),
    ("officer", "officer", "410100", "郑州 办案人员 王"),
    ("officer2", "officer", "410100", "郑州 办案人员 李"),
    ("officer3", "officer", "410105", "金水区 办案人员 张"),
    ("supervisor", "supervisor", "410100", "郑州 科长 赵"),
    ("finance", "finance", "410100", "郑州 财务 陈"),
    ("finance2", "finance", "410100", "郑州 财务 刘"),
    ("auditor", "auditor", "410000", "省局 审计 孙"),
    ("provofficer", "officer", "410000", "省局 办案人员 周"),
]


@dataclass
class DemoAccounts:
    password: str
    rows: list[tuple[str, str, str]]


def load_demo(session: Session, *, now: dt.datetime) -> DemoAccounts:
    existing = set(session.scalars(select(User.username)))
    for username, role, division, name in ACCOUNTS:
        if username not in existing:
            auth.create_user(session, now=now, username=username, password=DEMO_PASSWORD, role=role,
                             division_code=division, display_name=name, actor_label="demo")
    return DemoAccounts(DEMO_PASSWORD, [(u, r, d) for u, r, d, _ in ACCOUNTS])
