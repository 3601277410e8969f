"""Sample data for ``make run``: the Shenyang units and enterprises of data/sample/, and four quarters of
plausible outcomes (the current one and the three before it) so that the report, the heat table and the
rectification list are not empty. Deterministic (seeded by quarter and unit) and idempotent: every record
has a fixed id or external id and is inserted only when missing; the last closed quarter is published once.

The figures are invented. A few units are made conspicuous on purpose (a high correction rate, many 12345
complaints, a rising trend, litigation losses above the average) so that every colour and the light appear.
"""

from __future__ import annotations

import json
import random
import uuid
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from services.common import clock
from services.common.auth import Principal
from services.common.db import create_engine, session_factory, transaction
from services.common.errors import DomainError
from services.risk import schemas
from services.risk.domain import intake
from services.risk.domain.report import INSPECTION_DOMAIN, Quarter
from services.risk.models import ReviewCampaign
from services.risk.repository import classes as class_repo
from services.risk.repository import intake as intake_repo
from services.risk.repository import reports as report_repo
from services.risk.repository import signals as signal_repo
from services.risk.repository import units as unit_repo
from services.risk.settings import RiskContext, RiskSettings
from services.risk.use_cases import classes, reports, reviews
from services.risk.use_cases.intake import intake_row

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "data" / "sample"
PUBLISHER = Principal(sub="sup-city", role="supervisor", name="市司法局监督员（样例）", scope="city")
NAMESPACE = uuid.UUID("6f9c3c1e-2b7a-4d55-9a4e-5a1d6b7e2026")

DOMAINS = {
    "SJ": ["食品安全", "广告", "价格", "产品质量"],
    "ST": ["大气污染"],
    "CG": ["市容环卫"],
    "YJ": ["安全生产"],
    "JT": ["道路运输"],
    "XF": ["消防"],
    "WJ": ["公共卫生"],
}
# Conspicuous units (code -> what makes them stand out).
HOT = {
    "SJ-210106": "rate",  # many corrections for its volume -> red
    "CG-210104": "complaints",  # many 12345 leads -> red
    "YJ-210112": "rising",  # correction rate rising for two quarters -> blue (or more)
    "ST-210113": "losses",  # litigation losses above the city average -> lit
}
TIERS = ["aggravated", "general", "general", "general", "lenient", "mitigated", "none"]


def _items(name: str) -> list[dict[str, Any]]:
    path = SAMPLE_DIR / name
    if not path.exists():
        return []
    items: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))["items"]
    return items


def _units() -> list[dict[str, Any]]:
    units = []
    for dept in _items("departments.json"):
        for body in dept.get("enforcement_bodies", []):
            units.append(
                {
                    "code": body["code"],
                    "name": body["name"],
                    "department_code": dept["code"],
                    "district_code": body["district_code"],
                }
            )
    return units


def _item_codes() -> dict[str, list[str]]:
    """The sample benchmark items per department (SY-SJ-0001 → SJ), from data/sample/benchmarks.csv."""
    path = SAMPLE_DIR / "benchmarks.csv"
    codes: dict[str, set[str]] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines()[1:]:
            code = line.split(",", 1)[0]
            if code.count("-") == 2:
                codes.setdefault(code.split("-")[1], set()).add(code)
    return {dept: sorted(c) for dept, c in codes.items()}


ITEMS = _item_codes()


def _item(case_id: uuid.UUID, department_code: str) -> str | None:
    """A case's benchmark item, drawn apart from the quarter's records (their random order stays as it was)."""
    items = ITEMS.get(department_code)
    return random.Random(str(case_id)).choice(items) if items else None


def _day(rnd: random.Random, quarter: Quarter, last: date) -> date:
    span = (min(quarter.last_day, last) - quarter.first_day).days
    return quarter.first_day + timedelta(days=rnd.randint(0, max(0, span)))


