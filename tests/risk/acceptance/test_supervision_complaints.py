"""Examiner's cases: complaints (投诉举报), the public form, supervisors and contact points, judged only by what
the HTTP API answers.

Sources: docs/api/supervision.md §2 (受理编号 TS-<year>-<6 digits>, 15 working days to handle, 10 to reply once
forwarded, the department sees nothing before 转办 and then a masked contact, never an anonymous complainant;
public form: a token files one complaint, 5 an hour per address, IPv6 counted by /64) and §3 (registries: lists
mask, a single read shows in full, city supervisors appoint; a member or point not serving: 409); seed 000
(监督员、联系点); 辽政办发〔2023〕18号 §15; 国务院办公厅 2026 holiday arrangement (国庆 10月1日至7日，10月10日上班).

The service clock reads Monday 2026-11-23 unless a case pins another day.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import date
from typing import Any

import pytest

from tests.risk.helpers import SUPERVISOR, make_uscc, pin, unit_officer
from tests.support import personas
from tests.support.http import ok, problem
from tests.support.stack import Running, client

pytestmark = pytest.mark.asyncio(loop_scope="session")

C = "/api/v1/risk/complaints"
PUBLIC = "/public/risk/complaints"
UNIT, OTHER, LATE = "SJ-210102", "CG-210104", "ST-210105"
USCC = make_uscc(501)
ENTERPRISE = personas.enterprise(USCC, sub="ent-501")
OTHER_ENTERPRISE = personas.enterprise(make_uscc(502), sub="ent-502")
API_R = "/api/v1/risk"
DISTRICT_104 = personas.supervisor("210104", sub="sup-104")


def complaint(unit: str = UNIT, **extra: Any) -> dict[str, Any]:
    return {
        "subject_kind": "officer",
        "unit_code": unit,
        "officer_cert_no": "辽A-0100001",
        "category": "态度问题",
        "text": "检查人员态度粗暴",
        "contact_name": "王小明",
        "contact_phone": "13812345678",
        "anonymous": False,
        **extra,
    }


async def post(risk: Running, path: str, body: Any, headers: dict[str, str] | None = None) -> Any:
    async with client(risk.url, headers=headers or {}) as http:
        return await http.post(path, json=body)


async def put(risk: Running, path: str, body: Any, headers: dict[str, str]) -> Any:
    async with client(risk.url, headers=headers) as http:
        return await http.put(path, json=body)


async def get(risk: Running, path: str, headers: dict[str, str] | None = None, **params: Any) -> Any:
    async with client(risk.url, headers=headers or {}) as http:
        return await http.get(path, params=params)


@pytest.fixture
def repin() -> Iterator[None]:
    try:
        yield
    finally:
        pin()


@pytest.fixture(scope="module")
async def first(risk: Running) -> AsyncIterator[dict[str, Any]]:
    """The module's first complaint (a fresh database): filed Monday 2026-11-23 by an enterprise."""
    yield dict(ok(await post(risk, C, complaint(), ENTERPRISE), 201))


class TestReceipt:
    async def test_first_number_deadline_and_state(self, first: dict[str, Any]) -> None:
        # 15 working days from Mon 2026-11-23: Nov 24-27 (4), Nov 30-Dec 4 (9), Dec 7-11 (14), Mon Dec 14 (15)
        assert (first["ack_no"], first["status"], first["status_label"], first["due_on"]) == (
            "TS-2026-000001",
            "received",
            "已受理",
            "2026-12-14",
        ), first
        assert first["summary"] == "态度问题：检查人员态度粗暴", first

    async def test_numbers_run_on_without_gaps(self, risk: Running, first: dict[str, Any]) -> None:
        got = [ok(await post(risk, C, complaint(), ENTERPRISE), 201)["ack_no"] for _ in range(2)]
        n = [int(a.rsplit("-", 1)[1]) for a in got]
        assert n[1] == n[0] + 1 and all(a.startswith("TS-2026-") and len(a) == 14 for a in got), got

    async def test_deadline_across_national_day(self, risk: Running, repin: None) -> None:
        # received Mon 2026-09-28: Sep 29, 30 (2), Oct 1-7 holiday, Oct 8, 9, Sat 10 (5: 调休上班),
        # Oct 12-16 (10), Oct 19-23 (15) -> Fri 2026-10-23; on 2026-11-23 it is overdue (not concluded)
        pin(date(2026, 9, 28))
        filed = ok(await post(risk, C, complaint(LATE), ENTERPRISE), 201)
        assert filed["due_on"] == "2026-10-23", filed
        pin()
        got = ok(await get(risk, f"{C}/{filed['id']}", SUPERVISOR))
        assert got["overdue"] is True, got
        overdue = ok(await get(risk, C, SUPERVISOR, overdue="true", limit=100))["items"]
        assert filed["id"] in [i["id"] for i in overdue]
        assert first_not_overdue(overdue)

    @pytest.mark.parametrize(
        "bad",
        [
            {"subject_kind": "visit"},  # no visit_id
            {"subject_kind": "officer", "officer_cert_no": None},
            {"unit_code": None},
            {"category": "乱收费"},
            {"text": ""},
            {"anonymous": "no"},
        ],
    )
    async def test_bad_bodies_are_422(self, risk: Running, bad: dict[str, Any]) -> None:
        body = {k: v for k, v in {**complaint(), **bad}.items() if v is not None}
        r = await post(risk, C, body, ENTERPRISE)
        assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json"), (
            r.text
        )


