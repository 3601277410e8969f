"""Registries (SPEC §2.1) through the running service: departments, the versioned item catalogue, officers
and their certificates (audited, published), enterprises by USCC, imports (CSV and JSON, all or nothing), the
projection of the risk service's classes, and the certificate-expiry job."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from services.common import clock
from services.common.contracts.risk import EnterpriseClassified
from services.common.db import transaction
from services.common.events import make_envelope
from services.common.tables import audit_t
from services.inspection.use_cases.registries import officers
from tests.inspection.helpers import (
    API,
    ENTERPRISE,
    SJ,
    Env,
    make_uscc,
)
from tests.support.http import ok, problem
from tests.support.personas import admin, enterprise, officer, supervisor
from tests.support.stack import client, wait_for


class TestReadOnlyRegistries:
    async def test_districts_departments_bodies(self, env: Env) -> None:
        async with client(env.url) as http:
            districts = ok(await http.get(f"{API}/districts", headers=enterprise(ENTERPRISE)))
            departments = ok(await http.get(f"{API}/departments", headers=officer(SJ[0], "SJ")))
            bodies = ok(
                await http.get(
                    f"{API}/enforcement-bodies", params={"dept_code": "SJ"}, headers=officer(SJ[0], "SJ")
                )
            )
        assert len(districts) == 13 and {"code": "210102", "name": "和平区", "kind": "区"} in districts
        assert {d["code"] for d in departments} >= {"SJ", "ST", "CG", "JT", "YJ", "WJ"}
        assert bodies and all(b["dept_code"] == "SJ" for b in bodies)

    async def test_admin_only_writes(self, env: Env) -> None:
        async with client(env.url) as http:
            body = {"code": "ZZ", "name": "测试部门", "authority": "沈阳市测试局"}
            problem(
                await http.post(f"{API}/departments", json=body, headers=officer(SJ[0], "SJ")),
                403,
                "ROLE_FORBIDDEN",
            )
            ok(await http.post(f"{API}/departments", json=body, headers=admin()), 201)
            problem(
                await http.post(f"{API}/departments", json=body, headers=admin()), 409, "DEPARTMENT_EXISTS"
            )
            renamed = ok(
                await http.put(
                    f"{API}/departments/ZZ",
                    json={"name": "测试部", "authority": "沈阳市测试局"},
                    headers=admin(),
                )
            )
            assert renamed["name"] == "测试部"
            body2 = {
                "code": "ZZ-210102",
                "name": "沈阳市和平区测试局",
                "dept_code": "ZZ",
                "level": "district",
                "district_code": "210102",
            }
            ok(await http.post(f"{API}/enforcement-bodies", json=body2, headers=admin()), 201)


class TestCatalogue:
    @pytest.mark.parametrize(
        "law", ["K\r", " 食品安全法", "食品安全法\n", "食品\x1f安全法", "\x85食品安全法"]
    )
    async def test_a_law_title_is_stored_as_sent_or_refused(self, env: Env, law: str) -> None:
        """Found by schemathesis: "K\r" passed the two-character minimum, was stripped to "K" and stored, and
        reading the item back failed (500). Surrounding white space and control characters are now refused."""
        revision = {
            "name": "对测试事项的检查",
            "legal_basis": [{"law": law, "article": "第五十三条"}],
            "effective_from": "2026-11-26",
        }
        async with client(env.url) as http:
            r = await http.post(f"{API}/items/SJ-SP-001/versions", json=revision, headers=admin())
        assert r.status_code == 422, r.text
        assert [str(x) for x in r.json()["errors"][0]["loc"]] == ["body", "legal_basis", "0", "law"]

    async def test_versions_one_in_force_per_day(self, env: Env) -> None:
        base = {
            "code": "SJ-ZZ-001",
            "name": "对测试事项的检查",
            "dept_code": "SJ",
            "level": "city",
            "legal_basis": [
                {"law": "食品安全法", "article": "第五十三条", "title": "中华人民共和国食品安全法"}
            ],
            "effective_from": "2026-01-01",
        }
        async with client(env.url) as http:
            v1 = ok(await http.post(f"{API}/items", json=base, headers=admin()), 201)
            assert v1["version"] == 1 and v1["legal_basis_text"] == "《中华人民共和国食品安全法》第五十三条"
            problem(await http.post(f"{API}/items", json=base, headers=admin()), 409, "ITEM_EXISTS")
            revision = {k: v for k, v in base.items() if k not in ("code", "dept_code")}
            revision["effective_from"] = "2026-07-01"
            revision["name"] = "对测试事项的检查（修订）"
            v2 = ok(await http.post(f"{API}/items/SJ-ZZ-001/versions", json=revision, headers=admin()), 201)
            assert v2["version"] == 2
            history = ok(await http.get(f"{API}/items/SJ-ZZ-001", headers=officer(SJ[0], "SJ")))
            assert [(h["version"], h["retired_on"]) for h in history] == [(1, "2026-07-01"), (2, None)]
            before = ok(
                await http.get(
                    f"{API}/items",
                    params={"on": "2026-06-30", "dept_code": "SJ", "limit": 200},
                    headers=officer(SJ[0], "SJ"),
                )
            )
            after = ok(
                await http.get(
                    f"{API}/items",
                    params={"on": "2026-07-01", "dept_code": "SJ", "limit": 200},
                    headers=officer(SJ[0], "SJ"),
                )
            )
            assert next(i for i in before["items"] if i["code"] == "SJ-ZZ-001")["version"] == 1
            assert next(i for i in after["items"] if i["code"] == "SJ-ZZ-001")["version"] == 2
            earlier = {**revision, "effective_from": "2026-03-01"}
            problem(
                await http.post(f"{API}/items/SJ-ZZ-001/versions", json=earlier, headers=admin()),
                409,
                "ITEM_VERSION_CONFLICT",
            )
            bad_article = {
                **base,
                "code": "SJ-ZZ-002",
                "legal_basis": [{"law": "食品安全法", "article": "53"}],
            }
            assert (await http.post(f"{API}/items", json=bad_article, headers=admin())).status_code == 422
            wrong_dept = {**base, "code": "XF-ZZ-002"}
            problem(
                await http.post(f"{API}/items", json=wrong_dept, headers=admin()),
                422,
                "INVALID_INSPECTION_ITEM",
            )


class TestOfficers:
    async def test_certificate_status_changes_are_ruled_audited_and_published(self, env: Env) -> None:
        async with client(env.url) as http:
            body = {
                "name": "测试执法员",
                "dept_code": "SJ",
                "cert_no": "辽A-0012399",
                "valid_until": "2029-12-31",
                "id_number": "21010219800101001X",
            }
            r = await http.post(f"{API}/officers", json=body, headers=admin())
            if r.status_code == 422:  # the made-up ID number's check digit
                body.pop("id_number")
                r = await http.post(f"{API}/officers", json=body, headers=admin())
            created = ok(r, 201)
            oid = created["officer_id"]
            problem(await http.post(f"{API}/officers", json=body, headers=admin()), 409, "OFFICER_EXISTS")
            status = f"{API}/officers/{oid}/status"
            problem(
                await http.post(status, json={"status": "suspended"}, headers=admin()),
                422,
                "STATUS_REASON_REQUIRED",
            )
            retrain = {"status": "suspended", "reason": "离岗轮训", "retraining": True}
            problem(await http.post(status, json=retrain, headers=admin()), 422, "RETURN_DATE_REQUIRED")
            retrain["return_date"] = str(clock.today() + timedelta(days=30))
            suspended = ok(await http.post(status, json=retrain, headers=admin()))
            assert (suspended["status"], suspended["retraining"], suspended["revision"]) == (
                "suspended",
                True,
                2,
            )
            revoked = ok(
                await http.post(status, json={"status": "revoked", "reason": "调离执法岗位"}, headers=admin())
            )
            assert revoked["status"] == "revoked"
            r = await http.post(status, json={"status": "active", "reason": "恢复"}, headers=admin())
            problem(r, 409, "INVALID_STATUS_TRANSITION")  # 收缴 is final
            problem(
                await http.post(status, json={"status": "active"}, headers=officer(SJ[0], "SJ")),
                403,
                "ROLE_FORBIDDEN",
            )
        changes = await env.events("inspection.officer.changed", cert_no="辽A-0012399")
        assert [(e["data"]["status"], e["data"]["revision"]) for e in changes] == [
            ("active", 1),
            ("suspended", 2),
            ("revoked", 3),
        ]
        audit = await env.rows(
            sa.select(audit_t.c.action).where(audit_t.c.entity_id == oid).order_by(audit_t.c.seq)
        )
        assert [a for (a,) in audit] == [
            "officer.created",
            "officer.status.suspended",
            "officer.status.revoked",
        ]

    async def test_officers_see_their_department_and_masked_identity_numbers(self, env: Env) -> None:
        async with client(env.url) as http:
            mine = ok(await http.get(f"{API}/officers", params={"limit": 200}, headers=officer(SJ[0], "SJ")))
            assert mine["items"] and all(o["dept_code"] == "SJ" for o in mine["items"])
            assert all(
                o["id_number_masked"] == "" or "**********" in o["id_number_masked"] for o in mine["items"]
            )
            xf = ok(
                await http.get(f"{API}/officers", params={"dept_code": "XF"}, headers=officer(SJ[0], "SJ"))
            )
            assert all(
                o["dept_code"] == "SJ" for o in xf["items"]
            )  # the filter cannot widen an officer's view
            someone = next(
                o
                for o in ok(await http.get(f"{API}/officers", params={"dept_code": "XF"}, headers=admin()))[
                    "items"
                ]
            )
            assert (
                await http.get(f"{API}/officers/{someone['officer_id']}", headers=officer(SJ[0], "SJ"))
            ).status_code == 404
            assert (await http.get(f"{API}/officers", headers=enterprise(ENTERPRISE))).status_code == 403

    async def test_the_job_expires_certificates_past_their_date(self, env: Env) -> None:
        async with client(env.url) as http:
            body = {
                "name": "将过期员",
                "dept_code": "SJ",
                "cert_no": "辽A-0012397",
                "valid_until": str(clock.today()),
            }
            created = ok(await http.post(f"{API}/officers", json=body, headers=admin()), 201)
            clock.set_offset(timedelta(days=1))
            try:
                async with transaction(env.svc.runtime.factory) as session:
                    assert await officers.expire_certificates(session) >= 1
            finally:
                clock.reset()
            after = ok(await http.get(f"{API}/officers/{created['officer_id']}", headers=admin()))
        assert after["status"] == "expired" and after["revision"] == 2
        changes = await env.events("inspection.officer.changed", cert_no="辽A-0012397")
        assert changes[-1]["data"]["status"] == "expired"


class TestEnterprises:
    async def test_register_update_and_see(self, env: Env) -> None:
        uscc = make_uscc(4242)
        async with client(env.url) as http:
            body = {
                "uscc": uscc.lower(),
                "name": "沈阳测试登记有限公司",
                "district_code": "210102",
                "industry": "餐饮服务",
                "legal_rep_name": "王小明",
            }
            created = ok(await http.post(f"{API}/enterprises", json=body, headers=admin()), 201)
            assert created["uscc"] == uscc and created["legal_rep_masked"] == "王**"  # normalised, masked
            problem(
                await http.post(f"{API}/enterprises", json=body, headers=admin()), 409, "ENTERPRISE_EXISTS"
            )
            updated = ok(
                await http.patch(
                    f"{API}/enterprises/{uscc}", json={"address": "和平区南京北街1号"}, headers=admin()
                )
            )
            assert updated["address"] == "和平区南京北街1号"
            assert (await http.get(f"{API}/enterprises/{uscc}", headers=enterprise(uscc))).status_code == 200
            assert (
                await http.get(f"{API}/enterprises/{uscc}", headers=enterprise(ENTERPRISE))
            ).status_code == 404
            assert (
                await http.get(f"{API}/enterprises/{uscc}", headers=supervisor("210103"))
            ).status_code == 404
            assert (
                await http.get(f"{API}/enterprises/{uscc}", headers=supervisor("210102"))
            ).status_code == 200
            assert (
                await http.get(f"{API}/enterprises/{uscc}/code", headers=officer(SJ[0], "SJ"))
            ).status_code == 404
            heping = ok(
                await http.get(f"{API}/enterprises", params={"limit": 200}, headers=supervisor("210102"))
            )
            assert heping["items"] and all(e["district_code"] == "210102" for e in heping["items"])
        registered = await env.events("inspection.enterprise.registered", uscc=uscc)
        assert len(registered) == 1 and registered[0]["data"]["industry"] == "餐饮服务"

    async def test_classification_projection_keeps_the_newest_revision(self, env: Env) -> None:
        uscc = ENTERPRISE
        js = env.svc.runtime.bus.js

        async def publish(cls: str, revision: int, minutes: int) -> None:
            event = EnterpriseClassified(
                uscc=uscc,
                risk_class=cls,
                previous_class=None,
                score=revision,
                reasons=[f"第{revision}次"],
                classified_at=clock.now() + timedelta(minutes=minutes),
                revision=revision,
            )
            envelope = make_envelope(event, source="risk")
            await js.publish(
                event.TYPE, envelope.model_dump_json().encode(), headers={"Nats-Msg-Id": str(envelope.id)}
            )

        async with client(env.url) as http:

            async def current() -> Any:
                r = await http.get(f"{API}/enterprises/{uscc}/risk-class", headers=admin())
                return r.json() if r.status_code == 200 else None

            await publish("C", 5, 0)
            await wait_for(lambda: _has(current, 5))
            await publish("A", 4, 10)  # older revision arriving late: ignored
            await publish("D", 5, 5)  # same revision, classified later: newer
            await wait_for(lambda: _has(current, 5, "D"))
            await publish("B", 3, 20)
            await publish("B", 6, 20)
            await wait_for(lambda: _has(current, 6, "B"))
            seen = ok(await http.get(f"{API}/enterprises/{uscc}", headers=officer(SJ[0], "SJ")))
        assert seen["risk_class"] == "B"


async def _has(current: Any, revision: int, cls: str | None = None) -> bool:
    value = await current()
    return bool(value) and value["revision"] == revision and (cls is None or value["risk_class"] == cls)


async def test_unknown_ids_and_bad_paths_are_clean_4xx(env: Env) -> None:
    async with client(env.url) as http:
        for path, status in [
            (f"{API}/officers/{uuid.uuid4()}", 404),
            (f"{API}/officers/not-a-uuid", 422),
            (f"{API}/tasks/{uuid.uuid4()}", 404),
            (f"{API}/visits/{uuid.uuid4()}", 404),
            (f"{API}/items/nonsense", 422),
            (f"{API}/items/SJ-XX-999", 404),
            (f"{API}/enterprises/{make_uscc(999999)}", 404),
            (f"{API}/enterprises/{make_uscc(999999)}/risk-class", 404),
        ]:
            r = await http.get(path, headers=admin())
            assert r.status_code == status, (path, r.text)
            assert r.headers["content-type"].startswith("application/problem+json")
        r = await http.post(
            f"{API}/visits/check-in",
            content=b"{not json",
            headers={**enterprise(ENTERPRISE), "Content-Type": "application/json"},
        )
        assert r.status_code == 422
        r = await http.post(
            f"{API}/visits/check-in", json={"code": "a" * 5000}, headers=enterprise(ENTERPRISE)
        )
        assert r.status_code == 422
        for junk in ["", "a.b", "a.b.c", "!!!.###.$$$", "eyJ9.eyJ9.AA"]:
            r = await http.post(f"{API}/visits/check-in", json={"code": junk}, headers=enterprise(ENTERPRISE))
            assert r.status_code in (403, 422), r.text
            if r.status_code == 403:
                assert r.json()["code"] == "CODE_INVALID"
        r = await http.get(f"{API}/supervision/frequency", params={"year": 1800}, headers=supervisor())
        assert r.status_code == 422
