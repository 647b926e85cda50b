"""The public report form, receipts and the reporter's portal, through the test client."""
from __future__ import annotations

import io
import logging

import pytest
from PIL import Image
from sqlalchemy import func, select, text

from tipline.audit.models import AuditEvent
from tipline.intake.models import EvidenceFile, Message, Tip

from ..conftest import csrf_token
from .helpers import GOOD, form_page, open_status, receipt_of, submit


def _jpeg_with_gps() -> bytes:
    img = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "Canon"  # Make
    exif[0xA431] = "SERIAL-77-XYZ"  # BodySerialNumber
    exif[0x8825] = {1: "N", 2: (34.0, 45.0, 30.0), 3: "E", 4: (113.0, 39.0, 10.0)}
    buf = io.BytesIO()
    img.save(buf, "JPEG", exif=exif)
    return buf.getvalue()


def test_home_links_to_report_and_status(client):
    html = client.get("/").get_data(as_text=True)
    assert 'href="/report"' in html and 'href="/status"' in html
    assert "12315" in html


def test_anonymous_report_gets_a_receipt_once(client, session):
    resp = submit(client)
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    code = receipt_of(html)
    assert len(code) == 16 and code.isdigit()
    assert "回执码只显示这一次。" in html
    tip = session.scalars(select(Tip)).one()
    assert tip.anonymous and tip.channel == "web" and tip.division_code == "410105"
    assert code not in (tip.receipt_hash or "")


def test_double_submit_lands_once_and_shows_the_same_code(client, session):
    page = form_page(client)
    first = receipt_of(submit(client, page).get_data(as_text=True))
    second = receipt_of(submit(client, page).get_data(as_text=True))
    assert first == second
    assert session.scalar(select(func.count(Tip.id))) == 1


def test_invalid_credit_code_shows_error_beside_field_and_keeps_input(client, session):
    resp = submit(client, entity_uscc="91350200MA2YJ1XR9H", reporter_name="张三")
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    # the message sits in the credit-code field's block
    block = html[html.index('id="entity_uscc"') - 400: html.index('id="entity_uscc"') + 600]
    assert "统一社会信用代码的最后一位与前面不匹配" in block
    assert 'value="91350200MA2YJ1XR9H"' in html
    assert GOOD["entity_name"] in html and GOOD["description"] in html and 'value="张三"' in html
    assert session.scalar(select(func.count(Tip.id))) == 0


def test_short_report_is_refused_with_help(client, session):
    resp = submit(client, description="太短了")
    assert resp.status_code == 422
    assert "请用几句话说明事情经过（至少 20 个字）：谁、做了什么、什么时间、在哪里。" in resp.get_data(as_text=True)
    assert session.scalar(select(func.count(Tip.id))) == 0


def test_wrong_challenge_answer_is_refused(client, session):
    resp = submit(client, challenge_answer="999")
    assert resp.status_code == 422
    assert session.scalar(select(func.count(Tip.id))) == 0


def test_honeypot_filled_is_refused(client, session):
    assert submit(client, website="http://spam").status_code == 422
    assert session.scalar(select(func.count(Tip.id))) == 0


def test_files_survive_a_failed_form_and_attach_on_success(client, session):
    page = form_page(client)
    resp = submit(client, page, files=[("现场照片.jpg", _jpeg_with_gps())], description="短")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "现场照片.jpg" in html  # listed as already attached
    resp = submit(client, page)
    assert resp.status_code == 200
    tip = session.scalars(select(Tip)).one()
    files = session.scalars(select(EvidenceFile).where(EvidenceFile.tip_id == tip.id)).all()
    assert [f.display_name for f in files] == ["现场照片.jpg"]


def test_photo_metadata_is_stripped_unless_original_kept(app, client, session):
    original = _jpeg_with_gps()
    submit(client, files=[("a.jpg", original)], keep_original="y")
    files = session.scalars(select(EvidenceFile).order_by(EvidenceFile.id)).all()
    assert [f.is_original for f in files] == [False, True]
    store = app.extensions["evidence_store"]
    stripped = store.get(files[0].stored_name)
    assert b"SERIAL-77-XYZ" not in stripped and Image.open(io.BytesIO(stripped)).getexif().get(0x8825) is None
    assert store.get(files[1].stored_name) == original
    import hashlib
    assert files[0].sha256 == hashlib.sha256(stripped).hexdigest()
    assert files[1].sha256 == files[0].original_sha256 == hashlib.sha256(original).hexdigest()


def test_executable_behind_a_jpg_name_is_refused(client, session):
    resp = submit(client, files=[("photo.jpg", b"MZ\x90\x00" + b"\x00" * 200)])
    assert resp.status_code == 422
    assert "photo.jpg" in resp.get_data(as_text=True)
    assert session.scalar(select(func.count(Tip.id))) == 0