def first_not_overdue(items: list[dict[str, Any]]) -> bool:
    return all(i["ack_no"] != "TS-2026-000001" for i in items)


class TestWhoSeesWhat:
    async def test_the_department_sees_it_only_after_forwarding_and_masked(
        self, risk: Running, first: dict[str, Any]
    ) -> None:
        cid = first["id"]
        assert (await get(risk, f"{C}/{cid}", unit_officer(UNIT))).status_code == 404
        # forwarded Mon 2026-11-23: 10 working days Nov 24-27 (4), Nov 30-Dec 4 (9), Mon Dec 7 (10)
        fwd = ok(await post(risk, f"{C}/{cid}/forward", {"note": "请核查"}, SUPERVISOR))
        assert (fwd["status"], fwd["reply_due_on"]) == ("forwarded", "2026-12-07"), fwd
        seen = ok(await get(risk, f"{C}/{cid}", unit_officer(UNIT)))
        assert (seen["contact_name"], seen["contact_phone"]) == ("王**", "138****5678"), seen
        assert (await get(risk, f"{C}/{cid}", unit_officer(OTHER))).status_code == 404
        assert (await get(risk, f"{C}/{cid}", OTHER_ENTERPRISE)).status_code == 404
        assert (await get(risk, f"{C}/{cid}", DISTRICT_104)).status_code == 404
        mine = ok(await get(risk, f"{C}/{cid}", ENTERPRISE))
        assert mine["contact_phone"] == "13812345678"

    async def test_an_anonymous_enterprise_is_hidden_from_the_department(self, risk: Running) -> None:
        filed = ok(await post(risk, C, complaint(anonymous=True), ENTERPRISE), 201)
        ok(await post(risk, f"{C}/{filed['id']}/forward", {}, SUPERVISOR))
        seen = ok(await get(risk, f"{C}/{filed['id']}", unit_officer(UNIT)))
        assert (seen["complainant_uscc"], seen["contact_name"], seen["contact_phone"]) == (
            None,
            None,
            None,
        ), seen

    async def test_the_handling_steps_and_their_roles(self, risk: Running) -> None:
        filed = ok(await post(risk, C, complaint(), ENTERPRISE), 201)
        cid = filed["id"]
        problem(
            await post(risk, f"{C}/{cid}/forward", {}, unit_officer(UNIT)), 403, "COMPLAINT_SUPERVISOR_ONLY"
        )
        problem(
            await post(risk, f"{C}/{cid}/answer", {"text": "x"}, SUPERVISOR),
            409,
            "COMPLAINT_INVALID_TRANSITION",
        )
        ok(await post(risk, f"{C}/{cid}/forward", {"note": "请核查"}, SUPERVISOR))
        problem(await post(risk, f"{C}/{cid}/reply", {"text": "x"}, SUPERVISOR), 403, "COMPLAINT_UNIT_ONLY")
        replied = ok(await post(risk, f"{C}/{cid}/reply", {"text": "已约谈执法人员"}, unit_officer(UNIT)))
        assert replied["status"] == "replied", replied
        concl = {"finding": "partly_substantiated", "conclusion": "部分属实", "refer_to_discipline": True}
        problem(
            await post(risk, f"{C}/{cid}/conclude", concl, unit_officer(UNIT)),
            403,
            "COMPLAINT_SUPERVISOR_ONLY",
        )
        done = ok(await post(risk, f"{C}/{cid}/conclude", concl, SUPERVISOR))
        assert (done["status"], done["finding_label"], done["referred_to_discipline"]) == (
            "concluded",
            "部分属实",
            True,
        ), done
        problem(
            await post(risk, f"{C}/{cid}/reply", {"text": "x"}, unit_officer(UNIT)),
            409,
            "COMPLAINT_INVALID_TRANSITION",
        )
        answered = ok(await post(risk, f"{C}/{cid}/answer", {"text": "经查部分属实，已处理"}, SUPERVISOR))
        assert answered["status"] == "answered", answered

    async def test_reply_overdue(self, risk: Running, repin: None) -> None:
        # forwarded Fri 2026-11-06: 10 working days Nov 9-13 (5), Nov 16-20 (10) -> Fri 2026-11-20;
        # on Mon 2026-11-23 the reply is overdue, the bureau's own deadline (Nov 27) is not
        pin(date(2026, 11, 6))
        filed = ok(await post(risk, C, complaint(), ENTERPRISE), 201)
        fwd = ok(await post(risk, f"{C}/{filed['id']}/forward", {}, SUPERVISOR))
        assert fwd["reply_due_on"] == "2026-11-20", fwd
        # handling: Nov 9-13 (5), 16-20 (10), 23-27 (15) -> Fri 2026-11-27
        assert fwd["due_on"] == "2026-11-27", fwd
        pin()
        got = ok(await get(risk, f"{C}/{filed['id']}", SUPERVISOR))
        assert (got["reply_overdue"], got["overdue"]) == (True, False), got


