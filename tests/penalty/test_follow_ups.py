"""责令改正 ordered in a penalty decision (行政处罚法 第二十八条第一款) and its follow-up (issue #14 item 6): a
deadline before the decision is refused (422, nothing written); deciding with a correction creates a follow-up
due at the deadline, overdue the day after while open, listed for the department and its district's
supervisors, closed by the check's result ("not corrected" only after the deadline), and published once as
penalty.correction.follow_up_overdue by the job."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest

from services.common.db import transaction
from services.penalty import jobs
from services.penalty.domain import follow_ups as fu
from services.penalty.settings import PenaltyContext
from services.penalty.use_cases import follow_ups
from tests.penalty.helpers import CG_A, SJ_A, SUGGESTED_FEN, pin_clock, to_notified
from tests.support.http import ok, problem
from tests.support.outbox import envelopes
from tests.support.personas import officer, supervisor
from tests.support.stack import Running, client, settings_for

API = "/api/v1/penalty"
FOLLOW_UPS = f"{API}/follow-ups"
DECIDED_ON = date(2026, 11, 16)  # tests.penalty.helpers.TODAY, the pinned clock's day


async def to_waived(http: httpx.AsyncClient) -> str:
    """A notified case whose party waived statement and defence: ready for the decision."""
    cid = await to_notified(http)
    ok(await http.post(f"{API}/cases/{cid}/waiver", json={"statement": True}, headers=officer(**SJ_A)))
    return cid


async def decide(http: httpx.AsyncClient, cid: str, correction: dict[str, str]) -> httpx.Response:
    body = {"penalty": {"kinds": ["fine"], "fine_fen": SUGGESTED_FEN}, "correction": correction}
    return await http.post(f"{API}/cases/{cid}/decision", json=body, headers=officer(**SJ_A))


async def decided_with(http: httpx.AsyncClient, deadline: str) -> tuple[str, dict[str, Any]]:
    """A decided case ordering 限期改正 by ``deadline``, and its follow-up."""
    cid = await to_waived(http)
    ok(await decide(http, cid, {"content": "建立并执行进货查验记录制度", "deadline": deadline}))
    mine = [f for f in ok(await http.get(FOLLOW_UPS, headers=officer(**SJ_A))) if f["case_id"] == cid]
    assert len(mine) == 1
    return cid, mine[0]


def test_the_deadline_cannot_precede_the_decision() -> None:
    assert fu.check_deadline(date(2026, 11, 16), date(2026, 11, 16)) == date(2026, 11, 16)  # the same day
    with pytest.raises(fu.CorrectionDeadlineInvalid, match="第二十八条第一款"):
        fu.check_deadline(date(2026, 11, 15), date(2026, 11, 16))


def test_state_due_until_the_deadline_then_overdue() -> None:
    due = date(2026, 11, 30)
    assert fu.state("open", due, date(2026, 11, 30)) is fu.FollowUpState.DUE  # the deadline day itself
    assert fu.state("open", due, date(2026, 12, 1)) is fu.FollowUpState.OVERDUE  # the day after
    assert fu.state("corrected", due, date(2026, 12, 1)) is fu.FollowUpState.DONE


class TestDecisionWithCorrection:
    async def test_a_deadline_before_the_decision_is_refused_and_nothing_written(
        self, penalty: Running
    ) -> None:
        async with client(penalty.url) as http:
            cid = await to_waived(http)
            refused = await decide(http, cid, {"content": "整改", "deadline": "2026-11-15"})  # 11-15 < 11-16
            case = ok(await http.get(f"{API}/cases/{cid}", headers=officer(**SJ_A)))
            listed = ok(await http.get(FOLLOW_UPS, headers=officer(**SJ_A)))
            later = ok(
                await decide(http, cid, {"content": "整改", "deadline": "2026-11-16"})
            )  # same day: allowed
        body = problem(refused, 422, "CORRECTION_DEADLINE_INVALID")
        assert "不得早于处罚决定日期" in body["detail"]
        assert case["decision"] is None and all(f["case_id"] != cid for f in listed)
        assert later["decision"]["number"]

    async def test_due_overdue_listed_published_once_and_result(self, penalty: Running) -> None:
        async with client(penalty.url) as http:
            cid, made = await decided_with(http, "2026-11-30")
            due = ok(await http.get(FOLLOW_UPS, params={"state": "due"}, headers=officer(**SJ_A)))
            early = await http.post(
                f"{FOLLOW_UPS}/{made['id']}/result",
                json={"result": "not_corrected", "note": "未改正"},
                headers=officer(**SJ_A),
            )
            pin_clock(date(2026, 11, 30))  # the deadline day: still not 逾期
            on_deadline = await http.post(
                f"{FOLLOW_UPS}/{made['id']}/result",
                json={"result": "not_corrected", "note": "未改正"},
                headers=officer(**SJ_A),
            )
            pin_clock(date(2026, 12, 1))  # the day after the deadline
            overdue = ok(await http.get(FOLLOW_UPS, params={"state": "overdue"}, headers=officer(**SJ_A)))
            by_supervisor = ok(
                await http.get(FOLLOW_UPS, params={"state": "overdue"}, headers=supervisor("210102"))
            )
            by_other = ok(await http.get(FOLLOW_UPS, headers=officer(**CG_A)))
            foreign = await http.get(f"{FOLLOW_UPS}/{made['id']}", headers=officer(**CG_A))
            async with transaction(penalty.runtime.factory) as session:
                first = await follow_ups.report_overdue(session, date(2026, 12, 1))
            async with transaction(penalty.runtime.factory) as session:
                second = await follow_ups.report_overdue(session, date(2026, 12, 1))
            closed = ok(
                await http.post(
                    f"{FOLLOW_UPS}/{made['id']}/result",
                    json={"result": "not_corrected", "note": "复查时仍未建立进货查验记录"},
                    headers=officer(**SJ_A),
                )
            )
            twice = await http.post(
                f"{FOLLOW_UPS}/{made['id']}/result",
                json={"result": "corrected", "note": "已改正"},
                headers=officer(**SJ_A),
            )
            done = ok(await http.get(FOLLOW_UPS, params={"state": "done"}, headers=officer(**SJ_A)))
        assert made["due_on"] == "2026-11-30" and made["ordered_on"] == "2026-11-16"
        assert made["state"] == "due" and made["content"] == "建立并执行进货查验记录制度"
        assert made["id"] in [f["id"] for f in due]
        problem(early, 409, "PENALTY_FOLLOW_UP_CONFLICT")
        problem(on_deadline, 409, "PENALTY_FOLLOW_UP_CONFLICT")
        assert [f["state"] for f in overdue if f["id"] == made["id"]] == ["overdue"]
        assert made["id"] in [f["id"] for f in by_supervisor]
        assert made["id"] not in [f["id"] for f in by_other]
        problem(foreign, 404, "PENALTY_FOLLOW_UP_NOT_FOUND")
        assert first >= 1 and second == 0
        [event] = await envelopes(
            penalty.runtime.factory, "penalty.correction.follow_up_overdue", follow_up_id=made["id"]
        )
        assert event["data"]["case_id"] == cid and event["data"]["due_on"] == "2026-11-30"
        assert event["data"]["detected_on"] == "2026-12-01" and event["data"]["department_code"] == "SJ"
        assert closed["status"] == "not_corrected" and closed["state"] == "done"
        assert closed["checked_on"] == "2026-12-01" and closed["closed_by"] == SJ_A["cert_no"]
        problem(twice, 409, "PENALTY_FOLLOW_UP_CONFLICT")
        assert made["id"] in [f["id"] for f in done]

    async def test_corrected_before_the_deadline_is_never_published(self, penalty: Running) -> None:
        async with client(penalty.url) as http:
            _, made = await decided_with(http, "2026-11-30")
            closed = ok(
                await http.post(
                    f"{FOLLOW_UPS}/{made['id']}/result",
                    json={"result": "corrected", "note": "已建立进货查验记录台账"},
                    headers=officer(**SJ_A),
                )
            )
            pin_clock(date(2026, 12, 1))
            async with transaction(penalty.runtime.factory) as session:
                await follow_ups.report_overdue(session, date(2026, 12, 1))
        assert closed["status"] == "corrected" and closed["checked_on"] == "2026-11-16"
        assert (
            await envelopes(
                penalty.runtime.factory, "penalty.correction.follow_up_overdue", follow_up_id=made["id"]
            )
            == []
        )


def test_the_follow_up_scan_runs_with_the_deadline_scan() -> None:
    [scan] = [j for j in jobs.JOBS if j.name == "follow-up-scan"]
    on = PenaltyContext.from_settings(settings_for("penalty", deadline_scan_interval_s=120.0))
    off = PenaltyContext.from_settings(settings_for("penalty", deadline_scan_enabled=False))
    assert (scan.is_enabled(on), scan.interval(on)) == (True, 120.0)
    assert scan.is_enabled(off) is False
