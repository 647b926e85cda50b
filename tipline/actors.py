"""Who performs a change: the one type every service, the audit trail and the gate take as `actor`.

A staff account (tipline.auth.models.User) answers all of it; so must the scheduler acting on its
own (tipline.gate.SYSTEM) and a reporter or an API client wherever they act. The
gate decides a permission from these alone (role, division), never from a flag the caller passes.
Read-only properties, so a mapped column, a plain attribute or a property all satisfy it.
"""
from __future__ import annotations

from typing import Protocol


class Actor(Protocol):
    @property
    def id(self) -> int | None:
        """The staff account's id; None for an actor without an account (system, reporter, API)."""

    @property
    def role(self) -> str: ...

    @property
    def username(self) -> str:
        """The name the audit trail records when the caller gives no actor_label."""

    @property
    def division_code(self) -> str | None:
        """The administrative division the actor works in; None where it has none."""

    @property
    def sees_all(self) -> bool:
        """Province-wide jurisdiction."""

    def has_role(self, *roles: str) -> bool: ...
