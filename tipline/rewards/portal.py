"""The reporter's side of a reward: shown on the status page, claimed with the receipt code and,
where the reporter set one, the claim passphrase (tipline.intake.passphrase)."""
from __future__ import annotations

from flask import Blueprint, flash, g, redirect, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from .. import clock
from ..audit import services as audit
from ..errors import Conflict, ValidationFailed
from ..extensions import db, limiter
from ..intake.messages import field_message
from ..intake.views import _reporter_tip_id
from . import claims
from .forms import ClaimForm
from .labels import EXCLUSION_TEXT, FIELD_ERRORS, INELIGIBLE_TEXT, PUBLIC_TEXT
from .models import Reward

# Wrong passphrases per reporter's tip and day, whatever the client address: with a salted Argon2id
# hash behind it, guessing at this rate is hopeless, while a reporter who mistypes has ten tries.
WRONG_PASSPHRASES_PER_DAY = "10 per day"

bp = Blueprint("reward_portal", __name__, url_prefix="/status/reward")


def reward_section(tip) -> dict | None:
    """What the status page shows about a reward, or None (nothing to say yet)."""
    reward = db.session.scalar(select(Reward).where(Reward.tip_id == tip.id))
    if reward is None or reward.status in ("review", "proposed", "reviewed", "approved"):
        return None
    if reward.status == "not_eligible":
        text = INELIGIBLE_TEXT.get(reward.ineligible_reason, EXCLUSION_TEXT)
        return {"reward": reward, "text": text, "window": None, "form": None}
    window = claims.claim_clock(db.session, reward) if reward.status == "notified" else None
    form = None
    if reward.status == "notified":
        form = ClaimForm()
        _share_choices(form, reward)
    return {"reward": reward, "text": PUBLIC_TEXT.get(reward.status, ""), "window": window, "form": form,
            "shares": claims.share_amounts(reward), "needs_passphrase": bool(tip.claim_passphrase_hash)}


def _share_choices(form: ClaimForm, reward: Reward) -> None:
    """Joint reporters: the signatories whose share is still open."""
    form.share_no.choices = [(str(n), str(n)) for n in claims.open_shares(db.session, reward)] or [("1", "1")]


def _claim_tip_key() -> str:
    return f"claim-tip:{_reporter_tip_id() or 'none'}"


def init_app(app):
    app.register_blueprint(bp)

    @app.context_processor
    def _reward_helper():
        return {"reward_section": reward_section}


@bp.post("/claim")
@limiter.limit("20 per hour")
@limiter.limit(WRONG_PASSPHRASES_PER_DAY, key_func=_claim_tip_key, deduct_when=lambda _r: bool(g.get("wrong_passphrase")))
def claim():
    tip_id = _reporter_tip_id()
    if tip_id is None:
        flash(_("Please enter your receipt code again."), "info")
        return redirect(url_for("intake.status_login"))
    reward = db.session.scalar(select(Reward).where(Reward.tip_id == tip_id))
    form = ClaimForm()
    if reward is None:
        return redirect(url_for("intake.status_view"))
    _share_choices(form, reward)
    share_no = int(form.share_no.data) if str(form.share_no.data or "").isdigit() else 1
    if form.validate_on_submit():
        try:
            claims.claim(db.session, now=clock.now(), reward=reward, name=form.name.data, id_number=form.id_number.data,
                         bank=form.bank.data, account_number=form.account_number.data,
                         account_holder=form.account_holder.data, passphrase=form.passphrase.data,
                         share_no=share_no)
        except ValidationFailed as exc:
            db.session.rollback()
            if exc.details["fields"].get("passphrase") == "passphrase_wrong":
                g.wrong_passphrase = True  # counted against this tip's daily tries, and recorded
                audit.record(db.session, now=clock.now(), action="reward.claim_passphrase_wrong",
                             actor_label="reporter", object_type="reward", object_id=reward.id,
                             details={"case": reward.case_id})
                db.session.commit()
            for name, code in exc.details["fields"].items():
                text = FIELD_ERRORS.get(code) or field_message(code)  # ID number wording as on the report form
                getattr(form, name).errors = [str(text)]
        except Conflict:
            db.session.rollback()
            flash(_("This reward can no longer be claimed."), "error")
            return redirect(url_for("intake.status_view"))
        else:
            db.session.commit()
            flash(_("Your claim was received."), "success")
            return redirect(url_for("intake.status_view"))
    from ..intake.views import _portal
    # Re-render the status page with the claim form's errors and what was typed (never the account
    # number back in a page that might be cached: it is simply not echoed).
    form.account_number.data = ""
    return _portal(status=422, claim_form=form)
