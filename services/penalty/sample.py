"""Sample data for ``zhifa up``: the published sample catalogue, the certificate projection of the sample
officers, one open lead and a few cases in different states. Idempotent: cases have fixed ids and are made
once; the catalogue installs only versions it does not have yet.

Cases are made through the same use cases the API calls, so they carry real documents, timelines and
outbox events (the credit service will answer the decided ones with their credit repair notices).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.common import clock
from services.common.auth import Principal
from services.common.contracts.inspection import OfficerChanged, ViolationFound
from services.common.db import create_engine, session_factory, transaction
from services.penalty import repository as repo
from services.penalty import schemas as s
from services.penalty.domain import catalogue as cat
from services.penalty.domain import procedure as p
from services.penalty.domain.discretion import Correction, Harm
from services.penalty.models import PenaltyCase
from services.penalty.settings import PenaltyContext, PenaltySettings
from services.penalty.use_cases import assessment, cases, catalogue, leads, procedure, projections

DATA = Path(__file__).resolve().parents[2] / "data" / "sample"
NAMESPACE = uuid.UUID("6f0d3c1e-8a52-4b8e-9a51-0c1f1d6a2b77")


def _id(name: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, name)


def _items(name: str) -> list[dict[str, Any]]:
    return list(json.loads((DATA / name).read_text(encoding="utf-8"))["items"])


def _officers(dept: str, n: int = 2) -> list[Principal]:
    chosen = [o for o in _items("officers.json") if o["dept_code"] == dept and o["status"] == "active"]
    chosen = [o for o in chosen if not o["auxiliary"]][:n]
    return [
        Principal(
            sub=o["officer_id"],
            role="officer",
            name=o["name"],
            cert_no=o["cert_no"],
            dept_code=o["dept_code"],
            district_code=o["body_code"].split("-")[1],
        )
        for o in chosen
    ]


def _enterprise(index: int) -> dict[str, Any]:
    return _items("enterprises.json")[index]


def _party(ent: dict[str, Any]) -> s.PartyIn:
    return s.PartyIn(
        kind=p.PartyKind.ORGANISATION,
        name=ent["name"],
        uscc=ent["uscc"],
        address=ent["address"],
        legal_representative=ent.get("legal_rep_masked", ""),
    )


async def _open(
    session: AsyncSession, ctx: PenaltyContext, case_id: uuid.UUID, dept: str, code: str, ent: int, **kw: Any
) -> tuple[list[Principal], uuid.UUID]:
    team = _officers(dept)
    body = s.CaseOpenIn(
        party=_party(_enterprise(ent)),
        benchmark_code=code,
        facts_brief=kw.pop("facts_brief", "执法人员在日常检查中发现当事人涉嫌违法。"),
        officers=[team[1].cert_no or ""],
        approved_by=kw.pop("approved_by", "分管负责人"),
        **kw,
    )
    await cases.open_case(session, principal=team[0], body=body, ctx=ctx, case_id=case_id)
    return team, case_id


async def _case(session: AsyncSession, case_id: uuid.UUID) -> PenaltyCase:
    """The sample case, locked for its next step (as a route's ``CaseForUpdateDep`` loads it)."""
    row = await repo.get_case(session, case_id, lock=True)
    assert row is not None
    return row


async def _assess(
    session: AsyncSession, ctx: PenaltyContext, officer: Principal, case_id: uuid.UUID, **facts: Any
) -> s.AssessmentRead:
    today = clock.today()
    body = s.CaseAssessmentRequest(violation_date=today - timedelta(days=20), **facts)
    row = await _case(session, case_id)
    return await assessment.assess_case(session, principal=officer, row=row, body=body, ctx=ctx)


async def filed(session: AsyncSession, ctx: PenaltyContext) -> None:
    """Filed only: 经营超过保质期的食品."""
    await _open(
        session, ctx, _id("filed"), "SJ", "SY-SJ-0002", 3, facts_brief="现场发现超过保质期的酸奶12盒。"
    )


async def notified(session: AsyncSession, ctx: PenaltyContext) -> None:
    """Investigated, assessed and notified: 生产经营无标签的预包装食品 (the party has 5 working days)."""
    team, case_id = await _open(session, ctx, _id("notified"), "SJ", "SY-SJ-0004", 5)
    await procedure.start_investigation(
        session, principal=team[0], row=await _case(session, case_id), body=s.InvestigationIn()
    )
    a = await _assess(session, ctx, team[0], case_id, base_amounts={cat.BaseKind.GOODS_VALUE: 300_000})
    assert a.penalty is not None
    await procedure.notify(
        session,
        principal=team[0],
        row=await _case(session, case_id),
        ctx=ctx,
        body=s.NoticeIn(
            facts=["当事人在其经营场所销售无标签的预包装食品（散装糕点）30袋，货值金额3,000.00元。"],
            evidence=["现场检查笔录", "现场照片4张", "进货单据"],
            proposed=s.PenaltyIn(kinds=[p.PenaltyKind.FINE], fine_fen=a.penalty.suggested_fine_fen or 0),
        ),
    )


async def decided(session: AsyncSession, ctx: PenaltyContext) -> None:
    """Decided under the general procedure after the party waived its rights: 餐饮油烟."""
    team, case_id = await _open(session, ctx, _id("decided"), "CG", "SY-CG-0002", 7)
    await procedure.start_investigation(
        session, principal=team[0], row=await _case(session, case_id), body=s.InvestigationIn()
    )
    a = await _assess(session, ctx, team[0], case_id, harm=Harm.MINOR, correction=Correction.IN_TIME)
    assert a.penalty is not None and a.penalty.suggested_fine_fen is not None
    penalty = s.PenaltyIn(kinds=[p.PenaltyKind.FINE], fine_fen=a.penalty.suggested_fine_fen)
    await procedure.notify(
        session,
        principal=team[0],
        row=await _case(session, case_id),
        ctx=ctx,
        body=s.NoticeIn(
            facts=["当事人经营餐馆，排放油烟但未正常使用油烟净化设施，油烟直排。"],
            evidence=["现场检查笔录", "现场视频1段"],
            proposed=penalty,
        ),
    )
    await procedure.waive_rights(
        session, principal=team[0], row=await _case(session, case_id), body=s.WaiverIn(statement=True)
    )
    await procedure.decide(
        session,
        principal=team[0],
        row=await _case(session, case_id),
        ctx=ctx,
        body=s.DecisionIn(penalty=penalty),
    )


async def simple(session: AsyncSession, ctx: PenaltyContext) -> None:
    """Simple procedure, decided on the spot: 不按规定维护和检测运输车辆 (3,000 元)."""
    team, case_id = await _open(
        session,
        ctx,
        _id("simple"),
        "JT",
        "SY-JT-0004",
        0,
        procedure=p.ProcedureKind.SIMPLE,
        place="沈阳市铁西区沈辽路288号停车场",
        facts_brief="路检发现营运车辆未按规定进行二级维护。",
    )
    a = await _assess(session, ctx, team[0], case_id, harm=Harm.MINOR)
    assert a.penalty is not None and a.penalty.suggested_fine_fen is not None
    await procedure.decide(
        session,
        principal=team[0],
        row=await _case(session, case_id),
        ctx=ctx,
        body=s.DecisionIn(
            penalty=s.PenaltyIn(kinds=[p.PenaltyKind.FINE], fine_fen=a.penalty.suggested_fine_fen),
            facts=["当事人的营运客车（辽A·12345）未按规定进行二级维护，超过维护周期。"],
            evidence=["现场检查笔录", "车辆技术档案"],
        ),
    )


async def closed(session: AsyncSession, ctx: PenaltyContext) -> None:
    """Filed, then closed: the facts did not support the case (撤销立案)."""
    team, case_id = await _open(session, ctx, _id("closed"), "SJ", "SY-SJ-0014", 9)
    await procedure.close(
        session,
        principal=team[0],
        row=await _case(session, case_id),
        body=s.CloseIn(
            reason=p.ClosureReason.NOT_ESTABLISHED, note="经核查，涉案化妆品标签符合规定，撤销立案。"
        ),
    )


CASES: list[tuple[str, Callable[[AsyncSession, PenaltyContext], Awaitable[None]]]] = [
    ("filed", filed),
    ("notified", notified),
    ("decided", decided),
    ("simple", simple),
    ("closed", closed),
]


async def _certificates(session: AsyncSession) -> None:
    """Seed the certificate projection from the sample officers (revision 0: any real event wins)."""
    for o in _items("officers.json"):
        if not o.get("cert_no"):
            continue  # auxiliary staff without a certificate
        since = o.get("status_since") or "2026-01-01"
        await projections.record_officer_change(
            session,
            OfficerChanged(
                officer_id=uuid.UUID(o["officer_id"]),
                cert_no=o["cert_no"],
                department_code=o["dept_code"],
                status=o["status"],
                auxiliary=o["auxiliary"],
                valid_until=o.get("valid_until"),
                reason=o.get("status_reason", ""),
                changed_at=datetime.fromisoformat(f"{since}T00:00:00+08:00"),
                revision=0,
            ),
        )


async def _lead(session: AsyncSession) -> bool:
    ent = _enterprise(11)
    team = _officers("SJ")
    return await leads.record_violation(
        session,
        ViolationFound(
            violation_id=_id("lead"),
            visit_id=_id("lead-visit"),
            enterprise_uscc=ent["uscc"],
            enterprise_name=ent["name"],
            item_code="SJ-SP-001",
            item_name="对食品生产经营许可及许可证公示情况的检查",
            legal_basis="《中华人民共和国食品安全法》第三十五条、第一百二十二条",
            description="检查发现当事人未取得食品经营许可即从事食品销售活动。",
            evidence_hashes=["9f2c" + "0" * 60],
            officer_cert_nos=[o.cert_no or "" for o in team],
            department_code="SJ",
            district_code=ent["district_code"],
            found_at=clock.now() - timedelta(days=1),
        ),
    )


async def load(database_url: str) -> str:
    """Load the sample catalogue, certificates, a lead and the sample cases (idempotent)."""
    engine = create_engine(database_url, pool_size=2, max_overflow=0, app_name="zhifa-penalty-sample")
    factory = session_factory(engine)
    ctx = PenaltyContext.from_settings(PenaltySettings(database_url=database_url))
    made = 0
    try:
        async with transaction(factory) as session:
            published = cat.parse_json((DATA / "benchmarks.json").read_text(encoding="utf-8"))
            added = await catalogue.install_catalogue(session, catalogue=published, actor="sample")
            await _certificates(session)
            lead = await _lead(session)
        for name, build in CASES:
            async with transaction(factory) as session:
                if await repo.get_case(session, _id(name)) is not None:
                    continue
                await build(session, ctx)
                made += 1
    finally:
        await engine.dispose()
    return f"{added} benchmark versions, {made} cases, {'1 new lead' if lead else 'leads present'}"
