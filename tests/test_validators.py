import datetime as dt

import pytest

from tipline.validators import id_number_problem, uscc_problem

VALID_USCC = ["91350200MA2YJ1XR9G", "91350213678251743X"]


@pytest.mark.parametrize("code", VALID_USCC + ["91350200ma2yj1xr9g", " 9135 0213 6782 5174 3X "])
def test_real_credit_codes_pass(code):
    assert uscc_problem(code) is None


@pytest.mark.parametrize("code,problem", [
    ("91350200MA2YJ1XR9H", "check"),      # one character off
    ("91350213678251743Y", "check"),
    ("91350200MA2YJ1XR9", "length"),
    ("91350200MA2YJ1XR9GG", "length"),
    ("91350200MA2YJ1XI9G", "characters"),  # I is not in the alphabet
    ("913502O0MA2YJ1XR9G", "characters"),  # O inside the 6-digit division code
    ("", "length"),
])
def test_bad_credit_codes_are_named(code, problem):
    assert uscc_problem(code) == problem


def test_every_single_character_change_is_caught():
    from tipline.validators import USCC_ALPHABET
    base = VALID_USCC[0]
    for i in range(18):
        for ch in USCC_ALPHABET:
            if ch == base[i] or (2 <= i < 8 and not ch.isdigit()):
                continue
            assert uscc_problem(base[:i] + ch + base[i + 1:]) is not None, (i, ch)


def _with_check(first17: str) -> str:
    w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return first17 + "10X98765432"[sum(int(c) * k for c, k in zip(first17, w, strict=True)) % 11]


def test_id_numbers():
    good = _with_check("41010219900307123")
    assert id_number_problem(good) is None
    assert id_number_problem(good.lower()) is None
    wrong_check = good[:17] + ("0" if good[17] != "0" else "1")
    assert id_number_problem(wrong_check) == "check"
    assert id_number_problem(_with_check("41010219901307123")) == "birthdate"  # month 13
    assert id_number_problem("4101021990030712") == "length"
    assert id_number_problem("41010219900307123A") == "characters"
    assert id_number_problem(_with_check("41010220990307123"), today=dt.date(2026, 1, 1)) == "birthdate"
    assert id_number_problem("11010519491231002X") is None  # the standard's own example
