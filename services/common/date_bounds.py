"""The days and instants a database holds are the ones the API accepts (``services.common.fields``: years
1900–2199): CHECK constraints on the columns that take a day or an instant from outside (a request body, an
event, an import), so that no writer (a consumer, a bulk import, a job, a future route) stores what a
request could not, such as the ``infinity`` asyncpg writes for ``date.max``, which every later read answered
with a 500.

``bounded_metadata`` is a service's metadata with the constraints (``models.py``); ``bound_columns`` is what
each service's ``*_date_bounds`` migration runs: it reports the stored values out of range, repairs those that
have a repair that keeps their meaning, refuses the migration naming the rows of those that have none, and
adds the constraints (docs/operations.md, "Days and instants out of range"). The bounds are read from
``services.common.fields``: should the API's range ever change, the constraints need a migration of their own
(and these migrations, run on a new database, would create the new range at once).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from services.common.db import make_metadata, violated_constraint
from services.common.fields import FIRST_DAY, LAST_DAY

log = logging.getLogger(__name__)

_FIRST = f"'{FIRST_DAY.isoformat()}'"
_LAST = f"'{LAST_DAY.isoformat()}'"
# An instant is in range when its UTC day is: from FIRST_DAY 00:00 UTC to before the day after LAST_DAY.
_FIRST_INSTANT = f"'{FIRST_DAY.isoformat()} 00:00:00+00'"
_PAST_LAST_INSTANT = f"'{(LAST_DAY + timedelta(days=1)).isoformat()} 00:00:00+00'"

Kind = Literal["day", "instant"]
#: What a stored value out of range becomes: ``refuse``: nothing (the migration stops and names the rows: a
#: day something happened on has no other day it could have been); ``last``: a value past the range (as
#: ``infinity``) becomes the last day, which keeps the meaning of an open end (a validity, a quiet window, a
#: deadline "never"), one before the range is refused; ``first``: the mirror image for a period's start.
Repair = Literal["refuse", "first", "last"]


#: The end of every such constraint's name: a write it refuses is told apart by it (``out_of_range``).
SUFFIX = "_in_range"


def constraint_name(table: str, column: str) -> str:
    """The constraint's name under the project's naming convention (``ck_<table>_<name>``)."""
    return f"ck_{table}_{column}{SUFFIX}"


def out_of_range(exc: BaseException) -> bool:
    """Whether ``exc`` is the database refusing a write for one of these constraints: a day or an instant
    derived from valid input (a deadline, the end of a publication period) past the stored years. Bad input,
    not a conflict: no retry can succeed (the edge answers 422 INVALID_DATA, the inbox dead-letters it at
    once)."""
    return isinstance(exc, sa_exc.IntegrityError) and violated_constraint(exc).endswith(SUFFIX)


def in_range(column: str, kind: Kind) -> str:
    """The CHECK condition of ``column``."""
    if kind == "day":
        return f"{column} BETWEEN {_FIRST} AND {_LAST}"
    return f"{column} >= {_FIRST_INSTANT} AND {column} < {_PAST_LAST_INSTANT}"


def _kind_of(column: sa.Column[Any]) -> Kind | None:
    if isinstance(column.type, sa.DateTime):
        return "instant"
    if isinstance(column.type, sa.Date):
        return "day"
    return None


def bounded_metadata(instants: Mapping[str, Iterable[str]] | None = None) -> sa.MetaData:
    """A service's metadata (``services.common.db.make_metadata``) on which every ``date`` column (the kernel's
    ``calendar_override.day`` included) and the ``instants`` named per table (``timestamptz`` columns from
    outside; those only the server clock sets are left alone) get their CHECK as their table is defined."""
    metadata = make_metadata()
    named = {table: frozenset(columns) for table, columns in (instants or {}).items()}

    def attached(column: sa.Column[Any], table: Any) -> None:
        if not isinstance(table, sa.Table) or table.metadata is not metadata:
            return
        kind = _kind_of(column)
        if kind == "day" or (kind == "instant" and column.name in named.get(table.name, ())):
            table.append_constraint(
                sa.CheckConstraint(in_range(column.name, kind), name=f"{column.name}{SUFFIX}")
            )

    sa.event.listen(sa.Column, "after_parent_attach", attached)
    return metadata


@dataclass(frozen=True)
class Bounded:
    """A column a ``*_date_bounds`` migration constrains, and what a stored value out of range becomes."""

    table: str
    column: str
    repair: Repair = "refuse"
    kind: Kind = "day"

    def __post_init__(self) -> None:
        if self.kind == "instant" and self.repair != "refuse":
            raise ValueError(f"{self.table}.{self.column}: an instant out of range is refused, not repaired")


def _first(kind: Kind) -> str:
    return _FIRST if kind == "day" else _FIRST_INSTANT


def _out_of_range(c: Bounded) -> tuple[str, str]:
    """The conditions of ``c``'s values out of range: those its repair does not cover, those it does."""
    below = f"{c.column} < {_first(c.kind)}"
    above = f"{c.column} > {_LAST}" if c.kind == "day" else f"{c.column} >= {_PAST_LAST_INSTANT}"
    return {"refuse": (f"({below} OR {above})", "false"), "first": (above, below), "last": (below, above)}[
        c.repair
    ]


