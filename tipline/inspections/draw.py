"""The draw itself, as pure functions: the same frozen list, ratios and seed always give the same
sample, so anyone holding the recorded seed and list can check a plan (`tipline plan verify`).

Kept free of the database so the lead can later unify it with the case investigator draw
(`cases.assignment.pick` uses the same `random.Random(seed).sample` over a sorted pool)."""
from __future__ import annotations

import hashlib
import json
import math
import random
from decimal import Decimal


def canonical(frozen: list[list[str]]) -> str:
    """The frozen candidate list as stored: [[credit code, tier], ...] ordered by credit code."""
    # The pairs are dumped as they are (a copy of 50,000 pairs cost more than the dump itself).
    return json.dumps(frozen, ensure_ascii=False, separators=(",", ":"))


def digest(frozen: list[list[str]]) -> str:
    return text_digest(canonical(frozen))


def text_digest(canonical_text: str) -> str:
    """The digest of a list already in its canonical text (what `digest` hashes)."""
    return hashlib.sha256(canonical_text.encode("utf-8")).hexdigest()


def sample_size(population: int, ratio: Decimal) -> int:
    """Rounded up, so a tier with any members and a ratio above zero is never skipped."""
    return min(population, math.ceil(population * Decimal(ratio)))


def draw_sample(frozen: list[list[str]], ratios: list[list[str]], seed: int) -> list[str]:
    """Credit codes drawn, tier by tier in the order of `ratios` ([[tier, ratio], ...]), one
    generator seeded once; each tier's picks sorted by code."""
    rng = random.Random(int(seed))  # noqa: S311 - replayable draw; the seed comes from `secrets`
    by_tier: dict[str, list[str]] = {}
    for u, t in frozen:  # one pass over the list, not one per tier
        by_tier.setdefault(t, []).append(u)
    drawn: list[str] = []
    for tier, ratio in ratios:
        members = sorted(by_tier.get(tier, ()))
        drawn += sorted(rng.sample(members, sample_size(len(members), Decimal(ratio))))
    return drawn


def pick_officers(pool: list[int], n: int, seed: int | str) -> list[int]:
    """`n` officers from `pool`; the same pool and seed give the same officers. Raises ValueError
    when the pool is smaller than `n` (an inspection needs at least two officers)."""
    pool = sorted(set(pool))
    if len(pool) < n:
        raise ValueError(f"{len(pool)} eligible officer(s), {n} needed")
    return sorted(random.Random(seed).sample(pool, n))  # noqa: S311 - replayable; seed from `secrets`
