"""Public side: the explanation page, the report form, receipts, and signing in and out of the
reporter's status portal (the portal's page itself: tipline.portal).

Nothing here depends on staff login state.
"""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, make_response, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from .. import categories, timesource
from ..division_names import division_choices
from ..errors import ValidationFailed
from ..extensions import db, limiter
from ..i18n import LANGUAGES, remember_language, use_language
from . import evidence as ev
from . import receipts, reporter_web, services
from .files.storage import EvidenceStore
from .forms import PassphraseForm, ReceiptLoginForm, ReportForm, challenge_numbers, new_challenge
from .messages import field_message, file_message
from .models import EvidenceFile

bp = Blueprint("intake", __name__)


def store() -> EvidenceStore:
    return current_app.extensions["evidence_store"]


def _settings():
    return current_app.config["TIPLINE"]


@bp.get("/")
def index():
    return render_template("intake/index.html", settings=_settings())


def _prepare(form: ReportForm) -> None:
    locale = str(get_locale() or "zh")
    placeholder = {"": [("", _("Please choose"))]}
    form.category_code.choices = placeholder | categories.choices(locale)
    form.division_code.choices = placeholder | division_choices(include_province=False)


def _challenge(form: ReportForm, keep: bool) -> tuple[int, int]:
    numbers = challenge_numbers(form.challenge.data or "") if keep else None
    if numbers is None:
        token, a, b = new_challenge()
        form.challenge.data = token
        form.challenge_answer.data = ""
        return a, b
    return numbers


def _drafts(token_key: str, remove: set[int]) -> list[EvidenceFile]:
    files = db.session.scalars(select(EvidenceFile).where(EvidenceFile.draft_key == token_key,
                                                          EvidenceFile.tip_id.is_(None))
                               .order_by(EvidenceFile.id)).all()
    kept = []
    for f in files:
        if f.id in remove:
            store().delete(f.stored_name)
            db.session.delete(f)
        else:
            kept.append(f)
    return kept


def _input(form: ReportForm) -> services.TipInput:
    return services.TipInput(
        kind=form.kind.data or "", category_code=form.category_code.data or "",
        entity_name=form.entity_name.data or "", division_code=form.division_code.data or "",
        description=form.description.data or "", entity_uscc=form.entity_uscc.data or "",
        entity_address=form.entity_address.data or "", occurred_on=form.occurred_on.data,
        knowledge=form.knowledge.data or "other", reporter_name=form.reporter_name.data or "",
        reporter_id_number=form.reporter_id_number.data or "", reporter_phone=form.reporter_phone.data or "",
        reporter_email=form.reporter_email.data or "",
    )


def _valid_token(token: str | None) -> bool:
    return token is not None and 20 <= len(token) <= 64 and all(c.isalnum() or c in "-_" for c in token)


@bp.route("/report", methods=["GET", "POST"])
@limiter.limit("30 per hour", methods=["POST"])
def report():
    form = ReportForm()
    _prepare(form)
    if request.method == "GET":
        form.submission_token.data = receipts.new_form_token()
        a, b = _challenge(form, keep=False)
        return render_template("intake/report.html", form=form, challenge=(a, b), drafts=[], settings=_settings())

    token = form.submission_token.data
    if not _valid_token(token):
        token = form.submission_token.data = receipts.new_form_token()
    existing = services.find_by_submission(db.session, token)
    if existing is not None:  # a double submit or a refresh: the first one stands
        return _receipt_page(existing, token)
    if request.form.get("switch_language") in LANGUAGES:
        return _switch_language(form, token, request.form["switch_language"])

    s = _settings()
    form_ok = form.validate()
    key = services.submission_key(token)
    remove = {int(x) for x in request.form.getlist("remove_draft") if x.isdigit()}
    drafts = _drafts(key, remove)
    uploads, rejected = ev.read_uploads(request.files.getlist(form.evidence.name), s.max_upload_mb * 1024 * 1024)
    new_files, more_rejected = ev.store_uploads(
        db.session, now=timesource.now(), uploads=uploads, store=store(), keep_original=bool(form.keep_original.data),
        source="reporter", room=s.max_files - sum(1 for d in drafts if not d.is_original), draft_key=key)
    drafts += new_files
    rejected += more_rejected
    for r in rejected:
        form.evidence.errors = list(form.evidence.errors) + [file_message(r)]

    problems = services.validate(_input(form), today=timesource.local_date(timesource.now()),
                                 known_division=lambda c: c in current_app.extensions["divisions"])
    for name, code in problems.items():
        field = getattr(form, name, None)
        if field is not None and not field.errors:
            field.errors = list(field.errors) + [field_message(code)]

    if not form_ok or problems or rejected:
        db.session.commit()  # keep the files that were fine, so nothing has to be chosen again
        a, b = _challenge(form, keep="challenge_answer" not in form.errors)
        return render_template("intake/report.html", form=form, challenge=(a, b), drafts=drafts,
                               settings=s), 422
    try:
        result = services.submit(db.session, now=timesource.now(), data=_input(form), token=token,
                                 known_division=lambda c: c in current_app.extensions["divisions"], drafts=drafts,
                                 looked_up=True)
        db.session.commit()
    except ValidationFailed:  # validated above; only a race could bring us here
        db.session.rollback()
        abort(409)
    except Exception:
        db.session.rollback()
        ev.discard(store(), new_files)
        raise
    return _receipt_page(result.tip, token, code=result.receipt_code)


