"""The written notice of a complaint decision, by e-mail to a complainant who wrote by e-mail or gave an
address. Sent after the decision is committed; best effort like the intake acknowledgement: a failure
is logged without the address and the notice stays on the status page."""
from __future__ import annotations

import logging
from email.message import EmailMessage

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..intake.models import ReporterIdentity, Tip
from ..mail import SEND_ERRORS, deliver

log = logging.getLogger("tipline.cases.complaint_mail")

SUBJECT = {"accept": "投诉已受理 / Complaint accepted", "not_accept": "投诉不予受理 / Complaint not accepted",
           "end_mediation": "投诉调解结束 / Mediation ended"}
HEAD = {"accept": ("您的投诉已受理，我们将组织调解。", "Your complaint was accepted; the bureau will mediate."),
        "not_accept": ("您的投诉不予受理。", "Your complaint was not accepted."),
        "end_mediation": ("您的投诉调解已结束。", "Mediation of your complaint has ended.")}


def address_of(session: Session, tip: Tip) -> str | None:
    """The complainant's address: the one they gave by real name, else the one they wrote from."""
    if not tip.anonymous:
        identity = session.scalar(select(ReporterIdentity).where(ReporterIdentity.tip_id == tip.id))
        if identity is not None and identity.email:
            return identity.email
    if tip.channel == "email":
        from ..intake.email.models import MailMessage
        return session.scalar(select(MailMessage.sender).where(MailMessage.tip_id == tip.id,
                                                               MailMessage.sender.is_not(None))
                              .order_by(MailMessage.id).limit(1))
    return None


def send(settings, session: Session, tip: Tip, action: str, detail_zh: str = "", detail_en: str = "") -> bool:
    """Mail the notice of `action` (accept, not_accept, end_mediation). True when the server accepted it."""
    if action not in SUBJECT:
        return False
    to = address_of(session, tip)
    if not to:
        return False
    zh, en = HEAD[action]
    notice = (tip.public_note or "").strip()
    status_url = settings.public_url.rstrip("/") + "/status"
    lines = [zh, detail_zh, notice, "", f"请在 {status_url} 输入回执码查看详情。", "", en, detail_en,
             f"Enter your receipt code at {status_url} for the details.", "", "河南省市场监督管理局"]
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = settings.mail_sender, to, SUBJECT[action]
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content("\n".join(line for line in lines if line is not None), charset="utf-8")
    try:
        deliver(settings, msg)
    except SEND_ERRORS as exc:
        log.warning("complaint notice not sent: %s", type(exc).__name__)
        return False
    return True