def _key_columns(conn: sa.Connection, table: str) -> list[str]:
    return list(
        conn.execute(
            sa.text(
                "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid"
                " AND a.attnum = ANY (i.indkey) WHERE i.indrelid = CAST(:t AS regclass) AND i.indisprimary"
                " ORDER BY array_position(CAST(i.indkey AS int2[]), a.attnum)"
            ),
            {"t": table},
        ).scalars()
    )


_NAMED = 20  # rows named per column in a refusal


def _named_rows(conn: sa.Connection, c: Bounded) -> str:
    keys = _key_columns(conn, c.table)
    key_text = " || ', ' || ".join(f"CAST({k} AS text)" for k in keys)
    rows = conn.execute(
        sa.text(
            f"SELECT {key_text}, CAST({c.column} AS text) FROM {c.table}"
            f" WHERE {_out_of_range(c)[0]} ORDER BY 1 LIMIT {_NAMED + 1}"
        )
    ).all()
    more = " and more" if len(rows) > _NAMED else ""
    named = "; ".join(f"({', '.join(keys)}) = ({key}): {value}" for key, value in rows[:_NAMED])
    return f"{c.table}.{c.column} ({c.repair}): {named}{more}"


def bound_columns(op: Any, columns: Sequence[Bounded]) -> None:
    """Inside a ``*_date_bounds`` migration: count each table's values out of range (one scan); refuse, naming
    up to 20 rows per column by their primary key, if one has no repair; else repair and report the others;
    then add the CHECK constraints, one ``ALTER TABLE`` per table (one more scan, of each partition on a
    partitioned table, under an ACCESS EXCLUSIVE lock held until the migration commits)."""
    conn = op.get_bind()
    by_table: dict[str, list[Bounded]] = {}
    for c in columns:
        by_table.setdefault(c.table, []).append(c)
    refused: list[str] = []
    repairs: list[Bounded] = []
    for table, cs in by_table.items():
        counts = conn.execute(
            sa.text(
                "SELECT "
                + ", ".join(f"count(*) FILTER (WHERE {cond})" for c in cs for cond in _out_of_range(c))
                + f" FROM {table}"
            )
        ).one()
        for i, c in enumerate(cs):
            if counts[2 * i]:
                refused.append(_named_rows(conn, c))
            if counts[2 * i + 1]:
                repairs.append(c)
    if refused:
        raise RuntimeError(
            "stored days or instants outside 1900-01-01 .. 2199-12-31 that no repair keeps the meaning of;"
            " correct or remove these rows (docs/operations.md, 'Days and instants out of range') and run the"
            " migration again:\n  " + "\n  ".join(refused)
        )
    for c in repairs:
        day = _LAST if c.repair == "last" else _FIRST
        result = conn.execute(sa.text(f"UPDATE {c.table} SET {c.column} = {day} WHERE {_out_of_range(c)[1]}"))
        log.warning(
            "%s.%s: %d stored value(s) out of range (as infinity) set to %s",
            c.table,
            c.column,
            result.rowcount,
            day.strip("'"),
        )
    for table, cs in by_table.items():
        op.execute(
            f"ALTER TABLE {table} "
            + ", ".join(
                f"ADD CONSTRAINT {constraint_name(table, c.column)} CHECK ({in_range(c.column, c.kind)})"
                for c in cs
            )
        )


def unbound_columns(op: Any, columns: Sequence[Bounded]) -> None:
    """The reverse of ``bound_columns``: the constraints dropped (repaired values stay repaired)."""
    for c in reversed(columns):
        op.execute(f"ALTER TABLE {c.table} DROP CONSTRAINT {constraint_name(c.table, c.column)}")
