"""A complaint through the pages: accepted, two mediation sessions, an agreement; another not accepted.
The complainant sees each step on the status page."""
from __future__ import annotations

import re

import pytest

from tipline.intake.models import Tip

from .. import factories
from ..conftest import csrf_token
from ..intake.helpers import open_status


def _client(app, username):
    c = app.test_client()
    page = c.get("/staff/login").get_data(as_text=True)
    c.post("/staff/login", data={"csrf_token": csrf_token(page), "username": username, "password": factories.PASSWORD})
    return c


def _post(c, tip_id, **data):
    page = c.get(f"/staff/tips/{tip_id}").get_data(as_text=True)
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    return c.post(f"/staff/tips/{tip_id}/complaint", data={"csrf_token": csrf_token(page), "version": version, **data})


@pytest.fixture
def officer(app, session, clock):
    factories.user(session, now=clock(), username="tri", role="officer", division_code="410105")
    session.commit()
    return _client(app, "tri")


def test_complaint_accepted_mediated_twice_and_agreed(app, session, clock, officer):
    tip, code = factories.tip(session, now=clock(), kind="complaint")
    session.commit()
    page = officer.get(f"/staff/tips/{tip.id}").get_data(as_text=True)
    assert 'data-testid="complaint"' in page and "受理投诉" in page
    assert _post(officer, tip.id, action="accept", on="2026-03-02").status_code == 302
    citizen = app.test_client()
    html = open_status(citizen, code).get_data(as_text=True)
    assert "您的投诉已受理，正在调解中。" in html and 'data-testid="step-accepted"' in html
    assert "<h2>投诉办理进度</h2>" in html  # the steps' heading, not the page's title again
    for day, mode in (("2026-03-02", "phone"), ("2026-03-02", "in_person")):
        resp = _post(officer, tip.id, action="record_session", on=day, mode=mode,
                     positions="消费者要求退款，商家同意换货")
        assert resp.status_code == 302
    html = open_status(app.test_client(), code).get_data(as_text=True)
    assert html.count('data-testid="step-session"') == 2 and "电话调解" in html and "现场调解" in html
    bad = _post(officer, tip.id, action="end_mediation", outcome="agreement", on="2026-03-02")
    assert bad.status_code == 422 and "This field is required" not in bad.get_data(as_text=True)
    assert _post(officer, tip.id, action="end_mediation", outcome="agreement", terms="商家退款 299 元",
                 on="2026-03-02").status_code == 302
    html = open_status(app.test_client(), code).get_data(as_text=True)
    assert "达成调解协议" in html and "商家退款 299 元" in html and 'data-testid="step-outcome"' in html
    session.expire_all()
    assert session.get(Tip, tip.id).status == "complaint_ended"


def test_complaint_not_accepted_shows_its_ground(app, session, clock, officer):
    tip, code = factories.tip(session, now=clock(), kind="complaint")
    session.commit()
    missing = _post(officer, tip.id, action="not_accept", ground="", notice="")
    assert missing.status_code == 422
    assert _post(officer, tip.id, action="not_accept", ground="time_barred",
                 notice="您知道权益受损已超过三年，依法不予受理。").status_code == 302
    html = open_status(app.test_client(), code).get_data(as_text=True)
    assert "您的投诉不予受理" in html and "已超过三年" in html and 'data-testid="step-not-accepted"' in html
    from tipline import i18n
    english = app.test_client()
    english.set_cookie(i18n.LOCALE_COOKIE, "en")
    html = open_status(english, code).get_data(as_text=True)
    assert "Your complaint was not accepted. The ground and the notice are given below." in html
    assert "More than three years have passed since the complainant knew of the harm" in html


def test_a_complainant_who_gave_an_address_gets_the_written_notice_by_mail(app, session, clock, officer, smtp_sink):
    app.config["TIPLINE"] = app.config["TIPLINE"].__class__(**{**app.config["TIPLINE"].__dict__,
                                                               "mail_port": smtp_sink.port})
    tip, _ = factories.tip(session, now=clock(), kind="complaint", reporter_name="王女士",
                           reporter_email="wang@example.cn")
    anonymous, _ = factories.tip(session, now=clock(), kind="complaint")
    session.commit()
    assert _post(officer, tip.id, action="not_accept", ground="not_consumer",
                 notice="所购商品用于经营，不属于消费投诉。").status_code == 302
    assert _post(officer, anonymous.id, action="accept").status_code == 302
    assert [rcpts for rcpts, _ in smtp_sink.messages] == [["wang@example.cn"]]
    import email
    body = email.message_from_bytes(smtp_sink.messages[0][1]).get_payload(decode=True).decode("utf-8")
    assert "不予受理" in body and "所购商品用于经营" in body and "Not bought or used for everyday consumption" in body


def test_statistics_count_complaints_by_outcome(app, session, clock, officer):
    from sqlalchemy import select

    from tipline.auth.models import User
    from tipline.cases import complaints
    user = session.scalars(select(User).where(User.username == "tri")).one()
    tips = [factories.tip(session, now=clock(), kind="complaint")[0] for _ in range(4)]
    common = dict(now=clock(), actor=user, version=None)
    complaints.not_accept(session, tip=tips[0], ground="materials_missing", notice="请补充购物凭证后重新投诉。",
                          **common)
    for tip, outcome in ((tips[1], "agreement"), (tips[2], "no_agreement"), (tips[3], None)):
        complaints.accept(session, tip=tip, **common)
        if outcome:
            complaints.end_mediation(session, tip=tip, outcome=outcome, terms="换货", **common)
    session.commit()
    html = app.test_client().get("/public/statistics?year=2026").get_data(as_text=True)
    figures = dict(re.findall(r'data-figure="complaints-(\w+)">(\d+)<', html))
    assert figures == {"accepted": "3", "not_accepted": "1", "agreement": "1", "no_agreement": "1", "withdrawn": "0"}
    assert "调解成功" in html and "投诉处理结果" in html


