"""Rate-limit keys that never hold a raw client address."""
from __future__ import annotations

from flask import request

from . import crypto


def client_key() -> str:
    # The address is hashed with the instance HMAC key before it reaches the limiter's storage,
    # so neither memory nor Redis ever holds a reporter's IP address.
    addr = request.remote_addr or "unknown"
    return "c:" + crypto.keyring().keyed_hash("ratelimit", addr)[:32]