def _quarter_records(
    quarter: Quarter, step: int, unit: dict[str, Any], usccs: list[str], today: date
) -> dict[str, list[Any]]:
    """One unit's records in one quarter; ``step`` counts quarters from the oldest (0) to the current (3).

    Long, and kept in one piece: it is one seeded draw, and its order of random draws is the sample data."""
    code = unit["code"]
    rnd = random.Random(f"{quarter}-{code}")
    hot = HOT.get(code)
    city_level = unit["district_code"] == "210100"
    last = today - timedelta(days=1)
    decisions = rnd.randint(25, 60) if city_level else rnd.randint(8, 35)
    if quarter.first_day > last:
        decisions = 0
    corrections = sum(1 for _ in range(decisions) if rnd.random() < 0.03)
    losses = 1 if rnd.random() < 0.12 else 0
    complaints = rnd.choice([0, 0, 0, 1, 1, 2])
    if hot == "rate":
        decisions, corrections = max(decisions, 30), 4
    elif hot == "complaints":
        complaints = 9
    elif hot == "rising":
        decisions, corrections = 30, step  # 0/30, 1/30, 2/30, 3/30
    elif hot == "losses":
        losses = 3
    domains = DOMAINS.get(unit["department_code"], ["综合"])
    out: dict[str, list[Any]] = {"cases": [], "outcomes": [], "leads": [], "signals": []}
    for i in range(decisions):
        day = _day(rnd, quarter, last)
        case_id = uuid.uuid5(NAMESPACE, f"case-{quarter}-{code}-{i}")
        out["cases"].append(
            {
                "case_id": case_id,
                "benchmark_code": _item(case_id, unit["department_code"]),
                "decision_no": f"样例{code}〔{quarter.year}〕{quarter.number}{i:03d}号",
                "unit_code": code,
                "district_code": unit["district_code"],
                "domain": rnd.choice(domains),
                "party_uscc": rnd.choice(usccs) if usccs and rnd.random() < 0.04 else None,
                "tier": rnd.choice(TIERS),
                "decided_on": day,
                "outside_tier": rnd.random() < 0.02,
                "status": "issued",
                "revision": 1,
                "issued_revision": 1,
            }
        )
    if quarter.first_day > last:
        return out
    for i in range(corrections):
        out["outcomes"].append(
            intake.ReconsiderationOutcomeIn(
                external_id=f"样例-复议-{quarter}-{code}-{i}",
                unit_code=code,
                domain=rnd.choice(domains),
                outcome=rnd.choice(["revoked", "changed", "confirmed_illegal"]),
                decided_on=_day(rnd, quarter, last),
                illegality=rnd.choice(["procedure", "facts_unclear", "inappropriate"]),
            )
        )
    for i in range(rnd.choice([0, 1, 2])):  # decisions upheld: not corrections
        out["outcomes"].append(
            intake.ReconsiderationOutcomeIn(
                external_id=f"样例-复议维持-{quarter}-{code}-{i}",
                unit_code=code,
                domain=rnd.choice(domains),
                outcome="upheld",
                decided_on=_day(rnd, quarter, last),
            )
        )
    for i in range(losses):
        out["outcomes"].append(
            intake.LitigationOutcomeIn(
                external_id=f"样例-诉讼-{quarter}-{code}-{i}",
                unit_code=code,
                domain=rnd.choice(domains),
                result="lost",
                loss_type=rnd.choice(["revoked", "confirmed_illegal"]),
                decided_on=_day(rnd, quarter, last),
            )
        )
    for i in range(complaints):
        day = _day(rnd, quarter, last)
        out["leads"].append(
            intake.ComplaintLeadIn(
                external_id=f"样例-12345-{quarter}-{code}-{i}",
                unit_code=code,
                domain=rnd.choice(domains),
                uscc=rnd.choice(usccs) if usccs and rnd.random() < 0.5 else None,
                category=rnd.choice(["涉企执法", "执法态度", "重复检查"]),
                text="市民反映执法过程中存在问题，请核查（样例数据）",
                received_at=datetime.combine(day, time(9 + rnd.randint(0, 8)), tzinfo=clock.CHINA),
            )
        )
    for i in range(rnd.choice([0, 0, 1, 2])):
        at = datetime.combine(_day(rnd, quarter, last), time(10), tzinfo=clock.CHINA)
        out["signals"].append(
            {
                "kind": "refused_entry",
                "ref": str(uuid.uuid5(NAMESPACE, f"refusal-{quarter}-{code}-{i}")),
                "unit_code": code,
                "domain": INSPECTION_DOMAIN,
                "occurred_at": at,
                "occurred_on": at.date(),
                "detail": "ENTRY_NO_TASK：无有效检查任务（样例）",
            }
        )
    return out


async def load(database_url: str) -> str:
    """Create what is missing; returns a one-line summary."""
    settings = RiskSettings(database_url=database_url)
    context = RiskContext.from_settings(settings)
    engine = create_engine(database_url, pool_size=2, max_overflow=0, app_name="zhifa-risk-sample")
    try:
        factory = session_factory(engine)
        async with transaction(factory) as session:
            summary = await _load(session)
        async with transaction(factory) as session:
            published = await _publish(session, context)
        async with transaction(factory) as session:
            counts = await classes.classify_enterprises(session, config=context.config)
        async with transaction(factory) as session:
            review = await _review(session)
    finally:
        await engine.dispose()
    return f"{summary}, {published}, {counts.written} enterprise classes written, {review}"


