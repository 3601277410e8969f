"""Signed checkpoints make the audit chain survive its administrator (issue #13): a removed tail and a chain
rewritten with recomputed hashes are both detected by ``verify`` against the last checkpoint; ``verify`` is
incremental from the position it last verified; the checkpoint job signs every N entries or M minutes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.common import audit, checkpoints, outbox
from services.common.db import create_engine, session_factory, transaction
from services.common.tables import audit_t, checkpoint_t
from services.penalty.settings import PenaltySettings
from tests.support.stack import DatabaseRoles, Stack

KEYS = checkpoints.load_keys(checkpoints.dev_key_file("penalty"))
PUBLIC = KEYS.public_keys


@pytest.fixture
async def roles(stack: Stack) -> DatabaseRoles:
    return await stack.anew_database_with_roles("penalty")


@pytest.fixture
async def service(roles: DatabaseRoles) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(roles.service_url, pool_size=2, max_overflow=0)
    yield session_factory(engine)
    await engine.dispose()


@pytest.fixture
async def superuser(roles: DatabaseRoles) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """What an administrator with the keys to the database server could do."""
    engine = create_engine(roles.superuser_url, pool_size=1, max_overflow=0)
    yield session_factory(engine)
    await engine.dispose()


async def append(factory: async_sessionmaker[AsyncSession], n: int) -> None:
    for i in range(n):
        async with transaction(factory) as s:
            await audit.append(
                s,
                actor="officer-1",
                actor_role="officer",
                action="case.update",
                entity_type="penalty_case",
                entity_id="c1",
                after={"i": i},
            )


async def sign(
    factory: async_sessionmaker[AsyncSession], policy: checkpoints.Policy | None = None
) -> int | None:
    async with transaction(factory) as s:
        signed = await checkpoints.sign_head(s, "penalty", KEYS, policy)
    return signed.seq if signed is not None else None


async def check(factory: async_sessionmaker[AsyncSession], **kw: object) -> audit.ChainReport:
    async with transaction(factory) as s:
        return await checkpoints.verify(s, PUBLIC, **kw)  # type: ignore[arg-type]


async def test_a_signed_head_verifies_and_is_published(service: async_sessionmaker[AsyncSession]) -> None:
    await append(service, 10)
    async with transaction(service) as s:
        signed = await checkpoints.sign_head(s, "penalty", KEYS, None)
        assert signed is not None
        staged = s.info[outbox.PENDING_KEY]
    assert (signed.seq, signed.service, signed.kid) == (10, "penalty", KEYS.kid)
    assert [e.type for e in staged] == ["penalty.audit.checkpoint.signed"]
    assert staged[0].data["seq"] == 10 and staged[0].data["signature"] == signed.signature
    assert signed.verifies_with(PUBLIC)
    # the published JWKS is enough to check it (what anyone outside would do)
    from services.common.auth import load_jwks

    assert signed.verifies_with(load_jwks(KEYS.jwks))
    forged = checkpoints.Checkpoint(**{**signed.__dict__, "seq": 11})
    assert not forged.verifies_with(PUBLIC)
    report = await check(service)
    assert report.valid and (report.entries, report.last_seq, report.checkpoint_seq) == (10, 10, 10)
    assert await sign(service) is None  # nothing new to sign


async def test_deleting_the_last_three_entries_is_detected(
    service: async_sessionmaker[AsyncSession], superuser: async_sessionmaker[AsyncSession]
) -> None:
    await append(service, 10)
    assert await sign(service) == 10
    async with transaction(superuser) as s:
        await s.execute(sa.text("ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_append_only"))
        await s.execute(sa.delete(audit_t).where(audit_t.c.seq > 7))  # entries 8, 9 and 10
    async with transaction(superuser) as s:
        assert (await audit.verify(s)).valid  # the chain alone looks fine: 7 consistent entries
    report = await check(service, full=True)
    # the chain ends at 7, the checkpoint signed 10: entries 8 (= 7 + 1) to 10 were removed
    assert not report.valid and report.first_broken_seq == 8 and report.checkpoint_seq == 10
    assert "8–10 were removed" in (report.reason or "")


async def test_rewriting_every_hash_is_detected(
    service: async_sessionmaker[AsyncSession], superuser: async_sessionmaker[AsyncSession]
) -> None:
    await append(service, 6)
    assert await sign(service) == 6
    # the administrator changes entry 2 and recomputes every hash after it, so each link is consistent
    async with transaction(superuser) as s:
        await s.execute(sa.text("ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_append_only"))
        rows = (await s.execute(sa.select(audit_t).order_by(audit_t.c.seq))).all()
        prev = audit.GENESIS
        for r in rows:
            actor = "someone-else" if r.seq == 2 else r.actor
            fields = {
                k: getattr(r, k) for k in ("seq", "at", "actor_role", "action", "entity_type", "entity_id")
            }
            digest = audit.entry_hash(
                **fields, actor=actor, before=r.before, after=r.after, request_id=r.request_id, prev_hash=prev
            )
            await s.execute(
                sa.update(audit_t)
                .where(audit_t.c.seq == r.seq)
                .values(actor=actor, prev_hash=prev, hash=digest)
            )
            prev = digest
    async with transaction(superuser) as s:
        assert (await audit.verify(s)).valid  # internally consistent
    report = await check(service, full=True)
    assert not report.valid and report.first_broken_seq == 6 and "rewritten" in (report.reason or "")


async def test_verify_is_incremental_from_the_last_verified_entry(
    service: async_sessionmaker[AsyncSession], superuser: async_sessionmaker[AsyncSession]
) -> None:
    await append(service, 5)
    first = await check(service)
    assert first.valid and (first.verified_from, first.entries, first.last_seq) == (0, 5, 5)
    await append(service, 2)
    second = await check(service)
    assert second.valid and (second.verified_from, second.entries, second.last_seq) == (5, 2, 7)
    # a rewrite of the verified part changes the hash at the verified position: seen without a full run
    async with transaction(superuser) as s:
        await s.execute(sa.text("ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_append_only"))
        await s.execute(sa.update(audit_t).where(audit_t.c.seq == 7).values(hash="0" * 64))
    third = await check(service)
    assert not third.valid and third.first_broken_seq == 7


async def test_a_checkpoint_held_elsewhere_is_checked_too(
    service: async_sessionmaker[AsyncSession], superuser: async_sessionmaker[AsyncSession]
) -> None:
    """An administrator who removes the tail and the local checkpoint is caught by risk's copy."""
    await append(service, 4)
    assert await sign(service) == 4
    async with transaction(service) as s:
        held = await checkpoints.latest(s)
    assert held is not None
    async with transaction(superuser) as s:
        await s.execute(sa.text("ALTER TABLE audit_entry DISABLE TRIGGER USER"))
        await s.execute(sa.text("ALTER TABLE audit_checkpoint DISABLE TRIGGER USER"))
        await s.execute(sa.delete(audit_t).where(audit_t.c.seq == 4))
        await s.execute(sa.delete(checkpoint_t))
    assert (await check(service, full=True)).valid  # nothing local left to compare with
    report = await check(service, full=True, against=(held.seq, held.hash))
    assert not report.valid and report.first_broken_seq == 4


