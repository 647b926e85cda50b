"""Telling a real-name reporter by mail how their report ended (filed, not filed, joined to a case,
transferred out, merged, a repeat), when they gave an address. The status page shows the same at
once to every reporter; an anonymous reporter is told there only. Sent after the decision is
committed; a mail the server accepted answers the notice clock (Order 20 Art. 31; for Order 121
the period is unconfirmed)."""
from __future__ import annotations

import datetime as dt
import logging
from email.message import EmailMessage

from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit import services as audit
from ..intake.models import ReporterIdentity, Tip
from ..intake.status import public_text
from ..mail import SEND_ERRORS, deliver
from .deadlines import clocks

log = logging.getLogger("tipline.cases.reporter_notice")

ENDINGS = ("file_case", "join_case", "reject", "transfer_department", "merge", "mark_repeat")


def send(settings, session: Session, tip: Tip, now: dt.datetime) -> bool:
    """Mail the outcome to a real-name reporter with an address; True when the server accepted it.
    The caller commits (the notice clock is answered and the sending audited)."""
    if tip.anonymous or tip.kind == "complaint":
        return False
    identity = session.scalar(select(ReporterIdentity).where(ReporterIdentity.tip_id == tip.id))
    if identity is None or not identity.email:
        return False
    with force_locale("zh"):
        zh = str(public_text(tip.status))
    with force_locale("en"):
        en = str(public_text(tip.status))
    note = (tip.public_note or "").strip()
    status_url = settings.public_url.rstrip("/") + "/status"
    msg = EmailMessage()
    msg["From"], msg["To"] = settings.mail_sender, identity.email
    msg["Subject"] = "举报处理结果 / The outcome of your report"
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content("\n".join([zh, note, "", f"请在 {status_url} 输入回执码查看详情。", "", en, note,
                               f"Enter your receipt code at {status_url} for the details.", "",
                               "河南省市场监督管理局"]), charset="utf-8")
    try:
        deliver(settings, msg)
    except SEND_ERRORS as exc:
        log.warning("reporter notice not sent: %s", type(exc).__name__)
        return False
    clocks.finish(session, clocks.running(session, "notify_reporter", tip_id=tip.id), clocks.local_date(now))
    audit.record(session, now=now, action="tip.reporter_told", actor_label="system", object_type="tip",
                 object_id=tip.id, details={"status": tip.status, "by": "email"})
    return True
