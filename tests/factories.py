"""Data builders for tests."""
from __future__ import annotations

import itertools

from tipline.auth import services as auth

PASSWORD = "correct horse battery"
_seq = itertools.count(1)


def user(session, *, now, username=None, role="officer", division_code="410100", password=PASSWORD, **extra):
    u = auth.create_user(session, now=now, username=username or f"user{next(_seq)}", password=password,
                         role=role, division_code=division_code, display_name=extra.pop("display_name", ""))
    for key, value in extra.items():
        setattr(u, key, value)
    return u


def tip(session, *, now, token=None, division_code="410105", **overrides):
    """A web tip through the real intake service; returns (tip, receipt_code)."""
    import secrets as _secrets

    from tipline.intake import services as intake

    data = dict(kind="report", category_code="test.false_report", entity_name="郑州某检测技术有限公司",
                division_code=division_code,
                description="该公司未做检测即出具水泥检验报告，报告编号 2026-0211，样品从未送到实验室。")
    data.update(overrides)
    result = intake.submit(session, now=now, data=intake.TipInput(**data), token=token or _secrets.token_urlsafe(32),
                           known_division=lambda c: c.startswith("41"))
    return result.tip, result.receipt_code
