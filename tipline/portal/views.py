"""The reporter's status page and the forms posted from it.

The page gathers each package's section from a plain function that returns data: intake (the report,
its messages and files), cases (a complaint's steps: complaint_status.status_section), rewards (the
reward and its claim: rewards.portal.reward_section) and the hotline (the call's transcript). Signing
in and out, and the reporter's session, stay with intake (tipline.intake.reporter_web).

Nothing here depends on staff login state.
"""
from __future__ import annotations

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from .. import categories, timesource
from ..audit import services as audit
from ..cases import complaint_status
from ..errors import Conflict, ValidationFailed
from ..extensions import db, limiter
from ..intake import evidence as ev
from ..intake import reporter_web
from ..intake import services as intake
from ..intake.forms import EvidenceForm, PassphraseForm, ReplyForm
from ..intake.hotline import services as hotline
from ..intake.messages import field_message, file_message
from ..intake.status import public_text
from ..rewards import claims
from ..rewards import portal as reward_portal
from ..rewards.forms import ClaimForm
from ..rewards.labels import FIELD_ERRORS

bp = Blueprint("portal", __name__)


def _claim_form(open_shares: list[int]) -> ClaimForm:
    form = ClaimForm()
    form.share_no.choices = [(str(n), str(n)) for n in open_shares]
    return form


def _page(reply_form=None, evidence_form=None, passphrase_form=None, claim_form=None, status=200):
    """The status page, or the sign-in page when this browser's reporter session has ended."""
    tip_id = reporter_web.reporter_tip_id()
    if tip_id is None:
        flash(_("Please enter your receipt code again."), "info")
        return redirect(url_for("intake.status_login"))
    tip = intake.load_for_reporter(db.session, tip_id)
    reward = reward_portal.reward_section(db.session, tip)
    if reward is not None:
        reward["form"] = _claim_form(reward["open_shares"]) if reward["claimable"] else None
    return render_template(
        "portal/status.html", tip=tip, status_text=public_text(tip.status),
        reward_available_text=public_text("reward_available"), category=categories.get(tip.category_code),
        reply_form=reply_form or ReplyForm(), evidence_form=evidence_form or EvidenceForm(),
        passphrase_form=passphrase_form or PassphraseForm(), claim_form=claim_form,
        files=[f for f in tip.files if not f.is_original], reward_section=reward,
        complaint_status=complaint_status.status_section(db.session, tip),
        transcript=hotline.transcript_for(db.session, tip)), status


def _back():
    return redirect(url_for("portal.status_view"))


@bp.get("/status/report")
def status_view():
    return _page()


@bp.post("/status/report/reply")
@limiter.limit("30 per hour")
def status_reply():
    tip_id = reporter_web.reporter_tip_id()
    form = ReplyForm()
    if tip_id is None or not form.validate_on_submit():
        return _page(reply_form=form, status=422 if tip_id else 200)
    tip = intake.load_for_reporter(db.session, tip_id)
    intake.post_message(db.session, now=timesource.now(), tip=tip, body=form.body.data, author="reporter")
    db.session.commit()
    flash(_("Your message was sent."), "success")
    return _back()


@bp.post("/status/report/evidence")
@limiter.limit("30 per hour")
def status_evidence():
    tip_id = reporter_web.reporter_tip_id()
    form = EvidenceForm()
    if tip_id is None or not form.validate_on_submit():
        return _page(evidence_form=form, status=422 if tip_id else 200)
    tip = intake.load_for_reporter(db.session, tip_id)
    s, store = current_app.config["TIPLINE"], current_app.extensions["evidence_store"]
    uploads, rejected = ev.read_uploads(request.files.getlist(form.evidence.name), s.max_upload_mb * 1024 * 1024)
    room = s.max_files * 3 - sum(1 for f in tip.files if not f.is_original)
    stored, more = ev.store_uploads(db.session, now=timesource.now(), uploads=uploads, store=store,
                                    keep_original=bool(form.keep_original.data), source="reporter", room=room)
    rejected += more
    if rejected:
        db.session.rollback()
        ev.discard(store, stored)
        form.evidence.errors = [file_message(r) for r in rejected]
        return _page(evidence_form=form, status=422)
    intake.attach_files(db.session, now=timesource.now(), tip=tip, files=stored, source="reporter")
    db.session.commit()
    flash(_("Your files were added."), "success")
    return _back()


