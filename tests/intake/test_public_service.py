"""Issue 23's stumbles on the public pages, as a visitor meets them (the browser journeys check the
same pages for accessibility and for text in the other language, tests/browser/pagecheck.py)."""
from __future__ import annotations

import re
from decimal import Decimal
from html import unescape

import pytest
from sqlalchemy import select

from tipline.intake.models import EvidenceFile, Tip
from tipline.web import format_money

from ..conftest import csrf_token
from .helpers import GOOD, form_page, hidden, receipt_of, submit

ZH = {"kind": "您要提交的是？", "knowledge": "您是怎么知道的？", "summary": "请修改下方标出的内容。",
      "entity_name": "被举报单位或机构名称", "choose_files": "选择文件", "date_format": "格式：年-月-日"}
EN = {"kind": "What are you sending?", "knowledge": "How do you know?",
      "summary": "Please correct the fields marked below.", "entity_name": "Name of the business or body reported",
      "choose_files": "Choose files", "date_format": "year-month-day"}


def _english(client):
    client.get("/lang/en?next=/")


def _fieldset(html: str, fid: str) -> str:
    m = re.search(rf'<fieldset class="radios[^"]*" id="{fid}"[^>]*>(.*?)</fieldset>', html, re.S)
    assert m, f"radio group {fid} is not a fieldset"
    return m.group(1)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_report_radio_groups_are_fieldsets_named_by_their_question(client, lang):
    if lang == "en":
        _english(client)
    t = ZH if lang == "zh" else EN
    html = form_page(client)
    for fid in ("kind", "knowledge"):
        group = _fieldset(html, fid)
        legend = re.search(r"<legend>(.*?)</legend>", group, re.S).group(1).strip()
        assert unescape(legend) == t[fid]
        assert len(re.findall(r'type="radio"', group)) >= 2


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_error_summary_links_each_field_with_an_error(client, lang):
    if lang == "en":
        _english(client)
    t = ZH if lang == "zh" else EN
    resp = submit(client, entity_name="", category_code="", description="短")
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    summary = re.search(r'data-testid="error-summary">(.*?)</div>', html, re.S).group(1)
    assert t["summary"] in unescape(summary)
    links = re.findall(r'<a href="#([\w-]+)">([^<]+)</a>', summary)
    targets = {target for target, _label in links}
    assert {"entity_name", "category_code", "description"} <= targets, links
    assert t["entity_name"] in [unescape(label) for _t, label in links]
    for target in targets:  # each link lands on its field
        assert re.search(rf'\bid="{target}"', html), target


def test_receipt_opens_the_reporters_portal_once_without_retyping(client, session):
    page = form_page(client)
    token = hidden(page, "submission_token")
    html = submit(client, page).get_data(as_text=True)
    code = receipt_of(html)
    # The code's digit groups are each kept on one line (style.css: .receipt-code .group nowrap).
    groups = re.findall(r'<span class="group">(\d+)</span>', html)
    assert "".join(groups) == code and len(groups) == 4
    done = client.post("/report/receipt/done", data={"csrf_token": csrf_token(html), "token": token})
    assert done.status_code == 302 and done.headers["Location"].endswith("/status/report")
    status = client.get("/status/report").get_data(as_text=True)
    assert 'data-testid="status-text"' in status and GOOD["entity_name"] in status
    assert session.scalars(select(Tip)).one().sealed_receipt is None  # never shown again
    session.rollback()  # end this reader's transaction before the next request writes
    # The form token opens nothing a second time: a new browser session must give the code.
    client.post("/status/logout", data={"csrf_token": csrf_token(status)})
    again = client.post("/report/receipt/done", data={"csrf_token": csrf_token(html), "token": token})
    assert again.status_code == 302, again.get_data(as_text=True)[:3000]
    assert again.headers["Location"].endswith("/status")
    assert client.get("/status/report").status_code == 302


