"""The audit chain (全过程记录): every state change appended with who, what, when, before/after and the hash
of the previous entry (SPEC §1.6).

Appends take a transaction-level advisory lock, so concurrent requests queue for the tail and the chain
stays a single chain; the lock is released at commit or rollback (a rolled-back append leaves no gap). Call
``append`` as late as possible in the transaction to keep the queue short.

``audit_entry`` is partitioned by China month on ``at`` (docs/scaling.md, "The audit chain"). The tail is read
under the lock from the current and the previous month only (one or two partitions' index probes instead of
a merge over every month), falling back to the whole table when those hold no entry. ``at`` is set under the
lock and never earlier than the tail's, so it never goes backwards along ``seq`` and the bounded read finds the
true tail. ``at`` is the machine's clock (``datetime.now``), not the application's (``ZHIFA_CLOCK_AT`` does not
move it), so the kernel job's months ahead, computed from the database's ``now()``, hold it: no
``ensure_partition`` on this path.

What an entry's hash covers is what ``verify`` reads back. ``before`` and ``after`` are stored as jsonb, which
keeps numbers as ``numeric`` and prints them in plain digits, and the engine reads them with ``orjson.loads``
(``db.create_engine``'s ``json_deserializer``). So both appends canonicalise the two values first
(``_canonical``), mapping only what would not come back as it went in: -0.0 becomes 0.0 (numeric has no
negative zero); a float orjson writes in exponent form becomes what the plain digits read back as (``1e16``
the int 10000000000000000, ``1.2345678901234568e17`` the int 123456789012345680; beyond 64 bits, ``1e20``,
and small ones, ``1.5e-7``, the same float); an int orjson cannot write (beyond 64 bits, which made ``append``
raise) its decimal text. Without it such an entry was reported altered ("entry content does not match its
hash"), and anyone could break the chain on purpose by putting ``-0.0`` in a number field. Every other value is
hashed byte for byte as before, so existing chains still verify (tests/common/test_audit_numbers.py).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.clock import CHINA
from services.common.db import driver_connection
from services.common.logs import request_id_var
from services.common.tables import audit_t

GENESIS = "0" * 64
_LOCK_KEY = 0x7A686966612D6175  # "zhifa-au": one chain per database


def entry_hash(
    *,
    seq: int,
    at: datetime,
    actor: str,
    actor_role: str,
    action: str,
    entity_type: str,
    entity_id: str,
    before: Any,
    after: Any,
    request_id: str | None,
    prev_hash: str,
) -> str:
    canonical = orjson.dumps(
        {
            "seq": seq,
            "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
            "actor": actor,
            "actor_role": actor_role,
            "action": action,
            "entity_type": entity_type,
            "entity_id": entity_id,
            "before": before,
            "after": after,
            "request_id": request_id,
            "prev_hash": prev_hash,
        },
        option=orjson.OPT_SORT_KEYS,
        default=str,
    )
    return hashlib.sha256(canonical).hexdigest()


def tail_since(at: datetime) -> datetime:
    """The start (00:00 China) of the month before ``at``'s China month: the tail read's lower bound."""
    first = at.astimezone(CHINA).date().replace(day=1)
    previous = (first - timedelta(days=1)).replace(day=1)
    return datetime.combine(previous, time(), tzinfo=CHINA)


async def _tail(session: AsyncSession) -> Any:
    """The chain's last entry (``seq``, ``hash``, ``at``) or None; the caller holds the chain's lock."""
    query = sa.select(audit_t.c.seq, audit_t.c.hash, audit_t.c.at).order_by(audit_t.c.seq.desc()).limit(1)
    last = (await session.execute(query.where(audit_t.c.at >= tail_since(datetime.now(UTC))))).first()
    if last is None:  # nothing in two months (or a clock set back): the whole table
        last = (await session.execute(query)).first()
    return last


def _stamp(last: Any) -> datetime:
    """The time of the next entry: now, but never before the tail's."""
    now = datetime.now(UTC)
    return max(now, last.at) if last is not None else now


