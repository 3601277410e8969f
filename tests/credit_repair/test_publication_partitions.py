"""credit_repair's publications partitioned by the year they start (issue #16 item 6; migration
credit_repair_0006_pub_parts, services/common/partitions.py): the migration keeps every row per year down and
up again, ``publication_key`` holds the uniques across years, a year without a partition fails loudly until
``ensure_partition`` creates it, the service's write path creates it, and the kernel job keeps a year ahead."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, IntegrityError

from services.common import migrate, partitions
from services.common.db import create_engine, session_factory, transaction
from services.credit_repair.models import (
    CreditRecord,
    Publication,
    PublicationEnd,
    PublicationKey,
    RuleSetRow,
)
from services.credit_repair.repository import records as record_repo
from services.credit_repair.use_cases import records as records_uc
from tests.support.partitions import job_ran
from tests.support.stack import Stack

BELOW = "credit_repair_0005_outbox_parts"  # the unpartitioned publication
RULE_SET = "t-partitions"
_RULE_SET_ROW = {"id": RULE_SET, "effective_from": date(2000, 1, 1), "document": {}, "created_by": "test"}


def _record(case_id: uuid.UUID, decided_on: date) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "case_id": case_id,
        "revision": 1,
        "decision_no": f"沈市监罚〔{decided_on.year}〕{case_id.int % 1000}号",
        "party_kind": "organisation",
        "party_name": "某公司",
        "party_uscc": "91210102MA0XXXXX1X",
        "department_code": "SJ",
        "department_name": "沈阳市市场监督管理局",
        "district_code": "210102",
        "penalty_domain": "测试",
        "domain_key": "market_regulation",
        "benchmark_code": "SY-SJ-0001",
        "kinds": ["fine"],
        "decided_on": decided_on,
        "procedure": "general",
        "fine_fen": 500_000,
        "serious": False,
        "restriction_months": None,
        "credit_class": "general",
        "rule_set_id": RULE_SET,
        "published": True,
        "class_reason": "",
        "platforms": ["信用中国"],
        "never_early": False,
        "never_early_kinds": [],
        "status_revision": 1,
    }


def _publication(record: dict[str, Any], starts_on: date) -> dict[str, Any]:
    keep = [
        "case_id",
        "decision_no",
        "party_kind",
        "party_uscc",
        "department_code",
        "department_name",
        "district_code",
        "credit_class",
        "rule_set_id",
        "platforms",
        "decided_on",
        "procedure",
        "fine_fen",
        "serious",
        "restriction_months",
    ]
    return {k: record[k] for k in keep} | {
        "id": uuid.uuid4(),
        "record_id": record["id"],
        "public_name": "某公司",
        "starts_on": starts_on,
        "min_ends_on": starts_on.replace(month=12, day=31),
        "earliest_repair_on": starts_on.replace(month=12, day=31),
        "max_ends_on": starts_on.replace(year=starts_on.year + 3),
        "kinds_mask": 1,
    }


def _publication_row(starts_on: date) -> tuple[dict[str, Any], dict[str, Any]]:
    record = _record(uuid.uuid4(), starts_on)
    return record, _publication(record, starts_on)


_COLS = "id, seq, record_id, starts_on, decision_no"


async def test_the_migration_keeps_every_row_per_year_down_and_up_again(stack: Stack) -> None:
    url = await stack.anew_database("credit_repair")
    await asyncio.to_thread(migrate.downgrade, "credit_repair", url, BELOW)
    engine = create_engine(url)
    try:
        # 3 publications starting in 2021, 1 in 2023 (2022 has none: its partition is still created), 2 in 2026.
        days = [date(2021, 2, 1), date(2021, 6, 30), date(2021, 12, 31), date(2023, 7, 1)]
        days += [date(2026, 1, 1), date(2026, 11, 30)]
        rows = [_publication_row(d) for d in days]
        async with engine.begin() as conn:
            await conn.execute(sa.insert(RuleSetRow), [_RULE_SET_ROW])
            await conn.execute(sa.insert(CreditRecord), [r for r, _ in rows])
            for _, p in rows:
                await conn.execute(
                    sa.text(
                        "INSERT INTO publication (id, record_id, case_id, decision_no, party_kind, party_uscc,"
                        " public_name, department_code, department_name, district_code, credit_class, rule_set_id,"
                        " platforms, starts_on, min_ends_on, earliest_repair_on, max_ends_on, decided_on, procedure,"
                        " kinds_mask, fine_fen, serious) VALUES (:id, :record_id, :case_id, :decision_no,"
                        " :party_kind, :party_uscc, :public_name, :department_code, :department_name,"
                        " :district_code, :credit_class, :rule_set_id, :platforms, :starts_on, :min_ends_on,"
                        " :earliest_repair_on, :max_ends_on, :decided_on, :procedure, :kinds_mask, :fine_fen,"
                        " :serious)"
                    ),
                    p,
                )
            before = (await conn.execute(sa.text(f"SELECT {_COLS} FROM publication ORDER BY seq"))).all()
        assert [r.seq for r in before] == [1, 2, 3, 4, 5, 6]
        await engine.dispose()

        await asyncio.to_thread(migrate.upgrade, "credit_repair", url)
        async with engine.begin() as conn:
            after = (await conn.execute(sa.text(f"SELECT {_COLS} FROM publication ORDER BY seq"))).all()
            per_year = dict(
                (
                    await conn.execute(
                        sa.text("SELECT tableoid::regclass::text, count(*) FROM publication GROUP BY 1")
                    )
                ).all()
            )
            keys = (
                await conn.execute(sa.text("SELECT id, seq, record_id, starts_on FROM publication_key"))
            ).all()
            names = set((await conn.execute(partitions.PARTITIONS, {"parent": "publication"})).scalars())
            today = (await conn.execute(partitions.TODAY)).scalar_one()
        assert after == before
        # 3 + 1 + 2 rows, each in its year's partition.
        assert per_year == {"publication_2021": 3, "publication_2023": 1, "publication_2026": 2}
        # From the oldest row's year to the year after the database's today, without a gap.
        assert names == {f"publication_{y}" for y in range(2021, max(today.year, 2026) + 2)}
        assert sorted((k.id, k.seq, k.record_id, k.starts_on) for k in keys) == sorted(
            (r.id, r.seq, r.record_id, r.starts_on) for r in after
        )
        # The identity goes on after the highest copied seq (6): the next publication is 7.
        record, extra = _publication_row(date(2026, 5, 5))
        async with engine.begin() as conn:
            await conn.execute(sa.insert(CreditRecord), [record])
            await conn.execute(sa.insert(Publication), [extra])
            assert (
                await conn.execute(sa.select(PublicationKey.seq).where(PublicationKey.id == extra["id"]))
            ).scalar_one() == 7
            before = (await conn.execute(sa.text(f"SELECT {_COLS} FROM publication ORDER BY seq"))).all()
        await engine.dispose()

        await asyncio.to_thread(migrate.downgrade, "credit_repair", url, BELOW)
        async with engine.begin() as conn:
            back = (await conn.execute(sa.text(f"SELECT {_COLS} FROM publication ORDER BY seq"))).all()
            gone = (
                await conn.execute(
                    sa.text("SELECT to_regclass('publication_key'), to_regclass('publication_2021')")
                )
            ).one()
        assert back == before and len(back) == 7
        assert gone == (None, None)
    finally:
        await engine.dispose()


async def test_a_year_without_a_partition_fails_loudly_until_ensure_partition_creates_it(
    stack: Stack,
) -> None:
    url = await stack.anew_database("credit_repair")
    engine = create_engine(url)
    factory = session_factory(engine)
    try:
        record, pub = _publication_row(date(2015, 3, 9))  # a year no migration or job created
        async with transaction(factory) as s:
            await s.execute(sa.insert(RuleSetRow), [_RULE_SET_ROW])
        with pytest.raises(DBAPIError, match="no partition of relation"):
            async with transaction(factory) as s:
                await s.execute(sa.insert(CreditRecord), [record])
                await s.execute(sa.insert(Publication), [pub])
        async with transaction(factory) as s:
            assert await partitions.ensure_partition(s, "publication", date(2015, 3, 9)) is True
            assert await partitions.ensure_partition(s, "publication", date(2015, 12, 31)) is False
            await s.execute(sa.insert(CreditRecord), [record])
            await s.execute(sa.insert(Publication), [pub])
        async with transaction(factory) as s:
            where = sa.text("tableoid = 'publication_2015'::regclass")
            assert (
                await s.execute(sa.select(sa.func.count()).select_from(Publication).where(where))
            ).scalar() == 1
    finally:
        await engine.dispose()


async def test_the_write_path_creates_a_past_years_partition_and_reads_through_the_key(stack: Stack) -> None:
    url = await stack.anew_database("credit_repair")
    engine = create_engine(url)
    factory = session_factory(engine)
    try:
        record, pub = _publication_row(date(2016, 8, 1))
        async with transaction(factory) as s:
            await s.execute(sa.insert(RuleSetRow), [_RULE_SET_ROW])
            await s.execute(sa.insert(CreditRecord), [record])
            await record_repo.add_publication(s, Publication(**pub))
        async with transaction(factory) as s:
            found = await record_repo.publication_for_record(s, record["id"], lock=True)
            assert found is not None and found.id == pub["id"] and found.starts_on == date(2016, 8, 1)
            view = await record_repo.record_view(s, record["id"])
            assert view is not None and view[1] is not None and view[1].id == pub["id"]
            assert await record_repo.publication_for_record(s, uuid.uuid4()) is None
    finally:
        await engine.dispose()


async def test_a_record_is_published_once_across_years(stack: Stack) -> None:
    """``record_id`` is unique in ``publication_key``: the partitioned table alone could only hold
    ``(record_id, starts_on)`` unique, so a second publication in another year would pass."""
    url = await stack.anew_database("credit_repair")
    engine = create_engine(url)
    factory = session_factory(engine)
    try:
        record, first = _publication_row(date(2026, 3, 1))
        second = _publication(record, date(2027, 3, 1)) | {"id": uuid.uuid4()}
        async with transaction(factory) as s:
            await partitions.ensure_partition(s, "publication", date(2027, 3, 1))
            await s.execute(sa.insert(RuleSetRow), [_RULE_SET_ROW])
            await s.execute(sa.insert(CreditRecord), [record])
            await s.execute(sa.insert(Publication), [first])
        with pytest.raises(IntegrityError, match="uq_publication_key_record_id"):
            async with transaction(factory) as s:
                await s.execute(sa.insert(Publication), [second])
    finally:
        await engine.dispose()


async def test_the_job_keeps_this_year_and_the_next_in_the_databases_time(stack: Stack) -> None:
    url = await stack.anew_database("credit_repair")
    engine = create_engine(url)
    factory = session_factory(engine)
    try:
        spec = partitions.spec_of("publication")
        done = await partitions.maintain(factory, spec, service="credit_repair")
        async with transaction(factory) as s:
            today = (await s.execute(partitions.TODAY)).scalar_one()
            have = await partitions.existing(s, spec)
        # The migration made this year and the next already: nothing new, and no retention.
        assert done.created == 0 and done.dropped == 0
        assert {date(today.year, 1, 1), date(today.year + 1, 1, 1)} <= have
        # Covered without a gap to 31 December of next year: (that day - today) days ahead.
        assert done.ahead_days == (date(today.year + 1, 12, 31) - today).days
    finally:
        await engine.dispose()


async def test_the_service_role_with_dml_only_publishes_in_a_past_year(stack: Stack) -> None:
    """In production the service connects as a role without DDL (issue #13): a past year's partition comes
    from the owner's ``zhifa_create_date_partition``, and the trigger fills ``publication_key`` as that role."""
    roles = await stack.anew_database_with_roles("credit_repair")
    owner = create_engine(roles.owner_url, pool_size=1)
    engine = create_engine(roles.service_url, pool_size=1)
    factory = session_factory(engine)
    try:
        async with transaction(session_factory(owner)) as s:
            await s.execute(sa.insert(RuleSetRow), [_RULE_SET_ROW])
        record, pub = _publication_row(date(2017, 4, 1))
        async with transaction(factory) as s:
            await s.execute(sa.insert(CreditRecord), [record])
            await record_repo.add_publication(s, Publication(**pub))
        async with transaction(factory) as s:
            found = await record_repo.publication_for_record(s, record["id"])
            assert found is not None and found.starts_on == date(2017, 4, 1)
        with pytest.raises(DBAPIError, match="permission denied"):
            async with transaction(factory) as s:
                await s.execute(
                    sa.text(
                        "CREATE TABLE publication_2010 PARTITION OF publication"
                        " FOR VALUES FROM ('2010-01-01') TO ('2011-01-01')"
                    )
                )
    finally:
        await engine.dispose()
        await owner.dispose()


async def test_the_kernel_job_keeps_publication_partitions_in_credit_repair_only(stack: Stack) -> None:
    """The registry's publication entry belongs to credit_repair: the job of another service (whose database
    has no publication table) skips it and keeps its outbox days; credit_repair's job keeps both."""
    for service in ("inspection", "credit_repair"):
        async with job_ran(stack, service) as (engine, _today):
            async with engine.connect() as conn:
                has = (await conn.execute(sa.text("SELECT to_regclass('publication')"))).scalar()
            assert (has is not None) == (service == "credit_repair")


async def test_a_record_is_read_with_its_publication_in_one_snapshot(stack: Stack) -> None:
    """GET /records/{id} loads the record for the access check, then reads it again with its publication and the
    publication's end in ONE statement: an end committed in between (here by a second session) shows beside
    the record as it now is, never beside the record as first loaded (published, with an ended publication).
    Failed before: the record came from the first load and the end from a later statement."""
    url = await stack.anew_database("credit_repair")
    engine = create_engine(url)
    factory = session_factory(engine)
    try:
        record, pub = _publication_row(date(2026, 3, 2))
        async with transaction(factory) as s:
            await s.execute(sa.insert(RuleSetRow), [_RULE_SET_ROW])
            await s.execute(sa.insert(CreditRecord), [record])
            await record_repo.add_publication(s, Publication(**pub))
        async with transaction(factory) as reader:
            loaded = await reader.get(CreditRecord, record["id"])
            assert loaded is not None and loaded.published
            async with transaction(factory) as writer:  # the publication ends meanwhile
                await writer.execute(
                    sa.update(CreditRecord).where(CreditRecord.id == record["id"]).values(published=False)
                )
                writer.add(
                    PublicationEnd(
                        publication_id=pub["id"],
                        ended_at=datetime(2026, 12, 7, 8, tzinfo=UTC),
                        ended_on=date(2026, 12, 7),
                        reason="revoked",
                    )
                )
            seen, publication, end, _ = await records_uc.record_view(reader, loaded)
            assert publication is not None and end is not None and end.reason == "revoked"
            assert seen.published is False
    finally:
        await engine.dispose()
