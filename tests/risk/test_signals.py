"""Consumers: every handler is idempotent and tolerates out-of-order arrival; enterprise signals reclassify
the enterprise at once and emit risk.enterprise.classified only for a change of class."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from services.common import clock
from services.common.contracts import credit, inspection, penalty
from services.common.contracts.risk import EnterpriseClassified
from services.common.db import transaction
from services.common.inbox import parse
from tests.risk.helpers import SUPERVISOR, TODAY, apply, make_uscc, of_unit, pin
from tests.support import personas
from tests.support.contracts import decision_issued, entry_refused
from tests.support.outbox import envelopes
from tests.support.stack import Running, client

UNIT = "SJ-210102"


async def classified(risk: Running, uscc: str) -> list[EnterpriseClassified]:
    """The risk.enterprise.classified events in the outbox for ``uscc``, oldest first, parsed as a consumer would."""
    out = []
    for envelope in await envelopes(risk.runtime.factory, EnterpriseClassified.TYPE, uscc=uscc):
        env, event = parse(json.dumps(envelope).encode())
        assert env.source == "risk" and env.subject == uscc and env.type == EnterpriseClassified.TYPE
        assert isinstance(event, EnterpriseClassified)
        out.append(event)
    return out


async def enterprise(risk: Running, uscc: str, headers: dict[str, str] = SUPERVISOR) -> Any:
    async with client(risk.url, headers=headers) as http:
        return await http.get(f"/api/v1/risk/enterprises/{uscc}")


async def case_row(risk: Running, case_id: uuid.UUID) -> Any:
    async with transaction(risk.runtime.factory) as s:
        return (
            await s.execute(sa.text("SELECT * FROM risk_case WHERE case_id = :c"), {"c": case_id})
        ).first()


class TestPenaltyDecisions:
    async def test_decision_classifies_and_revocation_declassifies(self, risk: Running) -> None:
        uscc, case = make_uscc(1), uuid.uuid4()
        today = clock.today()
        await apply(
            risk,
            decision_issued(
                **of_unit(UNIT),
                domain="食品安全",
                decided_on=today,
                party_uscc=uscc,
                case_id=case,
                revision=1,
            ),
        )
        # a fresh 一般 penalty: 20 x (1095 - 0) // 1095 = 20 points -> B (B from 20)
        body = (await enterprise(risk, uscc)).json()
        assert (body["risk_class"], body["score"]) == ("B", 20)
        assert body["reasons"] == [
            {"kind": "penalty_general", "count": 1, "points": 20, "text": "一般处罚1件，加20分"}
        ]
        events = await classified(risk, uscc)
        assert [(e.risk_class, e.previous_class, e.score, e.revision) for e in events] == [("B", None, 20, 1)]
        assert events[0].reasons == ["一般处罚1件，加20分"]

        revoked = penalty.DecisionRevoked(
            case_id=case,
            decision_no="x",
            party_uscc=uscc,
            department_code="SJ",
            district_code="210102",
            source="reconsideration",
            reason="复议撤销",
            revoked_on=today,
            revision=2,
        )
        await apply(risk, revoked)
        await apply(risk, revoked)  # again: nothing more
        events = await classified(risk, uscc)
        assert [(e.risk_class, e.previous_class, e.score, e.revision) for e in events] == [
            ("B", None, 20, 1),
            ("A", "B", 0, 2),
        ]
        assert (await case_row(risk, case)).status == "revoked"

    async def test_revocation_before_issue_keeps_revoked(self, risk: Running) -> None:
        uscc, case = make_uscc(2), uuid.uuid4()
        today = clock.today()
        await apply(
            risk,
            penalty.DecisionRevoked(
                case_id=case,
                decision_no="x",
                party_uscc=uscc,
                department_code="SJ",
                district_code="210102",
                source="litigation",
                reason="判决撤销",
                revoked_on=today,
                revision=3,
            ),
        )
        await apply(
            risk,
            decision_issued(
                **of_unit(UNIT),
                domain="食品安全",
                decided_on=today,
                party_uscc=uscc,
                case_id=case,
                tier="从重",
                revision=2,
            ),
        )
        row = await case_row(risk, case)
        assert (row.status, row.revision, row.issued_revision, row.tier) == ("revoked", 3, 2, "aggravated")
        assert (await enterprise(risk, uscc)).json()["risk_class"] == "A"  # no points from a revoked decision
        assert [e.risk_class for e in await classified(risk, uscc)] == ["A"]

    async def test_confirmed_illegal_or_void_is_recorded_as_such_and_leaves_the_score(
        self, risk: Running
    ) -> None:
        """penalty.decision.revoked with outcome confirmed_illegal / confirmed_void (行政处罚法 第四十八条第二款): the
        decision leaves the enterprise's score as a revoked one does, but the case keeps the outcome and the
        monitoring evidence says 确认违法 / 确认无效, not 已撤销."""
        today = clock.today()
        cases = {
            "confirmed_illegal": (make_uscc(30), uuid.uuid4()),
            "confirmed_void": (make_uscc(31), uuid.uuid4()),
        }
        numbers = {}
        for outcome, (uscc, case) in cases.items():
            issued = decision_issued(
                **of_unit(UNIT),
                domain="食品安全",
                decided_on=today,
                party_uscc=uscc,
                case_id=case,
                revision=1,
            )
            numbers[outcome] = issued.decision_no
            confirmed = penalty.DecisionRevoked(
                case_id=case,
                decision_no=issued.decision_no,
                party_uscc=uscc,
                department_code="SJ",
                district_code="210102",
                source="litigation",
                reason="判决确认",
                revoked_on=today,
                revision=2,
                outcome=outcome,
            )
            await apply(risk, issued, confirmed, confirmed)
            # 一般 20 points (B) on the decision, 0 (A) once it is confirmed: as a revocation
            events = await classified(risk, uscc)
            assert [(e.risk_class, e.score, e.revision) for e in events] == [("B", 20, 1), ("A", 0, 2)]
            row = await case_row(risk, case)
            assert (row.status, row.revoked_on, row.revision, row.issued_revision) == (outcome, today, 2, 1)
            assert (await enterprise(risk, uscc)).json()["score"] == 0

        quarter = f"{today.year}Q{(today.month - 1) // 3 + 1}"
        async with client(risk.url, headers=SUPERVISOR) as http:
            r = await http.get(f"/api/v1/risk/units/{UNIT}/quarters/{quarter}", params={"limit": 200})
        assert r.status_code == 200, r.text
        details = {e["ref"]: e["detail"] for e in r.json()["decisions"]}
        assert details[str(cases["confirmed_illegal"][1])] == f"{numbers['confirmed_illegal']}（确认违法）"
        assert details[str(cases["confirmed_void"][1])] == f"{numbers['confirmed_void']}（确认无效）"

    async def test_same_decision_twice_changes_nothing(self, risk: Running) -> None:
        uscc, case = make_uscc(3), uuid.uuid4()
        event = decision_issued(
            **of_unit(UNIT),
            domain="食品安全",
            decided_on=clock.today(),
            party_uscc=uscc,
            case_id=case,
            tier="从重",
        )
        await apply(risk, event)
        await apply(risk, event)
        # 从重 40 points -> C (C from 40)
        assert [(e.risk_class, e.score) for e in await classified(risk, uscc)] == [("C", 40)]

    async def test_older_issue_does_not_overwrite_newer(self, risk: Running) -> None:
        case = uuid.uuid4()
        today = clock.today()
        await apply(
            risk,
            decision_issued(
                **of_unit(UNIT),
                domain="食品安全",
                decided_on=today,
                case_id=case,
                tier="从重",
                revision=5,
                party_uscc=None,
            ),
        )
        await apply(
            risk,
            decision_issued(
                **of_unit(UNIT),
                domain="食品安全",
                decided_on=today - timedelta(days=3),
                case_id=case,
                tier="从轻",
                revision=4,
                party_uscc=None,
            ),
        )
        row = await case_row(risk, case)
        assert (row.tier, row.decided_on, row.revision) == ("aggravated", today, 5)


class TestEnterpriseSignals:
    async def test_registration_publication_violation_repair(self, risk: Running) -> None:
        uscc = make_uscc(10)
        now = clock.now()
        today = clock.today()
        registered = inspection.EnterpriseRegistered(
            uscc=uscc, name="沈阳测试有限公司", district_code="210104", industry="餐饮", registered_at=now
        )
        await apply(risk, registered, registered)
        assert [(e.risk_class, e.previous_class) for e in await classified(risk, uscc)] == [("A", None)]
        publication = uuid.uuid4()
        ended = credit.PublicationEnded(
            publication_id=publication,
            record_id=uuid.uuid4(),
            case_id=uuid.uuid4(),
            party_uscc=uscc,
            department_code="SJ",
            reason="repaired",
            ended_at=now,
        )
        started = credit.PublicationStarted(
            publication_id=publication,
            record_id=ended.record_id,
            case_id=ended.case_id,
            party_uscc=uscc,
            department_code="SJ",
            credit_class="一般",
            starts_on=today - timedelta(days=100),
            earliest_repair_on=today - timedelta(days=10),
            ends_on=today + timedelta(days=265),
        )
        await apply(risk, ended, started)  # the end arrives first: the publication stays ended
        assert (await enterprise(risk, uscc)).json()["score"] == 0
        other = uuid.uuid4()
        await apply(risk, started.model_copy(update={"publication_id": other}))  # active: 15 points
        violation = inspection.ViolationFound(
            violation_id=uuid.uuid4(),
            visit_id=uuid.uuid4(),
            enterprise_uscc=uscc,
            enterprise_name="沈阳测试有限公司",
            item_code="SJ-001",
            item_name="食品经营许可",
            legal_basis="食品安全法 第三十五条",
            description="无证经营",
            evidence_hashes=[],
            officer_cert_nos=["辽A-0100001"],
            department_code="SJ",
            district_code="210104",
            found_at=now,
        )
        await apply(risk, violation, violation)
        # 15 (publication) + 10 (fresh violation, 10 x 730 // 730) = 25 -> B
        body = (await enterprise(risk, uscc)).json()
        assert (body["risk_class"], body["score"]) == ("B", 25)
        assert body["district_code"] == "210104" and body["name"] == "沈阳测试有限公司"
        assert (
            body["explanation"]
            == "公示中的行政处罚信息1条，加15分；检查发现违法问题1项，加10分；合计25分，B类（一般风险）"
        )
        repair = credit.RepairCompleted(
            repair_id=uuid.uuid4(),
            record_id=uuid.uuid4(),
            case_id=uuid.uuid4(),
            party_uscc=uscc,
            accepted_at=now,
        )
        await apply(risk, repair)
        # 25 - 10 = 15 -> A
        assert (await enterprise(risk, uscc)).json()["score"] == 15
        assert [(e.risk_class, e.previous_class) for e in await classified(risk, uscc)] == [
            ("A", None),
            ("B", "A"),
            ("A", "B"),
        ]
        revisions = [e.revision for e in await classified(risk, uscc)]
        assert revisions == sorted(revisions) and len(set(revisions)) == 3

    async def test_natural_persons_are_not_classified(self, risk: Running) -> None:
        await apply(
            risk,
            credit.RepairCompleted(
                repair_id=uuid.uuid4(),
                record_id=uuid.uuid4(),
                case_id=uuid.uuid4(),
                party_uscc=None,
                accepted_at=clock.now(),
            ),
        )


class TestEnterpriseEndpoint:
    async def test_invalid_uscc_is_422(self, risk: Running) -> None:
        r = await enterprise(risk, "91210102MA0000001X")
        assert r.status_code == 422 and r.json()["code"] == "ENTERPRISE_USCC_INVALID"
        assert "校验位" in r.json()["detail"]

    async def test_unknown_enterprise_is_404(self, risk: Running) -> None:
        assert (await enterprise(risk, make_uscc(999_999))).status_code == 404

    async def test_enterprise_sees_only_itself(self, risk: Running) -> None:
        mine, theirs = make_uscc(10), make_uscc(1)
        assert (await enterprise(risk, mine, personas.enterprise(mine, sub="e"))).status_code == 200
        assert (await enterprise(risk, theirs, personas.enterprise(mine, sub="e"))).status_code == 404

    async def test_district_supervisor(self, risk: Running) -> None:
        uscc = make_uscc(10)  # registered in 210104
        assert (await enterprise(risk, uscc, personas.supervisor("210104", sub="s"))).status_code == 200
        assert (await enterprise(risk, uscc, personas.supervisor("210102", sub="s"))).status_code == 404

    async def test_list_by_class(self, risk: Running) -> None:
        async with client(risk.url, headers=SUPERVISOR) as http:
            r = await http.get("/api/v1/risk/enterprises", params={"class": "C"})
        assert r.status_code == 200
        assert make_uscc(3) in [e["uscc"] for e in r.json()["items"]]
        assert all(e["risk_class"] == "C" for e in r.json()["items"])


class TestUnitSignals:
    async def test_ratings_keep_the_newest(self, risk: Running) -> None:
        visit = uuid.uuid4()
        t0 = datetime(2026, 8, 1, 2, 0, tzinfo=UTC)

        def rated(stars: int, at: datetime) -> inspection.VisitRated:
            return inspection.VisitRated(
                visit_id=visit,
                enterprise_uscc=make_uscc(20),
                department_codes=["CG", "CG"],
                district_code="210104",
                stars=stars,
                tags=[],
                anonymous=True,
                rated_at=at,
            )

        await apply(risk, rated(1, t0), rated(5, t0 + timedelta(hours=2)), rated(2, t0 + timedelta(hours=1)))
        async with transaction(risk.runtime.factory) as s:
            rows = (
                await s.execute(
                    sa.text("SELECT unit_code, value FROM unit_signal WHERE ref = :r"), {"r": str(visit)}
                )
            ).all()
        assert [(r.unit_code, r.value) for r in rows] == [("CG-210104", 5)]

    async def test_refusals_overdue_procedures_and_deviations_in_the_report(self, risk: Running) -> None:
        unit = "YJ-210105"
        case = uuid.uuid4()
        at = datetime(2026, 8, 20, 2, 0, tzinfo=UTC)
        opened = penalty.CaseOpened(
            party_kind="organisation",
            party_uscc=None,
            party_id_masked=None,
            party_name="x",
            case_id=case,
            case_no="沈应急立〔2026〕1号",
            department_code="YJ",
            district_code="210105",
            domain="安全生产",
            benchmark_code=None,
            source="direct",
            violation_id=None,
            opened_at=at,
        )
        missed = penalty.DeadlineMissed(
            case_id=case,
            department_code="YJ",
            district_code="210105",
            deadline="decision",
            due_on=date(2026, 8, 15),
            detected_on=date(2026, 8, 16),
        )
        await apply(risk, missed, opened, missed)  # the miss arrives before the case: domain resolved later
        await apply(
            risk, *(entry_refused(**of_unit(unit), refused_at=at + timedelta(minutes=i)) for i in range(3))
        )
        await apply(
            risk,
            decision_issued(
                **of_unit(unit),
                domain="安全生产",
                decided_on=date(2026, 8, 21),
                outside_tier=True,
                party_uscc=None,
            ),
        )
        nobody = entry_refused(**of_unit(unit), refused_at=at).model_copy(update={"department_code": None})
        await apply(risk, nobody)  # cannot be attributed: ignored
        async with client(risk.url, headers=SUPERVISOR) as http:
            rep = (await http.get("/api/v1/risk/reports/2026Q3")).json()
            drill = (await http.get(f"/api/v1/risk/units/{unit}/quarters/2026Q3")).json()
        cells = {(c["unit_code"], c["domain"]): c for c in rep["cells"]}
        assert cells[(unit, "安全生产")]["figures"]["overdue_procedures"] == 1
        assert cells[(unit, "安全生产")]["figures"]["benchmark_deviations"] == 1
        assert cells[(unit, "行政检查")]["figures"]["refused_entries"] == 3
        me = next(u for u in rep["units"] if u["unit_code"] == unit)
        # 3 refusals >= yellow 3 (config 2026.1) -> yellow
        assert me["colour"] == "yellow"
        assert [r["rule"] for r in me["reasons"]] == ["REFUSED_ENTRIES_YELLOW"]
        assert drill["overdue_procedures"][0]["ref"] == f"{case}:decision"
        assert drill["overdue_procedures"][0]["domain"] == "安全生产"
        assert len(drill["refused_entries"]) == 3


class TestReclassification:
    async def test_requested_run_is_executed_by_the_worker(self, risk: Running) -> None:
        async with client(risk.url, headers=SUPERVISOR) as http:
            r = await http.post("/api/v1/risk/enterprises/reclassify", json={})
            assert r.status_code == 202, r.text
            run_id = r.json()["id"]
            for _ in range(100):
                run = (await http.get(f"/api/v1/risk/enterprises/reclassify/{run_id}")).json()
                if run["status"] in ("done", "failed"):
                    break
                await asyncio.sleep(0.1)
            denied = await http.post(
                "/api/v1/risk/enterprises/reclassify",
                json={},
                headers=personas.supervisor("210104", sub="s"),
            )
        assert run["status"] == "done", run
        # make_uscc 1, 2, 3, 30, 31 (decisions) and 10 (registered); a rating names an enterprise but does not score
        assert run["enterprises"] == 6 and run["written"] == 0 and run["emitted"] == 0  # nothing changed
        assert denied.status_code == 403

    async def test_daily_run_once_per_day(self, risk: Running) -> None:
        from services.risk import jobs

        settings = risk.settings.model_copy(update={"daily_job_enabled": True, "daily_job_hour": 0})
        context = dataclasses.replace(risk.runtime.context, settings=settings)
        assert await jobs.run_daily(risk.runtime.factory, context) is True
        assert await jobs.run_daily(risk.runtime.factory, context) is False

    async def test_decay_changes_classes_on_a_later_day(self, risk: Running) -> None:
        # make_uscc(3): one fresh 从重 penalty (40 -> C). 600 days later: 40 x (1095 - 600) // 1095 = 18 -> A.
        from services.risk.use_cases import classes

        pin(TODAY + timedelta(days=600))
        try:
            async with transaction(risk.runtime.factory) as s:
                counts = await classes.classify_enterprises(s, config=risk.runtime.context.config)
        finally:
            pin()
        assert counts.emitted >= 1
        events = await classified(risk, make_uscc(3))
        assert (events[-1].risk_class, events[-1].previous_class, events[-1].score) == ("A", "C", 18)


class TestCaseFiles:
    """The projection 案卷评查 samples from (issue #14): a decided case keeps its benchmark item, from the
    newest decision.issued whatever the order of arrival."""

    async def test_the_benchmark_item_of_the_newest_decision(self, risk: Running) -> None:
        case = uuid.uuid4()
        newer = decision_issued(**of_unit(UNIT), case_id=case, benchmark_code="SY-SJ-0007", revision=2)
        older = decision_issued(**of_unit(UNIT), case_id=case, benchmark_code="SY-SJ-0001", revision=1)
        await apply(risk, newer, older)  # out of order
        row = await case_row(risk, case)
        assert (row.benchmark_code, row.unit_code, row.status) == ("SY-SJ-0007", UNIT, "issued")
