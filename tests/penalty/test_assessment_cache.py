"""The what-if assessment's catalogue snapshot (issue #16 item 3): between rereads of the catalogue revision
(at most every ``catalogue_recheck_seconds``) it answers without any database round trip; a publication by
this process is seen at once, one by another process within the interval (0: on every call)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import async_sessionmaker

from services.common.db import create_engine, session_factory, transaction
from services.penalty import schemas as s
from services.penalty.domain import catalogue as cat
from services.penalty.settings import PenaltyContext, PenaltySettings
from services.penalty.use_cases import assessment
from services.penalty.use_cases.catalogue import install_catalogue
from tests.penalty.helpers import SAMPLE_CATALOGUE
from tests.support.stack import Stack

BODY = s.AssessRequest(
    violation_date=date(2026, 3, 2),
    decision_date=date(2026, 3, 20),
    party_type=cat.PartyType.ORGANISATION,
)


def _context(url: str, recheck: float) -> PenaltyContext:
    settings = PenaltySettings(database_url=url).model_copy(update={"catalogue_recheck_seconds": recheck})
    return PenaltyContext.from_settings(settings)


def _code() -> str:
    catalogue = cat.parse_json(SAMPLE_CATALOGUE.read_text())
    return next(
        code
        for code, item in sorted(catalogue.items.items())
        if cat.PartyType.ORGANISATION in item.versions[0].party_types
    )


@dataclass
class Db:
    url: str
    factory: async_sessionmaker[Any]


@pytest.fixture
async def db(stack: Stack) -> AsyncIterator[Db]:
    """A penalty database with the sample catalogue installed."""
    url = await stack.anew_database("penalty")
    engine = create_engine(url, pool_size=1)
    factory = session_factory(engine)
    async with transaction(factory) as session:
        await install_catalogue(session, catalogue=cat.parse_json(SAMPLE_CATALOGUE.read_text()), actor="test")
    try:
        yield Db(url, factory)
    finally:
        await engine.dispose()


async def test_a_fresh_snapshot_answers_without_the_database(db: Db) -> None:
    ctx = _context(db.url, recheck=60.0)
    code = _code()
    async with transaction(db.factory) as session:
        first = await assessment.assess_what_if(session, code=code, body=BODY, ctx=ctx)
    # A session on a database nobody listens on: any query (the revision read) would fail to connect.
    dead = create_engine("postgresql+asyncpg://nobody@127.0.0.1:1/none", pool_size=1)
    try:
        async with session_factory(dead)() as session:
            again = await assessment.assess_what_if(session, code=code, body=BODY, ctx=ctx)
    finally:
        await dead.dispose()
    assert again == first


async def _retitle(factory: async_sessionmaker[Any], title: str, *, this_process: bool) -> None:
    async with transaction(factory) as session:
        if this_process:  # through the use case, as a publication in this process
            catalogue = cat.parse_json(SAMPLE_CATALOGUE.read_text())
            retitled = cat.Catalogue(metadata={**catalogue.metadata, "title": title}, items=catalogue.items)
            await install_catalogue(session, catalogue=retitled, actor="test")
        else:  # as another process would: the row changes, this process's counters do not
            await session.execute(
                sa.text(
                    "UPDATE catalogue_state SET revision = revision + 1, "
                    "meta = jsonb_set(meta, '{title}', to_jsonb(CAST(:title AS text))) WHERE id = 1"
                ),
                {"title": title},
            )


async def test_a_publication_in_this_process_is_seen_at_once(db: Db) -> None:
    from services.penalty.use_cases.catalogue import published_snapshot

    ctx = _context(db.url, recheck=60.0)
    async with transaction(db.factory) as session:
        before = await published_snapshot(session, ctx)
    await _retitle(db.factory, "新标题（本进程）", this_process=True)
    async with transaction(db.factory) as session:
        after = await published_snapshot(session, ctx)
    assert after.revision == before.revision + 1
    assert after.title == "新标题（本进程）"


async def test_another_process_publication_waits_for_the_interval(db: Db) -> None:
    from services.penalty.use_cases.catalogue import published_snapshot

    cached = _context(db.url, recheck=60.0)
    every_call = _context(db.url, recheck=0.0)
    async with transaction(db.factory) as session:
        before = await published_snapshot(session, cached)
        await published_snapshot(session, every_call)
    await _retitle(db.factory, "新标题（他进程）", this_process=False)
    async with transaction(db.factory) as session:
        assert (await published_snapshot(session, cached)).revision == before.revision  # within 60 s
        seen = await published_snapshot(session, every_call)
    assert seen.revision == before.revision + 1
    assert seen.title == "新标题（他进程）"


async def test_a_fresh_snapshot_opens_no_session(db: Db) -> None:
    # The route hands over what opens the request's session (deps.SessionOpenerDep): only a reread opens it.
    ctx = _context(db.url, recheck=60.0)
    code = _code()
    async with transaction(db.factory) as session:
        opened: list[int] = []

        def open_session() -> Any:
            opened.append(1)
            return session

        first = await assessment.assess_what_if(open_session, code=code, body=BODY, ctx=ctx)
        assert len(opened) == 1  # the first call reads the revision
        again = await assessment.assess_what_if(open_session, code=code, body=BODY, ctx=ctx)
        assert len(opened) == 1  # fresh: no session opened
    assert again == first