# The numbers orjson can write: an int beyond them raises ``TypeError`` ("Integer exceeds 64-bit range").
_INT_MIN, _INT_MAX = -(2**63), 2**64 - 1


def _canonical(value: Any) -> Any:
    """``value`` with every number as the audit table gives it back (``verify`` reads jsonb with
    ``orjson.loads``): -0.0 as 0.0 (jsonb's numeric has no negative zero), a float orjson writes in exponent
    form as what jsonb's plain digits read back as (``1e16`` → the int 10000000000000000; ``1e20``, beyond
    64 bits, and ``1.5e-7`` stay the same float), an int orjson cannot write (beyond 64 bits) as its decimal
    text, as a value or a key. Anything else is returned as it is, so every value that round-trips is hashed
    byte for byte as before. Walks dicts, lists and tuples (a tuple becomes a list, as in JSON)."""
    kind = type(value)
    if kind is dict:
        return {
            (str(k) if type(k) is int and not _INT_MIN <= k <= _INT_MAX else k): _canonical(v)
            for k, v in value.items()
        }
    if kind is list or kind is tuple:
        return [_canonical(v) for v in value]
    if kind is float:
        if value == 0.0:
            return 0.0
        text = orjson.dumps(value)
        # jsonb prints the numeric in plain digits (1e+16 → 10000000000000000, 1.5e-7 → 0.00000015)
        return orjson.loads(f"{Decimal(text.decode()):f}") if b"e" in text else value
    if kind is int and not _INT_MIN <= value <= _INT_MAX:
        return str(value)
    return value


# A number ``_canonical`` changes, in orjson's compact text: -0.0, or a float in exponent form with a positive
# exponent (orjson writes its sign: 1e+16; 1.5e-7 reads back as itself), as an object's value, an array's element
# (keys are strings) or bare. The two literals are looked for first (one pass each; the expression alone took
# longer than the rest of ``_encoded``), then the expression confirms; a string holding such text is taken for
# a number too (a needless round trip, never a wrong hash). An orjson that writes exponents unsigned (1e16:
# older ones) gets the expression every time.
_SIGNED_EXPONENTS = orjson.dumps([1e16, 1e-7]) == b"[1e+16,1e-7]"
_POSITIVE_EXPONENT = re.compile(rb"e\+").search
_NEGATIVE_ZERO = re.compile(rb"-0\.0").search
_CHANGING_NUMBER = re.compile(rb"(?:^|[:,\[])(?:-?\d[\d.]*e(?!-)|-0\.0(?!\d))").search


def _changes(text: bytes) -> bool:
    """Whether the value orjson wrote as ``text`` may hold a number ``_canonical`` changes."""
    if _SIGNED_EXPONENTS and _POSITIVE_EXPONENT(text) is None and _NEGATIVE_ZERO(text) is None:
        return False
    return _CHANGING_NUMBER(text) is not None


def _jsonable(value: Any) -> Any:
    """``value`` as plain JSON (the JSON round trip) with its numbers as the audit table gives them back."""
    if value is None:
        return None
    try:
        text = orjson.dumps(value, default=str, option=orjson.OPT_NON_STR_KEYS)
    except TypeError:  # an int beyond 64 bits (a value or a key)
        text = orjson.dumps(_canonical(value), default=str, option=orjson.OPT_NON_STR_KEYS)
    plain = orjson.loads(text)
    return _canonical(plain) if _changes(text) else plain


async def append(
    session: AsyncSession,
    *,
    actor: str,
    actor_role: str,
    action: str,
    entity_type: str,
    entity_id: str,
    before: Any = None,
    after: Any = None,
) -> int:
    """Append one entry to the chain in the caller's transaction; returns its sequence number."""
    await session.execute(sa.select(sa.func.pg_advisory_xact_lock(_LOCK_KEY)))
    last = await _tail(session)
    seq = (last.seq + 1) if last else 1
    prev = last.hash if last else GENESIS
    at = _stamp(last)
    before_j, after_j = _jsonable(before), _jsonable(after)
    rid = request_id_var.get()
    digest = entry_hash(
        seq=seq,
        at=at,
        actor=actor,
        actor_role=actor_role,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        before=before_j,
        after=after_j,
        request_id=rid,
        prev_hash=prev,
    )
    await session.execute(
        sa.insert(audit_t).values(
            seq=seq,
            at=at,
            actor=actor,
            actor_role=actor_role,
            action=action,
            entity_type=entity_type,
            entity_id=entity_id,
            before=before_j,
            after=after_j,
            request_id=rid,
            prev_hash=prev,
            hash=digest,
        )
    )
    return seq


