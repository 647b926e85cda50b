"""A caller's number as stored and compared: digits only, without the +86 / 0086 country prefix.
Its own module because both the call parser (services) and the field digests need it."""
from __future__ import annotations

import unicodedata


def normalise_phone(value: str) -> str:
    digits = "".join(ch for ch in unicodedata.normalize("NFKC", value) if ch.isdigit())
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits
