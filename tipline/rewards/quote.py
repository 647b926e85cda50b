"""The reward quote: pure Decimal arithmetic in the order domain.md section 4 prescribes.

share of the base -> floor (or, without fines or confiscations, the no-fine floor or the
officer's higher proposal) -> approved insider uplift -> cap -> round half up to the fen, once
-> the proposer's adjustment, if any (discretion within the rules: the measures have the amount
weigh the value of goods and the social impact; it stays within the level's floor and the cap).
Joint reporters split the final amount equally, rounded down to the fen, and the first
signatory takes the remaining fen, so the shares always add up to the amount.

Errors: `quote` raises QuoteError (a ValueError) with a one-line reason for a level outside
1-3, a negative, non-finite or non-numeric amount, an uplift below 1 or above the rule set's
limit, a proposed no-fine amount below the floor or given when there is a base, or fewer than
one (or more than MAX_SIGNATORIES) signatories, an adjusted amount below the level's floor,
above the cap or with more than two decimals.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from typing import Any, Literal, overload

from .rules import LEVELS, RuleSet

FEN = Decimal("0.01")
# A joint report is one report with several signatures; beyond this it is a petition, and the
# limit keeps a typo from building a list of millions of shares.
MAX_SIGNATORIES = 1000
MAX_DECIMALS = 6


def N_(msgid: str) -> str:
    """Marks a message for the catalogue (Babel's default keyword); translated where it is shown."""
    return msgid


class Step(str):
    """One line of the computation: the English text (what str() gives, kept in logs and tests) plus
    its catalogue message and values, so a page shows it in the reader's language
    (tipline.rewards.steps)."""
    msgid: str
    values: dict[str, str]

    def __new__(cls, msgid: str, **values: str) -> Step:
        self = super().__new__(cls, msgid % values)
        self.msgid, self.values = msgid, values
        return self


# Every message a step can have; tests/test_translations.py renders each in both languages.
STEP_MESSAGES = (
    N_("share: %(base)s x %(share)s = %(amount)s"),
    N_("no fines or confiscations: proposed %(amount)s (at least %(floor)s)"),
    N_("no fines or confiscations: no-fine floor %(amount)s (at least %(floor)s)"),
    N_("floor %(floor)s: %(amount)s"),
    N_("insider uplift x %(factor)s: %(amount)s"),
    N_("cap %(cap)s: %(amount)s"),
    N_("cap %(cap)s: %(amount)s (capped)"),
    N_("rounded half up to the fen: %(amount)s"),
    N_("joint finance approval (>= %(threshold)s): yes"),
    N_("joint finance approval (>= %(threshold)s): no"),
    N_("%(n)s signatories: %(each)s each, first %(first)s"),
    N_("adjusted by the proposer within %(low)s to %(cap)s: %(amount)s"),
)
# The values that are sums of money (shown with thousands separators).
MONEY_VALUES = frozenset({"base", "amount", "floor", "cap", "threshold", "each", "first", "low"})


class QuoteError(ValueError):
    """The quote cannot be computed; str() is a one-line reason."""


@dataclass(frozen=True)
class Quote:
    rule_set: str
    rule_set_version: str
    level: int
    base: Decimal
    share_amount: Decimal   # base x share, unrounded
    after_floor: Decimal
    uplift: Decimal         # the factor applied (1 when none)
    after_uplift: Decimal
    capped: bool            # the cap lowered the amount
    amount: Decimal         # rounded half up to the fen; the adjusted amount when there is one
    joint_finance_approval: bool
    computed_amount: Decimal | None = None  # what the rules computed (= amount unless adjusted)
    adjusted: bool = False
    shares: list[Decimal] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """Keys in a fixed order; money as strings with (at least) two decimals."""
        return {
            "rule_set": self.rule_set, "rule_set_version": self.rule_set_version, "level": self.level,
            "base": money(self.base), "share_amount": money(self.share_amount),
            "after_floor": money(self.after_floor), "after_uplift": money(self.after_uplift),
            "capped": self.capped, "computed_amount": money(self.computed_amount if self.computed_amount is not None
                                                            else self.amount),
            "adjusted": self.adjusted, "amount": money(self.amount),
            "joint_finance_approval": self.joint_finance_approval,
            "shares": [money(s) for s in self.shares],
        }


def money(value: Decimal) -> str:
    """Two decimals; an unrounded intermediate with more keeps them (showing it rounded would
    hide that rounding happens only once, at the end)."""
    return f"{value:.2f}" if value == value.quantize(FEN) else f"{value:f}".rstrip("0")


def split(amount: Decimal, signatories: int) -> list[Decimal]:
    """Equal shares rounded down to the fen; the first signatory takes the remaining fen."""
    each = (amount / signatories).quantize(FEN, rounding=ROUND_DOWN)
    return [amount - each * (signatories - 1)] + [each] * (signatories - 1)


def parse_amount(name: str, value: Any) -> Decimal:
    """A non-negative exact decimal, or QuoteError naming `name`."""
    return _decimal(name, value)


@overload
def _decimal(name: str, value: Any, *, allow_none: Literal[False] = False) -> Decimal: ...
@overload
def _decimal(name: str, value: Any, *, allow_none: Literal[True]) -> Decimal | None: ...
def _decimal(name: str, value: Any, *, allow_none: bool = False) -> Decimal | None:
    if value is None and allow_none:
        return None
    # floats are refused: 0.1 as a float is not 0.1, and money must be exact.
    if isinstance(value, (bool, float)) or not isinstance(value, (Decimal, int, str)):
        raise QuoteError(f"{name}: expected a decimal number (Decimal, int or text), got {value!r}")
    try:
        number = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation:
        raise QuoteError(f"{name}: not a number: {value!r}") from None
    if not number.is_finite():
        raise QuoteError(f"{name}: not a finite number: {value!r}")
    if number < 0:
        raise QuoteError(f"{name}: must not be negative, got {value}")
    # Sanity bounds, far beyond any real case, so that the arithmetic and the output stay small.
    if number and (number.adjusted() >= 15 or number != number.quantize(Decimal(1).scaleb(-MAX_DECIMALS))):
        raise QuoteError(f"{name}: expected less than 10^15 with at most {MAX_DECIMALS} decimals, got {value}")
    return number.copy_abs()  # "-0" becomes 0


def quote(rules: RuleSet, *, level: int, fines_and_confiscations: Decimal,
          insider_uplift: Decimal | str | None = None, proposed_no_fine_amount: Decimal | str | None = None,
          adjusted_amount: Decimal | str | None = None, signatories: int = 1) -> Quote:
    """Compute the reward under `rules`. Raises QuoteError (see the module docstring)."""
    if isinstance(level, bool) or not isinstance(level, int) or level not in LEVELS:
        raise QuoteError(f"level: expected 1, 2 or 3, got {level!r}")
    if isinstance(signatories, bool) or not isinstance(signatories, int) or not 1 <= signatories <= MAX_SIGNATORIES:
        raise QuoteError(f"signatories: expected a whole number from 1 to {MAX_SIGNATORIES}, got {signatories!r}")
    base = _decimal("fines_and_confiscations", fines_and_confiscations)
    uplift = _decimal("insider_uplift", insider_uplift, allow_none=True)
    proposed = _decimal("proposed_no_fine_amount", proposed_no_fine_amount, allow_none=True)
    adjusted = _decimal("adjusted_amount", adjusted_amount, allow_none=True)
    rule = rules.levels[level]
    if uplift is not None and not Decimal(1) <= uplift <= rules.insider_uplift_max:
        raise QuoteError(f"insider_uplift: must be from 1 to {rules.insider_uplift_max}, got {uplift}")
    if proposed is not None and base != 0:
        raise QuoteError("proposed_no_fine_amount: only for cases without fines or confiscations (the base is not 0)")
    if proposed is not None and proposed < rule.no_fine_floor:
        raise QuoteError(f"proposed_no_fine_amount: {money(proposed)} is below the level {level} "
                         f"floor of {money(rule.no_fine_floor)}")

    steps: list[Step] = []
    # A private context: exact products (no 28-digit rounding) whatever the caller's context is.
    with localcontext() as ctx:
        ctx.prec = 60
        share_amount = base * rule.share
        steps.append(Step(STEP_MESSAGES[0], base=money(base), share=str(rule.share), amount=money(share_amount)))
        if base == 0:
            after_floor = proposed if proposed is not None else rule.no_fine_floor
            steps.append(Step(STEP_MESSAGES[1] if proposed is not None else STEP_MESSAGES[2],
                              amount=money(after_floor), floor=money(rule.no_fine_floor)))
        else:
            after_floor = max(share_amount, rule.floor)
            steps.append(Step(STEP_MESSAGES[3], floor=money(rule.floor), amount=money(after_floor)))
        factor = uplift if uplift is not None else Decimal(1)
        after_uplift = after_floor * factor
        steps.append(Step(STEP_MESSAGES[4], factor=str(factor), amount=money(after_uplift)))
        capped = after_uplift > rules.cap
        after_cap = min(after_uplift, rules.cap)
        steps.append(Step(STEP_MESSAGES[6 if capped else 5], cap=money(rules.cap), amount=money(after_cap)))
        amount = after_cap.quantize(FEN, rounding=ROUND_HALF_UP)
        steps.append(Step(STEP_MESSAGES[7], amount=money(amount)))
        computed = amount
        if adjusted is not None:
            low = rule.floor if base != 0 else rule.no_fine_floor
            if adjusted != adjusted.quantize(FEN):
                raise QuoteError(f"adjusted_amount: at most two decimals (fen), got {adjusted}")
            if not low <= adjusted <= rules.cap:
                raise QuoteError(f"adjusted_amount: {money(adjusted)} is outside the level {level} floor of "
                                 f"{money(low)} and the cap of {money(rules.cap)}")
            amount = adjusted.quantize(FEN)
            steps.append(Step(STEP_MESSAGES[11], low=money(low), cap=money(rules.cap), amount=money(amount)))
        # Compared after rounding: 499,999.995 rounds to 500,000.00 and needs the second approval.
        joint = amount >= rules.joint_approval_threshold
        steps.append(Step(STEP_MESSAGES[8 if joint else 9], threshold=money(rules.joint_approval_threshold)))
        shares = split(amount, signatories)
        if signatories > 1:
            steps.append(Step(STEP_MESSAGES[10], n=str(signatories), each=money(shares[-1]), first=money(shares[0])))
    return Quote(rule_set=rules.name, rule_set_version=rules.version, level=level, base=base,
                 share_amount=share_amount, after_floor=after_floor, uplift=factor, after_uplift=after_uplift,
                 capped=capped, amount=amount, joint_finance_approval=joint, shares=shares, steps=steps,
                 computed_amount=computed, adjusted=adjusted is not None and amount != computed)
