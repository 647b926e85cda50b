"""The gate on its own (tipline/gate.py, tipline/jurisdiction.py): no database, no app.

What an officer or the scheduler would notice: which error a refused step raises (Forbidden,
Conflict of which kind, ValidationFailed naming which field), in which order the checks run, and
who sees which division. The state tables themselves are tested by hand in
tests/cases/test_workflow.py and tests/rewards/test_reward_gate.py; this file pins the decision
every table relies on, fast enough for mutation testing (docs/testing.md).
"""
from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import column

from tipline import gate
from tipline.errors import Conflict, Forbidden, ValidationFailed
from tipline.gate import REPORTER, SYSTEM, Transition, check, require_sight, states_of
from tipline.jurisdiction import can_see, code_prefix, division_filter

OFFICERS = frozenset({"officer", "supervisor"})
TABLE = {
    "open": Transition(frozenset({"new"}), "open", OFFICERS),
    "close": Transition(frozenset({"open"}), "closed", frozenset({"supervisor"}), needs_reason=True),
    "file": Transition(frozenset({"open"}), "filed", OFFICERS, needs_document=True),
    "both": Transition(frozenset({"open"}), "filed", OFFICERS, needs_reason=True, needs_document=True),
    "note": Transition(frozenset({"open", "filed"}), None, OFFICERS),
}


@dataclass
class Staff:
    role: str
    division_code: str | None
    sees_all: bool = False
    id: int | None = 1
    username: str = "someone"

    def has_role(self, *roles: str) -> bool:
        return self.role in roles


JINSHUI_OFFICER = Staff("officer", "410105")  # a county (district) of Zhengzhou
ZHENGZHOU_SUPERVISOR = Staff("supervisor", "410100")  # the city
LUOYANG_SUPERVISOR = Staff("supervisor", "410300")
PROVINCE_SUPERVISOR = Staff("supervisor", "410000", sees_all=True)


def decide(action, actor=JINSHUI_OFFICER, *, state="open", division="410105", version=None, current=None,
           reason="", document=""):
    return check(TABLE, action, state=state, actor=actor, division_code=division, version=version,
                 current_version=current, reason=reason, document=document)


# -- who sees which division ------------------------------------------------------------------------

@pytest.mark.parametrize("actor, division, sees", [
    (JINSHUI_OFFICER, "410105", True),          # own county
    (JINSHUI_OFFICER, "410100", False),         # not the city above it
    (JINSHUI_OFFICER, "410102", False),         # nor a neighbouring county
    (ZHENGZHOU_SUPERVISOR, "410105", True),     # a city sees its counties
    (ZHENGZHOU_SUPERVISOR, "410100", True),
    (ZHENGZHOU_SUPERVISOR, "410305", False),    # not another city's
    (LUOYANG_SUPERVISOR, "410105", False),
    (PROVINCE_SUPERVISOR, "410305", True),      # provincial staff see all
    (SYSTEM, "410305", True),                   # the scheduler sees all
    (REPORTER, "410105", True),                 # the portal proved the receipt code
    (JINSHUI_OFFICER, None, False),             # a record without a division: only those who see all
    (JINSHUI_OFFICER, "", False),
    (PROVINCE_SUPERVISOR, None, True),
    (Staff("officer", None), "410105", False),  # an account without a division sees nothing
    (Staff("officer", "410105"), "999999", False),  # an unknown code is nobody's
])
def test_who_sees_which_division(actor, division, sees):
    assert can_see(actor, division) is sees
    if sees:
        require_sight(actor, division)
    else:
        with pytest.raises(Forbidden, match="outside the actor's jurisdiction"):
            require_sight(actor, division)


def test_the_system_and_the_reporter_act_only_as_themselves():
    assert SYSTEM.has_role("system") and not SYSTEM.has_role("officer", "supervisor")
    assert REPORTER.has_role("reporter") and not REPORTER.has_role("officer", "system")
    assert (SYSTEM.id, SYSTEM.role, SYSTEM.username) == (None, "system", "system")
    assert (REPORTER.id, REPORTER.role, REPORTER.username) == (None, "reporter", "reporter")


def test_division_filter_as_sql():
    col = column("division_code")
    assert str(division_filter(col, PROVINCE_SUPERVISOR)) == "true"
    city = division_filter(col, ZHENGZHOU_SUPERVISOR).compile(compile_kwargs={"literal_binds": True})
    assert str(city) == "division_code >= '4101' AND division_code < '4102'"
    county = division_filter(col, JINSHUI_OFFICER).compile(compile_kwargs={"literal_binds": True})
    assert str(county) == "division_code = '410105'"


@pytest.mark.parametrize("prefix, upper", [("4101", "4102"), ("4109", "4110"), ("0099", "0100")])
def test_code_prefix_is_a_range_with_the_next_prefix(prefix, upper):
    sql = code_prefix(column("c"), prefix).compile(compile_kwargs={"literal_binds": True})
    assert str(sql) == f"c >= '{prefix}' AND c < '{upper}'"


# -- the decision -----------------------------------------------------------------------------------

def test_an_allowed_step_returns_its_transition():
    assert decide("open", state="new") is TABLE["open"]
    assert decide("note").target is None
    assert decide("close", ZHENGZHOU_SUPERVISOR, reason="done").target == "closed"


def test_an_unknown_action_is_a_conflict():
    with pytest.raises(Conflict, match="unknown action fly"):
        decide("fly")


def test_a_role_the_step_does_not_name_is_refused():
    with pytest.raises(Forbidden, match="role officer may not close"):
        decide("close", reason="done")
    with pytest.raises(Forbidden):
        decide("open", SYSTEM, state="new")


def test_outside_the_jurisdiction_is_refused():
    with pytest.raises(Forbidden, match="outside the actor's jurisdiction"):
        decide("note", LUOYANG_SUPERVISOR)
    assert decide("note", ZHENGZHOU_SUPERVISOR) is TABLE["note"]


@pytest.mark.parametrize("version, current, stale", [(None, 7, False), (7, 7, False), (6, 7, True), (8, 7, True),
                                                     (0, None, True)])
def test_a_stale_version_is_a_conflict_of_kind_stale(version, current, stale):
    if not stale:
        decide("note", version=version, current=current)
        return
    with pytest.raises(Conflict, match="changed meanwhile") as caught:
        decide("note", version=version, current=current)
    assert caught.value.details["kind"] == "stale"


def test_a_step_not_allowed_from_the_state_is_a_conflict_of_kind_state():
    with pytest.raises(Conflict, match="cannot open from open") as caught:
        decide("open")
    assert caught.value.details["kind"] == "state"


@pytest.mark.parametrize("reason, missing", [("", True), (" ", True), ("x", True), (" x ", True), ("xy", False),
                                              (None, True)])
def test_a_reason_of_at_least_two_characters(reason, missing):
    if not missing:
        decide("close", ZHENGZHOU_SUPERVISOR, reason=reason)
        return
    with pytest.raises(ValidationFailed, match="missing fields") as caught:
        decide("close", ZHENGZHOU_SUPERVISOR, reason=reason)
    assert caught.value.details["fields"] == {"reason": "required"}


@pytest.mark.parametrize("document, missing", [("", True), ("  ", True), (None, True), ("郑市监立〔2026〕1号", False)])
def test_a_document_number_where_the_law_requires_one(document, missing):
    if not missing:
        decide("file", document=document)
        return
    with pytest.raises(ValidationFailed) as caught:
        decide("file", document=document)
    assert caught.value.details["fields"] == {"document": "required"}


def test_every_missing_field_is_named_at_once():
    with pytest.raises(ValidationFailed) as caught:
        decide("both")
    assert caught.value.details["fields"] == {"reason": "required", "document": "required"}


def test_a_reason_is_not_asked_where_the_step_needs_none():
    assert decide("file", document="No. 1", reason="") is TABLE["file"]


def test_the_checks_run_in_order_role_sight_version_state_fields():
    """A page shows the first refusal: role before jurisdiction before version before state before
    fields."""
    with pytest.raises(Forbidden, match="role"):
        decide("close", Staff("officer", "410300"), state="new", version=1, current=2)
    with pytest.raises(Forbidden, match="jurisdiction"):
        decide("close", LUOYANG_SUPERVISOR, state="new", version=1, current=2)
    with pytest.raises(Conflict) as stale:
        decide("close", ZHENGZHOU_SUPERVISOR, state="new", version=1, current=2)
    assert stale.value.details["kind"] == "stale"
    with pytest.raises(Conflict) as state:
        decide("close", ZHENGZHOU_SUPERVISOR, state="new")
    assert state.value.details["kind"] == "state"


def test_states_of_names_every_source_and_target_but_no_none():
    assert states_of(TABLE) == frozenset({"new", "open", "closed", "filed"})
    assert states_of(TABLE, {"x": Transition(frozenset({"a"}), "b", OFFICERS)}) == \
        frozenset({"new", "open", "closed", "filed", "a", "b"})
    assert states_of() == frozenset()


def test_transitions_need_no_reason_or_document_unless_they_say_so():
    t = Transition(frozenset({"a"}), "b", OFFICERS)
    assert (t.needs_reason, t.needs_document) == (False, False)
    assert gate.Transition is Transition


class Bare:
    """An actor object that carries only a role (a token, a script): it has no division and does not
    see all, whatever attributes it lacks."""
    role = "officer"

    def has_role(self, *roles: str) -> bool:
        return self.role in roles


def test_an_actor_without_division_or_sees_all_sees_nothing():
    assert can_see(Bare(), "410105") is False
    assert can_see(Bare(), None) is False
    with pytest.raises(Forbidden):
        decide("note", Bare())


def test_the_refusals_say_exactly_why():
    """The command line and the logs print these messages."""
    with pytest.raises(Forbidden) as sight:
        require_sight(LUOYANG_SUPERVISOR, "410105")
    assert str(sight.value) == "outside the actor's jurisdiction"
    with pytest.raises(Conflict) as stale:
        decide("note", version=1, current=2)
    assert str(stale.value) == "changed meanwhile"
    with pytest.raises(ValidationFailed) as fields:
        decide("file")
    assert str(fields.value) == "missing fields"


def test_reason_and_document_default_to_missing():
    """A caller that passes no reason or document number gets the fields named, not a pass."""
    with pytest.raises(ValidationFailed) as no_reason:
        check(TABLE, "close", state="open", actor=ZHENGZHOU_SUPERVISOR, division_code="410105")
    assert no_reason.value.details["fields"] == {"reason": "required"}
    with pytest.raises(ValidationFailed) as no_document:
        check(TABLE, "file", state="open", actor=JINSHUI_OFFICER, division_code="410105")
    assert no_document.value.details["fields"] == {"document": "required"}
