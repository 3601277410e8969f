"""Sample data for ``make run``: the rule sets of data/sample/credit_rules.json and a handful of decisions,
classed and published through the same code the consumer runs, so the public list is not empty.

Idempotent: rule sets are added once, and each sample decision has a fixed case id (a decision already
recorded is skipped). The sample decisions' events are not published: they describe no real penalty case.
"""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from services.common import clock, outbox
from services.common.contracts.penalty import DecisionIssued
from services.common.db import create_engine, session_factory, transaction
from services.common.events import make_envelope
from services.credit_repair.repository import records as record_repo
from services.credit_repair.settings import CreditRepairContext, CreditRepairSettings
from services.credit_repair.use_cases import decisions, rule_sets

DATA = Path(__file__).resolve().parents[2] / "data" / "sample"
NAMESPACE = uuid.UUID("5f1d7a52-7c3e-4a8e-9a43-63726564697a")

# (days before today, department, benchmark, kinds, fine in yuan, procedure, party)
DECISIONS: list[tuple[int, str, str, list[str], int, str, str]] = [
    (40, "SJ", "SY-SJ-0001", ["fine", "confiscate_illegal_gains"], 80_000, "general", "organisation"),
    (120, "SJ", "SY-SJ-0003", ["fine"], 120_000, "general", "organisation"),
    (200, "SJ", "SY-SJ-0005", ["revoke_licence", "fine"], 200_000, "general", "organisation"),
    (15, "ST", "SY-ST-0001", ["fine"], 200_000, "general", "organisation"),
    (60, "XF", "SY-XF-0001", ["fine"], 60_000, "general", "organisation"),
    (10, "SJ", "SY-SJ-0002", ["fine"], 30_000, "general", "organisation"),
    (5, "CG", "SY-CG-0001", ["warning"], 0, "simple", "organisation"),
    (30, "JT", "SY-JT-0001", ["fine"], 8_000, "general", "individual"),
]
DEPARTMENTS = {
    "SJ": "沈阳市市场监督管理局",
    "ST": "沈阳市生态环境局",
    "XF": "沈阳市消防救援支队",
    "CG": "沈阳市城市管理行政执法局",
    "JT": "沈阳市交通运输局",
}


def _enterprises() -> list[dict[str, Any]]:
    data = json.loads((DATA / "enterprises.json").read_text(encoding="utf-8"))
    return list(data["items"])


async def load(database_url: str) -> str:
    """Load the rule sets and the sample decisions; returns a one-line summary."""
    engine = create_engine(database_url, pool_size=2, max_overflow=0)
    factory = session_factory(engine)
    context = CreditRepairContext.from_settings(CreditRepairSettings(database_url=database_url))
    enterprises = _enterprises()
    added_rules = recorded = 0
    try:
        async with transaction(factory) as session:
            text = (DATA / "credit_rules.json").read_text(encoding="utf-8")
            added_rules = await rule_sets.load_rule_set_document(
                session, text, actor="sample", cache=context.rule_sets
            )
        today = clock.today()
        for i, (days, dept, benchmark, kinds, fine_yuan, procedure, party) in enumerate(DECISIONS):
            enterprise = enterprises[(i * 7) % len(enterprises)]
            case_id = uuid.uuid5(NAMESPACE, f"sample-decision-{i}")
            person = party == "individual"
            event = DecisionIssued(
                party_kind="individual" if person else "organisation",
                party_uscc=None if person else enterprise["uscc"],
                party_id_masked="210102********123X" if person else None,
                party_name="王建国" if person else enterprise["name"],
                case_id=case_id,
                decision_no=f"沈{dept}罚〔{today.year}〕样例{i + 1}号",
                department_code=dept,
                department_name=DEPARTMENTS[dept],
                district_code=enterprise["district_code"],
                domain="样例",
                benchmark_code=benchmark,
                benchmark_version=1,
                tier="一般",
                kinds=kinds,
                fine_fen=fine_yuan * 100,
                confiscation_fen=0,
                procedure=procedure,
                decided_on=today - timedelta(days=days),
                effective_on=today - timedelta(days=days),
                serious=False,
                outside_tier=False,
                revision=1,
            )
            async with transaction(factory) as session:
                before = len(await record_repo.records_for_case(session, case_id))
                await decisions.decision_issued(
                    session,
                    envelope=make_envelope(event, source="penalty"),
                    event=event,
                    context=context,
                )
                recorded += len(await record_repo.records_for_case(session, case_id)) - before
                session.info.pop(outbox.PENDING_KEY, None)  # sample decisions stay local
    finally:
        await engine.dispose()
    return f"{added_rules} rule sets and {recorded} sample decisions added (of {len(DECISIONS)})"
