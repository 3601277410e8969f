"""Sample data for ``make run``: the Shenyang units and enterprises of data/sample/, and four quarters of
plausible outcomes (the current one and the three before it) so that the report, the heat table and the
rectification list are not empty. Deterministic (seeded by quarter and unit) and idempotent: every record
has a fixed id or external id and is inserted only when missing; the last closed quarter is published once.

The figures are invented. A few units are made conspicuous on purpose (a high correction rate, many 12345
complaints, a rising trend, litigation losses above the average) so that every colour and the light appear.
"""

from __future__ import annotations

import contextlib
import json
import random
import uuid
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from services.common import clock
from services.common.access import Scope
from services.common.auth import Principal
from services.common.db import create_engine, session_factory, transaction
from services.common.errors import DomainError
from services.risk import schemas
from services.risk.domain import complaints as complaint_rules
from services.risk.domain import intake
from services.risk.domain.report import INSPECTION_DOMAIN, Quarter
from services.risk.models import Complaint, ComplaintLead, ReviewCampaign, RiskCase, SupervisionMatter
from services.risk.repository import classes as class_repo
from services.risk.repository import intake as intake_repo
from services.risk.repository import reports as report_repo
from services.risk.repository import signals as signal_repo
from services.risk.repository import units as unit_repo
from services.risk.settings import RiskContext, RiskSettings
from services.risk.use_cases import classes, complaints, matters, reports, reviews
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
        async with transaction(factory) as session:
            supervision = await _supervision(session, context)
    finally:
        await engine.dispose()
    return f"{summary}, {published}, {counts.written} enterprise classes written, {review}, {supervision}"


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
        # a refusal of the domain (a deadline in a year not entered yet is pending, no longer refused): the
        # live report is shown all the same
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


# --------------------------------------------------------------------------------------------------- supervision (issue #14)

SAMPLE_MARK = "（样例）"
SAMPLE_SCORES: list[dict[str, int]] = [
    # 主体 10, 事实 15, 证据 20, 程序 20, 适用法律 10, 裁量 10, 文书 10, 归档 5 (the default sheet)
    {
        "subject": 10,
        "facts": 15,
        "evidence": 18,
        "procedure": 20,
        "law": 10,
        "discretion": 8,
        "documents": 9,
        "archive": 5,
    },
    {
        "subject": 10,
        "facts": 12,
        "evidence": 15,
        "procedure": 15,
        "law": 8,
        "discretion": 6,
        "documents": 8,
        "archive": 3,
    },
    {
        "subject": 10,
        "facts": 10,
        "evidence": 10,
        "procedure": 5,
        "law": 5,
        "discretion": 5,
        "documents": 5,
        "archive": 5,
    },
]


@contextlib.contextmanager
def _days_ago(days: int) -> Iterator[None]:
    """Take a step of the sample's history ``days`` ago: the clock is moved back while it runs (the loader runs
    before the services start, as `zhifa up` does), so deadlines, lateness and the audit trail agree."""
    base = clock.offset()
    clock.set_offset(base - timedelta(days=days))
    try:
        yield
    finally:
        clock.set_offset(base)


async def _supervision(session: Any, context: RiskContext) -> str:
    """Supervision matters in every state, complaints to the bureau and the first scores of the sample review,
    so that the console's 监督事项, 投诉举报 and 评查活动 show rows. Each step is taken alone: one the calendar
    refuses (a deadline in a year it does not cover) is left out and said."""
    done: list[str] = []
    if not await session.scalar(
        sa.select(SupervisionMatter.id).where(SupervisionMatter.grounds.endswith(SAMPLE_MARK)).limit(1)
    ):
        done.append(f"{await _matters(session)} supervision matters")
    if not await session.scalar(sa.select(Complaint.id).where(Complaint.text.endswith(SAMPLE_MARK)).limit(1)):
        done.append(f"{await _complaints(session, context)} complaints")
    done.append(f"{await _scores(session)} review files scored")
    return ", ".join(done)


async def _a_case(session: Any, unit: str, nth: int) -> uuid.UUID | None:
    previous = Quarter.containing(clock.today()).previous()
    found = await session.scalars(
        sa.select(RiskCase.case_id)
        .where(RiskCase.unit_code == unit, RiskCase.decided_on.between(previous.first_day, previous.last_day))
        .order_by(RiskCase.decided_on, RiskCase.case_id)
    )
    cases = list(found)
    return cases[nth % len(cases)] if cases else None


