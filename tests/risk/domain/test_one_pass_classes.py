"""The daily classification of given enterprises reads ``enterprise_class`` once (issue #16 item 4): the
upsert itself skips the unchanged rows (``ON CONFLICT DO UPDATE ... WHERE``) and returns the previous class
(PostgreSQL 18's ``RETURNING old.class``); the two-pass statement (older servers) returns the same rows."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from services.risk.domain import classes
from tests.risk.domain.test_classes import CONFIG, DDL, TODAY, _positional
from tests.support.stack import Stack

AT = datetime(2026, 5, 20, 2, 0, tzinfo=UTC)

# (uscc, class, score, version) stored before the run; revision 1 each, reasons [].
STORED = [
    ("E1", "A", 0, "t1"),  # no signal: computed A / 0 / [] / t1, unchanged: not written
    ("E2", "A", 5, "t1"),  # score 5 → 0: written, same class
    ("E3", "C", 50, "t1"),  # C → A
    ("E5", "A", 0, "t1"),  # a general penalty decided today: A → B
    ("E6", "A", 0, "t0"),  # another configuration version: written, same class
]
# uscc → (class, score, previous class, class changed, revision)
EXPECTED = {
    "E2": ("A", 0, "A", False, 2),
    "E3": ("A", 0, "C", True, 2),
    # never classified: inserted, no previous class, revision 1
    "E4": ("A", 0, None, True, 1),
    # general penalty of 20 points, age 0 of a 1,095-day window: ⌊20 × (1095 − 0) / 1095⌋ = 20 ≥ B's 20
    "E5": ("B", 20, "A", True, 2),
    "E6": ("A", 0, "A", False, 2),
}


async def _run(conn: object, *, one_pass: bool) -> dict[str, tuple[object, ...]]:
    sql, names = _positional(classes.classification_sql(CONFIG, subset=True, one_pass=one_pass))
    params = {"today": TODAY, "version": "t1", "at": AT, "usccs": ["E1", "E2", "E3", "E4", "E5", "E6"]}
    rows = await conn.fetch(sql, *[params[n] for n in names])  # type: ignore[attr-defined]
    return {
        r["uscc"]: (r["class"], r["score"], r["previous_class"], r["class_changed"], r["revision"])
        for r in rows
    }


async def _prepare(conn: object) -> None:
    await conn.execute(DDL)  # type: ignore[attr-defined]
    await conn.executemany(  # type: ignore[attr-defined]
        "INSERT INTO risk_enterprise VALUES ($1)", [(u,) for u in ("E1", "E2", "E3", "E4", "E5", "E6")]
    )
    await conn.executemany(  # type: ignore[attr-defined]
        "INSERT INTO enterprise_class VALUES ($1, $2, $3, '[]', '[]', $4, $5, 1, $6)",
        [(u, c, s, v, TODAY, AT) for u, c, s, v in STORED],
    )
    await conn.execute(  # type: ignore[attr-defined]
        "INSERT INTO risk_penalty_signal (uscc, decided_on, tier) VALUES ('E5', $1, 'general')", TODAY
    )


@pytest.mark.parametrize("one_pass", [True, False])
async def test_the_subset_upsert_writes_the_changed_classes_with_their_previous_class(
    stack: Stack, one_pass: bool
) -> None:
    import asyncpg  # type: ignore[import-untyped]

    from services.common.db import plain_dsn

    conn = await asyncpg.connect(plain_dsn(await stack.anew_database("risk_one_pass", migrated=False)))
    try:
        await _prepare(conn)
        assert await _run(conn, one_pass=one_pass) == EXPECTED
        stored = {r["uscc"]: r for r in await conn.fetch("SELECT * FROM enterprise_class")}
        assert stored["E1"]["revision"] == 1 and stored["E1"]["classified_at"] == AT  # untouched
        assert json.loads(stored["E5"]["reasons"]) == [{"kind": "penalty_general", "count": 1, "points": 20}]
        assert {u: r["version"] for u, r in stored.items()} == dict.fromkeys(["E1", *EXPECTED], "t1")
    finally:
        await conn.close()


async def test_the_one_pass_statement_reads_enterprise_class_only_in_its_upsert(stack: Stack) -> None:
    import asyncpg

    from services.common.db import plain_dsn

    conn = await asyncpg.connect(plain_dsn(await stack.anew_database("risk_one_pass_plan", migrated=False)))
    try:
        await _prepare(conn)
        sql, names = _positional(classes.classification_sql(CONFIG, subset=True))
        params = {"today": TODAY, "version": "t1", "at": AT, "usccs": ["E1", "E2"]}
        rows = await conn.fetch(f"EXPLAIN {sql}", *[params[n] for n in names])
        plan = [r[0] for r in rows]
        assert any("Insert on enterprise_class" in line for line in plan), plan
        assert not [line for line in plan if "Scan" in line and " on enterprise_class" in line], plan
    finally:
        await conn.close()


@pytest.mark.parametrize("one_pass", [True, False])
async def test_the_full_upsert_writes_the_changed_classes_with_their_previous_class(
    stack: Stack, one_pass: bool
) -> None:
    """Every enterprise (a run): the same rows as the subset of all six, with either statement."""
    import asyncpg

    from services.common.db import plain_dsn

    conn = await asyncpg.connect(plain_dsn(await stack.anew_database("risk_one_pass_full", migrated=False)))
    try:
        await _prepare(conn)
        sql, names = _positional(classes.classification_sql(CONFIG, one_pass=one_pass))
        params = {"today": TODAY, "version": "t1", "at": AT}
        rows = await conn.fetch(sql, *[params[n] for n in names])
        assert {
            r["uscc"]: (r["class"], r["score"], r["previous_class"], r["class_changed"], r["revision"])
            for r in rows
        } == EXPECTED
    finally:
        await conn.close()


async def test_the_full_statement_does_not_join_the_written_rows_back_to_the_computed_ones(
    stack: Stack,
) -> None:
    """A first classification writes every enterprise: the upsert returns the previous class itself, and
    ``changed`` (every computed row) is read by the upsert only, not hashed again to join what it wrote."""
    import asyncpg

    from services.common.db import plain_dsn

    conn = await asyncpg.connect(
        plain_dsn(await stack.anew_database("risk_one_pass_full_plan", migrated=False))
    )
    try:
        await _prepare(conn)
        sql, names = _positional(classes.classification_sql(CONFIG))
        params = {"today": TODAY, "version": "t1", "at": AT}
        plan = [r[0] for r in await conn.fetch(f"EXPLAIN {sql}", *[params[n] for n in names])]
        # the two-pass statement scans it twice: for the upsert, and hashed to join the written rows
        assert sum("CTE Scan on changed" in line for line in plan) <= 1, plan
        assert any("Insert on enterprise_class" in line for line in plan), plan
    finally:
        await conn.close()


# E5's one reason: one general penalty (unit 件), plus 20 points
E5_TEXT = "一般处罚1件，加20分"


async def test_a_first_classification_makes_the_reason_texts_while_aggregating(stack: Stack) -> None:
    """No class stored yet, every enterprise is written: by a plain insert, its reason texts made with its
    reasons, not from each written row's reasons again (one ``jsonb_array_elements`` subplan per row)."""
    import asyncpg

    from services.common.db import plain_dsn

    conn = await asyncpg.connect(plain_dsn(await stack.anew_database("risk_first_texts", migrated=False)))
    try:
        await _prepare(conn)
        await conn.execute("TRUNCATE enterprise_class")
        sql, names = _positional(classes.classification_sql(CONFIG, first=True))
        params = {"today": TODAY, "version": "t1", "at": AT}
        plan = [r[0] for r in await conn.fetch(f"EXPLAIN {sql}", *[params[n] for n in names])]
        assert not [line for line in plan if "jsonb_array_elements" in line], plan
        # every row is new: a plain insert, no conflict checked (no speculative insertion)
        assert any("Insert on enterprise_class" in line for line in plan), plan
        assert not [line for line in plan if "Conflict" in line], plan
        rows = await conn.fetch(sql, *[params[n] for n in names])
        # all six new: E5 B / 20 (worked out above), the others A / 0 with no reason
        assert {r["uscc"]: (r["class"], r["score"], r["previous_class"], r["revision"]) for r in rows} == {
            **{u: ("A", 0, None, 1) for u in ("E1", "E2", "E3", "E4", "E6")},
            "E5": ("B", 20, None, 1),
        }
        texts = {r["uscc"]: json.loads(r["reason_texts"]) for r in rows}
        assert texts == {**{u: [] for u in ("E1", "E2", "E3", "E4", "E6")}, "E5": [E5_TEXT]}
        # run where a class is stored, the statement fails on the primary key: it never overwrites a class
        with pytest.raises(asyncpg.UniqueViolationError):
            await conn.fetch(sql, *[params[n] for n in names])
    finally:
        await conn.close()
