"""Risk keeps every service's audit checkpoints only when they are genuine (issue #13): signed with a key the
configuration lists for the service that published them, and not contradicting a checkpoint already kept."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.common import checkpoints
from services.common.contracts.audit import CheckpointSigned
from services.common.db import create_engine, session_factory, transaction
from services.risk.models import ReceivedCheckpoint
from services.risk.settings import RiskContext, RiskSettings
from services.risk.use_cases.checkpoints import CheckpointRefused, receive
from tests.support.stack import Stack

KEYS = RiskContext.from_settings(RiskSettings(env="test")).checkpoint_keys  # the dev public keys


@pytest.fixture
async def factory(stack: Stack) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(await stack.anew_database("risk"), pool_size=2, max_overflow=0)
    yield session_factory(engine)
    await engine.dispose()


def signed(service: str, seq: int, digest: str, *, key_of: str | None = None) -> CheckpointSigned:
    keys = checkpoints.load_keys(checkpoints.dev_key_file(key_of or service))
    at = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)
    cp = checkpoints.Checkpoint(service, seq, digest, at, at, keys.kid).signed_with(keys.private_key)
    return cp.event()


async def take(factory: async_sessionmaker[AsyncSession], event: CheckpointSigned, source: str) -> None:
    async with transaction(factory) as s:
        await receive(s, event, source=source, event_id=uuid.uuid4(), keys=KEYS)


async def kept(factory: async_sessionmaker[AsyncSession]) -> list[tuple[str, int, str]]:
    async with transaction(factory) as s:
        rows = (await s.scalars(sa.select(ReceivedCheckpoint).order_by(ReceivedCheckpoint.seq))).all()
        return [(r.service, r.seq, r.hash) for r in rows]


async def test_a_genuine_checkpoint_is_kept_once(factory: async_sessionmaker[AsyncSession]) -> None:
    event = signed("penalty", 100, "a" * 64)
    await take(factory, event, "penalty")
    await take(factory, event, "penalty")  # redelivered: nothing new
    assert await kept(factory) == [("penalty", 100, "a" * 64)]


async def test_forged_misattributed_or_contradicting_checkpoints_are_refused(
    factory: async_sessionmaker[AsyncSession],
) -> None:
    await take(factory, signed("penalty", 100, "a" * 64), "penalty")
    genuine = signed("penalty", 200, "b" * 64)
    cases = [
        # the signature of another checkpoint: the content was changed after signing
        (genuine.model_copy(update={"hash": "c" * 64}), "penalty", "does not verify"),
        # signed with inspection's key, claiming to be penalty's
        (signed("penalty", 300, "d" * 64, key_of="inspection"), "penalty", "does not verify"),
        # a genuine penalty checkpoint arriving from inspection's stream
        (genuine, "inspection", "published by 'inspection'"),
        # properly signed, but entry 100 was signed before with another hash: a rewritten chain
        (signed("penalty", 100, "e" * 64), "penalty", "rewritten"),
    ]
    for event, source, reason in cases:
        with pytest.raises(CheckpointRefused, match=reason):
            await take(factory, event, source)
    assert await kept(factory) == [("penalty", 100, "a" * 64)]


def test_the_development_key_set_is_refused_outside_dev(tmp_path: Path) -> None:
    prod = {
        "env": "prod",
        "jwks_file": None,
        "jwks_url": "https://auth.zhifa.shenyang.gov.cn/jwks.json",
        "database_url": "postgresql+asyncpg://zhifa_risk:Xq7-rotated@pg.internal:5432/zhifa_risk",
        "nats_url": "tls://nats.zhifa.svc:4222",
        "nats_user": "zhifa-risk",
        "nats_password": "Lk2-rotated",
        "audit_checkpoint_key_file": tmp_path / "own.pem",
    }
    with pytest.raises(ValidationError, match="AUDIT_CHECKPOINT_KEYS_FILE is the development key set"):
        RiskSettings(**prod)
    own = tmp_path / "keys.json"
    own.write_text('{"penalty": {"keys": []}}')
    assert RiskSettings(**prod, audit_checkpoint_keys_file=own).audit_checkpoint_keys_file == own
