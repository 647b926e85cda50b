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

    first = runner.invoke(args=["intake", "import-mail", *paths])
    assert first.exit_code == 0, first.output
    assert f"new {tips}, duplicates 0, unparseable {manual}" in first.output
    assert session.scalar(select(func.count()).select_from(Tip)) == tips
    session.rollback()

    second = runner.invoke(args=["intake", "import-mail", *paths])
    assert second.exit_code == 0, second.output
    assert f"new 0, duplicates {tips + manual}, unparseable 0" in second.output
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
