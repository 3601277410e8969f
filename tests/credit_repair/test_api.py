"""The HTTP API: repair applications (every refusal of the issue's "bad input" list), the review and its
deadlines, rule sets, and the authorisation matrix (every endpoint × role × someone else's object)."""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from services.common import clock
from services.common.db import transaction
from services.common.workdays import PACKAGE_YEARS
from services.credit_repair.models import CreditRecord, FeedEntry, Publication, RepairNotice
from tests.credit_repair.conftest import Credit
from tests.credit_repair.helpers import (
    RULES,
    USCC_A,
    USCC_B,
    apply,
    decision,
    end_of,
    months_later,
    outbox_events,
    paid,
)
from tests.support.stack import auth, client

pytestmark = pytest.mark.asyncio(loop_scope="session")

ENT_A = auth("enterprise", "ent-a", uscc=USCC_A)
ENT_B = auth("enterprise", "ent-b", uscc=USCC_B)
OFFICER_SJ = auth("officer", "off-sj", dept_code="SJ", cert_no="辽A-0100001", district_code="210102")
OFFICER_ST = auth("officer", "off-st", dept_code="ST", cert_no="辽A-0200001", district_code="210102")
SUPERVISOR_CITY = auth("supervisor", "sup-city", scope="city")
SUPERVISOR_OTHER = auth("supervisor", "sup-103", scope="210103")
INTEGRATION = auth("integration", "cc", client="creditchina")
ADMIN = auth("admin", "admin-1")
COMMITMENT = "本企业承诺已纠正违法行为，所提交材料真实有效，如违反承诺愿承担相应责任。"


async def _record(credit: Credit, case_id: uuid.UUID) -> CreditRecord:
    async with transaction(credit.factory) as s:
        return (await s.scalars(sa.select(CreditRecord).where(CreditRecord.case_id == case_id))).one()


async def _publication(credit: Credit, record_id: uuid.UUID) -> Publication:
    async with transaction(credit.factory) as s:
        return (await s.scalars(sa.select(Publication).where(Publication.record_id == record_id))).one()


async def published_record(
    credit: Credit, *, months_ago: int = 4, pay: bool = True, uscc: str = USCC_A, **kw: Any
) -> CreditRecord:
    """A published record of USCC_A (by default), decided ``months_ago`` months before today, for a kind of
    violation of its own unless told (so records of one test are no "same kind" violation for another)."""
    kw.setdefault("benchmark_code", f"SY-SJ-{uuid.uuid4().hex[:6]}")
    d = decision(uscc=uscc, decided_on=clock.today() - timedelta(days=31 * months_ago), **kw)
    await apply(credit.factory, d)
    if pay:
        await apply(credit.factory, paid(d))
    return await _record(credit, d.case_id)


def body(record_id: uuid.UUID, **kw: Any) -> dict[str, Any]:
    return {
        "record_id": str(record_id),
        "commitment_text": COMMITMENT,
        "commitment_accepted": True,
        "evidence_refs": ["sha256:1f2e3d"],
        **kw,
    }


@pytest.fixture(scope="module", autouse=True)
async def calendar(credit: Credit) -> None:
    """Working-day deadlines need the statutory calendar; cover years the package does not know yet."""
    async with client(credit.base, headers=ADMIN) as http:
        for year in (clock.today().year, clock.today().year + 1):
            if year not in PACKAGE_YEARS:
                r = await http.put(f"/api/v1/credit/admin/calendar/{year}", json={"source": "测试用年度安排"})
                assert r.status_code == 200, r.text