@pytest.mark.parametrize("to", ["en", "zh"])
def test_switching_language_on_report_keeps_what_was_typed(client, session, to):
    if to == "zh":
        _english(client)
    page = form_page(client)
    data = dict(GOOD, entity_name="洛阳某检测站 & Co", description="他们没做检测就出报告。" * 3,
                csrf_token=csrf_token(page), submission_token=hidden(page, "submission_token"),
                challenge=hidden(page, "challenge"), challenge_answer="7", switch_language=to)
    import io
    data["evidence"] = [(io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "报告.pdf")]
    resp = client.post("/report", data=data, content_type="multipart/form-data")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert f'<html lang="{"en" if to == "en" else "zh-CN"}">' in html
    assert (EN if to == "en" else ZH)["kind"] in unescape(html)
    assert "tipline_lang=" + to in resp.headers["Set-Cookie"]
    assert 'value="洛阳某检测站 &amp; Co"' in html
    assert "他们没做检测就出报告。" * 3 in unescape(html)
    assert re.search(r'<option selected value="410105">', html)
    assert re.search(r'checked[^>]*value="insider"|value="insider"[^>]*checked', html)
    assert 'value="2026-02-10"' in html and 'name="challenge_answer"' in html
    assert 'data-testid="error-summary"' not in html  # nothing judged yet
    assert "报告.pdf" in html  # the chosen file is kept as a draft, listed on the form
    assert session.scalars(select(Tip)).first() is None  # nothing was sent
    assert session.scalars(select(EvidenceFile)).one().tip_id is None
    # The switch is a button of the form, in the header, posting the form back.
    assert re.search(r'<button type="submit" form="report-form" name="switch_language" value="(zh|en)"', html)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_date_and_file_inputs_speak_the_page_language(client, lang):
    if lang == "en":
        _english(client)
    t = ZH if lang == "zh" else EN
    html = form_page(client)
    date_input = re.search(r'<input[^>]*id="occurred_on"[^>]*>', html).group(0)
    assert 'type="text"' in date_input and 'inputmode="numeric"' in date_input
    label = re.search(r'<label for="occurred_on"[^>]*>(.*?)</label>', html, re.S).group(1)
    assert t["date_format"] in unescape(label) and "2026-03-15" in label
    button = re.search(r'<label for="evidence" class="button file-button"[^>]*>(.*?)</label>', html, re.S)
    assert button and button.group(1).strip() == t["choose_files"]
    file_input = re.search(r'<input[^>]*id="evidence"[^>]*>', html).group(0)
    assert 'aria-labelledby="evidence-label"' in file_input


def test_money_has_thousands_separators():
    assert format_money(Decimal("12500")) == "12,500.00"
    assert format_money("600000.00") == "600,000.00"
    assert format_money(Decimal("0.5")) == "0.50"
    assert format_money(None) == "—"


def test_statistics_do_not_plot_months_that_have_not_happened(client):
    html = client.get("/public/statistics").get_data(as_text=True)  # the fake clock: 2 March 2026
    table = re.search(r'data-testid="monthly">(.*?)</table>', html, re.S).group(1)
    assert re.findall(r'<th scope="row">(2026-\d\d)</th>', table) == ["2026-01", "2026-02", "2026-03"]
    chart = re.search(r'<svg[^>]*id="chart-monthly".*?</svg>', html, re.S).group(0)
    assert len(re.findall(r"<circle", chart)) == 2 * 3  # two series, three months each
    past = client.get("/public/statistics?year=2025").get_data(as_text=True)
    assert "2025" in re.findall(r'<option[^>]*value="(\d+)"', past)  # offered: the measures took effect in 2025
    table = re.search(r'data-testid="monthly">(.*?)</table>', past, re.S).group(1)
    assert re.findall(r'<th scope="row">(2025-\d\d)</th>', table)[-1] == "2025-12"  # a past year: every month


def test_message_timestamps_do_not_break_inside_the_date(client, session, clock):
    from tipline.intake import services

    page = form_page(client)
    token = hidden(page, "submission_token")
    html = submit(client, page).get_data(as_text=True)
    client.post("/report/receipt/done", data={"csrf_token": csrf_token(html), "token": token})
    tip = session.scalars(select(Tip)).one()
    services.post_message(session, now=clock(), tip=tip, body="请补充照片。", author="staff")
    session.commit()
    _english(client)
    status = client.get("/status/report").get_data(as_text=True)
    meta = re.search(r'<p class="meta">(.*?)</p>', status, re.S).group(1)
    assert re.search(r'<span class="nowrap">2026-03-02 09:30</span>', meta), meta
