"""Staff side of rewards: the register and finance queue, one reward with its steps, the export."""
from __future__ import annotations

import json
from typing import Any, Callable, TypeVar, cast

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale, gettext
from flask_login import current_user
from sqlalchemy import ColumnElement, select

from .. import timesource
from ..actors import Actor
from ..auth.access import staff_required as _untyped_staff_required
from ..cases.models import Case
from ..division_names import division_name
from ..errors import Conflict, Forbidden, TiplineError
from ..extensions import db
from ..jurisdiction import can_see, division_filter
from ..oversight.exports import to_csv, to_xlsx
from ..timesource import SHANGHAI
from ..web import run_service
from . import claims, late_claims, periods, services
from .export import register_table
from .forms import DecisionForm, PaymentForm, ProposalForm, RevealClaimForm
from .labels import FIELD_ERRORS, IDENTITY_CHECK, PASSPHRASE_PROOF, STATUS_LABELS
from .models import Reward, RewardApproval, RewardClaim, RewardPayment
from .rules import RuleSets
from .steps import translated_steps

bp = Blueprint("rewards", __name__, url_prefix="/staff/rewards")

# Typed views of helpers whose modules (flask_babel, tipline.auth.access, tipline.jurisdiction) carry no
# annotations yet; each behaves exactly as the helper it names.
_: Callable[..., str] = gettext
_division_filter = cast(Callable[[Any, Actor], ColumnElement[bool]], division_filter)
View = TypeVar("View", bound=Callable[..., ResponseReturnValue])


def staff_required(*roles: str) -> Callable[[View], View]:
    decorator: Callable[[View], View] = _untyped_staff_required(*roles)
    return decorator


REWARD_ROLES = ("officer", "supervisor", "finance", "auditor")
QUEUES = [("review", ("review",)), ("proposed", ("proposed",)), ("awaiting_finance", ("reviewed",)),
          ("awaiting_claim", ("notified",)), ("awaiting_payment", ("claimed",)), ("paid", ("paid",)),
          ("closed", ("not_eligible", "forfeited", "revoked"))]


def _computation(reward: Reward) -> dict[str, Any] | None:
    """The stored computation, its steps in the reader's language (tipline.rewards.steps)."""
    if not reward.computation:
        return None
    computation: dict[str, Any] = json.loads(reward.computation)
    computation["steps"] = translated_steps(computation)
    return computation


def _rules() -> RuleSets:
    rule_sets: RuleSets = current_app.extensions["reward_rules"]
    return rule_sets


@bp.get("/")
@staff_required(*REWARD_ROLES)
def register() -> str:
    rows = db.session.execute(
        select(Reward, Case).join(Case, Case.id == Reward.case_id)
        .where(_division_filter(Case.division_code, current_user)).order_by(Reward.id.desc()).limit(1000)).all()
    grouped = {key: [(r, c) for r, c in rows if r.status in states] for key, states in QUEUES}
    return render_template("rewards/register.html", grouped=grouped, queues=QUEUES, labels=STATUS_LABELS,
                           division_name=division_name)


def _reward_or_404(reward_id: int) -> tuple[Reward, Case]:
    reward = db.session.get(Reward, reward_id)
    if reward is None:
        abort(404)
    case = db.session.get_one(Case, reward.case_id)  # case_id is a non-null foreign key
    if not can_see(current_user, case.division_code):
        abort(404)
    return reward, case


def _proposal_form(reward: Reward, form: ProposalForm | None = None) -> ProposalForm:
    form = form or ProposalForm()
    locale = str(get_locale() or "zh")
    case = db.session.get_one(Case, reward.case_id)
    rules = services._rules_for(_rules(), case)
    form.exclusion.choices = [("", _("None of these"))] + [(e.code, e.en if locale.startswith("en") else e.zh)
                                                          for e in rules.exclusions]
    if request.method == "GET":
        form.version.data = reward.version
    return form


def _shares(reward: Reward) -> list[dict[str, Any]]:
    """Each signatory's share with its claim (plain columns only) and payment."""
    proofs = {row.share_no: row for row in db.session.execute(
        select(RewardClaim.share_no, RewardClaim.with_passphrase, RewardClaim.identity_check)
        .where(RewardClaim.reward_id == reward.id))}
    paid = claims.payments_of(db.session, reward)
    return [{"no": n, "amount": amount, "proof": proofs.get(n), "payment": paid.get(n)}
            for n, amount in enumerate(claims.share_amounts(reward), start=1)]


