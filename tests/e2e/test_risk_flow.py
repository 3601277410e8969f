"""End to end through NATS: penalty decisions made in the real penalty service and a litigation loss taken in
by the risk service → the quarterly report colours and lights the unit → publication → risk.warning.issued on
JetStream → the unit submits its rectification and the supervisor closes it.

The clock of both services (one process) is pinned to Monday 2026-08-03 while the cases are decided, so the
decisions fall in 2026Q3; then to Monday 2026-11-23: 2026Q3 has ended and its report can be published, and the
rectification deadline (20 working days) stays in 2026, whatever day the suite runs.

The thresholds are the shipped defaults except ``min_decisions`` (2 instead of 20), so that four decisions
suffice to judge the correction rate. City by hand:
  SJ-210102: 2 decisions, 1 litigation loss; SJ-210103: 2 decisions, nothing else.
  city rate = 1 / 4 = 25.00%; SJ-210102's rate = 1 / 2 = 50.00% = 2 × the city rate, but red also needs
  3 corrections → yellow (above the city rate, at least 1 correction).
  active units 2, losses 1 → average 0.50; SJ-210102 lost 1 > 0.50 → lit (亮灯).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import nats
import pytest
import sqlalchemy as sa

from services.common import clock
from services.common.contracts.risk import WarningIssued
from services.common.db import transaction
from services.common.embedded import EmbeddedNats
from services.common.inbox import parse
from services.risk.settings import DEFAULT_CONFIG_FILE
from tests.support.http import ok
from tests.support.personas import officer
from tests.support.platform import Platform, running_platform
from tests.support.stack import Stack, auth, client, wait_for

DAY = date(2026, 8, 3)
TODAY = date(2026, 11, 23)  # a Monday; the service clock is pinned here after the decisions
USCC = "91210100MACQTKPQ79"  # 沈阳东陵客运有限公司 (sample data)
X_A = {"cert_no": "辽A-7000001", "dept": "SJ", "district": "210102", "name": "张执法"}
X_B = {"cert_no": "辽A-7000002", "dept": "SJ", "district": "210102", "name": "李执法"}
Y_A = {"cert_no": "辽A-7000011", "dept": "SJ", "district": "210103", "name": "孙执法"}
Y_B = {"cert_no": "辽A-7000012", "dept": "SJ", "district": "210103", "name": "周执法"}
SUPERVISOR = auth("supervisor", "sup-city", scope="city")


def pin(day: date) -> None:
    clock.set_offset(datetime.combine(day, time(10), tzinfo=clock.CHINA) - datetime.now(UTC))


@pytest.fixture(scope="module")
async def platform(
    stack: Stack, nats_server: EmbeddedNats, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Platform]:
    config = json.loads(DEFAULT_CONFIG_FILE.read_text(encoding="utf-8"))
    config["versions"][0]["report"]["min_decisions"] = 2
    config_file = tmp_path_factory.mktemp("risk") / "risk_config.json"
    config_file.write_text(json.dumps(config, ensure_ascii=False), encoding="utf-8")
    settings = {
        "penalty": {"deadline_scan_enabled": False},
        "risk": {"config_file": config_file, "daily_job_enabled": False},
    }
    async with running_platform(
        stack, ("penalty", "risk", "inspection"), nats=nats_server, settings=settings, inspection_sample=False
    ) as running:
        try:
            yield running
        finally:
            clock.reset()


async def decide(http: Any, who: dict[str, str], partner: dict[str, str]) -> str:
    """One case of 食品安全法 第一百二十五条 (SY-SJ-0004) through the lawful procedure to its decision."""
    body = {
        "party": {
            "kind": "organisation",
            "name": "沈阳东陵客运有限公司",
            "uscc": USCC,
            "address": "沈阳市铁西区沈辽路288号",
            "legal_representative": "于某某",
        },
        "benchmark_code": "SY-SJ-0004",
        "procedure": "general",
        "facts_brief": "现场检查发现当事人销售无标签的预包装食品。",
        "officers": [partner["cert_no"]],
        "approved_by": "分管副局长",
    }
    case = ok(await http.post("/api/v1/penalty/cases", json=body, headers=officer(**who)), 201)
    cid = case["id"]
    facts = {
        "violation_date": (DAY - timedelta(days=20)).isoformat(),
        "base_amounts": {"goods_value": 300_000},
    }
    ok(await http.post(f"/api/v1/penalty/cases/{cid}/investigation", json={}, headers=officer(**who)))
    ok(await http.post(f"/api/v1/penalty/cases/{cid}/assessment", json=facts, headers=officer(**who)))
    fine = (
        2_750_000  # 27,500 元: the suggested amount of the 一般 tier (tests/penalty/helpers.py works it out)
    )
    notice = {
        "facts": ["当事人销售无标签的预包装食品30袋。"],
        "proposed": {"kinds": ["fine"], "fine_fen": fine},
    }
    ok(await http.post(f"/api/v1/penalty/cases/{cid}/notice", json=notice, headers=officer(**who)))
    ok(
        await http.post(
            f"/api/v1/penalty/cases/{cid}/waiver", json={"statement": True}, headers=officer(**who)
        )
    )
    decision = {"penalty": {"kinds": ["fine"], "fine_fen": fine}}
    ok(await http.post(f"/api/v1/penalty/cases/{cid}/decision", json=decision, headers=officer(**who)))
    return str(cid)


async def test_decisions_and_a_loss_to_a_closed_rectification(platform: Platform) -> None:
    pin(DAY)
    async with client(platform.penalty.url) as http:
        cases = [await decide(http, X_A, X_B), await decide(http, X_A, X_B)]
        cases += [await decide(http, Y_A, Y_B), await decide(http, Y_A, Y_B)]
    async with client(platform.risk.url) as http:
        loss = {
            "external_id": "(2026)辽0102行初7号",
            "unit_code": "SJ-210102",
            "domain": "食品安全",
            "result": "败诉",
            "loss_type": "revoked",
            "decided_on": "2026-07-30",
            "penalty_case_id": cases[0],
        }
        ok(
            await http.post(
                "/api/v1/risk/intake/litigation",
                json=loss,
                headers=auth("integration", "court-1", client="court"),
            ),
            201,
        )

        async def decisions_arrived() -> Any:
            rep = ok(await http.get("/api/v1/risk/reports/2026Q3", headers=SUPERVISOR))
            return rep if rep["city"]["figures"]["decisions"] == 4 else None

        provisional = await wait_for(decisions_arrived, timeout=30)
        assert provisional["provisional"] is True  # 2026-08-03: the quarter is running
        pin(TODAY)  # 2026Q3 has ended; deadlines of 20 working days stay inside the covered year 2026

        rep = ok(await http.get("/api/v1/risk/reports/2026Q3", headers=SUPERVISOR))
        units = {u["unit_code"]: u for u in rep["units"]}
        assert rep["city"]["figures"]["correction_rate"] == "25.00%"  # 1 / 4
        assert rep["city"]["average_losses"] == "0.50"  # 1 loss / 2 active units
        x = units["SJ-210102"]
        assert (x["colour"], x["lamp"]) == ("yellow", True)
        assert x["figures"]["correction_rate"] == "50.00%"
        assert [r["rule"] for r in x["reasons"]] == ["RATE_YELLOW"]
        assert (units["SJ-210103"]["colour"], units["SJ-210103"]["lamp"]) == ("none", False)
        drill = ok(await http.get("/api/v1/risk/units/SJ-210102/quarters/2026Q3", headers=SUPERVISOR))
        assert sorted(e["ref"] for e in drill["decisions"]) == sorted(cases[:2])

        published = ok(await http.post("/api/v1/risk/reports/2026Q3/publish", headers=SUPERVISOR))
        assert [(w["unit_code"], w["colour"], w["lamp"]) for w in published["warnings"]] == [
            ("SJ-210102", "yellow", True)
        ]
        warning_id = published["warnings"][0]["id"]

        # risk.warning.issued reaches JetStream through the risk service's outbox relay
        nc = await nats.connect(platform.nats.url)
        try:
            sub = await nc.jetstream().pull_subscribe("risk.warning.issued", durable="e2e-risk-flow")

            async def fetched() -> Any:
                try:
                    msgs = await sub.fetch(1, timeout=1)
                except Exception:
                    return None
                for msg in msgs:
                    await msg.ack()
                return msgs[0] if msgs else None

            msg = await wait_for(fetched, timeout=30)
            envelope, event = parse(msg.data)
        finally:
            await nc.close()
        assert isinstance(event, WarningIssued) and envelope.source == "risk"
        assert (str(event.warning_id), event.unit_code, event.colour, event.lit) == (
            warning_id,
            "SJ-210102",
            "yellow",
            True,
        )
        assert event.reasons[0].startswith("纠错率50.00%")

        submitted = ok(
            await http.post(
                f"/api/v1/risk/rectifications/{warning_id}/submit",
                json={"measures": "对败诉案件逐案复盘，完善证据审查，组织程序规定培训"},
                headers=officer(**X_A),
            )
        )
        assert submitted["status"] == "submitted"
        closed = ok(
            await http.post(
                f"/api/v1/risk/rectifications/{warning_id}/close",
                json={"note": "整改到位，同意销号"},
                headers=SUPERVISOR,
            )
        )
        assert closed["status"] == "closed"
        assert [h["to_status"] for h in closed["history"]] == ["pending", "submitted", "closed"]

        # the decided party was classified from the decisions that arrived over NATS (一般 tier)
        ent = ok(await http.get(f"/api/v1/risk/enterprises/{USCC}", headers=SUPERVISOR))
        assert ent["reasons"][0]["kind"] == "penalty_general" and ent["reasons"][0]["count"] == 4


def uscc_of(n: int) -> str:
    from stdnum.cn import uscc

    body = f"91210104MA{n:07d}"
    return body + uscc.calc_check_digit(body)


async def test_classes_feed_inspection(platform: Platform) -> None:
    """Enterprises registered in the inspection service are classified by the risk service; after a full
    reclassification the inspection service's projection holds the new classes (through NATS both ways)."""
    pin(TODAY)
    admin = auth("admin", "admin-1")
    e1, e2, e3 = uscc_of(1), uscc_of(2), uscc_of(3)
    async with client(platform.inspection.url, headers=admin) as ins:
        for n, uscc in enumerate((e1, e2, e3), start=1):
            body = {
                "uscc": uscc,
                "name": f"沈阳风险分类测试{n}有限公司",
                "district_code": "210104",
                "industry": "餐饮",
            }
            ok(await ins.post("/api/v1/inspection/enterprises", json=body), 201)

        async def classes() -> dict[str, tuple[str, int]]:
            out = {}
            for uscc in (e1, e2, e3):
                r = await ins.get(f"/api/v1/inspection/enterprises/{uscc}/risk-class")
                if r.status_code == 200:
                    out[uscc] = (r.json()["risk_class"], r.json()["revision"])
            return out

        async def first_classes() -> Any:
            found = await classes()
            return found if len(found) == 3 else None

        # inspection.enterprise.registered -> risk classifies (A, nothing known) -> risk.enterprise.classified
        assert await wait_for(first_classes, timeout=30) == {e1: ("A", 1), e2: ("A", 1), e3: ("A", 1)}

        # Signals the incremental path did not see (e.g. loaded by an operator): only a full run finds them.
        today = clock.today()
        async with transaction(platform.risk.runtime.factory) as s:
            await s.execute(
                sa.text(
                    "INSERT INTO risk_violation_signal (violation_id, uscc, found_on) "
                    "VALUES (gen_random_uuid(), :u, :d), (gen_random_uuid(), :u, :d)"
                ),
                {"u": e1, "d": today},
            )
            await s.execute(
                sa.text(
                    "INSERT INTO risk_case (case_id, party_uscc, tier, decided_on, status, revision, issued_revision) "
                    "VALUES (gen_random_uuid(), :u, 'aggravated', :d, 'issued', 1, 1)"
                ),
                {"u": e2, "d": today},
            )
            await s.execute(
                sa.text(
                    "INSERT INTO risk_publication_signal (publication_id, uscc, published_on, ends_on, withdrawn_on) "
                    "VALUES (gen_random_uuid(), :u, :d, :e, :e)"
                ),
                {"u": e2, "d": today, "e": today + timedelta(days=365)},
            )
        async with client(platform.risk.url, headers=SUPERVISOR) as risk:
            run = ok(await risk.post("/api/v1/risk/enterprises/reclassify", json={}), 202)

            async def finished() -> Any:
                state = ok(await risk.get(f"/api/v1/risk/enterprises/reclassify/{run['id']}"))
                return state if state["status"] in ("done", "failed") else None

            done = await wait_for(finished, timeout=60)
        # e1: 2 fresh violations, 10 x 730 // 730 each = 20 -> B; e2: 从重 40 + publication 15 = 55 -> C
        # (the first test's party, classified on 2026-08-03 with fresh points, may change class too: decay)
        assert done["status"] == "done" and done["emitted"] >= 2

        async def new_classes() -> Any:
            found = await classes()
            return found if found.get(e1, ("A",))[0] == "B" and found.get(e2, ("A",))[0] == "C" else None

        assert await wait_for(new_classes, timeout=30) == {e1: ("B", 2), e2: ("C", 2), e3: ("A", 1)}