class TestPublicForm:
    async def test_file_and_look_up_with_the_secret(self, risk: Running) -> None:
        token = ok(await post(risk, f"{PUBLIC}/tokens", {}), 201)["token"]
        address = {"x-forwarded-for": "203.0.113.70"}
        filed = ok(await post(risk, PUBLIC, {**complaint(), "token": token}, address), 201)
        assert filed["ack_no"].startswith("TS-2026-") and filed["due_on"] == "2026-12-14" and filed["secret"]
        problem(
            await post(risk, PUBLIC, {**complaint(), "token": token}, address), 409, "COMPLAINT_TOKEN_USED"
        )
        got = ok(await post(risk, f"{PUBLIC}/lookup", {"ack_no": filed["ack_no"], "secret": filed["secret"]}))
        assert got["status"] == "received", got
        r = await post(risk, f"{PUBLIC}/lookup", {"ack_no": "TS-2026-999999", "secret": filed["secret"]})
        problem(r, 404, "COMPLAINT_LOOKUP_FAILED")

    async def test_a_made_up_token(self, risk: Running) -> None:
        r = await post(risk, PUBLIC, {**complaint(), "token": "ct1.bm90LWEtdG9rZW4"})
        problem(r, 422, "COMPLAINT_TOKEN_INVALID")

    async def test_ipv6_counted_by_64(self, risk: Running) -> None:
        # 5 an hour from one address; 2001:db8:5:6::1 and 2001:db8:5:6::ffff share a /64, 2001:db8:5:7::1 not
        for i in range(5):
            token = ok(await post(risk, f"{PUBLIC}/tokens", {}), 201)["token"]
            ok(
                await post(
                    risk,
                    PUBLIC,
                    {**complaint(), "token": token},
                    {"x-forwarded-for": f"2001:db8:5:6::{i + 1}"},
                ),
                201,
            )
        token = ok(await post(risk, f"{PUBLIC}/tokens", {}), 201)["token"]
        r = await post(
            risk, PUBLIC, {**complaint(), "token": token}, {"x-forwarded-for": "2001:db8:5:6::ffff"}
        )
        problem(r, 429, "COMPLAINT_RATE_LIMITED")
        ok(
            await post(risk, PUBLIC, {**complaint(), "token": token}, {"x-forwarded-for": "2001:db8:5:7::1"}),
            201,
        )


MEMBER = {
    "name": "李律师",
    "background": "律师",
    "organisation": "辽宁某律师事务所",
    "district_code": "210102",
    "phone": "13900001111",
    "term_start": "2026-01-01",
    "term_end": "2028-12-31",
    "status": "active",
}