def _page(reward: Reward, case: Case, status: int = 200, **forms: Any) -> tuple[str, int]:
    payment = db.session.scalar(select(RewardPayment).where(RewardPayment.reward_id == reward.id)
                                .order_by(RewardPayment.share_no).limit(1))
    approvals = db.session.scalars(select(RewardApproval).where(RewardApproval.reward_id == reward.id,
                                                                RewardApproval.active.is_(True))).all()
    window = claims.claim_clock(db.session, reward)
    rules = periods.rules_of(db.session, reward, _rules())  # the set the reward was (or will be) computed with
    # How the claimant was proven: two plain columns, so nothing of the claim is decrypted or revealed.
    proof = db.session.execute(select(RewardClaim.with_passphrase, RewardClaim.identity_check)
                               .where(RewardClaim.reward_id == reward.id).order_by(RewardClaim.share_no)).first()
    today = timesource.local_date(timesource.now())
    context = dict(reward=reward, case=case, labels=STATUS_LABELS, payment=payment, approvals=approvals,
                   window=window, rules=rules, proof=proof, passphrase_proof=PASSPHRASE_PROOF,
                   shares=_shares(reward) if reward.amount is not None else [],
                   late_pending=late_claims.pending(db.session, reward),
                   late_possible=late_claims.window_closed(db.session, reward, today),
                   percent=lambda share: f"{(share * 100).normalize():f}",
                   identity_check=IDENTITY_CHECK, computation=_computation(reward),
                   proposal_form=forms.get("proposal_form") or _proposal_form(reward),
                   decision_form=forms.get("decision_form") or DecisionForm(version=reward.version),
                   payment_form=forms.get("payment_form") or PaymentForm(
                       amount=reward.amount, paid_on=timesource.now().astimezone(SHANGHAI).date()),
                   reveal_form=forms.get("reveal_form") or RevealClaimForm(), claim=forms.get("claim"),
                   claim_share=forms.get("claim_share", 1),
                   workers=services.case_workers(db.session, case.id))
    return render_template("rewards/reward.html", **context), status


@bp.get("/<int:reward_id>")
@staff_required(*REWARD_ROLES)
def reward(reward_id: int) -> ResponseReturnValue:
    return _page(*_reward_or_404(reward_id))


def _refusal(exc: TiplineError) -> str | None:
    """What finance or an officer is told when a reward step is refused (tipline.web.run_service)."""
    if isinstance(exc, Forbidden):
        if exc.details.get("kind") == "already_approved":
            return _("You have already approved this reward: the second approval must come from another member "
                     "of finance.")
        return _("You may not take this step: nobody approves their own proposal or a reward on a case they "
                 "worked.")
    if isinstance(exc, Conflict):
        return _("This action is not possible in the reward's current state, or someone changed it meanwhile.")
    return None  # the error page with the error's status


def _run(fn: Callable[[], object], form: object) -> int | None:
    """Run a reward step and commit it; None, or the status to render the page with (422, 409, 403)."""
    status = run_service(fn, form, field_text=lambda code: FIELD_ERRORS.get(code, code), message=_refusal)
    if status is None:
        db.session.commit()
    return status


@bp.post("/<int:reward_id>/propose")
@staff_required("officer", "supervisor")
def propose(reward_id: int) -> ResponseReturnValue:
    r, c = _reward_or_404(reward_id)
    form = _proposal_form(r, ProposalForm())
    if not form.validate_on_submit():
        return _page(r, c, 422, proposal_form=form)
    version = int(form.version.data) if (form.version.data or "").isdigit() else None
    status = _run(lambda: services.propose(
        db.session, now=timesource.now(), reward=r, actor=current_user, rule_sets=_rules(), version=version,
        natural_person=form.natural_person.data == "1", exclusion=form.exclusion.data or "",
        unknown_to_regulator=form.unknown_to_regulator.data == "1", party_type=form.party_type.data,
        insider=bool(form.insider.data), level=int(form.level.data), uplift=form.uplift.data,
        proposed_amount=form.proposed_amount.data, share_percent=form.share_percent.data,
        allocation_reason=form.allocation_reason.data or "", signatories=form.signatories.data or 1,
        exclusion_reason=form.exclusion_reason.data or "", adjusted_amount=form.adjusted_amount.data,
        adjustment_reason=form.adjustment_reason.data or ""), form)
    if status:
        return _page(*_reward_or_404(reward_id), status, proposal_form=form)
    flash(_("Saved."), "success")
    return redirect(url_for("rewards.reward", reward_id=r.id))


