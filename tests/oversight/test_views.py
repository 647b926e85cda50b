"""Dashboard, exports, public pages: access, figures equal to the screen's, nothing confidential."""
from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from tipline import public_pages

from .. import factories
from ..conftest import csrf_token
from . import data

SECRETS = (data.REPORTER_NAME, data.TIP_TEXT[:10], data.FILE_NAME, "13800000000", "内部检查记录")


@pytest.fixture
def known(app, session, clock):
    public_pages.clear_cache()
    return data.build(app, session, clock)


def _client(app, username):
    c = app.test_client()
    page = c.get("/staff/login").get_data(as_text=True)
    c.post("/staff/login", data={"csrf_token": csrf_token(page), "username": username, "password": factories.PASSWORD})
    return c


def _figures(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-figure="([a-z_0-9]+)">([^<]*)<', html))


def test_officer_gets_403_and_anonymous_goes_to_login(app, known):
    assert _client(app, "inv1").get("/staff/dashboard").status_code == 403
    resp = app.test_client().get("/staff/dashboard")
    assert resp.status_code == 302 and "/staff/login" in resp.headers["Location"]
    assert app.test_client().get("/staff/dashboard/export/cases.csv").status_code == 302


def test_dashboard_shows_the_figures_with_charts_and_tables(app, known):
    resp = _client(app, "boss").get("/staff/dashboard")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and resp.headers["Cache-Control"] == "no-store"
    figures = _figures(html)
    expected = {k: f"{v:,}" for k, v in data.EXPECTED["key_figures"].items()}
    assert {k: figures[k] for k in expected} == expected
    assert figures["penalties"] == "223,456.78" and figures["submissions"] == "7"
    assert figures["triage_median"] == "2.0" and figures["triage_p90"] == "4.4"
    assert figures["investigation_p90"] == "25.8" and figures["deadlines_missed"] == "1"
    assert html.count('role="img"') == 5 and "<title id=" in html and "style=" not in html
    assert "<script" not in html
    for secret in SECRETS:
        assert secret not in html


def test_division_choice_is_limited_to_the_users_jurisdiction(app, known):
    luoyang = _client(app, "ly").get("/staff/dashboard?division=410000").get_data(as_text=True)
    assert _figures(luoyang)["submissions"] == "1"
    assert 'value="410105"' not in luoyang  # Jinshui is not offered to Luoyang staff
    province = _client(app, "aud").get("/staff/dashboard?division=410000&from=2026-01-01&to=2026-12-31")
    assert _figures(province.get_data(as_text=True))["submissions"] == "8"


def test_statistics_export_matches_the_dashboard(app, session, known):
    boss = _client(app, "boss")
    boss.get("/lang/en")  # the spreadsheet's labels follow the page language
    query = "from=2026-01-01&to=2026-12-31&division=410105"
    screen = _figures(boss.get(f"/staff/dashboard?{query}").get_data(as_text=True))
    resp = boss.get(f"/staff/dashboard/export/statistics.xlsx?{query}")
    assert resp.status_code == 200 and resp.mimetype.endswith("spreadsheetml.sheet")
    rows = list(load_workbook(io.BytesIO(resp.data)).active.iter_rows(values_only=True))
    values = {(section, item): value for section, item, value in rows[1:]}
    key = {item: value for (section, item), value in values.items() if section == "Key figures"}
    assert key == {"On-site inspections": 3, "Violation cases investigated": 3, "Cases filed": 3,
                   "Problems found": 6, "Rectification notices": 2, "Certificates revoked": 1}
    for item, figure in (("On-site inspections", "inspections"), ("Cases filed", "cases_filed")):
        assert f"{key[item]:,}" == screen[figure]
    total = values[("Fines and confiscations (yuan)", "Total")]
    assert Decimal(str(total)) == Decimal("223456.78") and f"{Decimal(str(total)):,.2f}" == screen["penalties"]
    csv_resp = boss.get(f"/staff/dashboard/export/statistics.csv?{query}")
    assert csv_resp.data.startswith("\ufeff".encode("utf-8"))
    csv_rows = list(csv.reader(io.StringIO(csv_resp.data.decode("utf-8-sig"))))
    assert ["Key figures", "Cases filed", "3"] in csv_rows


def test_cases_export_has_the_cases_and_nothing_confidential(app, session, known):
    boss = _client(app, "boss")
    boss.get("/lang/en")
    for fmt in ("csv", "xlsx"):
        resp = boss.get(f"/staff/dashboard/export/cases.{fmt}?from=2026-01-01&to=2026-12-31")
        if fmt == "csv":
            text = resp.data.decode("utf-8-sig")
            rows = list(csv.reader(io.StringIO(text)))
        else:
            rows = [[("" if v is None else str(v)) for v in r]
                    for r in load_workbook(io.BytesIO(resp.data)).active.iter_rows(values_only=True)]
            text = "\n".join(",".join(r) for r in rows)
        header, body = rows[0], rows[1:]
        assert len(body) == 3  # = cases filed on the dashboard
        fines = sum(Decimal(r[header.index("Fines")]) for r in body)
        assert fines == Decimal("200000.00")
        assert {r[header.index("Business")] for r in body} == {data.ENTITY_A, data.ENTITY_B, data.ENTITY_C}
        assert re.fullmatch(r"T2026-\d{6}", body[0][0])
        for secret in SECRETS:
            assert secret not in text


def test_inspection_plan_lists_flagged_businesses(app, known):
    resp = _client(app, "prov").get("/staff/dashboard/export/inspection-plan.xlsx")
    rows = list(load_workbook(io.BytesIO(resp.data)).active.iter_rows(values_only=True))
    names = {r[0]: r for r in rows[1:]}
    assert set(names) == {data.ENTITY_A, data.ENTITY_B}
    assert names[data.ENTITY_A][2] == 1 and "豫市监金罚〔2026〕1号" in names[data.ENTITY_A][4]


def test_rewards_export_is_the_register_when_the_table_exists(app, known):
    resp = _client(app, "boss").get("/staff/dashboard/export/rewards.csv")
    assert resp.status_code == 200  # the rewards package's table exists in this build
    assert data.REPORTER_NAME not in resp.data.decode("utf-8-sig")


def test_public_pages_show_published_decisions_only_and_nothing_confidential(app, known):
    anon = app.test_client()
    results = anon.get("/public/results")
    html = results.get_data(as_text=True)
    assert results.status_code == 200
    assert data.ENTITY_A in html and "豫市监金罚〔2026〕1号" in html and "173,456.78" in html
    assert data.ENTITY_B not in html  # not publishable
    assert data.ENTITY_C not in html  # no decision number
    stats_page = anon.get("/public/statistics?year=2026").get_data(as_text=True)
    assert _figures(stats_page)["answered"] == "87.5%" and _figures(stats_page)["rectification_notices"] == "2"
    for page in (html, stats_page):
        for secret in SECRETS:
            assert secret not in page
        assert "<script" not in page and "style=" not in page and "csrf_token" not in page
    assert data.ENTITY_A in anon.get(f"/public/results?q={data.ENTITY_A[:4]}").get_data(as_text=True)
    assert data.ENTITY_A not in anon.get("/public/results?division=410300").get_data(as_text=True)
    assert data.ENTITY_A not in anon.get("/public/results?category=cert.false").get_data(as_text=True)


def test_public_pages_are_cacheable_and_staff_pages_are_not(app, known):
    anon = app.test_client()
    for url in ("/public/results", "/public/statistics"):
        resp = anon.get(url)
        assert resp.headers["Cache-Control"] == "public, max-age=300"
        assert "Cookie" in resp.headers.get("Vary", "") and "Set-Cookie" not in resp.headers
    assert anon.get("/status").headers["Cache-Control"] == "no-store"


def test_public_statistics_are_cached_for_five_minutes(app, session, known):
    anon = app.test_client()
    before = _figures(anon.get("/public/statistics").get_data(as_text=True))["cases_filed"]
    data.factories.tip(session, now=known.users.boss.created_at)  # a change within the five minutes
    known.c2.filed_on = known.c2.filed_on.replace(year=2025)
    session.commit()
    assert _figures(anon.get("/public/statistics").get_data(as_text=True))["cases_filed"] == before
    public_pages.clear_cache()
    assert _figures(anon.get("/public/statistics").get_data(as_text=True))["cases_filed"] != before


def test_pagination_pages_of_twenty(app, session, known):
    from tipline.cases.models import Case
    base = session.get(Case, known.c1.id)
    for i in range(25):
        session.add(Case(division_code="410105", entity_id=base.entity_id, category_code=base.category_code,
                         state="closed", filing_number=f"F{i}", filed_on=base.filed_on, filed_at=base.filed_at,
                         outcome="violation", decision_number=f"豫罚{i:03d}号", decision_date=base.decision_date,
                         publishable=True))
    session.commit()
    anon = app.test_client()
    first = anon.get("/public/results").get_data(as_text=True)
    assert first.count("豫罚") == 20 and "26" in first
    second = anon.get("/public/results?page=2").get_data(as_text=True)
    assert second.count("豫罚") == 5


def test_chinese_and_english_pages_render(app, known):
    for lang in ("zh", "en"):
        c = _client(app, "boss")
        c.get(f"/lang/{lang}")
        for url in ("/staff/dashboard", "/public/results", "/public/statistics"):
            assert c.get(url).status_code == 200


def test_holds_are_placed_and_released_by_supervisors(app, session, known):
    boss = _client(app, "boss")
    page = boss.get("/staff/holds").get_data(as_text=True)
    resp = boss.post("/staff/holds", data={"csrf_token": csrf_token(page), "object_type": "case",
                                           "object_id": known.c1.id, "reason": "诉讼保全"}, follow_redirects=True)
    assert "诉讼保全" in resp.get_data(as_text=True)
    ly_page = _client(app, "ly").get("/staff/holds").get_data(as_text=True)
    assert "诉讼保全" not in ly_page  # outside Luoyang's jurisdiction
    assert _client(app, "aud").get("/staff/holds").status_code == 403
    from tipline.oversight.models import LegalHold
    hold_id = session.query(LegalHold.id).scalar()
    session.rollback()  # every SQLite transaction here takes the write lock: end it before the request
    resp = boss.post(f"/staff/holds/{hold_id}/release", data={"csrf_token": csrf_token(page)}, follow_redirects=True)
    assert resp.status_code == 200
    assert session.get(LegalHold, hold_id).released_at is not None
