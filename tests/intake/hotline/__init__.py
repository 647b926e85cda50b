"""Hotline intake tests: the API, the JSON-lines import and the transcript pages.

Shared builders live here; the `token` fixture is in conftest.py.
"""
from __future__ import annotations

import copy

CALLER_NUMBER = "13903710042"

BASE_CALL = {
    "call_id": "CC-20260302-0001",
    "started_at": "2026-03-02T09:05:00+08:00",
    "duration_seconds": 184,
    "summary": "来电反映金水区某超市销售过期牛奶。",
    "caller_number": CALLER_NUMBER,
    "transcript": [
        {"speaker": "agent", "start": 0, "end": 3.5, "text": "您好，12315，请讲。"},
        {"speaker": "caller", "start": 3.8, "end": 15.2, "text": "我在金水路的超市买到了过期三个月的牛奶。"},
        {"speaker": "agent", "start": 15.5, "end": 18.0, "text": "请问超市的名称是什么？"},
        {"speaker": "caller", "start": 18.4, "end": 25.75, "text": "叫惠民生鲜超市，在金水路128号。"},
    ],
}


def call(**overrides) -> dict:
    body = copy.deepcopy(BASE_CALL)
    for key, value in overrides.items():
        if value is None:
            body.pop(key, None)
        else:
            body[key] = value
    return body


def new_token(app, name="callcentre") -> str:
    result = app.test_cli_runner().invoke(args=["tokens", "create", "--name", name])
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()[-1]


def post(client, token, body, **kwargs):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post("/api/v1/hotline/calls", json=body, headers=headers, **kwargs)