@bp.post("/<int:reward_id>/decide")
@staff_required("supervisor", "finance")
def decide(reward_id: int) -> ResponseReturnValue:
    r, c = _reward_or_404(reward_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400)
    version = int(form.version.data) if (form.version.data or "").isdigit() else None
    now, s = timesource.now(), db.session
    calls = {
        "review": lambda: services.review(s, now=now, reward=r, actor=current_user, version=version),
        "approve": lambda: services.finance_approve(s, now=now, reward=r, actor=current_user, version=version,
                                                    uplift_consent=bool(form.uplift_consent.data)),
        "send_back": lambda: services.send_back(s, now=now, reward=r, actor=current_user, reason=form.reason.data),
        "revoke": lambda: claims.revoke(s, now=now, reward=r, actor=current_user, reason=form.reason.data or ""),
        "extend": lambda: claims.extend_claim(s, now=now, reward=r, actor=current_user, workdays=10,
                                              reason=form.reason.data or ""),
        "late_request": lambda: late_claims.request(s, now=now, reward=r, actor=current_user,
                                                    reason=form.reason.data or ""),
        "late_approve": lambda: late_claims.approve(s, now=now, reward=r, actor=current_user, rule_sets=_rules()),
    }
    if form.action.data not in calls:
        abort(400)
    status = _run(calls[form.action.data], form)
    if status:
        return _page(*_reward_or_404(reward_id), status, decision_form=form)
    flash(_("Saved."), "success")
    return redirect(url_for("rewards.reward", reward_id=r.id))


@bp.post("/<int:reward_id>/claim-details")
@staff_required("finance")
def claim_details(reward_id: int) -> ResponseReturnValue:
    r, c = _reward_or_404(reward_id)
    form = RevealClaimForm()
    if not form.validate_on_submit():
        return _page(r, c, 422, reveal_form=form)
    share_no = _share_no(form.share_no.data)
    try:
        row = claims.reveal_claim(db.session, now=timesource.now(), reward=r, actor=current_user,
                                  reason=form.reason.data, share_no=share_no)
    except Conflict:
        db.session.rollback()
        abort(409)
    db.session.commit()
    return _page(r, c, claim=row, claim_share=share_no)


def _share_no(text: str | None) -> int:
    digits = (text or "").strip()
    return int(digits) if digits.isdigit() and 0 < int(digits) <= 1000 else 1


@bp.post("/<int:reward_id>/payment")
@staff_required("finance")
def payment(reward_id: int) -> ResponseReturnValue:
    r, c = _reward_or_404(reward_id)
    form = PaymentForm()
    if not form.validate_on_submit():
        return _page(r, c, 422, payment_form=form)
    status = _run(lambda: claims.record_payment(db.session, now=timesource.now(), reward=r, actor=current_user,
                                                voucher_number=form.voucher_number.data, paid_on=form.paid_on.data,
                                                method=form.method.data, amount=form.amount.data,
                                                share_no=_share_no(form.share_no.data)), form)
    if status:
        return _page(*_reward_or_404(reward_id), status, payment_form=form)
    flash(_("Payment recorded."), "success")
    return redirect(url_for("rewards.reward", reward_id=r.id))


@bp.get("/register.<fmt>")
@staff_required("supervisor", "finance", "auditor")
def export(fmt: str) -> ResponseReturnValue:
    """The reward register for audit. Claimant identity only for finance, with a reason, audited."""
    if fmt not in ("csv", "xlsx"):
        abort(404)
    table = register_table(db.session, now=timesource.now(), actor=current_user,
                           identity_reason=request.args.get("identity_reason") or "")
    db.session.commit()  # the audit event of an export with identity, if any
    # The oversight exports' writers: UTF-8 with BOM for Excel, and cells that could run as formulas
    # (a name typed by a reporter) neutralised.
    if fmt == "csv":
        return Response(to_csv(table), mimetype="text/csv",
                        headers={"Content-Disposition": "attachment; filename=reward-register.csv"})
    return Response(to_xlsx(table), mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": "attachment; filename=reward-register.xlsx"})
