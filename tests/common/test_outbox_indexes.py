"""The outbox's indexes (issue #16 item 4): every service's outbox has exactly the indexes its queries use.

- ``pk_outbox`` (id, created_at): the relay marks the rows it published by id, within their days (the outbox
  is partitioned by China day on ``created_at`` since the ``*_outbox_partitions`` migrations, issue #16 item
  6, and a partitioned table's primary key must hold the partition key);
- ``ix_outbox_pending`` (seq, partial on unpublished rows): the relay's claim in ``seq`` order, the backlog;
- ``ix_outbox_created_at`` as a BRIN index: ``zhifa outbox replay --since`` and the retention purge read a
  time range of an append-mostly table; a BRIN index is a few pages and costs each insert next to nothing.

No unique index on ``seq``: it is an identity column (GENERATED ALWAYS), nothing looks a row up by it and
nothing needs its uniqueness enforced by an index (docs/benchmarks.md, "Outbox indexes").
"""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from services.common import migrate
from tests.support.stack import Stack

SERVICES = ["inspection", "penalty", "credit_repair", "risk", "notify"]

V2 = {
    "ix_outbox_created_at": "CREATE INDEX ix_outbox_created_at ON public.outbox USING brin (created_at)",
    "ix_outbox_pending": (
        "CREATE INDEX ix_outbox_pending ON public.outbox USING btree (seq) WHERE (published_at IS NULL)"
    ),
    "pk_outbox": "CREATE UNIQUE INDEX pk_outbox ON public.outbox USING btree (id)",
}
# Version 3: the same indexes on the partitioned parent (``ON ONLY``: each day partition has its own), the
# primary key with the partition key.
NEW = {
    "ix_outbox_created_at": "CREATE INDEX ix_outbox_created_at ON ONLY public.outbox USING brin (created_at)",
    "ix_outbox_pending": (
        "CREATE INDEX ix_outbox_pending ON ONLY public.outbox USING btree (seq) WHERE (published_at IS NULL)"
    ),
    "pk_outbox": "CREATE UNIQUE INDEX pk_outbox ON ONLY public.outbox USING btree (id, created_at)",
}


def _below_partitions(service: str) -> tuple[str, str]:
    """The service's outbox index migration (the one its ``*_outbox_parts`` migration follows) and the
    revision before it: later migrations may sit above both."""
    tree = migrate.revisions(service)
    ((indexes,),) = [down for rev, down in tree.items() if rev.endswith("_outbox_parts")]
    (before,) = tree[indexes]
    return indexes, before


async def _indexes(url: str) -> dict[str, str]:
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        rows = await conn.fetch("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'outbox'")
    finally:
        await conn.close()
    return {r["indexname"]: r["indexdef"] for r in rows}


@pytest.mark.parametrize("service", SERVICES)
async def test_the_outbox_has_only_the_indexes_its_queries_use(stack: Stack, service: str) -> None:
    url = await stack.anew_database(service)
    assert await _indexes(url) == NEW
    indexes, before = _below_partitions(service)
    # Down to before the partitions: one table again, with version 2's indexes.
    await asyncio.to_thread(migrate.downgrade, service, url, indexes)
    assert await _indexes(url) == V2
    # And before the index trim, the kernel schema's first shape (a unique index on seq, a B-tree on created_at).
    await asyncio.to_thread(migrate.downgrade, service, url, before)
    old = await _indexes(url)
    assert set(old) == {"pk_outbox", "ix_outbox_pending", "ix_outbox_created_at", "uq_outbox_seq"}
    assert "USING btree (created_at)" in old["ix_outbox_created_at"]
    await asyncio.to_thread(migrate.upgrade, service, url)
    assert await _indexes(url) == NEW