def test_tip_content_and_identity_are_encrypted_at_rest(client, session):
    submit(client, reporter_name="李明亮", reporter_phone="13812345678", reporter_email="liming@example.cn")
    raw = session.execute(text("SELECT description FROM tip")).scalar()
    assert GOOD["description"].encode() not in bytes(raw)
    assert "水泥".encode() not in bytes(raw)
    for col in ("name", "phone", "email"):
        value = bytes(session.execute(text(f"SELECT {col} FROM reporter_identity")).scalar())
        assert b"13812345678" not in value and "李明亮".encode() not in value and b"liming" not in value


def test_database_file_holds_no_plain_tip_text(app, client):
    submit(client, reporter_name="独特姓名甲乙丙")
    url = app.config["TIPLINE"].database_url
    if url.startswith("sqlite"):
        from tipline.extensions import db
        db.engine.dispose()
        blob = open(url.split("///", 1)[1], "rb").read()
        wal = app.config["TIPLINE"].database_url.split("///", 1)[1] + "-wal"
        import os
        if os.path.exists(wal):
            blob += open(wal, "rb").read()
        assert "独特姓名甲乙丙".encode() not in blob
        assert "水泥检验报告".encode() not in blob


def test_logs_carry_no_client_address(client, caplog):
    caplog.set_level(logging.DEBUG)
    submit(client)
    assert "127.0.0.1" not in caplog.text


def test_status_portal_wrong_and_unknown_codes_get_the_same_answer(client):
    a = open_status(client, "1234 5678 9012 3456").get_data(as_text=True)
    b = open_status(client, "12").get_data(as_text=True)
    marker = "找不到" if "找不到" in a else "could not find"
    assert marker in a and marker in b


def test_reporter_follows_up_reads_and_replies(app, client, session, make_user, login):
    code = receipt_of(submit(client).get_data(as_text=True))
    tip = session.scalars(select(Tip)).one()
    session.commit()
    # an officer of the division writes
    officer_client = app.test_client()
    make_user(username="zhangwei", display_name="张伟科员", division_code="410100")
    page = officer_client.get("/staff/login").get_data(as_text=True)
    from ..factories import PASSWORD
    officer_client.post("/staff/login", data={"csrf_token": csrf_token(page), "username": "zhangwei",
                                              "password": PASSWORD})
    page = officer_client.get(f"/staff/tips/{tip.id}").get_data(as_text=True)
    assert "水泥检验报告" in page
    officer_client.post(f"/staff/tips/{tip.id}/messages", data={"csrf_token": csrf_token(page),
                                                              "body": "请提供报告的照片。"})
    # the reporter signs in with the receipt (spaces and full-width digits are fine)
    html = open_status(client, " ".join(code[i:i + 4] for i in range(0, 16, 4))).get_data(as_text=True)
    assert "请提供报告的照片。" in html
    assert "已收到" in html  # public status wording
    assert "zhangwei" not in html and "张伟" not in html  # the officer is never named to the reporter
    resp = client.post("/status/report/reply", data={"csrf_token": csrf_token(html), "body": "照片已上传。"},
                       follow_redirects=True)
    assert "照片已上传。" in resp.get_data(as_text=True)
    resp = client.post("/status/report/evidence", data={
        "csrf_token": csrf_token(html), "evidence": [(io.BytesIO(_jpeg_with_gps()), "报告.jpg")]},
        content_type="multipart/form-data", follow_redirects=True)
    assert "报告.jpg" in resp.get_data(as_text=True)
    assert [m.author for m in session.scalars(select(Message).order_by(Message.id))] == ["staff", "reporter"]


def test_receipt_download_is_a_text_file(client):
    page = form_page(client)
    html = submit(client, page).get_data(as_text=True)
    code = receipt_of(html)
    from .helpers import hidden
    token = hidden(page, "submission_token")
    resp = client.post("/report/receipt.txt", data={"csrf_token": csrf_token(html), "token": token})
    assert resp.headers["Content-Disposition"].startswith("attachment")
    body = resp.get_data().decode("utf-8-sig")
    assert " ".join(code[i:i + 4] for i in range(0, 16, 4)) in body


def test_receipt_done_forgets_the_sealed_copy(client, session):
    page = form_page(client)
    html = submit(client, page).get_data(as_text=True)
    from .helpers import hidden
    client.post("/report/receipt/done",
                data={"csrf_token": csrf_token(html), "token": hidden(page, "submission_token")})
    assert session.scalars(select(Tip)).one().sealed_receipt is None
    session.rollback()  # end this reader's transaction before the next request writes
    again = submit(client, page).get_data(as_text=True)
    assert 'data-testid="receipt-code"' not in again
    assert "这份举报已收到。回执码已在您第一次提交时显示过，无法再次显示。" in again