class TestRepairRefusals:
    async def test_before_the_minimum_period(self, credit: Credit) -> None:
        record = await published_record(credit, months_ago=0)
        async with client(credit.base, headers=ENT_A) as http:
            r = await http.post("/api/v1/credit/repairs", json=body(record.id))
        assert r.status_code == 409 and r.json()["code"] == "REPAIR_TOO_EARLY"
        earliest = months_later(record.decided_on, 3)  # 一般: minimum 3 months
        assert f"{earliest.year}年{earliest.month}月{earliest.day}日" in r.json()["detail"]

    async def test_fine_unpaid(self, credit: Credit) -> None:
        record = await published_record(credit, pay=False)
        async with client(credit.base, headers=ENT_A) as http:
            r = await http.post("/api/v1/credit/repairs", json=body(record.id))
        assert r.status_code == 409 and r.json()["code"] == "REPAIR_FINE_UNPAID"
        assert "80,000.00元" in r.json()["detail"]

    async def test_never_early(self, credit: Credit) -> None:
        # 吊销许可证件 by market regulation: 严重, never ended early (总局令第45号 第十四条)
        record = await published_record(credit, months_ago=13, kinds=["revoke_licence", "fine"])
        async with client(credit.base, headers=ENT_A) as http:
            r = await http.post("/api/v1/credit/repairs", json=body(record.id))
        assert r.status_code == 409 and r.json()["code"] == "REPAIR_NEVER_EARLY"

    async def test_another_enterprises_record_is_404(self, credit: Credit) -> None:
        record = await published_record(credit)
        async with client(credit.base, headers=ENT_B) as http:
            r = await http.post("/api/v1/credit/repairs", json=body(record.id))
            missing = await http.post("/api/v1/credit/repairs", json=body(uuid.uuid4()))
        assert r.status_code == 404 and r.json()["code"] == "CREDIT_RECORD_NOT_FOUND"
        assert missing.json() | {"request_id": None, "detail": None} == r.json() | {
            "request_id": None,
            "detail": None,
        }

    async def test_duplicate_application(self, credit: Credit) -> None:
        record = await published_record(credit)
        async with client(credit.base, headers=ENT_A) as http:
            first = await http.post("/api/v1/credit/repairs", json=body(record.id))
            second = await http.post("/api/v1/credit/repairs", json=body(record.id))
        assert first.status_code == 201, first.text
        assert second.status_code == 409 and second.json()["code"] == "REPAIR_DUPLICATE"

    async def test_commitment_not_accepted(self, credit: Credit) -> None:
        record = await published_record(credit)
        async with client(credit.base, headers=ENT_A) as http:
            r = await http.post("/api/v1/credit/repairs", json=body(record.id, commitment_accepted=False))
        assert r.status_code == 400 and r.json()["code"] == "REPAIR_COMMITMENT_MISSING"

    async def test_unpublished_record(self, credit: Credit) -> None:
        record = await published_record(credit, fine_yuan=30_000)  # 轻微: not published
        async with client(credit.base, headers=ENT_A) as http:
            r = await http.post("/api/v1/credit/repairs", json=body(record.id))
        assert r.status_code == 409 and r.json()["code"] == "REPAIR_NOT_PUBLISHED"

    async def test_new_violation_of_the_same_kind_since(self, credit: Credit) -> None:
        record = await published_record(credit, uscc=USCC_B, benchmark_code="SY-SJ-0777")
        await published_record(credit, uscc=USCC_B, benchmark_code="SY-SJ-0777", months_ago=1)
        async with client(credit.base, headers=ENT_B) as http:
            r = await http.post("/api/v1/credit/repairs", json=body(record.id))
        assert r.status_code == 409 and r.json()["code"] == "REPAIR_NEW_VIOLATION"

    async def test_every_failure_is_listed(self, credit: Credit) -> None:
        record = await published_record(credit, months_ago=0, pay=False)
        async with client(credit.base, headers=ENT_A) as http:
            r = await http.post(
                "/api/v1/credit/repairs",
                json=body(record.id, commitment_accepted=False, violation_corrected=False),
            )
        codes = [e["code"] for e in r.json()["errors"]]
        assert codes == [
            "REPAIR_TOO_EARLY",
            "REPAIR_FINE_UNPAID",
            "REPAIR_NOT_CORRECTED",
            "REPAIR_COMMITMENT_MISSING",
        ]

    @pytest.mark.parametrize(
        "patch",
        [
            {"commitment_text": "短"},
            {"record_id": "not-a-uuid"},
            {"evidence_refs": ["x"] * 21},
            {"commitment_accepted": "maybe"},
        ],
    )
    async def test_malformed_bodies(self, credit: Credit, patch: dict[str, Any]) -> None:
        async with client(credit.base, headers=ENT_A) as http:
            r = await http.post("/api/v1/credit/repairs", json=body(uuid.uuid4()) | patch)
        assert r.status_code == 422 and r.json()["code"] == "VALIDATION_FAILED"