def test_an_agreement_recorded_from_a_scanned_document(app, session, clock, officer, tmp_path):
    import io

    from PIL import Image

    from tipline.cases.complaint_models import Complaint
    from tipline.intake.models import EvidenceFile
    tip, code = factories.tip(session, now=clock(), kind="complaint")
    session.commit()
    assert _post(officer, tip.id, action="accept").status_code == 302
    scan = io.BytesIO()
    Image.new("RGB", (200, 280), (250, 250, 250)).save(scan, "PNG")
    page = officer.get(f"/staff/tips/{tip.id}").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page
    resp = officer.post(f"/staff/tips/{tip.id}/complaint", content_type="multipart/form-data", data={
        "csrf_token": csrf_token(page), "version": re.search(r'name="version" value="(\d+)"', page).group(1),
        "action": "end_mediation", "outcome": "agreement", "on": "2026-03-02",
        "agreement_scan": (io.BytesIO(scan.getvalue()), "调解协议书.png")})
    assert resp.status_code == 302
    session.expire_all()
    row = session.query(Complaint).filter_by(tip_id=tip.id).one()
    f = session.get(EvidenceFile, row.agreement_file_id)
    assert f.tip_id == tip.id and f.source == "staff" and f.display_name == "调解协议书.png"
    link = f"/staff/tips/{tip.id}/files/{f.id}"
    session.rollback()  # end this reader's transaction, as a finished request would
    page = officer.get(link.split("/files/")[0]).get_data(as_text=True)
    assert link in page
    assert "达成调解协议" in open_status(app.test_client(), code).get_data(as_text=True)


def test_a_real_name_reporter_is_told_by_mail_how_the_report_ended(app, session, clock, officer, smtp_sink):
    from sqlalchemy import select

    from tipline.cases.deadlines.models import Clock
    app.config["TIPLINE"] = app.config["TIPLINE"].__class__(**{**app.config["TIPLINE"].__dict__,
                                                               "mail_port": smtp_sink.port})
    first, _ = factories.tip(session, now=clock(), reporter_name="李先生", reporter_email="li@example.cn")
    again, again_code = factories.tip(session, now=clock(), reporter_name="李先生", reporter_email="li@example.cn")
    anonymous, _ = factories.tip(session, now=clock())
    session.commit()
    ids = (first.id, again.id, anonymous.id)
    page = officer.get(f"/staff/tips/{ids[1]}").get_data(as_text=True)
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    resp = officer.post(f"/staff/tips/{ids[1]}/triage", data={
        "csrf_token": csrf_token(page), "version": version, "action": "mark_repeat",
        "target": f"T2026-{ids[0]:06d}", "reason": "同一举报人重复举报", "public_reason": "您已于此前举报过同一事项。"})
    assert resp.status_code == 302
    page = officer.get(f"/staff/tips/{ids[2]}").get_data(as_text=True)
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    assert officer.post(f"/staff/tips/{ids[2]}/triage", data={
        "csrf_token": csrf_token(page), "version": version, "action": "reject", "reason": "不属实",
        "public_reason": "经核查，不予立案。"}).status_code == 302
    assert [rcpts for rcpts, _ in smtp_sink.messages] == [["li@example.cn"]]
    import email
    body = email.message_from_bytes(smtp_sink.messages[0][1]).get_payload(decode=True).decode("utf-8")
    assert "本次不再重复处理" in body and "was not processed again" in body and "您已于此前举报过同一事项。" in body
    html = open_status(app.test_client(), again_code).get_data(as_text=True)
    assert "您此前已举报过此事项" in html and "您已于此前举报过同一事项。" in html
    notice = session.scalars(select(Clock).where(Clock.kind == "notify_reporter", Clock.tip_id == ids[1])).one()
    assert notice.state == "done" and notice.met is True


def test_the_queue_words_complaints_and_lists_open_ones(app, session, clock, officer):
    waiting, _ = factories.tip(session, now=clock(), kind="complaint", entity_name="郑州某家电商城")
    mediating, _ = factories.tip(session, now=clock(), kind="complaint", entity_name="郑州某数码专营店")
    session.commit()
    assert _post(officer, mediating.id, action="accept").status_code == 302
    html = officer.get("/staff/tips").get_data(as_text=True)
    assert "郑州某家电商城" in html and "投诉：待作出是否受理决定" in html and "郑州某数码专营店" not in html
    html = officer.get("/staff/tips?state=complaints").get_data(as_text=True)
    assert "郑州某数码专营店" in html and "调解中" in html and "郑州某家电商城" not in html


@pytest.mark.parametrize("kind, title, facts, other", [
    ("complaint", "您的投诉", "您投诉的内容", "您举报的内容"),
    ("both", "您的投诉举报", "您举报的内容", "您投诉的内容"),
    ("report", "您的举报", "您举报的内容", "您投诉的内容"),
])
def test_the_status_page_calls_a_complaint_a_complaint(app, session, clock, kind, title, facts, other):
    tip, code = factories.tip(session, now=clock(), kind=kind)
    session.commit()
    html = open_status(app.test_client(), code).get_data(as_text=True)
    assert f"<title>{title} ·" in html and f"<h1>{title}</h1>" in html
    assert facts in html and other not in html
    if kind == "complaint":  # the facts speak of a complaint, not of a reported violation
        assert "被投诉单位" in html and "投诉事项类别" in html and "被举报单位" not in html
    else:
        assert "被举报单位" in html and "被投诉单位" not in html
