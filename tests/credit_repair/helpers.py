"""Shared helpers of the credit_repair tests: decision events, publishing them, reading the database."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.common import clock
from services.common.contracts import penalty as pc
from services.common.db import create_engine, session_factory, transaction
from services.common.events import Envelope, Event, make_envelope
from services.common.tables import outbox_t
from services.credit_repair import repository, service
from services.credit_repair.domain.publication import PublishedRecord
from services.credit_repair.models import CreditRecord, Publication, PublicationEnd
from services.credit_repair.settings import CreditRepairSettings

ROOT = Path(__file__).resolve().parents[2]
RULES = (ROOT / "data" / "sample" / "credit_rules.json").read_text(encoding="utf-8")
_ENTERPRISES = json.loads((ROOT / "data" / "sample" / "enterprises.json").read_text(encoding="utf-8"))[
    "items"
]
USCC_A = _ENTERPRISES[0]["uscc"]
USCC_B = _ENTERPRISES[1]["uscc"]
USCC_C = _ENTERPRISES[2]["uscc"]
YUAN = 100
SETTINGS = CreditRepairSettings(env="test")


def decision(
    *,
    uscc: str | None = USCC_A,
    kinds: list[str] | None = None,
    fine_yuan: int = 80_000,
    decided_on: date | None = None,
    procedure: str = "general",
    department_code: str = "SJ",
    district_code: str = "210102",
    benchmark_code: str = "SY-SJ-0101",
    revision: int = 1,
    case_id: uuid.UUID | None = None,
    serious: bool = False,
    party_name: str = "沈阳测试商贸有限公司",
) -> pc.DecisionIssued:
    kinds = kinds if kinds is not None else ["fine"]
    person = uscc is None
    return pc.DecisionIssued(
        party_kind="individual" if person else "organisation",
        party_uscc=uscc,
        party_id_masked="210102********1234" if person else None,
        party_name=party_name,
        case_id=case_id or uuid.uuid4(),
        decision_no=f"沈市监罚〔2026〕{uuid.uuid4().int % 100000}号",
        department_code=department_code,
        department_name="沈阳市市场监督管理局",
        district_code=district_code,
        domain="化妆品",
        benchmark_code=benchmark_code,
        benchmark_version=1,
        tier="一般",
        kinds=kinds,
        fine_fen=fine_yuan * YUAN if "fine" in kinds or "罚款" in kinds else 0,
        confiscation_fen=0,
        procedure=procedure,  # type: ignore[arg-type]
        decided_on=decided_on or clock.today(),
        effective_on=decided_on or clock.today(),
        serious=serious,
        outside_tier=False,
        revision=revision,
    )


def revoked(d: pc.DecisionIssued, *, revision: int = 2, on: date | None = None) -> pc.DecisionRevoked:
    return pc.DecisionRevoked(
        case_id=d.case_id,
        decision_no=d.decision_no,
        party_uscc=d.party_uscc,
        department_code=d.department_code,
        district_code=d.district_code,
        source="reconsideration",
        reason="行政复议机关决定撤销",
        revoked_on=on or clock.today(),
        revision=revision,
    )


def changed(
    d: pc.DecisionIssued, *, kinds: list[str], fine_yuan: int, revision: int = 2
) -> pc.DecisionChanged:
    return pc.DecisionChanged(
        case_id=d.case_id,
        decision_no=d.decision_no,
        party_uscc=d.party_uscc,
        department_code=d.department_code,
        district_code=d.district_code,
        source="litigation",
        reason="人民法院判决变更罚款数额",
        kinds=kinds,
        fine_fen=fine_yuan * YUAN,
        changed_on=clock.today(),
        revision=revision,
    )


def paid(d: pc.DecisionIssued, *, fully: bool = True, fine_fen: int | None = None) -> pc.FinePaid:
    return pc.FinePaid(
        case_id=d.case_id,
        decision_no=d.decision_no,
        party_uscc=d.party_uscc,
        fine_fen=d.fine_fen if fine_fen is None else fine_fen,
        surcharge_fen=0,
        paid_on=clock.today(),
        fully_performed=fully,
    )


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
    """Run the consumer's handler for ``event`` directly, in its own transaction."""
    env = make_envelope(event, source="penalty")
    async with transaction(factory) as s:
        if isinstance(event, pc.DecisionIssued):
            await service.on_decision_issued(s, envelope=env, event=event, settings=SETTINGS)
        elif isinstance(event, pc.DecisionRevoked):
            await service.on_decision_revoked(s, envelope=env, event=event)
        elif isinstance(event, pc.DecisionChanged):
            await service.on_decision_changed(s, envelope=env, event=event, settings=SETTINGS)
        elif isinstance(event, pc.FinePaid):
            await service.on_fine_paid(s, envelope=env, event=event)
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
        await service.load_rule_set_document(s, RULES, actor="test")


async def outbox_events(factory: async_sessionmaker[AsyncSession], type_: str) -> list[dict[str, Any]]:
    async with transaction(factory) as s:
        rows = (
            await s.execute(
                sa.select(outbox_t.c.envelope).where(outbox_t.c.type == type_).order_by(outbox_t.c.seq)
            )
        ).all()
    return [r[0] for r in rows]


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
                "kinds_mask": repository.kinds_mask(d.kinds),
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
        await s.execute(sa.insert(CreditRecord), recs)
        await s.execute(sa.insert(Publication), pubs)
    return [p["id"] for p in pubs]


async def end_of(
    factory: async_sessionmaker[AsyncSession], publication_id: uuid.UUID
) -> PublicationEnd | None:
    """The end of a publication, if it has ended."""
    async with transaction(factory) as s:
        return await s.get(PublicationEnd, publication_id)