class TestReview:
    async def test_accept_ends_publication_at_once(self, credit: Credit) -> None:
        record = await published_record(credit)
        async with client(credit.base) as http:
            app = (await http.post("/api/v1/credit/repairs", json=body(record.id), headers=ENT_A)).json()
            r = await http.post(
                f"/api/v1/credit/repairs/{app['id']}/decision",
                json={"outcome": "accepted"},
                headers=OFFICER_SJ,
            )
        assert r.status_code == 200, r.text
        assert (r.json()["status"], r.json()["on_time"]) == ("repaired", True)
        pub = await _publication(credit, record.id)
        end = await end_of(credit.factory, pub.id)
        assert end is not None
        assert (end.ended_on, end.reason, pub.repaired_on) == (clock.today(), "repaired", clock.today())
        ended = [
            e["data"]
            for e in await outbox_events(credit.factory, "credit.publication.ended")
            if e["data"]["record_id"] == str(record.id)
        ]
        assert [e["reason"] for e in ended] == ["repaired"]
        completed = [
            e["data"]
            for e in await outbox_events(credit.factory, "credit.repair.completed")
            if e["data"]["repair_id"] == app["id"]
        ]
        assert len(completed) == 1
        async with transaction(credit.factory) as s:
            kinds = (
                await s.scalars(
                    sa.select(FeedEntry.kind)
                    .where(FeedEntry.publication_id == pub.id)
                    .order_by(FeedEntry.seq)
                )
            ).all()
        assert kinds == ["started", "ended"]

    async def test_reject_needs_reasons(self, credit: Credit) -> None:
        record = await published_record(credit)
        async with client(credit.base) as http:
            app = (await http.post("/api/v1/credit/repairs", json=body(record.id), headers=ENT_A)).json()
            bare = await http.post(
                f"/api/v1/credit/repairs/{app['id']}/decision",
                json={"outcome": "rejected"},
                headers=OFFICER_SJ,
            )
            reasoned = await http.post(
                f"/api/v1/credit/repairs/{app['id']}/decision",
                json={"outcome": "rejected", "reasons": ["整改证明材料不完整"]},
                headers=OFFICER_SJ,
            )
            again = await http.post(
                f"/api/v1/credit/repairs/{app['id']}/decision",
                json={"outcome": "accepted"},
                headers=OFFICER_SJ,
            )
        assert bare.status_code == 400 and bare.json()["code"] == "REPAIR_REJECTION_REASON_REQUIRED"
        assert reasoned.status_code == 200 and reasoned.json()["status"] == "rejected"
        assert again.status_code == 409 and again.json()["code"] == "REPAIR_ALREADY_DECIDED"
        assert await end_of(credit.factory, (await _publication(credit, record.id)).id) is None

    async def test_acceptance_deadlines_and_the_overdue_list(self, credit: Credit, reset_clock: None) -> None:
        record = await published_record(credit)
        async with client(credit.base) as http:
            app = (await http.post("/api/v1/credit/repairs", json=body(record.id), headers=ENT_A)).json()
            submitted = date.fromisoformat(app["submitted_on"])
            # 3 working days to accept: at least 3 calendar days later, and never on a weekend
            due = date.fromisoformat(app["acceptance_due"])
            assert due >= submitted + timedelta(days=3) and due.weekday() < 5
            clock.set_offset(timedelta(days=(due - clock.today()).days + 1))
            overdue = (await http.get("/api/v1/credit/repairs/overdue", headers=OFFICER_SJ)).json()["items"]
            mine = [a for a in overdue if a["id"] == app["id"]]
            assert mine and mine[0]["overdue_stage"] == "acceptance"
            accepted = await http.post(
                f"/api/v1/credit/repairs/{app['id']}/acceptance", json={"extended": True}, headers=OFFICER_SJ
            )
            assert accepted.status_code == 200 and accepted.json()["status"] == "under_review"
            # 7 + 10 working days from acceptance (extended): more than 17 calendar days
            decision_due = date.fromisoformat(accepted.json()["decision_due"])
            assert decision_due > clock.today() + timedelta(days=17)
            twice = await http.post(
                f"/api/v1/credit/repairs/{app['id']}/acceptance", json={}, headers=OFFICER_SJ
            )
            assert twice.status_code == 409 and twice.json()["code"] == "REPAIR_ALREADY_ACCEPTED"
            still = (await http.get("/api/v1/credit/repairs/overdue", headers=OFFICER_SJ)).json()["items"]
            assert app["id"] not in [a["id"] for a in still]


