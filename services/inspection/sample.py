"""Load the sample data (data/sample/*.json) into the inspection database, idempotently, plus three
approved demonstration tasks, so that ``make run`` can show scan-to-enter at once.

Records that already exist are left alone (the operator may have changed them since); only missing ones
are created, through the same use cases as the API, so the audit chain and the events
(``inspection.enterprise.registered``, ``inspection.officer.changed``) are what a real import produces.

``activity`` (called by ``zhifa up`` after ``load``; the test fixtures load without it) adds one completed
visit of the sample enterprise, so its notification log and its documents are not empty on a fresh start.
"""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from services.common import clock
from services.common import sample_identities as ids
from services.common.auth import Principal
from services.common.db import create_engine, session_factory, transaction
from services.common.errors import DomainError
from services.inspection import models as m
from services.inspection import schemas as s
from services.inspection.repository import registries as registry_repo
from services.inspection.repository import tasks as task_repo
from services.inspection.settings import InspectionContext, InspectionSettings
from services.inspection.use_cases import draws, entry, imports, tasks, visits
from services.inspection.use_cases.registries import departments

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "data" / "sample"
LOADER = Principal(sub="sample-loader", role="admin", name="样例数据")
APPROVER = Principal(sub="sup-city", role="supervisor", name="市司法局监督员", scope="city")
#: The sample's random task is drawn by the protocol like any other (use_cases/draws.py): its nonce is fresh at
#: every load, and the "public value" says plainly that it comes from no real public source.
SAMPLE_PUBLIC_SOURCE = "演示数据：样例加载程序录入的演示值（非真实公开来源）"
SAMPLE_PUBLIC_VALUE = "样例数据演示抽取"


def _items(name: str) -> list[dict[str, Any]]:
    doc = json.loads((SAMPLE_DIR / name).read_text(encoding="utf-8"))
    items: list[dict[str, Any]] = doc["items"]
    return items


async def load(database_url: str) -> str:
    """Create what is missing; returns a one-line summary."""
    settings = InspectionSettings(database_url=database_url)
    ctx = InspectionContext.from_settings(settings)
    engine = create_engine(database_url, pool_size=2, max_overflow=0, app_name="zhifa-inspection-sample")
    try:
        async with transaction(session_factory(engine)) as session:
            return await _load(session, ctx)
    finally:
        await engine.dispose()


async def _load(session: Any, ctx: InspectionContext) -> str:
    await registry_repo.upsert_districts(
        session, [{"code": d["code"], "name": d["name"], "kind": d["kind"]} for d in _items("districts.json")]
    )
    created: dict[str, int] = {"departments": 0, "items": 0, "officers": 0, "enterprises": 0, "tasks": 0}
    known_bodies = {b.code for b in await registry_repo.list_bodies(session, None)}
    for dept in _items("departments.json"):
        if await registry_repo.get_department(session, dept["code"]) is None:
            await departments.create_department(
                session,
                principal=LOADER,
                body=s.DepartmentWrite(code=dept["code"], name=dept["name"], authority=dept["authority"]),
            )
            created["departments"] += 1
        for body in dept.get("enforcement_bodies", []):
            if body["code"] not in known_bodies:
                session.add(m.EnforcementBody(dept_code=dept["code"], **body))
    await session.flush()

    existing_items = set(await session.scalars(sa.select(m.InspectionItem.code)))
    ifields = set(s.ItemWrite.model_fields)
    new_items = [
        s.ItemWrite.model_validate({k: v for k, v in i.items() if k in ifields})
        for i in _items("inspection_items.json")
        if i["code"] not in existing_items
    ]
    if new_items:
        created["items"] = (await imports.import_items(session, principal=LOADER, rows=new_items)).created

    existing_officers = set(await session.scalars(sa.select(m.Officer.officer_id)))
    fields = set(s.OfficerImport.model_fields)
    new_officers = [
        s.OfficerImport.model_validate({k: v for k, v in o.items() if k in fields})
        for o in _items("officers.json")
        if uuid.UUID(o["officer_id"]) not in existing_officers
    ]
    if new_officers:
        created["officers"] = (
            await imports.import_officers(session, principal=LOADER, rows=new_officers)
        ).created

    existing_enterprises = set(await session.scalars(sa.select(m.Enterprise.uscc)))
    efields = set(s.EnterpriseImport.model_fields)
    sample_enterprises = _items("enterprises.json")
    new_enterprises = [
        s.EnterpriseImport.model_validate({k: v for k, v in e.items() if k in efields})
        for e in sample_enterprises
        if e["uscc"] not in existing_enterprises
    ]
    if new_enterprises:
        created["enterprises"] = (
            await imports.import_enterprises(session, principal=LOADER, rows=new_enterprises)
        ).created
    for e in sample_enterprises:
        if e.get("risk_class"):
            # The risk service's first classification replaces these (any revision >= 1 is newer).
            await registry_repo.apply_classification(
                session,
                {
                    "uscc": e["uscc"],
                    "risk_class": e["risk_class"],
                    "previous_class": None,
                    "score": 0,
                    "reasons": ["样例数据初始分类"],
                    "classified_at": sa.func.now(),
                    "revision": 0,
                    "source": "sample",
                },
            )
    created["tasks"] = await _tasks(session, ctx)
    return (
        f"{len(_items('districts.json'))} districts; created {created['departments']} departments, "
        f"{created['items']} items, {created['officers']} officers, {created['enterprises']} enterprises, "
        f"{created['tasks']} approved demo tasks"
    )


