"""The reporter's side of a reward, as data for the status page (tipline.portal shows it and takes
the claim): claimed with the receipt code and, where the reporter set one, the claim passphrase
(tipline.intake.passphrase)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..intake.models import Tip
from . import claims
from .labels import EXCLUSION_TEXT, INELIGIBLE_TEXT, PUBLIC_TEXT
from .models import Reward

# Wrong passphrases per reporter's tip and day, whatever the client address: with a salted Argon2id
# hash behind it, guessing at this rate is hopeless, while a reporter who mistypes has ten tries.
WRONG_PASSPHRASES_PER_DAY = "10 per day"


def reward_of(session: Session, tip_id: int) -> Reward | None:
    return session.scalar(select(Reward).where(Reward.tip_id == tip_id))


def reward_section(session: Session, tip: Tip) -> dict[str, Any] | None:
    """What the status page shows about a reward, or None (nothing to say yet). `claimable` says
    whether the claim form belongs on the page; `open_shares` are the share numbers it may offer."""
    reward = reward_of(session, tip.id)
    if reward is None or reward.status in ("review", "proposed", "reviewed", "approved"):
        return None
    if reward.status == "not_eligible":
        text = INELIGIBLE_TEXT.get(reward.ineligible_reason, EXCLUSION_TEXT)
        return {"reward": reward, "text": text, "window": None, "claimable": False}
    claimable = reward.status == "notified"
    return {"reward": reward, "text": PUBLIC_TEXT.get(reward.status, ""), "claimable": claimable,
            "window": claims.claim_clock(session, reward) if claimable else None,
            "shares": claims.share_amounts(reward), "needs_passphrase": bool(tip.claim_passphrase_hash),
            "open_shares": open_shares(session, reward) if claimable else []}


def open_shares(session: Session, reward: Reward) -> list[int]:
    """Joint reporters: the signatories whose share is still open (at least share 1)."""
    return list(claims.open_shares(session, reward)) or [1]
