"""A mailbox a bureau leaves running (issue 20): no receipt code in a database copy, replies thread
onto their tip, machine mail is kept apart, messages without a Message-ID are one tip wherever
they are found, raw 8-bit GBK attachment names. Real Dovecot and a real SMTP sink."""
from __future__ import annotations

import base64
import dataclasses
import email
import email.policy
import mailbox
import re
import shutil
import subprocess
from email.message import EmailMessage
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import func, make_url, select, text

from tipline.intake import services
from tipline.intake.email.models import MailMessage
from tipline.intake.models import EvidenceFile, Message, Tip

from .conftest import png, raw, simple

REPORT = "郑州市某超市长期销售过期食品，货架上的牛奶已经过期两个月，请尽快查处。"


def _report(n: int, *, msgid: bool = True, attachment: bool = False) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"Reporter {n} <reporter{n}@example.cn>"
    msg["To"] = "jubao@scjg.henan.example"
    msg["Subject"] = f"举报 {n}"
    msg["Date"] = "Mon, 02 Mar 2026 09:00:00 +0800"
    if msgid:
        msg["Message-ID"] = f"<report{n}@mail.example.cn>"
    msg.set_content(f"{REPORT}（第{n}号）")
    if attachment:
        msg.add_attachment(png(), maintype="image", subtype="png", filename="现场.png")
    return msg.as_bytes()


def _acks(smtp_sink) -> list[EmailMessage]:
    return [email.message_from_bytes(data, policy=email.policy.default) for _rcpts, data in smtp_sink.messages]


def _code(ack: EmailMessage) -> str:
    match = re.search(r"\b(\d{4} \d{4} \d{4} \d{4})\b", ack.get_content())
    assert match, ack.get_content()
    return match.group(1)


def _database_copy(app_settings, session) -> bytes:
    """Everything an attacker holding a copy of the database (and nothing else) can read: the SQLite
    file with its write-ahead log, or pg_dump of the test's PostgreSQL schema (every row)."""
    url = app_settings["database_url"]
    session.rollback()
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        return b"".join(p.read_bytes() for p in (path, Path(str(path) + "-wal")) if p.exists())
    assert shutil.which("pg_dump"), "pg_dump is part of the PostgreSQL client install"
    schema = re.search(r"search_path%3D(\w+)|search_path=(\w+)", url)
    assert schema, url
    name = next(g for g in schema.groups() if g)
    database = make_url(url).database  # the test run's own database, not always "test"
    assert database, url
    out = subprocess.run(["pg_dump", "-h", "127.0.0.1", "-U", "postgres", "-d", database, "-n", name, "--data-only"],
                         capture_output=True, check=True).stdout
    assert b"mail_message" in out and b"COPY" in out
    return out


def _keyless_unseal(sealed: bytes, token: str) -> str | None:
    """The attack of issue 20: the seal's key derived from the token alone (as it was)."""
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"tipline receipt seal").derive(token.encode())
    try:
        return Fernet(base64.urlsafe_b64encode(derived)).decrypt(bytes(sealed)).decode()
    except InvalidToken:
        return None


def _failing_smtp(mail_app):
    settings = mail_app.config["TIPLINE"]
    mail_app.config["TIPLINE"] = dataclasses.replace(settings, mail_port=1)  # nothing listens there
    return settings


# --- 1. no receipt code in a copy of the database ----------------------------------------------