def _switch_language(form: ReportForm, token: str, code: str):
    """The language switch on /report is a button of the report form: it posts what was typed, and
    the form comes back in the other language with everything kept and nothing judged yet. Chosen
    files are kept as drafts, as when the form comes back with an error (they cannot be put back
    into a file input). Nothing is kept server-side but those files: an unsent report's text stays
    in the visitor's browser, and a second tab or a later visit starts empty."""
    use_language(code)
    _prepare(form)
    s = _settings()
    key = services.submission_key(token)
    remove = {int(x) for x in request.form.getlist("remove_draft") if x.isdigit()}
    drafts = _drafts(key, remove)
    uploads, rejected = ev.read_uploads(request.files.getlist(form.evidence.name), s.max_upload_mb * 1024 * 1024)
    new_files, more_rejected = ev.store_uploads(
        db.session, now=timesource.now(), uploads=uploads, store=store(), keep_original=bool(form.keep_original.data),
        source="reporter", room=s.max_files - sum(1 for d in drafts if not d.is_original), draft_key=key)
    db.session.commit()
    for r in rejected + more_rejected:
        form.evidence.errors = list(form.evidence.errors) + [file_message(r)]
    a, b = _challenge(form, keep=True)
    page = render_template("intake/report.html", form=form, challenge=(a, b), drafts=drafts + new_files, settings=s)
    return remember_language(make_response(page), code)


def _receipt_page(tip, token: str, code: str | None = None, passphrase_form=None, status=200):
    code = code or services.unsealed_receipt(tip, token)
    return render_template("intake/receipt.html", code=receipts.grouped(code) if code else None,
                           token=token, tip=tip, passphrase_form=passphrase_form or PassphraseForm()), status


@bp.post("/report/receipt/passphrase")
@limiter.limit("10 per hour")
def receipt_passphrase():
    """Right after reporting, on the receipt page: the form token shows this is the reporter's own browser."""
    token = request.form.get("token", "")
    tip = services.find_by_submission(db.session, token) if _valid_token(token) else None
    if tip is None:
        abort(404)
    form = PassphraseForm()
    if form.validate_on_submit() and reporter_web.set_passphrase(tip, form):
        return _receipt_page(tip, token)
    return _receipt_page(tip, token, passphrase_form=form, status=200 if tip.claim_passphrase_hash else 422)


@bp.post("/report/receipt.txt")
def receipt_download():
    token = request.form.get("token", "")
    tip = services.find_by_submission(db.session, token) if _valid_token(token) else None
    code = services.unsealed_receipt(tip, token) if tip else None
    if code is None:
        abort(404)
    status_url = url_for("intake.status_login", _external=True)
    text = "\r\n".join([
        _("Receipt code for your report"), "", receipts.grouped(code), "",
        _("Keep this code safe and private. With it you can follow your report at %(url)s", url=status_url),
        _("We cannot show it again or recover it."), "",
    ])
    return Response(text.encode("utf-8-sig"), mimetype="text/plain",
                    headers={"Content-Disposition": "attachment; filename=receipt.txt"})


@bp.post("/report/receipt/done")
def receipt_done():
    token = request.form.get("token", "")
    """The reporter has saved the code: it is never shown again, and this browser, which just sent
    the report and holds its form token, opens the reporter's own portal without retyping the code.
    Only once: with the sealed code gone, the token opens nothing (the sign-in page asks for the code)."""
    tip = services.find_by_submission(db.session, token) if _valid_token(token) else None
    if tip is not None and tip.sealed_receipt is not None:
        tip.sealed_receipt = None
        db.session.commit()
        reporter_web.open_portal(tip)
        return redirect(url_for("portal.status_view"))
    return redirect(url_for("intake.status_login"))


# --- the reporter's portal --------------------------------------------------------------------

@bp.route("/status", methods=["GET", "POST"])
@limiter.limit("10 per minute;60 per hour", methods=["POST"])
def status_login():
    form = ReceiptLoginForm()
    if form.validate_on_submit():
        tip = services.find_by_receipt(db.session, form.receipt.data)
        if tip is not None:
            reporter_web.open_portal(tip)
            return redirect(url_for("portal.status_view"))
        form.receipt.errors = [
            _("We could not find a report with that receipt code. Check the 16 digits and try again.")]
        form.receipt.data = ""
    return render_template("intake/status_login.html", form=form)


@bp.post("/status/logout")
def status_logout():
    reporter_web.close_portal()
    return redirect(url_for("intake.index"))