async def _tasks(session: Any, ctx: InspectionContext) -> int:
    food = [
        e["uscc"] for e in _items("enterprises.json") if e["industry"] in ("食品生产", "食品销售", "餐饮服务")
    ]
    demo = [ids.ENTERPRISE_USCC, *[u for u in food if u != ids.ENTERPRISE_USCC][:5]]
    wanted = [
        (
            ids.KEY_AREA_TASK_ID,
            s.TaskCreate(
                kind="key_area",
                title="2026年食品生产经营重点领域全覆盖检查（扫码入企演示）",
                lead_dept="SJ",
                item_codes=["SJ-SP-001", "SJ-SP-007", "SJ-SP-011"],
                enterprises=demo,
            ),
        ),
        (
            ids.JOINT_TASK_ID,
            s.TaskCreate(
                kind="joint",
                title="食品生产企业综合查一次（市场监管、消防救援联合检查）",
                lead_dept="SJ",
                dept_codes=["XF"],
                item_codes=["SJ-SP-001", "SJ-SP-011", "XF-JD-001", "XF-JD-002"],
                enterprises=[ids.ENTERPRISE_USCC],
            ),
        ),
        (
            ids.RANDOM_TASK_ID,
            s.TaskCreate(
                kind="random",
                title="2026年第四季度和平区市场主体双随机抽查",
                lead_dept="SJ",
                item_codes=["SJ-DJ-001", "SJ-JG-001"],
                pool=s.PoolFilter(district_codes=[ids.DISTRICT_CODE]),
            ),
        ),
    ]
    made = 0
    for task_id, body in wanted:
        tid = uuid.UUID(task_id)
        if await task_repo.get_task(session, tid) is not None:
            continue
        created = await tasks.create_task(session, ctx=ctx, principal=LOADER, body=body, task_id=tid)
        row = await task_repo.get_task(session, created.task_id)
        assert row is not None
        await tasks.approve_task(
            session,
            ctx=ctx,
            principal=APPROVER,
            row=row,
            body=s.TaskApproval(public_source=SAMPLE_PUBLIC_SOURCE) if body.kind == "random" else None,
        )
        if row.kind == "random":
            await draws.perform(
                session, ctx=ctx, principal=APPROVER, row=row, public_value=SAMPLE_PUBLIC_VALUE
            )
        made += 1
    return made


SAMPLE_FINDING = "冷藏柜温度记录缺失（样例）：应建立并保存冷藏、冷冻设施的温度记录"
SAMPLE_DEADLINE_DAYS = 15


def _principal(identity: str) -> Principal:
    fields = dict(ids.IDENTITIES[identity])
    return Principal(sub=fields.pop("sub"), role=fields.pop("role"), **fields)


async def activity(database_url: str) -> str:
    """One completed visit of the sample enterprise (ids.ENTERPRISE_USCC) by the sample officers under the
    key-area task, made through the entry-code path as the apps make it: 检查码 → check-in → an item ordered
    corrected → checkout. Its events (``inspection.visit.started``, ``inspection.visit.completed``) leave by
    the outbox when the service starts, so the notify service fills the enterprise's log from them like from a
    real visit's, and the visit has its 现场检查笔录 and 责令改正通知书. Once: skipped when the enterprise already
    has a visit under that task (the key-area task is exempt from the yearly caps, so it never blocks the demo
    check-in). A refused entry leaves no visit and says why."""
    settings = InspectionSettings(database_url=database_url)
    ctx = InspectionContext.from_settings(settings)
    task_id = uuid.UUID(ids.KEY_AREA_TASK_ID)
    engine = create_engine(database_url, pool_size=2, max_overflow=0, app_name="zhifa-inspection-sample")
    factory = session_factory(engine)
    try:
        async with transaction(factory) as session:
            done = await session.scalar(
                sa.select(sa.func.count())
                .select_from(m.Visit)
                .where(m.Visit.task_id == task_id, m.Visit.uscc == ids.ENTERPRISE_USCC)
            )
            if done:
                return "sample visit present"
            officer, company = _principal("officer"), _principal("enterprise")
            request = s.EntryCodeRequest(
                task_id=task_id,
                enterprise_uscc=ids.ENTERPRISE_USCC,
                officers=[ids.PARTNER_CERT_NO],
                item_codes=[ids.DEMO_ITEM],
            )
            code = await entry.issue_entry_code(
                session, factory=factory, ctx=ctx, principal=officer, body=request, attempt_key=None
            )
            started = await entry.check_in(
                session,
                factory=factory,
                ctx=ctx,
                principal=company,
                body=s.CheckIn(code=code.code),
                attempt_key=None,
            )
            # the primary key is (visit_id, started_at) since inspection_0010 (partitioned by month)
            row = await session.scalar(
                sa.select(m.Visit).where(m.Visit.visit_id == started.visit.visit_id).with_for_update()
            )
            assert row is not None
            finding = s.OutcomeWrite(
                item_code=ids.DEMO_ITEM,
                outcome="ordered_to_correct",
                description=SAMPLE_FINDING,
                correction_deadline=clock.today() + timedelta(days=SAMPLE_DEADLINE_DAYS),
            )
            await visits.record_outcomes(
                session, ctx=ctx, principal=officer, row=row, body=s.OutcomesWrite(outcomes=[finding])
            )
            await visits.checkout(session, ctx=ctx, principal=officer, row=row)
    except DomainError as exc:
        # e.g. a clock moved (ZHIFA_CLOCK_AT) to a day a sample officer's certificate had lapsed: the platform
        # starts all the same, without the sample visit (the refusal is recorded as any refusal is).
        return f"no sample visit ({exc.code})"
    finally:
        await engine.dispose()
    return f"1 completed visit of {ids.ENTERPRISE_USCC}"