@bp.post("/status/report/passphrase")
@limiter.limit("10 per hour")
def status_passphrase():
    """Set the claim passphrase once (tipline.intake.passphrase)."""
    tip_id = reporter_web.reporter_tip_id()
    form = PassphraseForm()
    if tip_id is None or not form.validate_on_submit():
        return _page(passphrase_form=form, status=422 if tip_id else 200)
    tip = intake.load_for_reporter(db.session, tip_id)
    if reporter_web.set_passphrase(tip, form) or tip.claim_passphrase_hash:
        return _back()
    return _page(passphrase_form=form, status=422)


# --- the hotline call's transcript ------------------------------------------------------------

@bp.post("/status/report/transcript/confirm")
@limiter.limit("30 per hour")
def transcript_confirm():
    tip_id = reporter_web.reporter_tip_id()
    if tip_id is None:
        return _page()  # asks for the receipt code again
    call = hotline.confirm(db.session, now=timesource.now(), tip_id=tip_id)
    if call is None:
        db.session.rollback()
        return _back()
    db.session.commit()
    flash(_("Thank you: you confirmed the record of your call."), "success")
    return _back()


@bp.post("/status/report/transcript/correction")
@limiter.limit("30 per hour")
def transcript_correction():
    tip_id = reporter_web.reporter_tip_id()
    if tip_id is None:
        return _page()
    try:
        call = hotline.request_correction(db.session, now=timesource.now(), tip_id=tip_id,
                                          note=request.form.get("note", ""))
    except ValidationFailed as exc:
        db.session.rollback()
        problem = exc.details["fields"]["note"]
        flash(_("Please say what is wrong in the record (at most 2000 characters).") if problem == "too_long"
              else _("Please say what is wrong in the record."), "error")
        return _page(status=422)
    if call is None:
        db.session.rollback()
        return _back()
    db.session.commit()
    flash(_("Your correction request was sent to the officer handling your report."), "success")
    return _back()


# --- the reward's claim -----------------------------------------------------------------------

def _claim_tip_key() -> str:
    return f"claim-tip:{reporter_web.reporter_tip_id() or 'none'}"


@bp.post("/status/reward/claim")
@limiter.limit("20 per hour")
@limiter.limit(reward_portal.WRONG_PASSPHRASES_PER_DAY, key_func=_claim_tip_key,
               deduct_when=lambda _r: bool(g.get("wrong_passphrase")))
def reward_claim():
    tip_id = reporter_web.reporter_tip_id()
    if tip_id is None:
        flash(_("Please enter your receipt code again."), "info")
        return redirect(url_for("intake.status_login"))
    reward = reward_portal.reward_of(db.session, tip_id)
    if reward is None:
        return _back()
    form = _claim_form(reward_portal.open_shares(db.session, reward))
    share_no = int(form.share_no.data) if str(form.share_no.data or "").isdigit() else 1
    if form.validate_on_submit():
        try:
            claims.claim(db.session, now=timesource.now(), reward=reward, name=form.name.data,
                         id_number=form.id_number.data, bank=form.bank.data, account_number=form.account_number.data,
                         account_holder=form.account_holder.data, passphrase=form.passphrase.data,
                         share_no=share_no)
        except ValidationFailed as exc:
            db.session.rollback()
            if exc.details["fields"].get("passphrase") == "passphrase_wrong":
                g.wrong_passphrase = True  # counted against this tip's daily tries, and recorded
                audit.record(db.session, now=timesource.now(), action="reward.claim_passphrase_wrong",
                             actor_label="reporter", object_type="reward", object_id=reward.id,
                             details={"case": reward.case_id})
                db.session.commit()
            for name, code in exc.details["fields"].items():
                text = FIELD_ERRORS.get(code) or field_message(code)  # ID number wording as on the report form
                getattr(form, name).errors = [str(text)]
        except Conflict:
            db.session.rollback()
            flash(_("This reward can no longer be claimed."), "error")
            return _back()
        else:
            db.session.commit()
            flash(_("Your claim was received."), "success")
            return _back()
    # Re-render the status page with the claim form's errors and what was typed (never the account
    # number back in a page that might be cached: it is simply not echoed).
    form.account_number.data = ""
    return _page(status=422, claim_form=form)