@dataclass(frozen=True)
class AuditEntry:
    """One entry for ``append_many``; ``request_id`` defaults to the current request's."""

    actor: str
    actor_role: str
    action: str
    entity_type: str
    entity_id: str
    before: Any = None
    after: Any = None
    request_id: str | None = None


async def append_many(session: AsyncSession, entries: Sequence[AuditEntry]) -> list[int]:
    """Append several entries in order under one lock, one read of the tail and one insert (for jobs that
    audit in batches); returns their sequence numbers. The chain is the one ``append`` writes.

    The statements run on the session's driver connection (``db.driver_connection``, in the session's
    transaction), built once, and the entries go in as one ``INSERT ... SELECT FROM unnest`` of arrays: the
    ORM's executemany and the statements built every round were most of the auditor's CPU on the check-in's
    path (issue #16 item 1, round six: docs/benchmarks/checkin-python.md)."""
    if not entries:
        return []
    conn = await driver_connection(session)
    await conn.execute(_LOCK_SQL)
    last = await conn.fetchrow(_TAIL_SINCE_SQL, tail_since(datetime.now(UTC)))
    if last is None:  # nothing in two months (or a clock set back): the whole table
        last = await conn.fetchrow(_TAIL_ALL_SQL)
    seq = last["seq"] if last is not None else 0
    prev = last["hash"] if last is not None else GENESIS
    at = max(datetime.now(UTC), last["at"]) if last is not None else datetime.now(UTC)
    columns: tuple[list[Any], ...] = tuple([] for _ in range(12))
    seqs, ats, actors, roles, actions, types, ids, befores, afters, rids, prevs, hashes = columns
    current = request_id_var.get()
    for entry in entries:
        seq += 1
        at = max(datetime.now(UTC), at)
        before_text, before_j = _encoded(entry.before)
        after_text, after_j = _encoded(entry.after)
        rid = entry.request_id if entry.request_id is not None else current
        digest = entry_hash(
            seq=seq,
            at=at,
            actor=entry.actor,
            actor_role=entry.actor_role,
            action=entry.action,
            entity_type=entry.entity_type,
            entity_id=entry.entity_id,
            before=before_j,
            after=after_j,
            request_id=rid,
            prev_hash=prev,
        )
        seqs.append(seq)
        ats.append(at)
        actors.append(entry.actor)
        roles.append(entry.actor_role)
        actions.append(entry.action)
        types.append(entry.entity_type)
        ids.append(entry.entity_id)
        befores.append(before_text)
        afters.append(after_text)
        rids.append(rid)
        prevs.append(prev)
        hashes.append(digest)
        prev = digest
    await conn.execute(_INSERT_MANY_SQL, *columns)
    return seqs


def _encoded(value: Any) -> tuple[str, Any]:
    """The JSON text stored for an entry's ``before`` or ``after`` and the value its hash is computed over:
    the hash of the value itself is byte for byte the hash of ``_jsonable``'s round trip (orjson writes a
    value's dates, ids, enums and ``default=str`` objects as the strings the round trip reads back, and
    ``entry_hash`` sorts the keys either way), so the round trip is left out, except for a value with a
    key that is not a string (``OPT_NON_STR_KEYS`` makes it one, and two keys may then collide: the round
    trip keeps the last), an int beyond 64 bits, or a number ``_canonical`` changes (-0.0, a float in
    exponent form; found in the text, ``_changes``): those take the canonical round trip. None is stored as JSON
    ``null``, as SQLAlchemy's JSONB column stored it."""
    if value is None:
        return "null", None
    try:
        text = orjson.dumps(value, default=str)
    except TypeError:  # a key that is not a string, an int beyond 64 bits
        text = None
    # ``_changes``'s first test inline (a call costs a third of it): most values hold neither literal
    if text is not None and (
        (_SIGNED_EXPONENTS and _POSITIVE_EXPONENT(text) is None and _NEGATIVE_ZERO(text) is None)
        or not _changes(text)
    ):
        return text.decode(), value
    plain = _jsonable(value)
    return orjson.dumps(plain).decode(), plain


