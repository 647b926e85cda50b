"""Rewards: one per rewarded tip of a closed case, with its approvals, claim and payment."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, EncryptedText, Money, UTCDateTime, VersionedMixin

# Reward.status: the states and the steps between them are rewards.workflow.REWARD_TRANSITIONS
# (the gate checks every change; a CHECK constraint from the same table guards the column).


class Reward(VersionedMixin, Base):
    __tablename__ = "reward"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id"), nullable=False, index=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tip.id"), nullable=False, unique=True)
    status: Mapped[str] = mapped_column(String(15), nullable=False, default="review", index=True)
    order_in_case: Mapped[int] = mapped_column(Integer, nullable=False, default=1)  # by time of receipt
    # eligibility checklist (the officer's answers)
    natural_person: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    exclusion: Mapped[str | None] = mapped_column(String(40), nullable=True)  # a rule set exclusion code
    unknown_to_regulator: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    major_basis: Mapped[str | None] = mapped_column(String(30), nullable=True)  # criminal|measure|large_fines
    party_type: Mapped[str | None] = mapped_column(String(15), nullable=True)  # natural_person|organisation
    insider: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    allocation_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    share_percent: Mapped[int] = mapped_column(Integer, nullable=False, default=100)
    signatories: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    # the computation, kept as it was even when newer rule sets arrive
    rule_set: Mapped[str | None] = mapped_column(String(60), nullable=True)
    rule_set_version: Mapped[str | None] = mapped_column(String(20), nullable=True)
    level: Mapped[int | None] = mapped_column(Integer, nullable=True)
    base: Mapped[Decimal | None] = mapped_column(Money, nullable=True)
    uplift: Mapped[Decimal | None] = mapped_column(Numeric(6, 3), nullable=True)
    amount: Mapped[Decimal | None] = mapped_column(Money, nullable=True)
    # The proposer's discretion within the rule set's bounds: the amount the rules computed (the
    # default), and the reason shown to the approvers when `amount` differs from it.
    computed_amount: Mapped[Decimal | None] = mapped_column(Money, nullable=True)
    adjustment_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    joint_finance_approval: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    computation: Mapped[str] = mapped_column(Text, nullable=False, default="")  # the quote's steps, JSON
    ineligible_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    exclusion_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")  # for reason_required exclusions
    proposed_by: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), nullable=True)
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), nullable=True)
    uplift_consent_by: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), nullable=True)
    notified_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    # The claim deadline the reporter was last shown, and the one before it when an official
    # calendar moved it (the status page says so).
    claim_due_told: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    claim_due_was: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    returned_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    revoked_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)


class RewardApproval(Base):
    __tablename__ = "reward_approval"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reward_id: Mapped[int] = mapped_column(ForeignKey("reward.id", ondelete="CASCADE"), nullable=False, index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), nullable=False)
    step: Mapped[str] = mapped_column(String(10), nullable=False)  # review | finance
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)  # cleared by a send-back


class RewardClaim(Base):
    """What the reporter gives to be paid. Encrypted; only finance reads it, and each read is audited."""

    __tablename__ = "reward_claim"
    __table_args__ = (UniqueConstraint("reward_id", "share_no", name="uq_reward_claim_share"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reward_id: Mapped[int] = mapped_column(ForeignKey("reward.id", ondelete="CASCADE"), nullable=False)
    share_no: Mapped[int] = mapped_column(Integer, nullable=False, default=1)  # joint reporters: signatory 1..n
    name: Mapped[str] = mapped_column(EncryptedText(), nullable=False)
    id_number: Mapped[str] = mapped_column(EncryptedText(), nullable=False)
    bank: Mapped[str] = mapped_column(EncryptedText(), nullable=False)
    account_number: Mapped[str] = mapped_column(EncryptedText(), nullable=False)
    account_holder: Mapped[str] = mapped_column(EncryptedText(), nullable=False)
    claimed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    verified_by: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), nullable=True)
    # How the claimant was proven (None: claimed before these were kept). Not secret: shown to
    # finance without revealing the claim. identity_check: match | differs | cosigner | none (see claims.py).
    with_passphrase: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    identity_check: Mapped[str | None] = mapped_column(String(10), nullable=True)


class RewardPayment(Base):
    __tablename__ = "reward_payment"
    __table_args__ = (UniqueConstraint("reward_id", "share_no", name="uq_reward_payment_share"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reward_id: Mapped[int] = mapped_column(ForeignKey("reward.id", ondelete="CASCADE"), nullable=False)
    share_no: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    voucher_number: Mapped[str] = mapped_column(String(60), nullable=False)
    paid_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    method: Mapped[str] = mapped_column(String(20), nullable=False)
    amount: Mapped[Decimal] = mapped_column(Money, nullable=False)
    recorded_by: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), nullable=False)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)


class RewardLateClaim(Base):
    """Finance's acceptance of a claim after the window, on a recorded good reason: one member of
    finance requests it, a second, different one approves it (four eyes); the approval reopens the
    claim for the rule set's late_claim_workdays."""

    __tablename__ = "reward_late_claim"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reward_id: Mapped[int] = mapped_column(ForeignKey("reward.id", ondelete="CASCADE"), nullable=False, index=True)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    requested_by: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), nullable=False)
    requested_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), nullable=True)
    approved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    due_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)  # the reopened claim deadline
