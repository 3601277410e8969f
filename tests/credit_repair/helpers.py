"""Helpers of the credit_repair tests: the sample identities, publishing penalty events or handing them to the
consumer's use cases, generated publications, reading the database. (Penalty events themselves come from
tests/support/contracts.py.)"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.common import clock, partitions
from services.common.contracts import penalty as pc
from services.common.db import create_engine, session_factory, transaction
from services.common.events import Envelope, Event, make_envelope
from services.common.logs import request_id_var
from services.credit_repair.domain.publication import PublishedRecord
from services.credit_repair.models import CleanupRun, CreditRecord, Publication, PublicationEnd
from services.credit_repair.repository import announcements as announcements_repo
from services.credit_repair.repository import bulk as bulk_repo
from services.credit_repair.repository.announcements import Announcement
from services.credit_repair.settings import CreditRepairContext, CreditRepairSettings
from services.credit_repair.use_cases import cleanups, decisions, rule_sets
from tests.support import personas
from tests.support.contracts import decision_issued, fine_paid
from tests.support.streams import messages_about

if TYPE_CHECKING:
    from tests.credit_repair.conftest import Credit

ROOT = Path(__file__).resolve().parents[2]
RULES = (ROOT / "data" / "sample" / "credit_rules.json").read_text(encoding="utf-8")
_ENTERPRISES = json.loads((ROOT / "data" / "sample" / "enterprises.json").read_text(encoding="utf-8"))[
    "items"
]
USCC_A = _ENTERPRISES[0]["uscc"]
USCC_B = _ENTERPRISES[1]["uscc"]
USCC_C = _ENTERPRISES[2]["uscc"]
YUAN = 100
CONTEXT = CreditRepairContext.from_settings(CreditRepairSettings(env="test"))

# Who calls: enterprises A and B, officers of market regulation (SJ, the deciding department of the tests'
# decisions) and of ecology (ST), supervisors of the city and of district 210103 (the decisions are
# 210102's), the credit platform, an administrator.
ENT_A = personas.enterprise(USCC_A, sub="ent-a")
ENT_B = personas.enterprise(USCC_B, sub="ent-b")
OFFICER_SJ = personas.officer("辽A-0100001", "SJ", "210102", sub="off-sj")
OFFICER_ST = personas.officer("辽A-0200001", "ST", "210102", sub="off-st")
SUPERVISOR_CITY = personas.supervisor("city", sub="sup-city")
SUPERVISOR_OTHER = personas.supervisor("210103", sub="sup-103")
INTEGRATION = personas.integration("creditchina", sub="cc")
ADMIN = personas.admin("admin-1")


async def publish(
    js: Any, event: Event, *, envelope: Envelope | None = None, msg_id: str | None = None
) -> Envelope:
    """Publish a penalty event on JetStream as the penalty service's relay would."""
    env = envelope or make_envelope(event, source="penalty")
    await js.publish(
        event.TYPE, orjson.dumps(env.model_dump(mode="json")), headers={"Nats-Msg-Id": msg_id or str(env.id)}
    )
    return env


async def apply(factory: async_sessionmaker[AsyncSession], event: Event) -> None:
    """Run the consumer's use case for ``event`` directly, in its own transaction."""
    env = make_envelope(event, source="penalty")
    async with transaction(factory) as s:
        if isinstance(event, pc.DecisionIssued):
            await decisions.decision_issued(s, envelope=env, event=event, context=CONTEXT)
        elif isinstance(event, pc.DecisionRevoked):
            await decisions.decision_revoked(s, envelope=env, event=event)
        elif isinstance(event, pc.DecisionChanged):
            await decisions.decision_changed(s, envelope=env, event=event, context=CONTEXT)
        elif isinstance(event, pc.FinePaid):
            await decisions.fine_paid(s, envelope=env, event=event)
        else:
            raise AssertionError(event)