def test_a_database_copy_holds_no_receipt_code(dovecot, smtp_sink, poll, session, mail_app, app_settings, runner,
                                               clock):
    dovecot.append(_report(1))
    assert poll().new == 1
    sent_code = _code(_acks(smtp_sink)[0])
    tip = session.scalar(select(Tip))
    assert tip.sealed_receipt is None  # cleared as soon as the acknowledgement was accepted
    row = session.scalar(select(MailMessage).where(MailMessage.tip_id == tip.id))
    assert row.ack_key and not row.ack_key.startswith("sending:")
    session.rollback()

    # SMTP down: the code stays sealed (for the retry), but only the instance key opens the seal.
    good = _failing_smtp(mail_app)
    dovecot.append(_report(2))
    assert poll().new == 1
    pending = session.scalar(select(Tip).where(Tip.id != tip.id))
    pending_row = session.scalar(select(MailMessage).where(MailMessage.tip_id == pending.id))
    assert pending.sealed_receipt is not None and pending_row.ack_key is None
    pending_code = services.unsealed_receipt(pending, "mail:" + pending_row.message_id_key)
    assert pending_code and len(pending_code) == 16
    session.rollback()

    copy = _database_copy(app_settings, session)
    for code in (sent_code.replace(" ", ""), sent_code, pending_code, " ".join(re.findall(".{4}", pending_code))):
        assert code.encode() not in copy
    for row in session.scalars(select(MailMessage).where(MailMessage.message_id_key.is_not(None))):
        sealed = session.get(Tip, row.tip_id).sealed_receipt if row.tip_id else None
        if sealed:
            assert _keyless_unseal(sealed, "mail:" + row.message_id_key) is None
    session.rollback()

    # SMTP back: the next poll sends the acknowledgement it owed, with the same code, and forgets it.
    mail_app.config["TIPLINE"] = good
    assert poll().new == 0
    acks = _acks(smtp_sink)
    assert len(acks) == 2 and _code(acks[1]).replace(" ", "") == pending_code
    assert session.get(Tip, pending.id).sealed_receipt is None
    session.rollback()

    # A seal whose acknowledgement never went out is purged by poll-email itself (cron, no scheduler).
    _failing_smtp(mail_app)
    dovecot.append(_report(3))
    assert poll().new == 1
    assert session.scalar(select(func.count()).select_from(Tip).where(Tip.sealed_receipt.is_not(None))) == 1
    session.rollback()
    clock.advance(hours=2)
    assert runner.invoke(args=["intake", "poll-email"]).exit_code == 0
    assert session.scalar(select(func.count()).select_from(Tip).where(Tip.sealed_receipt.is_not(None))) == 0


def test_imported_mail_keeps_no_sealed_code(runner, session, tmp_path):
    (tmp_path / "a.eml").write_bytes(_report(4))
    result = runner.invoke(args=["intake", "import-mail", str(tmp_path / "a.eml")])
    assert "new 1," in result.output, result.output
    tip = session.scalar(select(Tip))
    assert tip.sealed_receipt is None  # import-mail sends no acknowledgement: nothing to keep it for


# --- 2. a reporter's reply ----------------------------------------------------------------------


def _reply(ack: EmailMessage, n: int, body: str, *, thread: bool = True, subject: str | None = None,
           attachment: str | None = None) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Reporter 1 <reporter1@example.cn>"
    msg["To"] = "jubao@scjg.henan.example"
    msg["Subject"] = subject or "Re: " + str(ack["Subject"])
    msg["Message-ID"] = f"<reply{n}@mail.example.cn>"
    if thread:
        msg["In-Reply-To"] = str(ack["Message-ID"])
        msg["References"] = f"<report1@mail.example.cn> {ack['Message-ID']}"
    quoted = "\n".join("> " + line for line in ack.get_content().splitlines())
    msg.set_content(f"{body}\n\n{quoted}")
    if attachment:
        msg.add_attachment(png("yellow"), maintype="image", subtype="png", filename=attachment)
    return msg.as_bytes()


def test_a_reply_to_the_acknowledgement_is_a_message_on_the_same_tip(dovecot, smtp_sink, poll, session):
    dovecot.append(_report(1))
    assert poll().new == 1
    ack = _acks(smtp_sink)[0]
    code = _code(ack)
    tip = session.scalar(select(Tip))
    session.rollback()

    dovecot.append(_reply(ack, 1, "补充情况：今天又看到他们在卖过期酸奶，照片见附件。", attachment="补充照片.png"))
    counts = poll()
    assert (counts.new, counts.replies, counts.automatic) == (0, 1, 0)
    assert session.scalar(select(func.count()).select_from(Tip)) == 1
    messages = session.scalars(select(Message).where(Message.tip_id == tip.id)).all()
    assert len(messages) == 1 and messages[0].author == "reporter"
    assert "今天又看到他们在卖过期酸奶" in messages[0].body
    assert code not in messages[0].body and code.replace(" ", "") not in messages[0].body
    assert "回执码已隐去" in messages[0].body
    files = session.scalars(select(EvidenceFile).where(EvidenceFile.tip_id == tip.id)).all()
    assert [f.display_name for f in files] == ["补充照片.png"] and files[0].source == "email"
    assert len(smtp_sink.messages) == 1  # no second acknowledgement, no second code
    session.rollback()

    # Without threading headers (a new message), the receipt code written in the subject is enough.
    dovecot.append(_reply(ack, 2, "还有一件事：这家店的营业执照也过期了，请一并核查处理。", thread=False,
                          subject=f"补充材料 回执码{code.replace(' ', '')}"))
    counts = poll()
    assert (counts.new, counts.replies) == (0, 1)
    bodies = session.scalars(select(Message.body).where(Message.tip_id == tip.id).order_by(Message.id)).all()
    assert len(bodies) == 2 and "营业执照也过期" in bodies[1] and code.replace(" ", "") not in bodies[1]
    assert session.scalar(select(func.count()).select_from(Tip)) == 1 and len(smtp_sink.messages) == 1
    session.rollback()

    # Sixteen digits that are nobody's code: an ordinary new report, its number kept as written.
    dovecot.append(simple(40, "银行卡被盗刷", "商户用POS机盗刷我的卡，卡号6222020200112233 被扣了两千元。".encode(),
                          "utf-8"))
    counts = poll()
    assert (counts.new, counts.replies) == (1, 0)
    newest = session.scalar(select(Tip).order_by(Tip.id.desc()).limit(1))
    assert "6222020200112233" in newest.description