async def _a_lead(session: Any, unit: str) -> uuid.UUID | None:
    return await session.scalar(  # type: ignore[no-any-return]
        sa.select(ComplaintLead.id)
        .where(ComplaintLead.unit_code == unit, ComplaintLead.received_at < clock.now() - timedelta(days=30))
        .order_by(ComplaintLead.received_at.desc(), ComplaintLead.id)
        .limit(1)
    )


# (unit, target, kind, opened days ago, working days to answer, then: answered / closed days ago)
_MATTERS: list[tuple[str, str, str, int, int, int | None, int | None, str]] = [
    (
        "CG-210104",
        "lead",
        "escalation",
        20,
        5,
        None,
        None,
        "12345热线反映市容执法粗暴，群众反映强烈，属典型执法突出问题",
    ),
    ("CG-210104", "case", "correction", 2, 10, None, None, "处罚决定书未载明当事人陈述申辩的采纳情况"),
    ("SJ-210106", "case", "opinion", 30, 10, 20, 18, "同类违法行为处罚幅度明显不一，裁量理由未说明"),
    ("SJ-210106", "case", "correction", 12, 5, None, None, "未经法制审核即作出较大数额罚款决定"),
    ("SJ-210100", "case", "opinion", 6, 10, None, None, "案卷证据目录不全，询问笔录未由当事人签字确认"),
    ("SJ-210100", "case", "opinion", 25, 10, 3, None, "检查中未出示执法证件，企业反映强烈"),
]
_LEGAL_BASIS = {
    "opinion": "《行政执法监督条例》；《中华人民共和国行政处罚法》第五十五条第一款",
    "correction": "《中华人民共和国行政处罚法》第五十八条第一款；第五十九条",
    "escalation": "《行政执法监督条例》；沈司办〔2026〕16号 提级快办机制",
}


async def _matters(session: Any) -> int:
    made = 0
    for n, (unit, target, kind, opened, days, answered, closed, grounds) in enumerate(_MATTERS):
        target_id = await (_a_lead(session, unit) if target == "lead" else _a_case(session, unit, n))
        if target_id is None:
            continue
        body = schemas.MatterWrite(
            kind=kind,
            target_kind=target,
            target_id=target_id,
            unit_code=unit,
            grounds=grounds + SAMPLE_MARK,
            legal_basis=_LEGAL_BASIS[kind],
            requested_action="核查并依法处理，书面报告办理结果",
            deadline_working_days=days,
        )
        try:
            async with session.begin_nested():
                with _days_ago(opened):
                    read = await matters.open_matter(
                        session, body=body, principal=PUBLISHER, scope=Scope("supervisor", everything=True)
                    )
                await _answer_and_close(session, read.id, unit, answered, closed)
        except DomainError:  # a step the sample's days do not allow (a pending deadline is no refusal)
            continue
        made += 1
    await matters.mark_overdue(session, today=clock.today())
    return made


async def _answer_and_close(
    session: Any, matter_id: uuid.UUID, unit: str, answered: int | None, closed: int | None
) -> None:
    if answered is not None:
        row = await session.get(SupervisionMatter, matter_id)
        dept, district = unit.split("-")
        head = Principal(
            sub=f"officer-{unit.lower()}",
            role="officer",
            name="承办单位（样例）",
            dept_code=dept,
            district_code=district,
        )
        with _days_ago(answered):
            await matters.answer(
                session,
                row=row,
                body=schemas.MatterAnswerWrite(
                    outcome="explained", text="经核查，已组织执法人员学习相关规定并说明情况" + SAMPLE_MARK
                ),
                principal=head,
            )
    if closed is not None:
        row = await session.get(SupervisionMatter, matter_id, populate_existing=True)
        with _days_ago(closed):
            await matters.close(session, row=row, note="答复说明充分，予以办结", principal=PUBLISHER)