class TestRegistries:
    async def test_city_appoints_district_reads_masked_list(self, risk: Running) -> None:
        district = personas.supervisor("210102", sub="sup-102")
        problem(
            await post(risk, f"{API_R}/supervision-members", MEMBER, district),
            403,
            "RISK_CITY_SCOPE_REQUIRED",
        )
        made = ok(await post(risk, f"{API_R}/supervision-members", MEMBER, SUPERVISOR), 201)
        assert made["serving"] is True, made
        listed = ok(await get(risk, f"{API_R}/supervision-members", district, limit=50))["items"]
        item = next(i for i in listed if i["id"] == made["id"])
        assert item["phone"] == "139****1111", item
        full = ok(await get(risk, f"{API_R}/supervision-members/{made['id']}", district))
        assert full["phone"] == "13900001111"
        assert (await get(risk, f"{API_R}/supervision-members", unit_officer(UNIT))).status_code == 403
        other = personas.supervisor("210104", sub="sup-104")
        assert made["id"] not in [
            i["id"] for i in ok(await get(risk, f"{API_R}/supervision-members", other))["items"]
        ]

    async def test_a_member_out_of_term_is_not_invited(self, risk: Running) -> None:
        # term 2026-01-01 to 2026-11-22: on 2026-11-23 not serving
        made = ok(
            await post(
                risk, f"{API_R}/supervision-members", {**MEMBER, "term_end": "2026-11-22"}, SUPERVISOR
            ),
            201,
        )
        assert made["serving"] is False
        inv = {
            "target_kind": "visit",
            "target_id": str(uuid.uuid4()),
            "on_date": "2026-11-25",
            "note": "随同检查",
        }
        r = await post(risk, f"{API_R}/supervision-members/{made['id']}/invitations", inv, SUPERVISOR)
        problem(r, 409, "SUPERVISION_MEMBER_INACTIVE")

    async def test_a_contact_point_observation_is_a_complaint(self, risk: Running) -> None:
        point = {
            "kind": "enterprise",
            "name": "沈阳联系点商贸有限公司",
            "uscc": make_uscc(503),
            "address": "沈阳市和平区",
            "district_code": "210102",
            "contact_name": "赵经理",
            "contact_phone": "13900002222",
            "term_start": "2026-01-01",
            "term_end": "2027-12-31",
        }
        bad = {k: v for k, v in point.items() if k != "uscc"}
        r = await post(risk, f"{API_R}/contact-points", bad, SUPERVISOR)
        assert r.status_code == 422, r.text
        made = ok(await post(risk, f"{API_R}/contact-points", point, SUPERVISOR), 201)
        listed = ok(await get(risk, f"{API_R}/contact-points", SUPERVISOR, limit=50))["items"]
        item = next(i for i in listed if i["id"] == made["id"])
        assert (item["contact_name"], item["contact_phone"]) == ("赵**", "139****2222"), item
        me = personas.enterprise(make_uscc(503), sub="ent-503")
        obs = ok(await post(risk, f"{API_R}/contact-points/{made['id']}/observations", complaint(), me), 201)
        assert obs["source"] == "contact_point" and obs["status"] == "received", obs
        ended = ok(
            await put(risk, f"{API_R}/contact-points/{made['id']}", {**point, "status": "ended"}, SUPERVISOR)
        )
        assert ended["status"] == "ended"
        r = await post(risk, f"{API_R}/contact-points/{made['id']}/observations", complaint(), me)
        problem(r, 409, "CONTACT_POINT_INACTIVE")


