"""The triage queue: keyset pages, filters, jurisdiction, and a constant number of statements."""
from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import event, insert, select

from tipline.cases import queue as q
from tipline.extensions import db
from tipline.intake.models import Tip

from .. import factories


def _bulk_tips(session, n: int, start: dt.datetime, division="410105"):
    """Rows inserted directly (what the benchmark's loader does), with varied priority and time."""
    rows = []
    for i in range(n):
        rows.append(dict(channel="web" if i % 3 else "email", kind="report",
                         category_code="test.false_report" if i % 2 else "cert.false",
                         entity_name=f"公司{i:04d}", entity_address="", division_code=division, description="x" * 30,
                         knowledge="other", anonymous=True, status="received", status_changed_at=start,
                         received_at=start + dt.timedelta(minutes=i // 2), receipt_hash=f"h{division}{i:06d}",
                         priority=(i * 7) % 5 * 10, queue_rank=-((i * 7) % 5 * 10), version=1))
    session.execute(insert(Tip), rows)
    session.commit()


def _walk(session, user, f):
    seen, cursor, pages = [], None, 0
    while True:
        page = q.queue_page(session, user, f, cursor=cursor, page_size=25)
        seen.extend(page.rows)
        pages += 1
        if not page.next_cursor:
            return seen, pages
        cursor = page.next_cursor


ORDERS = (("priority", lambda t: (-t.priority, t.received_at, t.id)),
          ("deadline", lambda t: (t.received_at, t.id)),
          ("newest", lambda t: (-t.received_at.timestamp(), -t.id)))


def test_keyset_pages_cover_every_tip_once_in_order(session, clock):
    user = factories.user(session, now=clock(), role="officer", division_code="410105")
    _bulk_tips(session, 130, clock())
    for sort, key in ORDERS:
        seen, pages = _walk(session, user, q.QueueFilter(sort=sort))
        assert pages == 6
        assert len({t.id for t in seen}) == 130 == len(seen)
        assert seen == sorted(seen, key=key), sort


def test_a_city_officers_pages_merge_the_city_and_its_counties(session, clock):
    """A city's tips lie under its own code and its counties' codes: each page is merged from one
    read per code, and the pages together are the whole city in queue order, each tip once."""
    city = factories.user(session, now=clock(), role="officer", division_code="410100")
    for division, n in (("410105", 61), ("410102", 37), ("410100", 9), ("410181", 1)):
        _bulk_tips(session, n, clock(), division=division)
    _bulk_tips(session, 20, clock(), division="410300")  # Luoyang: not Zhengzhou's
    assert q._divisions_to_merge(city)[:3] == ["410100", "410102", "410103"]
    for sort, key in ORDERS:
        seen, pages = _walk(session, city, q.QueueFilter(sort=sort))
        assert len(seen) == 108 == len({t.id for t in seen}), sort
        assert pages == 5
        assert {t.division_code for t in seen} == {"410105", "410102", "410100", "410181"}
        assert seen == sorted(seen, key=key), sort
    # Filters apply within every code's read.
    emails, _ = _walk(session, city, q.QueueFilter(channel="email"))
    assert emails and all(t.channel == "email" for t in emails) and len(emails) == len({t.id for t in emails})
    assert len(emails) == sum(1 for t in _walk(session, city, q.QueueFilter())[0] if t.channel == "email")


def test_filters_and_jurisdiction(session, clock):
    jinshui = factories.user(session, now=clock(), role="officer", division_code="410105")
    zhengzhou = factories.user(session, now=clock(), role="officer", division_code="410100")
    luoyang = factories.user(session, now=clock(), role="officer", division_code="410300")
    _bulk_tips(session, 20, clock())
    _bulk_tips(session, 5, clock(), division="410102")
    assert len(_walk(session, jinshui, q.QueueFilter())[0]) == 20
    assert len(_walk(session, zhengzhou, q.QueueFilter())[0]) == 25
    assert _walk(session, luoyang, q.QueueFilter())[0] == []
    assert all(t.channel == "email" for t in _walk(session, zhengzhou, q.QueueFilter(channel="email"))[0])
    assert {t.category_code for t in _walk(session, zhengzhou, q.QueueFilter(category="cert"))[0]} == {"cert.false"}
    assert [t.entity_name for t in _walk(session, zhengzhou, q.QueueFilter(entity="公司0003"))[0]] == ["公司0003"] * 2


def test_statements_per_page_are_constant(app, client, make_user, login, session, clock):
    make_user(username="counter", division_code="410105")
    _bulk_tips(session, 160, clock())
    login("counter")
    counts = []

    def count(*_args, **_kw):
        counts[-1] += 1

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        url = "/staff/tips"
        for _ in range(3):
            counts.append(0)
            html = client.get(url).get_data(as_text=True)
            assert html.count('href="/staff/tips/') == 50
            nxt = re.search(r'href="(/staff/tips\?after=[^"]+)"', html).group(1).replace("&amp;", "&")
            url = nxt
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert counts[0] == counts[1] == counts[2], counts


def test_due_filter_uses_working_days(app, session, clock):
    from tipline.cases.deadlines.filing import filing_due_threshold
    # Monday 2 March 2026, 09:30 in Zhengzhou: 3 working days ahead is Thursday 5 March; a tip received
    # on Tuesday 10 February has its 15th working day on 9 March (Spring Festival skipped) -> not yet due;
    # one received on 5 February is due 3 March -> due soon.
    threshold = filing_due_threshold(session, clock())
    local = threshold.astimezone(dt.timezone(dt.timedelta(hours=8))).date()
    assert dt.date(2026, 2, 5) <= local < dt.date(2026, 2, 10)


def test_due_filter_follows_the_filing_period_of_the_deadline_table(app, session, clock):
    from tipline.cases.deadlines.filing import filing_due_threshold
    from tipline.cases.deadlines.models import DeadlineRule
    sh = dt.timezone(dt.timedelta(hours=8))
    # Monday 2 March; 3 working days ahead is Thursday 5 March. 15 working days: received on Sunday
    # 8 February, due 5 March (the Spring Festival days skipped, Saturdays 14 and 28 February worked).
    assert filing_due_threshold(session, clock()).astimezone(sh).date() == dt.date(2026, 2, 8)
    # A 10-working-day filing period: received on 13 February is due 5 March; on the 14th, 6 March.
    session.scalars(select(DeadlineRule).where(DeadlineRule.clock == "filing")).one().length = 10
    session.flush()
    assert filing_due_threshold(session, clock()).astimezone(sh).date() == dt.date(2026, 2, 13)
