"""Checks on identifiers citizens type: the Unified Social Credit Code and the resident ID number."""
from __future__ import annotations

import datetime as dt
import re

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUE = {ch: i for i, ch in enumerate(USCC_ALPHABET)}
_USCC_WEIGHTS = [pow(3, i, 31) for i in range(17)]  # 1, 3, 9, 27, 19, 26, ...
_USCC_RE = re.compile(r"[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}")

_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"\d{17}[\dX]")


def normalise_uscc(value: str) -> str:
    return (value or "").strip().replace(" ", "").upper()


def uscc_problem(value: str) -> str | None:
    """None when `value` is a valid 18-character code; otherwise 'length', 'characters' or 'check'.

    Positions 3-8 must be digits (the division code); the 18th character is the check over the
    first 17, with weights 3^(i-1) mod 31 (GB 32100-2015)."""
    code = normalise_uscc(value)
    if len(code) != 18:
        return "length"
    if not _USCC_RE.fullmatch(code):
        return "characters"
    total = sum(_USCC_VALUE[ch] * w for ch, w in zip(code[:17], _USCC_WEIGHTS, strict=True))
    expected = USCC_ALPHABET[(31 - total % 31) % 31]
    return None if code[17] == expected else "check"


def normalise_id_number(value: str) -> str:
    return (value or "").strip().replace(" ", "").upper()


def id_number_problem(value: str, today: dt.date | None = None) -> str | None:
    """None when `value` is a valid 18-digit resident ID number (GB 11643); otherwise
    'length', 'characters', 'birthdate' or 'check'."""
    code = normalise_id_number(value)
    if len(code) != 18:
        return "length"
    if not _ID_RE.fullmatch(code):
        return "characters"
    try:
        born = dt.date(int(code[6:10]), int(code[10:12]), int(code[12:14]))
    except ValueError:
        return "birthdate"
    if born.year < 1900 or (today and born > today):
        return "birthdate"
    total = sum(int(ch) * w for ch, w in zip(code[:17], _ID_WEIGHTS, strict=True))
    return None if code[17] == _ID_CHECK[total % 11] else "check"
