"""The gate every state change passes: the transition, the actor's role and jurisdiction, the
record's version, and the fields the transition needs.

The transition tables live with their state machines (tips, cases and complaints in
tipline.cases.workflow, rewards in tipline.rewards.workflow); this module only decides. Access is
computed here from the actor and the record's division, never passed in by a caller, so a command,
an API or the scheduler gets the same protection as a page.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .actors import Actor
from .divisions import PROVINCE_CODE
from .errors import Conflict, Forbidden, ValidationFailed
from .jurisdiction import can_see


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    target: str | None  # None: the action is recorded, the state stays
    roles: frozenset[str]
    needs_reason: bool = False
    needs_document: bool = False  # a document number the law requires (filing, decision)


class AccountlessActor:
    """An actor without a staff account who sees every division: the scheduler acting on its own
    (role "system": an expired mediation period, a forfeited claim) and the reporter acting through
    the status page (role "reporter": the portal has proven the receipt code, and the claim
    passphrase, before calling; that proof is the reporter's whole jurisdiction)."""
    id = None
    division_code = PROVINCE_CODE
    sees_all = True

    def __init__(self, role: str) -> None:
        self.role = self.username = role

    def has_role(self, *roles: str) -> bool:
        return self.role in roles


SYSTEM = AccountlessActor("system")
REPORTER = AccountlessActor("reporter")

if TYPE_CHECKING:  # mypy proves here that both satisfy the Actor protocol every service takes
    _system_is_an_actor: Actor = SYSTEM
    _reporter_is_an_actor: Actor = REPORTER


def require_sight(actor: Actor, division_code: str | None) -> None:
    """Raises Forbidden unless `actor` may see records of `division_code`."""
    if not can_see(actor, division_code):
        raise Forbidden("outside the actor's jurisdiction")


def states_of(*tables: Mapping[str, Transition]) -> frozenset[str]:
    """Every state the tables name, as source or target: what a status column may hold."""
    return frozenset(s for table in tables for t in table.values()
                     for s in (t.sources | ({t.target} if t.target else set())))


def check(table: Mapping[str, Transition], action: str, *, state: str, actor: Actor, division_code: str | None,
          version: int | None = None, current_version: int | None = None, reason: str = "",
          document: str = "") -> Transition:
    """Returns the transition `action` of `table`. Raises Conflict (unknown action, stale version,
    not allowed from `state`), Forbidden (role, or a record outside the actor's jurisdiction),
    ValidationFailed (reason or document number missing)."""
    transition = table.get(action)
    if transition is None:
        raise Conflict(f"unknown action {action}")
    if not actor.has_role(*transition.roles):
        raise Forbidden(f"role {actor.role} may not {action}")
    require_sight(actor, division_code)
    if version is not None and version != current_version:
        raise Conflict("changed meanwhile", kind="stale")
    if state not in transition.sources:
        raise Conflict(f"cannot {action} from {state}", kind="state")
    fields: dict[str, str] = {}
    if transition.needs_reason and len((reason or "").strip()) < 2:
        fields["reason"] = "required"
    if transition.needs_document and not (document or "").strip():
        fields["document"] = "required"
    if fields:
        raise ValidationFailed("missing fields", fields=fields)
    return transition
