"""The entry hot path (check-in, entry codes, scans, back-fill): few round trips, no ORM identity map.

An entry needs a dozen facts (the code, the task and the enterprise's place in it, the people, the item
versions, this year's visits, the risk class, quiet windows, department names). They are read in ONE
statement returning a JSON document, after the enterprise row has been locked by a statement of its own
(so the read's snapshot is taken after any concurrent entry to the same enterprise has committed), and
the visit is written together with the consumption of the code in ONE statement. A refusal is written by
``insert_refusal`` in a transaction of its own (use_cases/entry.py).

The check-in sends its BEGIN with the enterprise's lock (``begin_and_lock``: one simple-protocol message, the
enterprise's columns then read with the facts), so it is four round trips: BEGIN + lock, facts,
claim-and-insert, COMMIT.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.common import clock, db, outbox, partitions
from services.common.clock import local_date
from services.inspection import models as m
from services.inspection.domain import entry_rules, frequency, qualifications, registry
from services.inspection.domain.frequency import TaskKind
from services.inspection.repository.rows import legal_refs, year_bounds


@dataclass(frozen=True, slots=True)
class EnterpriseRow:
    uscc: str
    name: str
    district_code: str
    industry: str
    address: str
    legal_rep_masked: str
    code_serial: int

    def domain(self) -> registry.Enterprise:
        return registry.Enterprise(
            self.uscc, self.name, self.district_code, self.industry, self.address, self.legal_rep_masked
        )


_ENTERPRISE_COLUMNS = "uscc, name, district_code, industry, address, legal_rep_masked, code_serial"
_LOCK_ENTERPRISE = f"SELECT {_ENTERPRISE_COLUMNS} FROM enterprise WHERE uscc = $1 FOR NO KEY UPDATE"
_READ_ENTERPRISE = f"SELECT {_ENTERPRISE_COLUMNS} FROM enterprise WHERE uscc = $1"


async def enterprise_row(session: AsyncSession, uscc: str, *, lock: bool) -> EnterpriseRow | None:
    """The enterprise; ``lock`` takes FOR NO KEY UPDATE, serialising entries to one enterprise (caps, codes).

    Always the first statement of an entry: it opens the request's transaction (``_driver``), in which it and
    the statements after it run straight on the session's asyncpg connection (prepared statements asyncpg
    caches per connection), and which the edge commits or rolls back through the session as for any request.
    """
    raw = await _driver(session)
    row = await raw.fetchrow(_LOCK_ENTERPRISE if lock else _READ_ENTERPRISE, uscc)
    return EnterpriseRow(*row) if row is not None else None


_DRIVER = "inspection_driver_connection"


async def _driver(session: AsyncSession) -> Any:
    """The asyncpg connection of the session's transaction (``db.driver_connection``), kept in the session for
    the request's next statements: the entry statements run on it straight, without SQLAlchemy's execution
    layer (issue #16: about a tenth of a millisecond each). ``forget_driver`` drops it after a rollback."""
    raw = session.info.get(_DRIVER)
    if raw is None:
        raw = session.info[_DRIVER] = await db.driver_connection(session)
    elif not raw.is_in_transaction():
        raise RuntimeError("the entry statements must run inside the request's transaction")
    return raw


async def rollback(session: AsyncSession) -> None:
    """Roll the request's transaction back, on the session's connection or on its pooled one
    (``begin_and_lock``), and return that connection to the pool: never used through this session again."""
    try:
        await session.rollback()
    finally:
        session.info.pop(_DRIVER, None)
        session.info.pop(outbox.PENDING_KEY, None)  # as the session's rollback drops them (outbox.py)
        await db.release_pooled(session)


# A USCC (GB 32100-2015) is 18 digits and capital letters: written into a statement as a literal it needs no
# quoting and cannot end the literal. Anything else takes the prepared path (``enterprise_row``).
_LITERAL_USCC = re.compile(r"[0-9A-Z]{18}")
# The lock as a named prepared statement of the connection (prepared once per connection, its plan cached as
# asyncpg caches its own): the simple-protocol message EXECUTEs it, so PostgreSQL does not plan the lock again
# for every check-in (a plain SELECT in that message was 0.065 ms of planning per check-in).
_LOCK_PREPARED = "zhifa_lock_enterprise"
_PREPARE_LOCK = f"PREPARE {_LOCK_PREPARED}(text) AS SELECT FROM enterprise WHERE uscc = $1 FOR NO KEY UPDATE"
# asyncpg's BEGIN for the isolation levels SQLAlchemy's adapter passes it (asyncpg ``Transaction.start``).
_BEGIN_SQL = {
    None: "BEGIN",
    "read_committed": "BEGIN ISOLATION LEVEL READ COMMITTED",
    "repeatable_read": "BEGIN ISOLATION LEVEL REPEATABLE READ",
    "serializable": "BEGIN ISOLATION LEVEL SERIALIZABLE",
}


class _Begun:
    """The transaction ``begin_and_lock`` began, as SQLAlchemy's adapter holds an asyncpg transaction: the
    session's COMMIT or ROLLBACK (the edge's, a refusal's, the pool's reset) ends it on the same connection."""

    __slots__ = ("_raw",)

    def __init__(self, raw: Any) -> None:
        self._raw = raw

    async def commit(self) -> None:
        await self._raw.execute("COMMIT")

    async def rollback(self) -> None:
        await self._raw.execute("ROLLBACK")


async def begin_and_lock(session: AsyncSession, uscc: str) -> bool:
    """Lock the enterprise (FOR NO KEY UPDATE) as the first statement of the session's transaction; False when
    no such enterprise is registered. Its columns are read afterwards, with the facts (``entry_facts``).

    The check-in's hot path (issue #16): BEGIN and the lock go in ONE simple-protocol message (BEGIN and the
    EXECUTE of the connection's prepared lock, the USCC a literal), not asyncpg's BEGIN and then its prepared lock — a round trip fewer for the service,
    PostgreSQL and the event loop. The lock is still a statement of its own, so the facts' snapshot is taken
    after it is granted. A USCC that is not 18 digits and capitals, an isolation level asyncpg would begin
    otherwise, or a transaction already begun takes the prepared path (``enterprise_row``).

    When the edge offers the request a pooled connection of its own and the session has begun nothing (no
    Idempotency-Key step before), the transaction runs on that connection, without SQLAlchemy's session,
    ``Connection`` and commit around it (``db.pooled_connection``: ~0.15 ms of CPU a check-in); the edge
    commits it. Every statement of the entry then runs on it (``_driver``)."""
    if _DRIVER not in session.info and _LITERAL_USCC.fullmatch(uscc):
        pooled = await db.pooled_connection(session)
        pooled_begin = _BEGIN_SQL.get(db.pooled_dbapi(session).isolation_level) if pooled else None
        if pooled is not None and pooled_begin is None:  # an isolation level asyncpg would begin otherwise
            await db.release_pooled(session)
        elif pooled is not None:
            session.info[_DRIVER] = pooled  # held first: a failed lock is rolled back by the edge (release)
            info = db.pooled_info(session)
            if not info.get(_LOCK_PREPARED):  # kept with the connection, across checkouts
                await pooled.execute(_PREPARE_LOCK)
                info[_LOCK_PREPARED] = True
            status = await pooled.execute(f"{pooled_begin}; EXECUTE {_LOCK_PREPARED}('{uscc}')")
            return bool(status == "SELECT 1")
        proxied = (await session.connection()).sync_connection.connection  # type: ignore[union-attr]
        adapted: Any = proxied.dbapi_connection
        begin = _BEGIN_SQL.get(adapted.isolation_level)
        raw = proxied.driver_connection
        if (
            raw is not None
            and adapted._transaction is None
            and begin is not None
            and not adapted.readonly
            and not adapted.deferrable
        ):
            if not proxied.info.get(_LOCK_PREPARED):  # kept with the connection, across checkouts
                await raw.execute(_PREPARE_LOCK)
                proxied.info[_LOCK_PREPARED] = True
            # held before it is sent: if the lock fails after BEGIN, the session's rollback ends the transaction
            adapted._transaction = _Begun(raw)
            status = await raw.execute(f"{begin}; EXECUTE {_LOCK_PREPARED}('{uscc}')")
            session.info[_DRIVER] = raw
            return bool(status == "SELECT 1")
    return await enterprise_row(session, uscc, lock=True) is not None


_ENTRY_FACTS = """
    SELECT json_build_object(/*enterprise*/
      'code', (SELECT json_build_object('task_id', c.task_id, 'uscc', c.uscc, 'used_at', c.used_at,
                                        'accompanying_ids', c.accompanying_ids)
               FROM entry_code c WHERE c.code_id = $1),
      'task', (SELECT json_build_object(
                 'task_id', t.task_id, 'kind', t.kind, 'lead_dept', t.lead_dept, 'dept_codes', t.dept_codes,
                 'item_codes', t.item_codes, 'status', t.status, 'starts_on', t.starts_on, 'ends_on', t.ends_on,
                 'urgent', t.urgent, 'lead_id', t.lead_id, 'requested_by_enterprise', t.requested_by_enterprise,
                 'created_at', t.created_at, 'created_by', t.created_by, 'approved_at', t.approved_at,
                 'approved_by', t.approved_by, 'status_reason', t.status_reason,
                 'draw_fingerprint', t.draw_fingerprint)
               FROM task t WHERE t.task_id = $2),  -- never the draw record: it can be large
      'member', (SELECT te.assigned_cert_nos FROM task_enterprise te WHERE te.task_id = $2 AND te.uscc = $3),
      'people', (SELECT coalesce(json_agg(json_build_object('o', row_to_json(o), 'department', d.name)), '[]')
                 FROM officer o JOIN department d ON d.code = o.dept_code
                 WHERE o.cert_no = ANY($4::text[]) OR o.officer_id = ANY($5::uuid[])
                    OR o.officer_id = ANY(coalesce(
                         (SELECT c.accompanying_ids FROM entry_code c WHERE c.code_id = $1), '{}')::uuid[])),
      'items', (SELECT coalesce(json_agg(row_to_json(i)), '[]') FROM inspection_item i
                WHERE i.code = ANY($6::text[])),
      'visits', (SELECT coalesce(json_agg(json_build_object(
                   'visit_id', v.visit_id, 'started_at', v.started_at, 'task_kind', v.task_kind,
                   'dept_codes', v.dept_codes, 'requested_by_enterprise', v.requested_by_enterprise,
                   'mode', v.mode)), '[]')
                 FROM visit v WHERE v.uscc = $3 AND v.started_at >= $7 AND v.started_at < $8),
      'risk_class', (SELECT ec.risk_class FROM enterprise_class ec WHERE ec.uscc = $3),
      'quiet', (SELECT coalesce(json_agg(json_build_object(
                  'starts_on', q.starts_on, 'ends_on', q.ends_on, 'reason', q.reason, 'uscc', q.uscc)), '[]')
                FROM quiet_window q WHERE q.starts_on <= $9 AND q.ends_on >= $9 AND (q.uscc IS NULL OR q.uscc = $3))
    )::text
"""
# The check-in's facts also carry the enterprise's row (``begin_and_lock`` only locked it).
_ENTRY_FACTS_WITH_ENTERPRISE = _ENTRY_FACTS.replace(
    "/*enterprise*/",
    f"\n      'enterprise', (SELECT json_build_array({_ENTERPRISE_COLUMNS}) FROM enterprise WHERE uscc = $3),",
)
_ENTRY_FACTS = _ENTRY_FACTS.replace("/*enterprise*/", "")


@dataclass(frozen=True, slots=True)
class CodeFacts:
    """The stored entry code named by a check-in."""

    task_id: str
    uscc: str
    used_at: datetime | None
    accompanying_ids: list[str]


@dataclass
class EntryFacts:
    """What the entry rules need, read in one statement."""

    code: CodeFacts | None
    task: entry_rules.Task | None  # the enterprise counted in it only if it is a member
    assigned: list[str] | None  # None: the enterprise is not in the task
    officers: list[tuple[registry.Officer, str]]  # (officer, department name)
    catalogue: registry.Catalogue
    records: list[frequency.VisitRecord]
    risk_class: str | None
    windows: list[frequency.QuietWindow]
    enterprise: EnterpriseRow | None = None  # read only with ``with_enterprise``


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def ts_or_none(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def officer_from_json(o: dict[str, Any]) -> registry.Officer:
    return registry.Officer(
        officer_id=o["officer_id"],
        name=o["name"],
        dept_code=o["dept_code"],
        cert_no=o["cert_no"],
        status=registry.OfficerStatus(o["status"]),
        valid_until=_date(o["valid_until"]),
        auxiliary=o["auxiliary"],
        id_number_masked=o["id_number_masked"],
        status_since=_date(o["status_since"]),
        status_reason=o["status_reason"],
        retraining=o["retraining"],
        return_date=_date(o["return_date"]),
        revision=o["revision"],
    )


def item_from_json(i: dict[str, Any]) -> registry.InspectionItem:
    return registry.InspectionItem(
        code=i["code"],
        name=i["name"],
        dept_code=i["dept_code"],
        legal_basis=legal_refs(i["legal_basis"]),
        level=registry.ItemLevel(i["level"]),
        enterprise_related=i["enterprise_related"],
        key_area=i["key_area"],
        on_site=i["on_site"],
        version=i["version"],
        effective_from=date.fromisoformat(i["effective_from"]),
        retired_on=_date(i["retired_on"]),
    )


def task_from_json(t: dict[str, Any], usccs: Iterable[str]) -> entry_rules.Task:
    created = ts_or_none(t["created_at"])
    assert created is not None
    return entry_rules.Task(
        task_id=t["task_id"],
        kind=TaskKind(t["kind"]),
        lead_dept=t["lead_dept"],
        dept_codes=frozenset(t["dept_codes"]),
        enterprises=frozenset(usccs),
        created_at=created,
        created_by=t["created_by"],
        item_codes=frozenset(t["item_codes"]),
        status=entry_rules.TaskStatus(t["status"]),
        starts_on=_date(t["starts_on"]),
        ends_on=_date(t["ends_on"]),
        urgent=t["urgent"],
        lead_id=t["lead_id"],
        requested_by_enterprise=t["requested_by_enterprise"],
        approved_at=ts_or_none(t["approved_at"]),
        approved_by=t["approved_by"],
        status_reason=t["status_reason"],
        draw_fingerprint=t["draw_fingerprint"],
    )


async def entry_facts(
    session: AsyncSession,
    *,
    uscc: str,
    task_id: uuid.UUID | None,
    cert_nos: Sequence[str],
    officer_ids: Sequence[uuid.UUID],
    item_codes: Sequence[str],
    at: datetime,
    code_id: uuid.UUID | None = None,
    with_enterprise: bool = False,
) -> EntryFacts:
    year_start, year_end = year_bounds(frequency.year_of(at))
    raw = await _driver(session)
    text = await raw.fetchval(
        _ENTRY_FACTS_WITH_ENTERPRISE if with_enterprise else _ENTRY_FACTS,
        code_id,
        task_id,
        uscc,
        list(cert_nos),
        list(officer_ids),
        list(item_codes),
        year_start,
        year_end,
        local_date(at),
    )
    doc = orjson.loads(text)
    code, task, member = doc["code"], doc["task"], doc["member"]
    enterprise = doc.get("enterprise")
    return EntryFacts(
        code=(
            CodeFacts(code["task_id"], code["uscc"], ts_or_none(code["used_at"]), code["accompanying_ids"])
            if code is not None
            else None
        ),
        task=task_from_json(task, [uscc] if member is not None else []) if task is not None else None,
        assigned=member,
        officers=[(officer_from_json(p["o"]), p["department"]) for p in doc["people"]],
        catalogue=registry.Catalogue(item_from_json(i) for i in doc["items"]),
        records=[
            frequency.VisitRecord(
                visit_id=v["visit_id"],
                uscc=uscc,
                started_at=datetime.fromisoformat(v["started_at"]),
                task_kind=TaskKind(v["task_kind"]),
                dept_codes=frozenset(v["dept_codes"]),
                requested_by_enterprise=v["requested_by_enterprise"],
                emergency=v["mode"] == "emergency",
                backfilled=v["mode"] == "backfilled",
            )
            for v in doc["visits"]
        ],
        risk_class=doc["risk_class"],
        windows=[
            frequency.QuietWindow(
                date.fromisoformat(q["starts_on"]), date.fromisoformat(q["ends_on"]), q["reason"], q["uscc"]
            )
            for q in doc["quiet"]
        ],
        enterprise=EnterpriseRow(*enterprise) if enterprise is not None else None,
    )


_VISIT_COLUMNS = (
    "visit_id",
    "task_id",
    "task_kind",
    "uscc",
    "district_code",
    "mode",
    "status",
    "started_at",
    "recorded_at",
    "reason",
    "entry_code_id",
    "requested_by_enterprise",
    "dept_codes",
    "cert_nos",
    "officers",
    "accompanying",
    "item_codes",
    "items",
    "started_by",
    "started_by_role",
    "request_id",
)
_VISIT_CASTS = {
    "visit_id": "uuid",
    "task_id": "uuid",
    "started_at": "timestamptz",
    "recorded_at": "timestamptz",
    "entry_code_id": "uuid",
    "requested_by_enterprise": "boolean",
    "dept_codes": "text[]",
    "cert_nos": "text[]",
    "officers": "jsonb",
    "accompanying": "jsonb",
    "item_codes": "text[]",
    "items": "jsonb",
}
_JSON_COLUMNS = frozenset({"officers", "accompanying", "items"})
_VISIT_PARAMS = ", ".join(
    f"${i}::{_VISIT_CASTS.get(c, 'text')}" for i, c in enumerate(_VISIT_COLUMNS, start=1)
)
_VISIT_VALUES = f"({', '.join(_VISIT_COLUMNS)}) SELECT {_VISIT_PARAMS}"
_CODE_PARAM = len(_VISIT_COLUMNS) + 1
_ONLY_WITH_VISIT = "WHERE EXISTS (SELECT FROM new_visit)"
_STARTED = f"SELECT visit_id, {outbox.WAKE_RELAY} FROM new_visit"
# On the request's pooled connection the relay is woken after the COMMIT instead (``db.notify_after_commit``).
_STARTED_QUIET = "SELECT visit_id FROM new_visit"


def _insert_visit_sql(*, claim: bool, quiet: bool, one_event: bool) -> str:
    """The visit, its staged events and (unless ``quiet``) the relay's wake-up in one statement (issue #16: one
    round trip, not three); with ``claim`` only if the entry code (the parameter after the visit's columns) is
    still unused, consuming it (``$9``: recorded_at). The events' parameters follow: one event's five values
    (``outbox.insert_one_sql``: a check-in stages one), or the five arrays of any number (``insert_sql``)."""
    first = _CODE_PARAM + 1 if claim else _CODE_PARAM
    events = (outbox.insert_one_sql if one_event else outbox.insert_sql)(first, where=_ONLY_WITH_VISIT)
    claimed = (
        f"claimed AS (UPDATE entry_code SET used_at = $9::timestamptz, visit_id = $1::uuid"
        f" WHERE code_id = ${_CODE_PARAM}::uuid AND used_at IS NULL RETURNING code_id), "
        if claim
        else ""
    )
    source = " FROM claimed" if claim else ""
    return (
        f"WITH {claimed}new_visit AS (INSERT INTO visit {_VISIT_VALUES}{source} RETURNING visit_id),"
        f" events AS ({events}) {_STARTED_QUIET if quiet else _STARTED}"
    )


# Every statement ``insert_visit`` sends, by (claim, quiet, one event).
_INSERT_VISIT = {
    (claim, quiet, one): _insert_visit_sql(claim=claim, quiet=quiet, one_event=one)
    for claim in (False, True)
    for quiet in (False, True)
    for one in (False, True)
}


async def ensure_visit_month(session: AsyncSession, started_at: datetime) -> None:
    """The month of ``started_at`` has its partitions of ``visit`` and ``visit_outcome`` (inspection_0010) after
    this. The kernel job keeps the system clock's month and three after it, so a visit started now (the
    check-in's hot path) costs no catalogue lookup; a visit carrying another month (a back-fill, a test's or
    the sample's moved clock: ``clock.now()`` minus its offset is the system clock) has them created first,
    on the entry's driver connection (``_driver``) like its other statements."""
    this = partitions.period_start("month", local_date(clock.now() - clock.offset()))
    month = partitions.period_start("month", local_date(started_at))
    if month in (this, partitions.next_period("month", this)):
        return
    raw = await _driver(session)
    for table in ("visit", "visit_outcome"):
        await partitions.ensure_partition_on(raw, table, started_at)


# The entry rule's training hours (``qualifications.TRAINING_WINDOW``: the 365 days up to the day of entry), per
# officer, on the entry's driver connection (repository/qualifications.py ``hours_in_window`` is the same read
# through the session, for the registry's pages).
_HOURS_IN_WINDOW = (
    "SELECT officer_id::text, sum(hours) FROM officer_training"
    " WHERE officer_id = ANY($1::uuid[]) AND held_on > $2 AND held_on <= $3 GROUP BY officer_id"
)


async def hours_in_window(session: AsyncSession, officer_ids: Sequence[str], day: date) -> dict[str, Decimal]:
    """Hours per officer in the training rule's window ending on ``day``."""
    if not officer_ids:
        return {}
    raw = await _driver(session)
    rows = await raw.fetch(_HOURS_IN_WINDOW, list(officer_ids), day - qualifications.TRAINING_WINDOW, day)
    return {oid: Decimal(total) for oid, total in rows}


async def insert_visit(
    session: AsyncSession, values: dict[str, Any], *, claim_code: uuid.UUID | None
) -> bool:
    """Insert the visit (inspection_0013's trigger queues it for the auditor in ``visit_unaudited``) and the
    events staged in ``session`` (``outbox.add``: its start); with ``claim_code``, only if that entry code is
    still unused, consuming it in the same statement (the code's ``used_at`` is the visit's ``recorded_at``).
    False when the code was consumed meanwhile; nothing is written then."""
    await ensure_visit_month(session, values["started_at"])
    args = [orjson.dumps(values[c]).decode() if c in _JSON_COLUMNS else values[c] for c in _VISIT_COLUMNS]
    staged = outbox.take_staged(session)
    one = len(staged) == 1
    events = outbox.row_values(staged[0]) if one else outbox.row_arrays(staged)
    raw = await _driver(session)
    # On the request's pooled connection (the check-in's hot path) the edge commits, and the relay's NOTIFY
    # goes after the COMMIT, in its message (``db.notify_after_commit``: the commits of notifying transactions
    # are serialised through their WAL flush); otherwise the NOTIFY is the statement's, inside the transaction.
    quiet = db.holds_pooled(session)
    if quiet:
        db.notify_after_commit(session, outbox.NOTIFY_CHANNEL)
    if claim_code is None:
        return (await raw.fetchval(_INSERT_VISIT[False, quiet, one], *args, *events)) is not None
    return (await raw.fetchval(_INSERT_VISIT[True, quiet, one], *args, claim_code, *events)) is not None


async def insert_refusal(session: AsyncSession, values: dict[str, Any]) -> bool:
    """Store a refusal; False when the same attempt (caller + Idempotency-Key) is already stored, in any month.

    ``entry_refusal`` is partitioned by month (inspection_0009), so its own unique index could only hold
    ``(attempt_key, refused_at)``: the ``ON CONFLICT (attempt_key) DO NOTHING`` is the trigger's, on
    ``refusal_attempt``, which skips the row (no ``RETURNING`` row) when the key is there. ``refused_at`` is
    the application's clock, which may name a month the kernel job does not keep (a pinned clock, a
    back-fill): its partition is created first when missing (a catalogue lookup when it exists)."""
    await partitions.ensure_partition(session, "entry_refusal", values["refused_at"])
    stmt = sa.insert(m.EntryRefusal).values(**values).returning(m.EntryRefusal.refusal_id)
    return (await session.scalar(stmt)) is not None