@asynccontextmanager
async def database(url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(url, pool_size=4)
    try:
        yield session_factory(engine)
    finally:
        await engine.dispose()


async def load_rules(factory: async_sessionmaker[AsyncSession]) -> None:
    async with transaction(factory) as s:
        await rule_sets.load_rule_set_document(s, RULES, actor="test", cache=CONTEXT.rule_sets)


async def add_pending_cleanup(
    factory: async_sessionmaker[AsyncSession], as_of: date, *, rule_set_id: str = "shenyang-credit-2026-04"
) -> uuid.UUID:
    """A clean-up requested by an administrator and not yet started (what the worker picks up)."""
    run_id = uuid.uuid4()
    async with transaction(factory) as s:
        s.add(
            CleanupRun(
                id=run_id,
                dry_run=False,
                status="pending",
                as_of=as_of,
                rule_set_id=rule_set_id,
                requested_by="t",
                requested_role="admin",
                requested_at=clock.now(),
            )
        )
    return run_id


async def run_pending_cleanup(factory: async_sessionmaker[AsyncSession], request_id: str) -> None:
    """Run the pending clean-up as the worker would (steps of 100, two at a time) under ``request_id``."""
    token = request_id_var.set(request_id)
    try:
        assert await cleanups.run_cleanups(factory.kw["bind"], factory, chunk_size=100, parallelism=2) == 1
    finally:
        request_id_var.reset(token)


def months_later(day: date, months: int) -> date:
    """Independent month arithmetic for the tests: same day, or the month's last day."""
    import calendar

    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def days_until(day: date) -> timedelta:
    return day - clock.today()


def rows_for(records: list[PublishedRecord]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """credit_record and publication rows for generated records (only the columns the clean-up reads matter)."""
    recs, pubs = [], []
    for r in records:
        d = r.decision
        record_id, case_id = uuid.uuid4(), uuid.uuid4()
        common = {
            "case_id": case_id,
            "decision_no": d.decision_no,
            "party_kind": d.party_kind.value,
            "department_code": "SJ" if d.department_domain == "market_regulation" else "ST",
            "department_name": "部门",
            "district_code": "210102",
            "credit_class": "general",
            "rule_set_id": "shenyang-credit-2026-04",
            "platforms": ["信用中国"],
            "decided_on": d.decision_date,
            "procedure": d.procedure.value,
            "fine_fen": d.fine_fen,
            "serious": d.department_serious,
            "restriction_months": d.restriction_months,
        }
        recs.append(
            common
            | {
                "id": record_id,
                "revision": 1,
                "party_name": "某公司",
                "penalty_domain": "测试",
                "domain_key": d.department_domain,
                "benchmark_code": "SY-SJ-0001",
                "kinds": [k.value for k in d.kinds],
                "published": True,
                "class_reason": "",
                "never_early": False,
                "never_early_kinds": [],
                "status_revision": 1,
            }
        )
        pubs.append(
            common
            | {
                "id": uuid.uuid4(),
                "record_id": record_id,
                "public_name": "某公司",
                "starts_on": d.decision_date,
                "min_ends_on": d.decision_date,
                "earliest_repair_on": d.decision_date,
                "max_ends_on": r.published_until,
                "kinds_mask": bulk_repo.kinds_mask(d.kinds),
                "decision_status": r.decision_status.value,
                "repaired_on": r.repaired_on,
            }
        )
    return recs, pubs


async def insert(
    factory: async_sessionmaker[AsyncSession], records: list[PublishedRecord]
) -> list[uuid.UUID]:
    recs, pubs = rows_for(records)
    async with transaction(factory) as s:
        for year in sorted({p["starts_on"].year for p in pubs}):  # past years: no partition kept for them
            await partitions.ensure_partition(s, "publication", date(year, 1, 1))
        await s.execute(sa.insert(CreditRecord), recs)
        await s.execute(sa.insert(Publication), pubs)
    return [p["id"] for p in pubs]


async def end_of(
    factory: async_sessionmaker[AsyncSession], publication_id: uuid.UUID
) -> PublicationEnd | None:
    """The end of a publication, if it has ended."""
    async with transaction(factory) as s:
        return await s.get(PublicationEnd, publication_id)


# --- records to apply for repair ------------------------------------------------------------------

COMMITMENT = "本企业承诺已纠正违法行为，所提交材料真实有效，如违反承诺愿承担相应责任。"


async def record_of_case(credit: Credit, case_id: uuid.UUID) -> CreditRecord:
    async with transaction(credit.factory) as s:
        return (await s.scalars(sa.select(CreditRecord).where(CreditRecord.case_id == case_id))).one()


async def publication_of(credit: Credit, record_id: uuid.UUID) -> Publication:
    async with transaction(credit.factory) as s:
        return (await s.scalars(sa.select(Publication).where(Publication.record_id == record_id))).one()


async def published_record(
    credit: Credit, *, months_ago: int = 4, pay: bool = True, uscc: str = USCC_A, **kw: Any
) -> CreditRecord:
    """A published record of USCC_A (by default), decided ``months_ago`` months before today, for a kind of
    violation of its own unless told (so records of one test are no "same kind" violation for another)."""
    kw.setdefault("benchmark_code", f"SY-SJ-{uuid.uuid4().hex[:6]}")
    d = decision_issued(party_uscc=uscc, decided_on=clock.today() - timedelta(days=31 * months_ago), **kw)
    await apply(credit.factory, d)
    if pay:
        await apply(credit.factory, fine_paid(d))
    return await record_of_case(credit, d.case_id)


def repair_body(record_id: uuid.UUID, **kw: Any) -> dict[str, Any]:
    """The body of ``POST /repairs`` for ``record_id``: a signed commitment and one piece of evidence."""
    return {
        "record_id": str(record_id),
        "commitment_text": COMMITMENT,
        "commitment_accepted": True,
        "evidence_refs": ["sha256:1f2e3d"],
        **kw,
    }


async def announced(factory: async_sessionmaker[AsyncSession]) -> list[Announcement]:
    """The ``credit.publication.ended`` events of every clean-up end in the feed, as the ``announce-ends`` job
    publishes them (repository.announcements), whether or not it has yet."""
    async with transaction(factory) as s:
        return (await announcements_repo.next_batch(s, 0, 1_000_000)).announcements


ENDED = "credit.publication.ended"


async def ended_on_stream(nats_url: str, subjects: set[str]) -> list[tuple[str, bytes]]:
    """(Nats-Msg-Id, body) of every ``credit.publication.ended`` message on the stream about ``subjects``
    (publication ids), in stream order."""
    return await messages_about(nats_url, "CREDIT", ENDED, subjects)
