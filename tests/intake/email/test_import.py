"""import-mail: .eml files, an mbox and a Maildir; a second run changes nothing."""
from __future__ import annotations

import mailbox

from sqlalchemy import func, select

from tipline.intake.email.models import MailMessage
from tipline.intake.models import Tip

from .conftest import cases, simple


def _write_sources(tmp_path):
    corpus = [c for c in cases() if c.expect != "duplicate"]
    eml_dir = tmp_path / "eml"
    eml_dir.mkdir()
    for c in corpus[:10]:
        (eml_dir / f"{c.name}.eml").write_bytes(c.raw)
    box = mailbox.mbox(str(tmp_path / "archive.mbox"))
    for c in corpus[10:20]:
        box.add(c.raw)
    box.flush()
    box.close()
    md = mailbox.Maildir(str(tmp_path / "Maildir"), create=True)
    for c in corpus[20:]:
        md.add(c.raw)
    # Two messages without a Message-ID, known again by their bytes.
    md.add(simple(300, "no id", "没有消息标识的举报邮件，内容足够长可以建立举报。".encode(), "utf-8", msgid=False))
    return corpus, [str(eml_dir), str(tmp_path / "archive.mbox"), str(tmp_path / "Maildir")]


def test_import_twice_changes_nothing(runner, session, tmp_path):
    corpus, paths = _write_sources(tmp_path)
    tips = sum(1 for c in corpus if c.expect == "tip") + 1  # + the extra message without an id
    manual = sum(1 for c in corpus if c.expect == "manual")
    automatic = sum(1 for c in corpus if c.expect == "automatic")

    first = runner.invoke(args=["intake", "import-mail", *paths])
    assert first.exit_code == 0, first.output
    assert f"new {tips}, duplicates 0, unparseable {manual}, automatic {automatic}, replies 0" in first.output
    assert session.scalar(select(func.count()).select_from(Tip)) == tips
    session.rollback()

    second = runner.invoke(args=["intake", "import-mail", *paths])
    assert second.exit_code == 0, second.output
    assert f"new 0, duplicates {tips + manual + automatic}, unparseable 0, automatic 0" in second.output
    assert session.scalar(select(func.count()).select_from(Tip)) == tips
    session.rollback()


def test_same_message_in_two_sources_is_one_tip(runner, session, tmp_path):
    raw = cases()[0].raw
    (tmp_path / "a.eml").write_bytes(raw)
    box = mailbox.mbox(str(tmp_path / "b.mbox"))
    box.add(raw)
    box.close()
    result = runner.invoke(args=["intake", "import-mail", str(tmp_path / "a.eml"), str(tmp_path / "b.mbox")])
    assert "new 1, duplicates 1, unparseable 0" in result.output, result.output
    rows = session.scalars(select(MailMessage).order_by(MailMessage.id)).all()
    assert [r.status for r in rows] == ["ingested", "duplicate"] and rows[0].tip_id == rows[1].tip_id
    assert all(r.mailbox.startswith("import:") and r.uidvalidity == 0 for r in rows)


def test_unreadable_path_is_reported(runner, tmp_path):
    result = runner.invoke(args=["intake", "import-mail", str(tmp_path / "missing.mbox")])
    assert result.exit_code != 0


def test_unreadable_mail_is_taken_in_by_hand(app, session, clock, make_user, login):
    from sqlalchemy import select

    from tipline.audit.models import AuditEvent
    from tipline.intake.email.models import MailMessage
    from tipline.intake.models import Tip

    from ...conftest import csrf_token
    row = MailMessage(mailbox="INBOX", uidvalidity=7, uid=42, raw=b"\xff\xfe not a message", status="needs_manual",
                      error="unparseable", received_at=clock())
    session.add(row)
    session.commit()
    make_user(username="county", division_code="410105")
    make_user(username="province", division_code="410000")
    login("county")
    assert login.client.get("/staff/mail").status_code == 403  # the mailbox belongs to the province
    staff_home = login.client.get("/staff/").get_data(as_text=True)
    login.client.post("/staff/logout", data={"csrf_token": csrf_token(staff_home)})
    login("province")
    page = login.client.get("/staff/mail").get_data(as_text=True)
    assert "unparseable" in page
    raw = login.client.get(f"/staff/mail/{row.id}/raw")
    assert raw.data == b"\xff\xfe not a message" and raw.headers["Content-Disposition"].startswith("attachment")
    short = login.client.post(f"/staff/mail/{row.id}/intake",
                              data={"csrf_token": csrf_token(page), "description": "太短"})
    assert short.status_code == 422
    done = login.client.post(f"/staff/mail/{row.id}/intake", data={
        "csrf_token": csrf_token(page),
        "description": "来信反映某检测公司伪造检测报告，附件为报告扫描件，编号 2026-77。",
        "entity_name": "某检测公司"}, follow_redirects=True)
    assert done.status_code == 200 and "某检测公司" in done.get_data(as_text=True)
    session.expire_all()
    tip = session.scalars(select(Tip).where(Tip.channel == "email")).one()
    assert session.get(MailMessage, row.id).tip_id == tip.id
    actions = set(session.scalars(select(AuditEvent.action)))
    assert {"mail.raw_downloaded", "mail.manual_intake"} <= actions


def test_sender_becomes_the_contact_only_when_treated_as_real_name(app, session, clock, make_user):
    from email.message import EmailMessage

    from sqlalchemy import select

    from tipline.cases import triage
    from tipline.intake.email.importer import commit_or_discard, ingest
    from tipline.intake.models import ReporterIdentity
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "wang.real@example.cn", "jubao@example.gov.cn", "实名举报"
    msg["Message-ID"] = "<realname-1@example.cn>"
    msg.set_content("本人实名举报某检测公司伪造报告，请与我联系核实，电话见签名。王某")
    result = ingest(session, clock(), msg.as_bytes(), mailbox="INBOX", uidvalidity=1, uid=9,
                    store=app.extensions["evidence_store"], settings=app.config["TIPLINE"],
                    known_division=lambda c: c in app.extensions["divisions"])
    commit_or_discard(session, result, app.extensions["evidence_store"])
    tip = result.tip
    assert tip.anonymous and session.scalar(select(ReporterIdentity).where(ReporterIdentity.tip_id == tip.id)) is None
    officer = make_user(username="prov2", division_code="410000")
    triage.treat_sender_as_real_name(session, now=clock(), tip=tip, actor=officer, version=tip.version,
                                     reason="来信署名并要求回复")
    session.commit()
    identity = session.scalar(select(ReporterIdentity).where(ReporterIdentity.tip_id == tip.id))
    assert not tip.anonymous and identity.email == "wang.real@example.cn"


def test_reading_an_mbox_to_the_end_closes_it(tmp_path):
    """The mbox's file was left open after an import (a ResourceWarning at every run of the command)."""
    import gc
    import warnings

    from tipline.intake.email.importer import import_sources
    box = mailbox.mbox(str(tmp_path / "archive.mbox"))
    for c in cases()[:3]:
        box.add(c.raw)
    box.close()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        items = import_sources(tmp_path / "archive.mbox")
        assert [len(load()) > 0 for _name, _uid, load in items] == [True, True, True]
        del items
        gc.collect()
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)]