class TestRuleSets:
    def _current(self) -> dict[str, Any]:
        for item in json.loads(RULES)["rule_sets"]:
            if item["effective_to"] is None:
                return copy.deepcopy(item)
        raise AssertionError

    async def test_overlap_is_refused(self, credit: Credit) -> None:
        new = self._current() | {"id": "overlapping", "effective_from": "2030-01-01"}
        async with client(credit.base, headers=ADMIN) as http:
            r = await http.post("/api/v1/credit/rule-sets", json={"rule_set": new})
        assert r.status_code == 409 and r.json()["code"] == "CREDIT_RULESET_OVERLAP"
        assert "overlapping" in r.json()["detail"] and "shenyang-credit-2026-04" in r.json()["detail"]

    async def test_invalid_rule_set(self, credit: Credit) -> None:
        new = self._current() | {"id": "broken", "effective_from": "2031-01-01"}
        new["publication"]["general"] = {"min_months": 12, "max_months": 3}
        async with client(credit.base, headers=ADMIN) as http:
            r = await http.post("/api/v1/credit/rule-sets", json={"rule_set": new})
        assert r.status_code == 400 and r.json()["code"] == "CREDIT_RULESET_INVALID"

    async def test_existing_id(self, credit: Credit) -> None:
        async with client(credit.base, headers=ADMIN) as http:
            r = await http.post("/api/v1/credit/rule-sets", json={"rule_set": self._current()})
        assert r.status_code == 409 and r.json()["code"] == "CREDIT_RULESET_EXISTS"

    async def test_superseding_the_open_ended_set(self, stack: Any, nats_server: Any) -> None:
        # on a database of its own: this closes the current rules
        from tests.credit_repair.helpers import database, load_rules
        from tests.support.stack import running_service

        url = await stack.anew_database("credit_repair")
        async with database(url) as factory:
            await load_rules(factory)
            async with running_service("credit_repair", database_url=url, nats_url=nats_server.url) as svc:
                new = self._current() | {"id": "shenyang-credit-2030-01", "effective_from": "2030-01-01"}
                async with client(svc.url, headers=ADMIN) as http:
                    r = await http.post(
                        "/api/v1/credit/rule-sets", json={"rule_set": new, "supersede_open_ended": True}
                    )
                    assert r.status_code == 201, r.text
                    listed = {s["id"]: s for s in (await http.get("/api/v1/credit/rule-sets")).json()}
        assert listed["shenyang-credit-2026-04"]["effective_to"] == "2029-12-31"
        assert listed["shenyang-credit-2026-04"]["document"]["effective_to"] == "2029-12-31"
        assert listed["shenyang-credit-2030-01"]["status"] == "future"

    async def test_only_the_admin_adds(self, credit: Credit) -> None:
        async with client(credit.base, headers=SUPERVISOR_CITY) as http:
            r = await http.post("/api/v1/credit/rule-sets", json={"rule_set": self._current()})
        assert r.status_code == 403


# --- the authorisation matrix ---------------------------------------------------------------------


@dataclass
class Objects:
    record_id: uuid.UUID
    notice_id: uuid.UUID
    repair_id: uuid.UUID


@pytest.fixture(scope="module")
async def objects(credit: Credit) -> AsyncIterator[Objects]:
    """A record, its notice and a repair application of enterprise A, decided by SJ in district 210102."""
    record = await published_record(credit, benchmark_code="SY-SJ-0999")
    async with transaction(credit.factory) as s:
        notice_id = (
            await s.scalars(sa.select(RepairNotice.id).where(RepairNotice.record_id == record.id))
        ).one()
    async with client(credit.base, headers=ENT_A) as http:
        r = await http.post("/api/v1/credit/repairs", json=body(record.id))
        assert r.status_code == 201, r.text
    yield Objects(record.id, notice_id, uuid.UUID(r.json()["id"]))