# --- 3. machine mail ----------------------------------------------------------------------------


def _delivery_report() -> bytes:
    return raw(["Message-ID: <dsn1@mx.example.cn>", "From: Mail Delivery System <mailer@mx.example.cn>",
                "To: jubao@scjg.henan.example", "Subject: Delivery Status Notification (Failure)",
                "MIME-Version: 1.0", 'Content-Type: multipart/report; report-type=delivery-status; boundary="R"'],
               b"--R\nContent-Type: text/plain; charset=us-ascii\n\nYour message could not be delivered to "
               b"someone@example.cn because the mailbox is full.\n--R\nContent-Type: message/delivery-status\n\n"
               b"Reporting-MTA: dns; mx.example.cn\n\nFinal-Recipient: rfc822; someone@example.cn\nAction: failed\n"
               b"Status: 5.2.2\n--R--\n")


MACHINE = {
    "x_autoreply": simple(51, "Re: 举报", "您好，我正在休假，假期结束后回复您的邮件，谢谢。".encode(), "utf-8",
                          extra=["X-Autoreply: yes"]),
    "outlook_oof": simple(52, "自动答复: 举报", "我目前不在办公室，如有急事请联系我的同事处理。".encode(), "utf-8",
                          extra=["X-Auto-Response-Suppress: All"]),
    "delivery_report": _delivery_report(),
    "null_sender": simple(53, "Returned mail", "The original message was received but could not be delivered.".encode(),
                          "us-ascii", extra=["Return-Path: <>"]),
    "precedence_list": simple(54, "周报", "本周行业动态：市场监管总局发布多项新规，请各单位学习。".encode(), "utf-8",
                              extra=["Precedence: list"]),
    "auto_generated": simple(55, "系统通知", "您的账户于今日登录成功，如非本人操作请及时修改密码。".encode(), "utf-8",
                             extra=["Auto-Submitted: auto-generated"]),
}


def test_machine_mail_is_kept_apart_and_never_acknowledged(dovecot, smtp_sink, poll, session):
    dovecot.append(*MACHINE.values(), _report(1))
    counts = poll()
    assert (counts.new, counts.automatic, counts.needs_manual) == (1, len(MACHINE), 0)
    assert session.scalar(select(func.count()).select_from(Tip)) == 1  # only the person's report in triage
    kept = session.scalars(select(MailMessage).where(MailMessage.status == "automatic")).all()
    assert len(kept) == len(MACHINE) and all(m.tip_id is None and m.raw for m in kept)
    assert {m.error for m in kept} >= {"automatic: autoreply", "automatic: auto_response_suppress",
                                       "automatic: report", "automatic: null_sender", "automatic: precedence",
                                       "automatic: auto_submitted"}
    assert [rcpts for rcpts, _data in smtp_sink.messages] == [["reporter1@example.cn"]]
    # Encrypted at rest: the text of an auto-reply is not in the column as stored.
    stored = session.execute(text("SELECT raw FROM mail_message WHERE status = 'automatic'")).scalars().all()
    assert all("休假".encode() not in bytes(value) and b"Delivery Status" not in bytes(value) for value in stored)


# --- 4. no Message-ID ---------------------------------------------------------------------------