async def _load(session: Any) -> str:
    units = _units()
    for unit in units:
        await unit_repo.upsert_unit(
            session,
            code=unit["code"],
            name=unit["name"],
            department_code=unit["department_code"],
            district_code=unit["district_code"],
        )
    enterprises = _items("enterprises.json")
    for e in enterprises:
        await class_repo.upsert_enterprise(
            session, uscc=e["uscc"], name=e["name"], district_code=e["district_code"]
        )
    usccs = [e["uscc"] for e in enterprises]
    today = clock.today()
    now = clock.now()
    current = Quarter.containing(today)
    quarters = [
        current.previous().previous().previous(),
        current.previous().previous(),
        current.previous(),
        current,
    ]
    created = {"cases": 0, "outcomes": 0, "leads": 0}
    for step, quarter in enumerate(quarters):
        for unit in units:
            records = _quarter_records(quarter, step, unit, usccs, today)
            created["cases"] += await signal_repo.insert_cases(session, records["cases"])
            for kind, key in ((None, "outcomes"), (intake.IntakeKind.COMPLAINT, "leads")):
                by_kind: dict[str, list[dict[str, Any]]] = {}
                for record in records[key]:
                    row = intake_row(record, client="sample", now=now)
                    by_kind.setdefault(kind.value if kind else row["kind"], []).append(row)
                for k, rows in by_kind.items():
                    created[key] += len(await intake_repo.insert_intake(session, k, rows))
            for signal in records["signals"]:
                await signal_repo.add_unit_signal(session, signal)
    return (
        f"{len(units)} units, {len(enterprises)} enterprises, {created['cases']} decisions, "
        f"{created['outcomes']} outcomes and {created['leads']} 12345 leads added over {quarters[0]}–{current}"
    )


async def _publish(session: Any, context: RiskContext) -> str:
    quarter = Quarter.containing(clock.today()).previous()
    if await report_repo.get_published(session, str(quarter)) is not None:
        return f"{quarter} already published"
    try:
        async with session.begin_nested():  # a refused publication leaves nothing behind
            result = await reports.publish_report(
                session, quarter_text=str(quarter), principal=PUBLISHER, context=context
            )
    except DomainError as exc:
        # e.g. CALENDAR_NOT_COVERED: a deadline falls in a year whose holidays the administrator has not
        # entered yet (PUT /api/v1/risk/admin/calendar/{year}); the live report is shown all the same.
        return f"{quarter} not published ({exc.code})"
    return f"{quarter} published with {len(result.warnings)} warnings"


SAMPLE_REVIEW_TITLE = "市场监管领域高频处罚事项案卷评查（样例）"


async def _review(session: Any) -> str:
    """One 案卷评查 campaign over three 市场监管 units' last closed quarter, drawn and waiting for its scores, so the
    console's 评查活动 page has something to show."""
    if await session.scalar(sa.select(ReviewCampaign.id).where(ReviewCampaign.title == SAMPLE_REVIEW_TITLE)):
        return "sample review campaign already there"
    quarter = Quarter.containing(clock.today()).previous()
    units = ["SJ-210102", "SJ-210103", "SJ-210104"]
    body = schemas.ReviewCreate(
        title=SAMPLE_REVIEW_TITLE,
        unit_codes=units,
        period_from=quarter.first_day,
        period_to=quarter.last_day,
        sample_size=3,
        reviewers=[
            schemas.ReviewerWrite(id="sup-city", name="市司法局监督员（样例）", units=units[:2]),
            schemas.ReviewerWrite(
                id="rev-sj-210102", name="和平区评查员（样例）", unit_code=units[0], units=units[2:]
            ),
        ],
    )
    try:
        async with session.begin_nested():
            created = await reviews.create(session, principal=PUBLISHER, body=body)
            row = await session.get(ReviewCampaign, created.id)
            await reviews.approve(
                session, principal=PUBLISHER, row=row, public_value="样例公开值 01 02 03 04 05 06 07"
            )
    except DomainError as exc:  # e.g. no decided case in the quarter (a fresh database early in a quarter)
        return f"no sample review campaign ({exc.code})"
    return "a sample review campaign drawn"