# ``append_many``'s statements, written once: the chain's lock, the tail (bounded, then the whole table), and
# the entries from twelve arrays, in order (``WITH ORDINALITY``).
_LOCK_SQL = f"SELECT pg_advisory_xact_lock({_LOCK_KEY})"
_TAIL_SQL = "SELECT seq, hash, at FROM audit_entry{} ORDER BY seq DESC LIMIT 1"
_TAIL_SINCE_SQL = _TAIL_SQL.format(" WHERE at >= $1")
_TAIL_ALL_SQL = _TAIL_SQL.format("")
_INSERT_MANY_SQL = (
    "INSERT INTO audit_entry (seq, at, actor, actor_role, action, entity_type, entity_id, before, after,"
    " request_id, prev_hash, hash)"
    " SELECT u.seq, u.at, u.actor, u.actor_role, u.action, u.entity_type, u.entity_id,"
    " CAST(u.before AS jsonb), CAST(u.after AS jsonb), u.request_id, u.prev_hash, u.hash"
    " FROM unnest(CAST($1 AS bigint[]), CAST($2 AS timestamptz[]), CAST($3 AS text[]), CAST($4 AS text[]),"
    " CAST($5 AS text[]), CAST($6 AS text[]), CAST($7 AS text[]), CAST($8 AS text[]), CAST($9 AS text[]),"
    " CAST($10 AS text[]), CAST($11 AS text[]), CAST($12 AS text[]))"
    " WITH ORDINALITY AS u(seq, at, actor, actor_role, action, entity_type, entity_id, before, after,"
    " request_id, prev_hash, hash, n) ORDER BY u.n"
)


@dataclass(frozen=True)
class ChainReport:
    entries: int  # entries checked by this call
    valid: bool
    first_broken_seq: int | None
    reason: str | None
    verified_from: int = 0  # the entry checking started after (0: the genesis)
    last_seq: int = 0  # the chain's last entry
    last_hash: str = GENESIS
    checkpoint_seq: int | None = None  # the signed checkpoint the chain was checked against


async def verify(
    session: AsyncSession, *, batch: int = 5000, after: tuple[int, str] | None = None
) -> ChainReport:
    """Recompute the chain from the genesis (or from ``after``: an entry's ``(seq, hash)`` already
    verified); report the first broken link."""
    start, prev = after if after is not None else (0, GENESIS)
    expected_seq = start + 1
    count = 0
    last_seq = start

    def report(valid: bool, broken: int | None = None, reason: str | None = None) -> ChainReport:
        return ChainReport(count, valid, broken, reason, start, last_seq, prev)

    while True:
        rows = (
            await session.execute(
                sa.select(audit_t).where(audit_t.c.seq > last_seq).order_by(audit_t.c.seq).limit(batch)
            )
        ).all()
        if not rows:
            return report(True)
        for r in rows:
            if r.seq != expected_seq:
                return report(False, expected_seq, f"entry {expected_seq} is missing")
            if r.prev_hash != prev:
                return report(False, r.seq, "prev_hash does not match the previous entry")
            digest = entry_hash(
                seq=r.seq,
                at=r.at,
                actor=r.actor,
                actor_role=r.actor_role,
                action=r.action,
                entity_type=r.entity_type,
                entity_id=r.entity_id,
                before=r.before,
                after=r.after,
                request_id=r.request_id,
                prev_hash=r.prev_hash,
            )
            if digest != r.hash:
                return report(False, r.seq, "entry content does not match its hash")
            prev = r.hash
            expected_seq += 1
            count += 1
            last_seq = r.seq
