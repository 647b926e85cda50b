"""Outgoing mail over SMTP with the TIPLINE_MAIL_* settings."""
from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

SEND_ERRORS = (OSError, smtplib.SMTPException, ValueError)


def deliver(settings, msg: EmailMessage) -> None:
    """Hand `msg` to the configured SMTP server. Raises one of SEND_ERRORS when it is not accepted."""
    if not msg["From"]:
        msg["From"] = settings.mail_sender
    smtp: smtplib.SMTP
    if settings.mail_use_tls:
        smtp = smtplib.SMTP_SSL(settings.mail_server, settings.mail_port, timeout=30,
                                context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(settings.mail_server, settings.mail_port, timeout=30)
    with smtp:
        if settings.mail_use_starttls and not settings.mail_use_tls:
            smtp.starttls(context=ssl.create_default_context())
        if settings.mail_username:
            smtp.login(settings.mail_username, settings.mail_password)
        smtp.send_message(msg)