async def test_the_job_signs_every_n_entries_or_after_m_minutes(
    service: async_sessionmaker[AsyncSession],
) -> None:
    policy = checkpoints.Policy(every_entries=5, every=timedelta(minutes=5))
    await append(service, 4)
    assert await sign(service, policy) is None  # 4 < 5 entries, the oldest is seconds old
    await append(service, 1)
    assert await sign(service, policy) == 5  # the fifth entry
    await append(service, 1)
    assert await sign(service, policy) is None
    # entry 6 has waited longer than the interval (0 here): signed without 5 more entries
    assert await sign(service, checkpoints.Policy(every_entries=5, every=timedelta(0))) == 6
    async with transaction(service) as s:
        seqs = list((await s.scalars(sa.select(checkpoint_t.c.seq).order_by(checkpoint_t.c.seq))).all())
    assert seqs == [5, 6]


def test_outside_dev_a_service_needs_its_own_checkpoint_key(tmp_path: Path) -> None:
    prod = {
        "env": "prod",
        "jwks_file": None,
        "jwks_url": "https://auth.zhifa.shenyang.gov.cn/jwks.json",
        "database_url": "postgresql+asyncpg://zhifa_penalty:Xq7-rotated@pg.internal:5432/zhifa_penalty",
        "nats_url": "tls://nats.zhifa.svc:4222",
        "nats_user": "zhifa-penalty",
        "nats_password": "Lk2-rotated",
    }
    with pytest.raises(ValidationError, match="no audit checkpoint key"):
        PenaltySettings(**prod)
    with pytest.raises(ValidationError, match="development key"):
        PenaltySettings(**prod, audit_checkpoint_key_file=checkpoints.dev_key_file("penalty"))
    copy = tmp_path / "key.pem"  # the development key mounted elsewhere
    copy.write_bytes(checkpoints.dev_key_file("risk").read_bytes())
    with pytest.raises(ValidationError, match="development key"):
        PenaltySettings(**prod, audit_checkpoint_key_file=copy)
    own = tmp_path / "own.pem"
    own.write_bytes(
        Ed25519PrivateKey.generate().private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    )
    assert PenaltySettings(**prod, audit_checkpoint_key_file=own).audit_checkpoint_key_file == own
    assert checkpoints.keys_from_settings(
        PenaltySettings(**prod, audit_checkpoint_key_file=own)
    ).kid.startswith("ac-")