ROLES = {
    "owner": ENT_A,
    "other_enterprise": ENT_B,
    "officer_sj": OFFICER_SJ,
    "officer_st": OFFICER_ST,
    "supervisor_city": SUPERVISOR_CITY,
    "supervisor_other": SUPERVISOR_OTHER,
    "integration": INTEGRATION,
    "admin": ADMIN,
}

# expected status per role: reading one of enterprise A's objects
READ = {
    "owner": 200,
    "other_enterprise": 404,
    "officer_sj": 200,
    "officer_st": 404,
    "supervisor_city": 200,
    "supervisor_other": 404,
    "integration": 403,
    "admin": 200,
}
READ_PATHS = [
    "/api/v1/credit/records/{record_id}",
    "/api/v1/credit/notices/{notice_id}",
    "/api/v1/credit/notices/{notice_id}/html",
    "/api/v1/credit/notices/{notice_id}/pdf",
    "/api/v1/credit/repairs/{repair_id}",
]


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("path", READ_PATHS)
async def test_reading_someone_elses_object(credit: Credit, objects: Objects, path: str, role: str) -> None:
    async with client(credit.base, headers=ROLES[role]) as http:
        r = await http.get(path.format(**objects.__dict__))
    assert r.status_code == READ[role], (role, path, r.text)


LIST_PATHS = ["/api/v1/credit/records", "/api/v1/credit/notices", "/api/v1/credit/repairs"]


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("path", LIST_PATHS)
async def test_lists_show_only_what_the_caller_may_see(
    credit: Credit, objects: Objects, path: str, role: str
) -> None:
    own = {
        "/api/v1/credit/records": objects.record_id,
        "/api/v1/credit/notices": objects.notice_id,
        "/api/v1/credit/repairs": objects.repair_id,
    }[path]
    async with client(credit.base, headers=ROLES[role]) as http:
        ids: list[str] = []
        cursor = None
        while True:
            r = await http.get(path, params={"limit": 200, **({"cursor": cursor} if cursor else {})})
            if r.status_code != 200:
                break
            ids += [i["id"] for i in r.json()["items"]]
            cursor = r.json()["next_cursor"]
            if not cursor:
                break
    if READ[role] == 403:
        assert r.status_code == 403
    else:
        assert (str(own) in ids) == (READ[role] == 200), (role, path)


# Writes: (method, path, body, expected status per role). A role that may call the endpoint but not on
# this object gets 404; a role that may never call it 403.
def _decision_body() -> dict[str, Any]:
    return {"outcome": "rejected", "reasons": ["材料不全"]}


WRITES: list[tuple[str, str, dict[str, int]]] = [
    (
        "/api/v1/credit/repairs/{repair_id}/decision",
        "decision",
        {
            "owner": 403,
            "other_enterprise": 403,
            "officer_st": 404,
            "supervisor_city": 403,
            "supervisor_other": 403,
            "integration": 403,
        },
    ),
    (
        "/api/v1/credit/repairs/{repair_id}/acceptance",
        "acceptance",
        {
            "owner": 403,
            "other_enterprise": 403,
            "officer_st": 404,
            "supervisor_city": 403,
            "supervisor_other": 403,
            "integration": 403,
        },
    ),
    (
        "/api/v1/credit/repairs",
        "apply",
        {
            "other_enterprise": 404,
            "officer_sj": 403,
            "officer_st": 403,
            "supervisor_city": 403,
            "supervisor_other": 403,
            "integration": 403,
            "admin": 403,
        },
    ),
    (
        "/api/v1/credit/rule-sets",
        "rules",
        {
            "owner": 403,
            "other_enterprise": 403,
            "officer_sj": 403,
            "officer_st": 403,
            "supervisor_city": 403,
            "supervisor_other": 403,
            "integration": 403,
        },
    ),
    (
        "/api/v1/credit/cleanups",
        "cleanup",
        {"owner": 403, "other_enterprise": 403, "officer_sj": 403, "officer_st": 403, "integration": 403},
    ),
    (
        "/api/v1/credit/admin/sweep",
        "sweep",
        {
            "owner": 403,
            "other_enterprise": 403,
            "officer_sj": 403,
            "officer_st": 403,
            "supervisor_city": 403,
            "supervisor_other": 403,
            "integration": 403,
        },
    ),
]


