"""Writing a draw's thousands of rows (clocks, inspection tasks, officers) in a few statements.

A plan over 50,000 bodies draws ~3,600 tasks, each with a clock and two officers: ~14,000 rows.
Through ORM flushes these became SQLAlchemy's multi-row `INSERT ... VALUES (...), (...) RETURNING`
batches, and psycopg converted each batch's long, never-repeated statement text client-side
(`_query2pg_nocache`): 5.4 of the 16 s of a profiled draw (docs/benchmarks.md, issue 24).

On PostgreSQL each table is now written by ONE short statement whose columns arrive as arrays
(`INSERT ... SELECT * FROM unnest(...)`): the text is the same whatever the number of rows, so
psycopg converts it once, and the server plans it once. Primary keys are taken from the table's
sequence beforehand (one `nextval` per row in one SELECT) so the caller knows which clock belongs
to which task without relying on the order of RETURNING. Other databases (SQLite, the tests'
default) get a Core executemany with `RETURNING` in parameter order. Either way no ORM objects.
"""
from __future__ import annotations

import contextlib
import gc

from sqlalchemy import FromClause, Table, insert, text
from sqlalchemy.orm import Session


@contextlib.contextmanager
def cycle_collector_paused():
    """Pause Python's cyclic garbage collector while a draw builds its ~120,000 small lists, tuples
    and dicts (none of them cyclic; reference counting frees them all the same). Each allocation
    burst otherwise triggers collections that walk the whole heap: ~500 collections, 1.2-1.6 s of
    a 4 s draw at 50,000 bodies in the benchmark's process (docs/benchmarks.md, issue 24). The
    collector's previous state is restored, also on error; the pause is process-wide, so it is kept
    to the draw's own work."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def insert_rows(session: Session, table: FromClause, rows: list[dict], *, want_ids: bool = False) -> list[int]:
    """Insert `rows` (dicts with the same keys) into `table`; with `want_ids`, return their new
    primary keys in the order of `rows` (else an empty list)."""
    if not isinstance(table, Table):  # a model's __table__, typed as any FromClause
        raise TypeError(f"expected a Table, got {type(table).__name__}")
    if not rows:
        return []
    columns = list(rows[0])
    if not _postgresql(session):
        if not want_ids:
            session.execute(insert(table), rows)
            return []
        result = session.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows)
        return [r[0] for r in result]
    dialect = session.get_bind().dialect
    ids: list[int] = []
    if want_ids:
        ids = list(session.scalars(text("SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)"),
                                   {"t": table.name, "n": len(rows)}))
        columns = ["id"] + columns
    params, arrays, scalars, names = {}, [], [], []
    for n, name in enumerate(columns):
        column = table.c[name]
        values = ids if name == "id" and want_ids else [r[name] for r in rows]
        process = column.type.bind_processor(dialect)
        kind = column.type.compile(dialect=dialect)
        first = values[0]
        if name != "id" and values.count(first) == len(values) and len(set(map(type, values))) == 1:
            # the same in every row (plan, state, time...): one scalar, not an array to convert
            params[f"c{n}"] = process(first) if process else first
            scalars.append((name, f"CAST(:c{n} AS {kind})"))
            continue
        params[f"c{n}"] = [process(v) for v in values] if process else values
        names.append(name)
        arrays.append(f"CAST(:c{n} AS {kind}[])")
    columns_sql = ", ".join(names + [n for n, _c in scalars])
    scalars_sql = "".join(", " + c for _n, c in scalars)
    # Names come from the Table object and its compiled column types, never from the rows; values are bound.
    sql = f"INSERT INTO {table.name} ({columns_sql}) SELECT u.*{scalars_sql} FROM unnest({', '.join(arrays)}) AS u"  # noqa: S608
    session.execute(text(sql), params)
    return ids
