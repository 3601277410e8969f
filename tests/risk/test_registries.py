"""The bureau's registries (issue #14 item 4): 行政执法监督员 appointed for a term and invited to a visit or a
review; 执法监督联系点 whose observations enter the complaint flow."""

from __future__ import annotations

import uuid
from typing import Any

from tests.risk.helpers import ADMIN, SUPERVISOR, make_uscc, unit_officer
from tests.support import personas
from tests.support.stack import Running, client

API = "/api/v1/risk"
DISTRICT_SUP = personas.supervisor("210102", sub="sup-102")
OTHER_DISTRICT_SUP = personas.supervisor("210104", sub="sup-104")
POINT_USCC = make_uscc(401)
POINT_ENTERPRISE = personas.enterprise(POINT_USCC, sub="ent-401")


def member(**extra: Any) -> dict[str, Any]:
    return {
        "name": "李律师",
        "background": "律师",
        "organisation": "辽宁某律师事务所",
        "district_code": "210102",
        "phone": "13900001111",
        "term_start": "2026-01-01",
        "term_end": "2028-12-31",
        **extra,
    }


def point(**extra: Any) -> dict[str, Any]:
    return {
        "kind": "enterprise",
        "name": "沈阳联系点餐饮有限公司",
        "uscc": POINT_USCC,
        "address": "沈阳市和平区南京北街1号",
        "district_code": "210102",
        "contact_name": "赵经理",
        "contact_phone": "13700002222",
        "term_start": "2026-01-01",
        "term_end": "2027-12-31",
        **extra,
    }


async def call(running: Running, method: str, path: str, headers: dict[str, str], json: Any = None) -> Any:
    async with client(running.url, headers=headers) as http:
        return await http.request(method, API + path, json=json)


class TestMembers:
    async def test_appoint_list_masked_read_in_full_update(self, risk: Running) -> None:
        r = await call(risk, "POST", "/supervision-members", SUPERVISOR, member())
        assert r.status_code == 201, r.text
        created = r.json()
        assert created["serving"] is True and created["status_label"] == "履职中"
        listed = (await call(risk, "GET", "/supervision-members?limit=200", DISTRICT_SUP)).json()["items"]
        mine = next(i for i in listed if i["id"] == created["id"])
        assert mine["phone"] == "139****1111"  # masked in lists
        full = (await call(risk, "GET", f"/supervision-members/{created['id']}", DISTRICT_SUP)).json()
        assert full["phone"] == "13900001111"
        # another district's supervisor does not see the district's member
        r = await call(risk, "GET", f"/supervision-members/{created['id']}", OTHER_DISTRICT_SUP)
        assert r.status_code == 404 and r.json()["code"] == "SUPERVISION_MEMBER_NOT_FOUND"
        # only the city appoints and changes
        r = await call(risk, "POST", "/supervision-members", DISTRICT_SUP, member())
        assert r.status_code == 403 and r.json()["code"] == "RISK_CITY_SCOPE_REQUIRED"
        r = await call(
            risk, "PUT", f"/supervision-members/{created['id']}", SUPERVISOR, member(status="suspended")
        )
        assert r.status_code == 200 and r.json()["serving"] is False, r.text

    async def test_term_must_be_in_order(self, risk: Running) -> None:
        r = await call(risk, "POST", "/supervision-members", SUPERVISOR, member(term_end="2025-12-31"))
        assert r.status_code == 422
        r = await call(risk, "POST", "/supervision-members", SUPERVISOR, member(background="网红"))
        assert r.status_code == 422

    async def test_invited_to_a_visit_within_the_term(self, risk: Running) -> None:
        created = (await call(risk, "POST", "/supervision-members", SUPERVISOR, member(name="孙代表"))).json()
        visit = str(uuid.uuid4())
        invitation = {"target_kind": "visit", "target_id": visit, "on_date": "2026-11-25", "note": "随同检查"}
        r = await call(
            risk, "POST", f"/supervision-members/{created['id']}/invitations", DISTRICT_SUP, invitation
        )
        assert r.status_code == 201, r.text
        assert r.json()["target_id"] == visit and r.json()["invited_by"] == "sup-102"
        late = {**invitation, "on_date": "2029-01-05"}  # after the term ends (2028-12-31)
        r = await call(risk, "POST", f"/supervision-members/{created['id']}/invitations", SUPERVISOR, late)
        assert r.status_code == 409 and r.json()["code"] == "SUPERVISION_MEMBER_INACTIVE"
        listed = (
            await call(risk, "GET", f"/supervision-members/{created['id']}/invitations", SUPERVISOR)
        ).json()
        assert [(i["target_kind"], i["on_date"]) for i in listed] == [("visit", "2026-11-25")]


class TestContactPoints:
    async def test_observation_enters_the_complaint_flow(self, risk: Running) -> None:
        r = await call(risk, "POST", "/contact-points", ADMIN, point())
        assert r.status_code == 201, r.text
        created = r.json()
        listed = (await call(risk, "GET", "/contact-points?limit=200", SUPERVISOR)).json()["items"]
        mine = next(i for i in listed if i["id"] == created["id"])
        assert mine["contact_name"] == "赵**" and mine["contact_phone"] == "137****2222"
        observation = {
            "subject_kind": "department",
            "unit_code": "SJ-210102",
            "category": "重复检查",
            "text": "本月同一事项被检查三次",
        }
        r = await call(
            risk, "POST", f"/contact-points/{created['id']}/observations", POINT_ENTERPRISE, observation
        )
        assert r.status_code == 201, r.text
        filed = r.json()
        assert filed["source"] == "contact_point" and filed["source_label"] == "执法监督联系点"
        queue = (await call(risk, "GET", "/complaints?unit_code=SJ-210102&limit=200", SUPERVISOR)).json()[
            "items"
        ]
        assert filed["id"] in [i["id"] for i in queue]
        # another enterprise cannot file for the point (it does not see it)
        stranger = personas.enterprise(make_uscc(402), sub="ent-402")
        r = await call(risk, "POST", f"/contact-points/{created['id']}/observations", stranger, observation)
        assert r.status_code == 404 and r.json()["code"] == "CONTACT_POINT_NOT_FOUND"
        # an ended point files nothing
        await call(risk, "PUT", f"/contact-points/{created['id']}", ADMIN, point(status="ended"))
        r = await call(
            risk, "POST", f"/contact-points/{created['id']}/observations", POINT_ENTERPRISE, observation
        )
        assert r.status_code == 409 and r.json()["code"] == "CONTACT_POINT_INACTIVE"

    async def test_an_enterprise_point_needs_its_uscc(self, risk: Running) -> None:
        r = await call(risk, "POST", "/contact-points", ADMIN, point(uscc=None))
        assert r.status_code == 422
        community = point(kind="community", uscc=None, name="和平区某社区")
        assert (await call(risk, "POST", "/contact-points", ADMIN, community)).status_code == 201

    async def test_officers_see_no_registry(self, risk: Running) -> None:
        officer = unit_officer("SJ-210102")
        for path in ("/supervision-members", "/contact-points"):
            r = await call(risk, "GET", path, officer)
            assert r.status_code == 403 and r.json()["code"] == "ROLE_FORBIDDEN"