def test_a_message_without_message_id_is_one_tip_from_imap_mbox_maildir_and_a_new_mailbox(
        dovecot, smtp_sink, poll, session, runner, mail_app, tmp_path):
    raw_mail = _report(60, msgid=False)
    dovecot.append(raw_mail)
    assert poll().new == 1
    session.rollback()

    # The server migrated: the same message in another mailbox (a new UIDVALIDITY, new UIDs).
    conn = dovecot.connect()
    conn.create("Migrated")
    conn.append("Migrated", None, None, raw_mail)
    conn.logout()
    settings = mail_app.config["TIPLINE"]
    mail_app.config["TIPLINE"] = dataclasses.replace(settings, imap_mailbox="Migrated")
    counts = poll()
    assert (counts.new, counts.duplicates) == (0, 1)
    mail_app.config["TIPLINE"] = settings

    # The same message exported to an mbox and a Maildir (LF line endings, a Status header added).
    box = mailbox.mbox(str(tmp_path / "export.mbox"))
    box.add(raw_mail.replace(b"\r\n", b"\n").replace(b"Subject:", b"Status: RO\nSubject:", 1))
    box.close()
    md = mailbox.Maildir(str(tmp_path / "Maildir"), create=True)
    md.add(raw_mail.replace(b"\r\n", b"\n"))
    result = runner.invoke(args=["intake", "import-mail", str(tmp_path / "export.mbox"), str(tmp_path / "Maildir")])
    assert "new 0, duplicates 2," in result.output, result.output
    assert session.scalar(select(func.count()).select_from(Tip)) == 1
    rows = session.scalars(select(MailMessage).order_by(MailMessage.id)).all()
    assert [r.status for r in rows] == ["ingested", "duplicate", "duplicate", "duplicate"]
    assert len({r.tip_id for r in rows}) == 1
    assert len(smtp_sink.messages) == 1
    session.rollback()

    # A different message without an id (another body) is a tip of its own.
    dovecot.append(_report(61, msgid=False))
    assert poll().new == 1


# --- 5. a GBK attachment name as raw 8-bit bytes --------------------------------------------------


def test_a_raw_gbk_attachment_name_arrives_intact(dovecot, smtp_sink, poll, session):
    name = "发票清单（三月）.txt"
    message = raw([b"Message-ID: <gbk-name@foxmail.example>", b"From: reporter70@example.cn",
                   b"Subject: " + "发票".encode("gbk"), b"MIME-Version: 1.0",
                   b'Content-Type: multipart/mixed; boundary="BB"'],
                  b"--BB\nContent-Type: text/plain; charset=gbk\n\n"
                  + "商家开具虚假发票，金额与实际不符，清单见附件。".encode("gbk")
                  + b"\n--BB\nContent-Type: text/plain; name=\"" + name.encode("gbk") + b"\"\n"
                  b"Content-Disposition: attachment; filename=\"" + name.encode("gbk") + b"\"\n"
                  b"Content-Transfer-Encoding: base64\n\n"
                  + base64.encodebytes("发票一张，金额五千元。\n".encode("gbk")) + b"--BB--\n")
    dovecot.append(message)
    assert poll().new == 1
    assert session.scalars(select(EvidenceFile.display_name)).all() == [name]


def test_staff_list_automatic_mail_and_treat_one_as_a_report(dovecot, smtp_sink, poll, session, make_user, login):
    from tipline.audit.models import AuditEvent

    from ...conftest import csrf_token
    mistaken = simple(56, "自动答复: 举报补充",
                      ("我不是自动回复，是真人举报：小区门口的药店向未成年人出售处方药，"
                       "已经多次发生。").encode(), "utf-8", extra=["X-Auto-Response-Suppress: All"])
    dovecot.append(MACHINE["delivery_report"], mistaken)
    assert poll().automatic == 2
    session.rollback()
    make_user(username="province", division_code="410000")
    login("province")
    home = login.client.get("/staff/").get_data(as_text=True)
    assert "自动邮件，非举报" in home  # zh is the default language
    page = login.client.get("/staff/mail/automatic").get_data(as_text=True)
    assert page.count('data-testid="automatic-mail"') == 2
    assert "Delivery Status Notification" in page and "投递状态报告（退信）" in page
    assert "药店向未成年人出售处方药" in page
    queue = login.client.get("/staff/tips").get_data(as_text=True)
    assert "药店向未成年人" not in queue and "Delivery Status" not in queue  # never in triage

    row_id = session.scalar(select(MailMessage.id).where(MailMessage.message_id == "case56.20260302@mail.example.cn"))
    session.rollback()
    done = login.client.post(f"/staff/mail/automatic/{row_id}/report", data={"csrf_token": csrf_token(page)})
    assert done.status_code == 302
    tip = session.scalar(select(Tip))
    assert "药店向未成年人出售处方药" in tip.description and tip.channel == "email"
    assert done.headers["Location"].endswith(f"/staff/tips/{tip.id}")
    assert session.get(MailMessage, row_id).status == "ingested" and tip.sealed_receipt is None
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "mail.treated_as_report"))
    assert event is not None and str(event.object_id) == str(row_id)
    assert smtp_sink.messages == []  # never acknowledged
    session.rollback()
    after = login.client.get("/staff/mail/automatic").get_data(as_text=True)
    assert after.count('data-testid="automatic-mail"') == 1
    assert login.client.post(f"/staff/mail/automatic/{row_id}/report",
                             data={"csrf_token": csrf_token(after)}).status_code == 404  # once only
