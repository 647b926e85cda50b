"""poll-email against a real Dovecot, acknowledgements to a real SMTP server."""
from __future__ import annotations

import email
import email.policy
import re
import threading

from sqlalchemy import func, select

from tipline.intake import services
from tipline.intake.email.models import MailMessage
from tipline.intake.email.poll import KEYWORD
from tipline.intake.models import EvidenceFile, Tip

from .conftest import cases, simple


def _tips_by_sender(session):
    rows = session.scalars(select(MailMessage).where(MailMessage.status == "ingested")).all()
    return {row.sender: session.get(Tip, row.tip_id) for row in rows}


def _uid_of(dovecot, message_id: str) -> bytes:
    conn = dovecot.connect()
    try:
        _, data = conn.uid("SEARCH", None, "HEADER", "Message-ID", message_id)
        return data[0].split()[-1]
    finally:
        conn.logout()


def test_corpus_through_poll_email(dovecot, smtp_sink, poll, session, runner):
    corpus = cases()
    assert len(corpus) >= 30
    dovecot.append(*(c.raw for c in corpus))
    tips = [c for c in corpus if c.expect == "tip"]

    result = runner.invoke(args=["intake", "poll-email"])
    assert result.exit_code == 0, result.output
    automatic = [c for c in corpus if c.expect == "automatic"]
    assert len(automatic) == 4
    assert f"new {len(tips)}, duplicates 2, needs_manual 2, failed 0, automatic 4, replies 0" in result.output
    assert session.scalar(select(func.count()).select_from(Tip)) == len(tips)

    by_sender = _tips_by_sender(session)
    for case in tips:
        tip = by_sender[case.sender or None]
        assert tip.channel == "email" and tip.division_code == "410000" and tip.category_code == ""
        assert len(tip.description) <= services.MAX_DESCRIPTION
        for expected in case.contains:
            assert expected in tip.description, (case.name, expected)
        names = session.scalars(select(EvidenceFile.display_name).where(EvidenceFile.tip_id == tip.id)).all()
        assert sorted(names) == sorted(case.attachments), case.name
    manual = session.scalars(select(MailMessage).where(MailMessage.status == "needs_manual")).all()
    assert len(manual) == 2 and all(m.raw and m.tip_id is None for m in manual)
    assert session.scalar(select(func.count()).select_from(MailMessage).where(MailMessage.status == "duplicate")) == 2
    # Auto-replies, list mail, bounces and bulk mail are kept (raw, encrypted) but make no tip.
    kept = session.scalars(select(MailMessage).where(MailMessage.status == "automatic")).all()
    assert sorted(m.sender for m in kept) == sorted(c.sender for c in automatic)
    assert all(m.raw and m.tip_id is None and m.error.startswith("automatic: ") for m in kept)

    # One acknowledgement per new tip from a person; none to lists, auto-replies or bounces.
    acked = {}
    for rcpts, data in smtp_sink.messages:
        msg = email.message_from_bytes(data, policy=email.policy.default)
        assert msg["Auto-Submitted"] == "auto-replied"
        body = msg.get_content()
        assert "https://jubao.example.cn/status" in body and "receipt code" in body and "回执码" in body
        code = re.search(r"\b(\d{4} \d{4} \d{4} \d{4})\b", body).group(1)
        assert len(rcpts) == 1
        acked[rcpts[0]] = services.find_by_receipt(session, code)
    assert set(acked) == {c.sender for c in tips if c.ack}
    for sender, tip in acked.items():
        assert tip is not None and tip.id == by_sender[sender].id

    session.rollback()  # SQLite: the test's session holds the write lock until its transaction ends
    # Everything is flagged: a second poll finds nothing.
    assert str(poll()).startswith("new 0, duplicates 0, needs_manual 0")

    # Re-delivered: deleted and appended again it gets a new UID, and is known by its Message-ID.
    conn = dovecot.connect()
    old_uid = _uid_of(dovecot, "<case1.20260302@mail.example.cn>")
    conn.uid("STORE", old_uid, "+FLAGS", r"(\Deleted)")
    conn.expunge()
    conn.logout()
    dovecot.append(corpus[0].raw)
    # A crash between commit and flag: the flag never got set, so the message comes back.
    conn = dovecot.connect()
    conn.uid("STORE", _uid_of(dovecot, "<case9.20260302@mail.example.cn>"), "-FLAGS", f"({KEYWORD})")
    conn.logout()
    session.rollback()
    counts = poll()
    assert (counts.new, counts.duplicates, counts.needs_manual, counts.failed) == (0, 2, 0, 0)
    assert session.scalar(select(func.count()).select_from(Tip)) == len(tips)
    assert len(smtp_sink.messages) == len(acked)


def test_two_pollers_at_once_make_each_tip_once(dovecot, smtp_sink, poll, session):
    text = "市场里有商户使用不合格的电子秤，缺斤少两的情况很普遍。"
    dovecot.append(*(simple(100 + i, f"scale {i}", f"{text} 第{i}号".encode(), "utf-8") for i in range(12)))
    results, errors = [], []

    def run():
        try:
            results.append(poll())
        except Exception as exc:  # noqa: BLE001 — reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert sum(r.new for r in results) == 12 and sum(r.failed for r in results) == 0
    assert session.scalar(select(func.count()).select_from(Tip)) == 12
    assert session.scalar(select(func.count()).select_from(MailMessage)
                          .where(MailMessage.status == "ingested")) == 12
    assert len(smtp_sink.messages) == 12


def test_ack_failure_is_not_fatal(dovecot, smtp_sink, poll, session, mail_app, caplog):
    import dataclasses
    settings = mail_app.config["TIPLINE"]
    mail_app.config["TIPLINE"] = dataclasses.replace(settings, mail_port=1)  # nothing listens there
    dovecot.append(simple(200, "x", "工商局门口的小卖部销售过期饮料，已经好几个月了。".encode(), "utf-8"))
    counts = poll()
    assert counts.new == 1
    assert "reporter200" not in caplog.text
    assert session.scalar(select(func.count()).select_from(Tip)) == 1
