"""Receipt codes and their storage."""
from __future__ import annotations

import base64
import hashlib
import hmac
import math

from tipline.intake import receipts

KEY = b"k" * 32


def test_codes_have_16_digits_and_at_least_53_bits():
    codes = {receipts.new_code() for _ in range(2000)}
    assert len(codes) == 2000 and all(len(c) == 16 and c.isdigit() for c in codes)
    assert math.log2(10 ** receipts.DIGITS) >= 53


def test_grouping_and_typing_variants():
    assert receipts.grouped("1234567890123456") == "1234 5678 9012 3456"
    assert receipts.normalise("１２３４-5678 9012 3456") == "1234567890123456"


def test_hash_is_keyed_deterministic_hmac():
    a = receipts.code_hash("1234567890123456", KEY)
    assert a == receipts.code_hash("1234567890123456", KEY)
    assert a != receipts.code_hash("1234567890123456", b"j" * 32)
    assert a != receipts.code_hash("1234567890123457", KEY)
    assert "1234567890123456" not in a and a.startswith("hmac:") and len(a) <= 64
    expected = hmac.new(KEY, b"receipt\0" + b"1234567890123456", hashlib.sha256).digest()
    assert base64.urlsafe_b64decode(a[5:] + "=") == expected
    # The legacy scheme still computes the same Argon2id value it stored, for verification.
    old = receipts.legacy_code_hash("1234567890123456", KEY)
    assert receipts.is_legacy(old) and not receipts.is_legacy(a) and len(old) == 64
    assert receipts.ARGON_MEMORY_KIB >= 19 * 1024


def test_sealed_copy_opens_only_with_the_form_token():
    sealed = receipts.seal("1234567890123456", "token-a" * 5, KEY)
    assert receipts.unseal(sealed, "token-a" * 5, KEY) == "1234567890123456"
    assert receipts.unseal(sealed, "token-b" * 5, KEY) is None
    # The token alone (for mail it is derived from data in the database) does not open it.
    assert receipts.unseal(sealed, "token-a" * 5, b"j" * 32) is None
    assert b"1234567890123456" not in sealed
