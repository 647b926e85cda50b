"""A reporter writes to the published mailbox, gets the acknowledgement with a receipt code, and
replies to it with one more detail and a photo; the officer finds the reply (and the photo) on the
same tip in the browser, with the receipt code masked. Real Dovecot, real SMTP sink, Chromium."""
from __future__ import annotations

import email
import email.policy
import re
from email.message import EmailMessage

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from tipline.extensions import db
from tipline.intake.email.poll import poll_mailbox
from tipline.intake.models import Tip

from .. import factories
from ..intake.email.conftest import PASSWORD, USER, png, running_dovecot
from .test_case_journey import _reporter_status, _sign_in, use_language


@pytest.fixture
def mailbox_server(app_settings, smtp_sink, tmp_path):
    """Dovecot for the published mailbox; the app (built after this) polls it and sends through the sink."""
    with running_dovecot(tmp_path) as server:
        app_settings.update(imap_host=server.host, imap_port=server.port, imap_user=USER, imap_password=PASSWORD,
                            imap_security="none", mail_server="127.0.0.1", mail_port=smtp_sink.port,
                            mail_sender="jubao@scjg.henan.example", public_url="https://jubao.example.cn")
        yield server


def _poll(app, clock):
    divisions = app.extensions["divisions"]
    return poll_mailbox(db.factory, clock(), app.config["TIPLINE"], app.extensions["evidence_store"],
                        lambda c: c in divisions)


def test_reporter_replies_to_the_acknowledgement_and_the_officer_sees_it_on_the_tip(
        mailbox_server, smtp_sink, browser, page, live_server, app, session, clock, artifacts):
    base = live_server.url
    use_language(page, base, "zh")
    factories.user(session, now=clock(), username="prov", role="officer", division_code="410000",
                   display_name="省局分办")
    session.commit()

    report = EmailMessage()
    report["From"], report["To"] = "Citizen <citizen@example.cn>", "jubao@scjg.henan.example"
    report["Subject"], report["Message-ID"] = "举报：药店销售过期药品", "<citizen-report-1@example.cn>"
    report.set_content("二七区某大药房销售过期的感冒药，生产日期是2023年，已经过期一年多，请查处。")
    mailbox_server.append(report.as_bytes())
    assert _poll(app, clock).new == 1

    (_rcpts, data), = smtp_sink.messages
    ack = email.message_from_bytes(data, policy=email.policy.default)
    code = re.search(r"\b(\d{4} \d{4} \d{4} \d{4})\b", ack.get_content()).group(1)
    _reporter_status(page, base, code.replace(" ", ""))  # the code from the e-mail opens the report

    # The reporter presses "reply" in their mail client: the acknowledgement is quoted, code and all.
    reply = EmailMessage()
    reply["From"], reply["To"] = "Citizen <citizen@example.cn>", "jubao@scjg.henan.example"
    reply["Subject"], reply["Message-ID"] = "Re: " + str(ack["Subject"]), "<citizen-reply-1@example.cn>"
    reply["In-Reply-To"] = str(ack["Message-ID"])
    reply["References"] = f"<citizen-report-1@example.cn> {ack['Message-ID']}"
    quoted = "\n".join("> " + line for line in ack.get_content().splitlines())
    reply.set_content(f"补充：药房名叫康宁大药房，在大学路56号。附上药盒照片。\n\n{quoted}")
    reply.add_attachment(png("orange"), maintype="image", subtype="png", filename="药盒照片.png")
    mailbox_server.append(reply.as_bytes())
    counts = _poll(app, clock)
    assert (counts.new, counts.replies) == (0, 1)
    assert len(smtp_sink.messages) == 1  # no second acknowledgement
    assert session.scalar(select(func.count()).select_from(Tip)) == 1
    session.rollback()

    officer = _sign_in(browser, base, "prov")
    officer.goto(base + "/staff/tips?channel=email")
    links = officer.get_by_role("link", name=re.compile(r"T\d{4}-"))
    expect(links).to_have_count(1)  # the reply made no second tip
    links.first.click()
    expect(officer.get_by_test_id("tip-description")).to_contain_text("销售过期的感冒药")
    messages = officer.locator("article.message.reporter")
    expect(messages).to_have_count(1)
    expect(messages.first).to_contain_text("康宁大药房，在大学路56号")
    expect(messages.first).to_contain_text("回执码已隐去")
    expect(officer.locator("main")).to_contain_text("药盒照片.png")
    main_text = officer.locator("main").inner_text()
    assert code not in main_text and code.replace(" ", "") not in main_text
    officer.screenshot(path=str(artifacts / "mail-reply-on-tip.png"), full_page=True)

    # The reporter's own page shows the same message on their report.
    page.goto(base + "/status")
    page.fill("#receipt", code.replace(" ", ""))
    page.locator("main form button[type=submit]").click()
    expect(page.locator("main")).to_contain_text("康宁大药房")