# Only the callers who must be refused: the permitted ones are exercised by the functional tests.
@pytest.mark.parametrize(
    ("path", "kind", "expected", "role"),
    [(path, kind, expected, role) for path, kind, expected in WRITES for role in ROLES if role in expected],
    ids=[f"{kind}-{role}" for _, kind, expected in WRITES for role in ROLES if role in expected],
)
async def test_writes_on_someone_elses_object(
    credit: Credit, objects: Objects, path: str, kind: str, expected: dict[str, int], role: str
) -> None:
    payload: dict[str, Any] = {
        "decision": _decision_body(),
        "acceptance": {},
        "apply": body(objects.record_id),
        "rules": {"rule_set": {}},
        "cleanup": {"dry_run": True},
        "sweep": {},
    }[kind]
    async with client(credit.base, headers=ROLES[role]) as http:
        r = await http.post(path.format(**objects.__dict__), json=payload)
    assert r.status_code == expected[role], (role, kind, r.text)


@pytest.mark.parametrize(
    ("role", "status"),
    [("integration", 200), ("supervisor_city", 200), ("admin", 200), ("owner", 403), ("officer_sj", 403)],
)
async def test_feed_readers(credit: Credit, role: str, status: int) -> None:
    async with client(credit.base, headers=ROLES[role]) as http:
        r = await http.get("/api/v1/credit/feed")
    assert r.status_code == status


GATES = {
    # path: roles that may call it (everyone else: 403)
    "/api/v1/credit/cleanups": {"supervisor_city", "supervisor_other", "admin"},
    "/api/v1/credit/cleanups/{cleanup_id}": {"supervisor_city", "supervisor_other", "admin"},
    "/api/v1/credit/rule-sets": set(ROLES),
    "/api/v1/credit/rule-sets/shenyang-credit-2026-04": set(ROLES),
    "/api/v1/credit/repairs/overdue": {
        "officer_sj",
        "officer_st",
        "supervisor_city",
        "supervisor_other",
        "admin",
    },
}


@pytest.fixture(scope="module")
async def cleanup_id(credit: Credit) -> str:
    async with client(credit.base, headers=ADMIN) as http:
        r = await http.post("/api/v1/credit/cleanups", json={"dry_run": True})
    assert r.status_code == 202, r.text
    return str(r.json()["id"])


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("path", list(GATES))
async def test_role_gates(credit: Credit, cleanup_id: str, path: str, role: str) -> None:
    async with client(credit.base, headers=ROLES[role]) as http:
        r = await http.get(path.format(cleanup_id=cleanup_id))
    assert r.status_code == (200 if role in GATES[path] else 403), (role, path, r.text)


@pytest.mark.parametrize("role", list(ROLES))
async def test_only_the_admin_resumes_a_cleanup(credit: Credit, cleanup_id: str, role: str) -> None:
    async with client(credit.base, headers=ROLES[role]) as http:
        r = await http.post(f"/api/v1/credit/cleanups/{cleanup_id}/resume", json={})
    # the admin may, but the run is not a failed one
    expected = (409, "CLEANUP_NOT_RESUMABLE") if role == "admin" else (403, "ROLE_FORBIDDEN")
    assert (r.status_code, r.json()["code"]) == expected


async def test_supervisors_may_only_dry_run(credit: Credit) -> None:
    async with client(credit.base, headers=SUPERVISOR_CITY) as http:
        r = await http.post("/api/v1/credit/cleanups", json={"dry_run": False})
    assert r.status_code == 403 and r.json()["code"] == "CLEANUP_DRY_RUN_ONLY"


async def test_overdue_list_is_for_staff(credit: Credit) -> None:
    async with client(credit.base, headers=ENT_A) as http:
        r = await http.get("/api/v1/credit/repairs/overdue")
    assert r.status_code == 403