class TestInvitationDay:
    async def test_serving_is_judged_on_the_day_of_the_invitation(self, risk: Running) -> None:
        # "a member not serving that day": the invitation's on_date, not today (Monday 2026-11-23)
        ends = ok(
            await post(
                risk, f"{API_R}/supervision-members", {**MEMBER, "term_end": "2026-11-30"}, SUPERVISOR
            ),
            201,
        )
        starts = ok(
            await post(
                risk, f"{API_R}/supervision-members", {**MEMBER, "term_start": "2026-12-01"}, SUPERVISOR
            ),
            201,
        )
        assert (ends["serving"], starts["serving"]) == (True, False)

        def inv(day: str) -> dict[str, Any]:
            return {
                "target_kind": "visit",
                "target_id": str(uuid.uuid4()),
                "on_date": day,
                "note": "随同检查",
            }

        path = f"{API_R}/supervision-members"
        ok(await post(risk, f"{path}/{ends['id']}/invitations", inv("2026-11-30"), SUPERVISOR), 201)
        r = await post(risk, f"{path}/{ends['id']}/invitations", inv("2026-12-01"), SUPERVISOR)
        problem(r, 409, "SUPERVISION_MEMBER_INACTIVE")
        ok(await post(risk, f"{path}/{starts['id']}/invitations", inv("2026-12-02"), SUPERVISOR), 201)
        r = await post(risk, f"{path}/{starts['id']}/invitations", inv("2026-11-30"), SUPERVISOR)
        problem(r, 409, "SUPERVISION_MEMBER_INACTIVE")
        suspended = ok(
            await put(
                risk,
                f"{path}/{ends['id']}",
                {**MEMBER, "term_end": "2026-11-30", "status": "suspended"},
                SUPERVISOR,
            )
        )
        assert suspended["serving"] is False
        problem(
            await post(risk, f"{path}/{ends['id']}/invitations", inv("2026-11-25"), SUPERVISOR),
            409,
            "SUPERVISION_MEMBER_INACTIVE",
        )


class TestMore:
    async def test_forwarded_again_after_a_reply_gets_a_new_reply_deadline(
        self, risk: Running, repin: None
    ) -> None:
        # forwarded Mon 2026-11-09: 10 working days Nov 10-13 (4), 16-20 (9), Mon 23 (10) -> 2026-11-23;
        # replied 11-10, forwarded again Mon 11-23: Nov 24-27 (4), Nov 30-Dec 4 (9), Mon Dec 7 (10)
        pin(date(2026, 11, 9))
        filed = ok(await post(risk, C, complaint(), ENTERPRISE), 201)
        first = ok(await post(risk, f"{C}/{filed['id']}/forward", {}, SUPERVISOR))
        assert first["reply_due_on"] == "2026-11-23", first
        pin(date(2026, 11, 10))
        ok(await post(risk, f"{C}/{filed['id']}/reply", {"text": "已核查"}, unit_officer(UNIT)))
        pin()
        again = ok(await post(risk, f"{C}/{filed['id']}/forward", {"note": "请补充材料"}, SUPERVISOR))
        assert (again["status"], again["reply_due_on"], again["reply_overdue"]) == (
            "forwarded",
            "2026-12-07",
            False,
        )

    async def test_the_public_form_is_always_anonymous(self, risk: Running) -> None:
        token = ok(await post(risk, f"{PUBLIC}/tokens", {}), 201)["token"]
        body = {**complaint(), "anonymous": False, "token": token}
        r = await post(risk, PUBLIC, body, {"x-forwarded-for": "203.0.113.80"})
        # the form takes the body and files it anonymously whatever it says
        assert r.status_code == 201, r.text
        full = [
            i
            for i in ok(await get(risk, C, SUPERVISOR, limit=200))["items"]
            if i["ack_no"] == r.json()["ack_no"]
        ]
        ok(await post(risk, f"{C}/{full[0]['id']}/forward", {}, SUPERVISOR))
        seen = ok(await get(risk, f"{C}/{full[0]['id']}", unit_officer(UNIT)))
        assert (seen["anonymous"], seen["contact_name"], seen["contact_phone"]) == (True, None, None), seen

    async def test_only_the_point_itself_observes(self, risk: Running) -> None:
        point = {
            "kind": "community",
            "name": "和平区某社区",
            "address": "沈阳市和平区",
            "district_code": "210102",
            "contact_name": "钱主任",
            "contact_phone": "13900003333",
            "term_start": "2026-01-01",
            "term_end": "2027-12-31",
        }
        made = ok(await post(risk, f"{API_R}/contact-points", point, SUPERVISOR), 201)
        r = await post(
            risk, f"{API_R}/contact-points/{made['id']}/observations", complaint(), OTHER_ENTERPRISE
        )
        assert r.status_code in (403, 404), r.text
        obs = ok(
            await post(risk, f"{API_R}/contact-points/{made['id']}/observations", complaint(), SUPERVISOR),
            201,
        )
        assert obs["source"] == "contact_point"
