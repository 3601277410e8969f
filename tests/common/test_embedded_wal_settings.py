"""The WAL and checkpoint settings of a durable server (issue #16 item 4, the 信用松绑 clean-up): the
embedded server (``zhifa up``, the benchmarks) and the deploy manifests run PostgreSQL with the same
``max_wal_size``, ``checkpoint_timeout`` and ``wal_buffers``, documented in docs/operations.md, and
``synchronous_commit`` stays on (a committed step must survive a crash)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.deploy import manifests
from tests.support.stack import Stack, dedicated_postgres

ROOT = Path(__file__).resolve().parents[2]
# Written out, not read from services.common.embedded: what a durable server must show.
EXPECTED = {"max_wal_size": "4GB", "checkpoint_timeout": "15min", "wal_buffers": "64MB"}
ARGS = ["postgres", "-c", "max_wal_size=4GB", "-c", "checkpoint_timeout=15min", "-c", "wal_buffers=64MB"]


async def test_a_durable_embedded_server_runs_with_the_wal_settings() -> None:
    async with dedicated_postgres() as pg:
        shown = {name: (await asyncio.to_thread(pg.psql, f"SHOW {name}")).strip() for name in EXPECTED}
        assert shown == EXPECTED
        for name, value in {"synchronous_commit": "on", "fsync": "on", "full_page_writes": "on"}.items():
            assert (await asyncio.to_thread(pg.psql, f"SHOW {name}")).strip() == value


async def test_the_test_server_keeps_its_throwaway_settings(stack: Stack) -> None:
    """The session's non-durable server (fsync off) is not given the bulk-write WAL sizes: its many
    ``CREATE DATABASE`` copies would keep up to 4 GB of WAL on each engineer's disk."""
    assert (await asyncio.to_thread(stack.pg.psql, "SHOW max_wal_size")).strip() == "1GB"
    assert (await asyncio.to_thread(stack.pg.psql, "SHOW fsync")).strip() == "off"


def test_compose_runs_postgres_with_the_same_settings() -> None:
    assert manifests.load_compose()["services"]["postgres"]["command"] == ARGS


def test_the_dev_overlay_runs_postgres_with_the_same_settings() -> None:
    dev = manifests.Rendered("dev", manifests.render(manifests.OVERLAYS / "dev"))
    assert dev.container("StatefulSet", "postgres")["args"] == ARGS


def test_operations_doc_gives_each_setting_and_why() -> None:
    text = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    assert "## PostgreSQL settings" in text
    section = text.split("## PostgreSQL settings", 1)[1].split("\n## ", 1)[0]
    for name, value in EXPECTED.items():
        assert f"`{name} = {value}`" in section
    assert "`synchronous_commit`" in section