# (unit, category, text, received days ago, steps taken: forward, reply, conclude, answer; days ago each)
_COMPLAINTS: list[tuple[str, str, str, int, list[tuple[str, int]]]] = [
    (
        "CG-210104",
        "态度问题",
        "城管执法人员在店门口检查时态度粗暴，当众训斥店员",
        40,
        [("forward", 38), ("reply", 30), ("conclude", 25), ("answer", 24)],
    ),
    ("CG-210104", "重复检查", "同一周内三次以市容检查为由入店，影响正常经营", 25, []),
    ("SJ-210106", "索要财物", "检查人员暗示购买指定消毒产品可免于处罚", 18, [("forward", 16)]),
    ("SJ-210100", "未出示证件", "检查人员未出示执法证件即要求查看账簿", 9, [("forward", 8), ("reply", 2)]),
    ("SJ-210100", "逾期未办", "申请的行政许可事项超过承诺期限仍未办结", 1, []),
]


async def _complaints(session: Any, context: RiskContext) -> int:
    enterprises = _items("enterprises.json")
    made = 0
    for n, (unit, category, text, received, steps) in enumerate(_COMPLAINTS):
        uscc = enterprises[n % len(enterprises)]["uscc"] if enterprises else None
        body = schemas.ComplaintBody(
            subject_kind="department",
            unit_code=unit,
            category=category,
            text=text + SAMPLE_MARK,
            contact_name="王先生",
            contact_phone=f"1380000{n:04d}",
        )
        try:
            async with session.begin_nested():
                with _days_ago(received):
                    row = await complaints.receive(
                        session,
                        context,
                        source=complaint_rules.Source.ENTERPRISE,
                        body=body,
                        anonymous=n % 2 == 1,
                        actor=f"ent-sample-{n}",
                        actor_role="enterprise",
                        extra={"complainant_uscc": uscc, "complainant_sub": f"ent-sample-{n}"},
                    )
                assert row is not None
                for action, ago in steps:
                    with _days_ago(ago):
                        await _complaint_step(session, context, row.id, unit, action)
        except DomainError:  # e.g. CALENDAR_NOT_COVERED around the turn of a year
            continue
        made += 1
    return made


async def _complaint_step(
    session: Any, context: RiskContext, complaint_id: uuid.UUID, unit: str, action: str
) -> None:
    everything = Scope("admin", everything=True)
    row = await session.get(Complaint, complaint_id, populate_existing=True)
    if action == "forward":
        await complaints.forward(
            session, row=row, note="请核查并回复", principal=PUBLISHER, scope=everything, context=context
        )
    elif action == "reply":
        dept, district = unit.split("-")
        head = Principal(
            sub=f"officer-{unit.lower()}", role="officer", dept_code=dept, district_code=district
        )
        text = "经核查，已对相关执法人员批评教育并向企业当面说明" + SAMPLE_MARK
        await complaints.reply(session, row=row, text=text, principal=head, scope=everything)
    elif action == "conclude":
        body = schemas.ConcludeWrite(finding="partly_substantiated", conclusion="投诉部分属实，已责令整改")
        await complaints.conclude(session, row=row, body=body, principal=PUBLISHER, scope=everything)
    else:
        text = "您反映的问题部分属实，已责令承办单位整改，感谢监督" + SAMPLE_MARK
        await complaints.answer(session, row=row, text=text, principal=PUBLISHER, scope=everything)


async def _scores(session: Any) -> int:
    """The first files of the sample review scored (the campaign stays under review): one 优秀, one 合格, one
    不合格 with a finding, all of its first unit's."""
    campaign = await session.scalar(
        sa.select(ReviewCampaign).where(ReviewCampaign.title == SAMPLE_REVIEW_TITLE)
    )
    if campaign is None or campaign.status != "drawn":
        return 0
    files = await reviews.list_files(session, scope=Scope("admin", everything=True), row=campaign)
    first = [f for f in files if f.unit_code == campaign.unit_codes[0] and f.total is None]
    scored = 0
    for file, points in zip(first, SAMPLE_SCORES, strict=False):
        findings = []
        if sum(points.values()) < 60:
            findings.append(
                schemas.FindingWrite(
                    dimension="procedure",
                    severity="serious",
                    deduction="P1",
                    text="未告知当事人陈述、申辩权利即作出处罚决定" + SAMPLE_MARK,
                )
            )
        try:
            async with session.begin_nested():
                await reviews.record_scores(
                    session,
                    principal=PUBLISHER,
                    scope=Scope("supervisor", everything=True),
                    row=campaign,
                    file_id=file.id,
                    body=schemas.ScoresWrite(reviewer_id="sup-city", points=points, findings=findings),
                )
        except DomainError:  # e.g. a campaign whose reviewers differ from the sample's
            continue
        scored += 1
    return scored
