"""Related-tip suggestions on arrival: similar text across different business names, with the
compared texts kept per worker and read again when a tip's text changes."""
from __future__ import annotations

from sqlalchemy import event, select

from tipline.cases import entities
from tipline.extensions import db
from tipline.intake.models import Tip, TipSuggestion

from .. import factories

TEXT = ("该公司在没有做任何检测的情况下出具了水泥抗压强度检验报告，报告编号 2026-0211，"
        "样品从未送到实验室，负责人要求员工伪造原始记录并在报告上加盖检验专用章。")


def suggested(session, tip) -> dict[int, str]:
    return dict(session.execute(select(TipSuggestion.other_id, TipSuggestion.reason)
                                .where(TipSuggestion.tip_id == tip.id)).all())


def test_similar_text_is_suggested_and_follows_a_changed_text(app, session, clock):
    first, _ = factories.tip(session, now=clock(), entity_name="郑州甲检测技术有限公司", description=TEXT)
    other, _ = factories.tip(session, now=clock.advance(hours=1), entity_name="开封乙建材商行",
                             description="该商行销售的建材没有合格证，仓库里堆放着没有标签的原料。")
    session.commit()
    # Different business names, nearly the same words: suggested for the text.
    second, _ = factories.tip(session, now=clock.advance(hours=1), entity_name="新乡丙工程质量检测站",
                              description=TEXT.replace("2026-0211", "2026-0212"))
    session.commit()
    assert suggested(session, second) == {first.id: "similar_text"}

    # The first tip's text changes (as anonymisation does): the kept copy is not used any more.
    first.description = "（已匿名化）"
    session.commit()
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        third, _ = factories.tip(session, now=clock.advance(hours=1), entity_name="洛阳丁质检中心",
                                 description=TEXT.replace("2026-0211", "2026-0213"))
        session.commit()
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert suggested(session, third) == {second.id: "similar_text"}
    # Only the changed tip's text was read again; the others came from the worker's kept copies.
    [reread] = [s for s in statements if "tip.description" in s and "IN (" in s.upper()]
    assert reread.count("tip.description") == 1


def test_kept_texts_are_never_shared_between_tips_with_the_same_id_and_version(app):
    """A tip of another database (a restore, a test) can have the same id and version: the key also
    holds the tip's own random receipt hash."""
    key_a, key_b = (7, 1, "a" * 64), (7, 1, "b" * 64)
    from tipline import crypto
    entities._keep_text(key_a, crypto.keyring().encrypt("甲的文字".encode()))
    assert entities._kept_text(key_a) == "甲的文字"
    assert entities._kept_text(key_b) is None


def test_two_reports_about_the_same_new_business_at_once(app, session, clock):
    """PostgreSQL: another submission stores the same new business between this one's look and its
    insert; this one's INSERT ... ON CONFLICT DO NOTHING skips, it links the winner's row, and its
    tip is stored.
    SQLite: the other writer cannot write at all meanwhile (BEGIN IMMEDIATE), so no race there."""
    import sqlite3

    import pytest
    from sqlalchemy import func

    from tipline.cases.models import Entity
    raced = []

    def another_submission(conn, cursor, statement, params, context, executemany):
        if not raced and statement.lstrip().upper().startswith("SELECT") and "FROM entity" in statement:
            raced.append(True)
            if db.engine.dialect.name == "sqlite":
                other = sqlite3.connect(db.engine.url.database, timeout=0)
                try:
                    with pytest.raises(sqlite3.OperationalError, match="locked"):
                        other.execute("BEGIN IMMEDIATE")
                finally:
                    other.close()
            else:
                other = db.factory()
                try:
                    other.add(Entity(key=entities.entity_key("郑州同名检测有限公司", None),
                                     name="郑州同名检测有限公司"))
                    other.commit()
                finally:
                    other.close()

    event.listen(db.engine, "after_cursor_execute", another_submission)
    try:
        tip, code = factories.tip(session, now=clock(), entity_name="郑州同名检测有限公司")
        session.commit()
    finally:
        event.remove(db.engine, "after_cursor_execute", another_submission)
    assert raced, "the competing submission did not run"
    assert code and tip.entity_id is not None
    assert session.scalar(select(func.count(Entity.id))) == 1
    assert session.get(Tip, tip.id).entity_id == session.scalar(select(Entity.id))


def test_candidates_are_the_newest_of_the_whole_city_within_the_window(app, session, clock, monkeypatch):
    """Suggestions compare a new tip with the newest tips of its city (the city's own code and every
    county's, each read by its own index seek and merged), never another city's, never older than
    the window, and at most SUGGESTION_CANDIDATES of them."""
    import datetime as dt

    name = "郑州同城检测有限公司"
    old, _ = factories.tip(session, now=clock() - dt.timedelta(days=200), division_code="410102", entity_name=name)
    a, _ = factories.tip(session, now=clock(), division_code="410105", entity_name=name)
    b, _ = factories.tip(session, now=clock.advance(hours=1), division_code="410102", entity_name=name)
    c, _ = factories.tip(session, now=clock.advance(hours=1), division_code="410100", entity_name=name)
    luoyang, _ = factories.tip(session, now=clock.advance(hours=1), division_code="410302", entity_name=name)
    e, _ = factories.tip(session, now=clock.advance(hours=1), division_code="410181", entity_name=name)
    session.commit()

    new, _ = factories.tip(session, now=clock.advance(hours=1), division_code="410105", entity_name=name)
    session.commit()
    assert suggested(session, new) == {a.id: "similar_name", b.id: "similar_name", c.id: "similar_name",
                                       e.id: "similar_name"}

    monkeypatch.setattr(entities, "SUGGESTION_CANDIDATES", 3)
    newer, _ = factories.tip(session, now=clock.advance(hours=1), division_code="410100", entity_name=name)
    session.commit()
    # The three newest of the city: the tip just before, then e and c; not b or a, nor Luoyang's.
    assert set(suggested(session, newer)) == {new.id, e.id, c.id}
    assert luoyang.id not in suggested(session, newer) and old.id not in suggested(session, new)
