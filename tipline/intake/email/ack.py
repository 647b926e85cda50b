"""The acknowledgement reply: the receipt code and where to use it, sent after the tip is committed.

Sending is best effort. A failure is logged without the reporter's address and never undoes or
repeats the tip; the reporter can still write again or call the hotline.
"""
from __future__ import annotations

import logging
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from ...mail import SEND_ERRORS, deliver
from ..receipts import grouped
from .parse import ParsedMail, normalise_message_id

log = logging.getLogger("tipline.intake.email.ack")

BODY = """您好：

我们已收到您通过电子邮件提交的举报，回执码为：

    {code}

请妥善保存此回执码。您可以在 {status_url} 输入回执码，查看办理进展、补充材料或与我们联系。
回执码是查看该举报的唯一凭证，请勿转告他人；我们的工作人员不会向您索要回执码。
如果您的举报可能获得奖励，请尽快在上述页面设置领奖口令：匿名领取奖励时需要回执码和该口令。

本邮件由系统自动发送。如需补充情况，可以直接回复本邮件（附件将作为证据保存），也可以使用上述页面。

河南省市场监督管理局 举报受理

---

We have received the report you sent by e-mail. Your receipt code is:

    {code}

Keep it safe: enter it at {status_url} to follow the progress of your report, add evidence or
send us a message. Anyone with the code can open the report, so do not share it; our staff will
never ask you for it. If your report may lead to a reward, set a claim passphrase on that page
soon: an anonymous reporter claims a reward with the receipt code and that passphrase.
This message was sent automatically. To add to your report you can reply to it (attachments are
kept as evidence), or use the page above.
"""


def should_ack(settings, parsed: ParsedMail | None) -> bool:
    return bool(settings.email_ack and parsed is not None and parsed.sender and not parsed.auto_submitted)


def build(settings, parsed: ParsedMail, code: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = settings.mail_sender
    msg["To"] = parsed.sender
    msg["Subject"] = "举报已受理 / Report received"
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain=settings.mail_sender.rpartition("@")[2] or "localhost")
    # RFC 3834: marks this as an automatic reply, so well-behaved autoresponders do not answer it.
    msg["Auto-Submitted"] = "auto-replied"
    if parsed.message_id:
        msg["In-Reply-To"] = f"<{parsed.message_id}>"
        msg["References"] = f"<{parsed.message_id}>"
    status_url = settings.public_url.rstrip("/") + "/status"
    msg.set_content(BODY.format(code=grouped(code), status_url=status_url), charset="utf-8")
    return msg


def send(settings, parsed: ParsedMail | None, code: str | None) -> str | None:
    """Send the acknowledgement if one is due; its Message-ID (normalised) when the SMTP server
    accepted it, else None. Never raises."""
    if not code or parsed is None or not should_ack(settings, parsed):  # should_ack is False without parsed
        return None
    msg = build(settings, parsed, code)
    try:
        deliver(settings, msg)
    except SEND_ERRORS as exc:
        # The exception text can quote the recipient (e.g. SMTPRecipientsRefused), so only its type.
        log.warning("acknowledgement not sent: %s", type(exc).__name__)
        return None
    return normalise_message_id(msg["Message-ID"])