def test_staff_of_another_division_cannot_see_the_tip(app, client, session, make_user, login):
    submit(client)
    tip = session.scalars(select(Tip)).one()
    make_user(username="luoyang", division_code="410300")
    staff = app.test_client()
    page = staff.get("/staff/login").get_data(as_text=True)
    from ..factories import PASSWORD
    staff.post("/staff/login", data={"csrf_token": csrf_token(page), "username": "luoyang", "password": PASSWORD})
    assert tip.entity_name not in staff.get("/staff/tips").get_data(as_text=True)
    assert staff.get(f"/staff/tips/{tip.id}").status_code == 404


def test_identity_view_needs_a_reason_and_is_audited(app, client, session, make_user):
    submit(client, reporter_name="王小明", reporter_id_number="11010519491231002X")
    tip = session.scalars(select(Tip)).one()
    make_user(username="zz", division_code="410105")
    staff = app.test_client()
    page = staff.get("/staff/login").get_data(as_text=True)
    from ..factories import PASSWORD
    staff.post("/staff/login", data={"csrf_token": csrf_token(page), "username": "zz", "password": PASSWORD})
    page = staff.get(f"/staff/tips/{tip.id}").get_data(as_text=True)
    assert "王小明" not in page
    bad = staff.post(f"/staff/tips/{tip.id}/identity", data={"csrf_token": csrf_token(page), "reason": ""})
    assert bad.status_code == 422 and "王小明" not in bad.get_data(as_text=True)
    ok = staff.post(f"/staff/tips/{tip.id}/identity",
                    data={"csrf_token": csrf_token(page), "reason": "核实举报人身份以便回访"})
    assert "王小明" in ok.get_data(as_text=True)
    ev = session.scalars(select(AuditEvent).where(AuditEvent.action == "identity.viewed")).one()
    assert "核实举报人身份" in ev.details and "王小明" not in ev.details


def test_evidence_downloads_as_attachment(app, client, session, make_user):
    submit(client, files=[("x.jpg", _jpeg_with_gps())])
    tip = session.scalars(select(Tip)).one()
    f = session.scalars(select(EvidenceFile)).one()
    make_user(username="dl", division_code="410000")
    staff = app.test_client()
    page = staff.get("/staff/login").get_data(as_text=True)
    from ..factories import PASSWORD
    staff.post("/staff/login", data={"csrf_token": csrf_token(page), "username": "dl", "password": PASSWORD})
    resp = staff.get(f"/staff/tips/{tip.id}/files/{f.id}")
    assert resp.status_code == 200 and resp.mimetype == "application/octet-stream"
    assert resp.headers["Content-Disposition"].startswith("attachment")


@pytest.mark.parametrize("data", [None, "", "410105", "411700", "999999", '"><script>'])
@pytest.mark.parametrize("locale", ["zh", "en"])
def test_cached_division_list_renders_as_wtforms_does(app, data, locale):
    """The report form's division <select> reuses its rendered options; what the reporter gets must be
    exactly what WTForms renders, with their choice kept selected after a failed submit."""
    from wtforms.widgets import Select

    from tipline.division_names import division_choices
    from tipline.intake.forms import ReportForm
    with app.test_request_context("/report", headers={"Cookie": f"tipline_lang={locale}"}):
        app.preprocess_request()
        for _round in range(2):  # the first call fills the cache, the second is served from it
            form = ReportForm(meta={"csrf": False})
            form.division_code.choices = division_choices()
            form.division_code.data = data
            attrs = {"aria-invalid": "true", "aria-describedby": "division_code-err"}
            assert str(form.division_code(**attrs)) == str(Select()(form.division_code, **attrs))
        if data == "410105":
            assert '<option selected value="410105">' in str(form.division_code())


def test_wtforms_own_messages_follow_the_language_of_each_request(app):
    """WTForms' built-in messages come from a catalogue kept per language (tipline.web): a Chinese
    and an English visitor in turn each get their own, and the date typed stays in the field."""
    import re
    for lang, expected in (("zh", "不是有效的日期值。"), ("en", "Not a valid date value."),
                           ("zh", "不是有效的日期值。")):
        c = app.test_client()
        c.set_cookie("tipline_lang", lang)
        page = c.get("/report").get_data(as_text=True)
        resp = c.post("/report", data={"csrf_token": csrf_token(page), "occurred_on": "2026-13-45"})
        html = resp.get_data(as_text=True)
        assert resp.status_code == 422
        assert re.search(r'id="occurred_on-err"[^>]*>([^<]*)<', html).group(1) == expected
        assert 'value="2026-13-45"' in html
