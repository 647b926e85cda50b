"""Violation categories (data in tipline/data/categories.json), validated at load."""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


class CategoryError(ValueError):
    """The categories file is malformed."""


@dataclass(frozen=True)
class Category:
    code: str
    group: str
    name_zh: str
    name_en: str
    severity: int

    def name(self, locale: str) -> str:
        return self.name_en if str(locale).startswith("en") else self.name_zh


@dataclass(frozen=True)
class Group:
    code: str
    name_zh: str
    name_en: str
    categories: tuple[Category, ...]

    def name(self, locale: str) -> str:
        return self.name_en if str(locale).startswith("en") else self.name_zh


@lru_cache(maxsize=1)
def load() -> tuple[Group, ...]:
    """Raises CategoryError naming the bad entry."""
    raw = json.loads(resources.files("tipline.data").joinpath("categories.json").read_text("utf-8"))
    groups, seen = [], set()
    for g in raw["groups"]:
        cats = []
        for c in g["categories"]:
            if c["code"] in seen or not c["code"].startswith(g["code"][:4]):
                raise CategoryError(f"category {c['code']!r}: duplicate or outside its group")
            if not (1 <= int(c["severity"]) <= 5) or not c["zh"] or not c["en"]:
                raise CategoryError(f"category {c['code']!r}: severity 1-5 and both names are required")
            seen.add(c["code"])
            cats.append(Category(c["code"], g["code"], c["zh"], c["en"], int(c["severity"])))
        groups.append(Group(g["code"], g["zh"], g["en"], tuple(cats)))
    return tuple(groups)


def by_code() -> dict[str, Category]:
    return {c.code: c for g in load() for c in g.categories}


def get(code: str) -> Category | None:
    return by_code().get(code)


def choices(locale: str) -> dict[str, list[tuple[str, str]]]:
    """Grouped choices for a WTForms SelectField (a dict renders as optgroups)."""
    return {g.name(locale): [(c.code, c.name(locale)) for c in g.categories] for g in load()}
