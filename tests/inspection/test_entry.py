"""Scan-to-enter through the running service (real PostgreSQL): both directions, the emergency and back-fill
exceptions, and every refusal of the issue's "bad input and abuse" list — each refusal answered with its
stable code AND stored and published although the request itself was rolled back."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import io
import json
import re
import zlib
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from services.common import clock
from services.common.contracts.risk import EnterpriseClassified
from services.common.events import make_envelope
from services.inspection import models as m
from services.inspection.domain import entry_code as ec
from tests.inspection.helpers import (
    API,
    ENTERPRISE,
    FOOD_ITEM,
    KEY_AREA_TASK,
    OTHER,
    SJ,
    SJ_AUXILIARY_ID,
    SJ_SUSPENDED,
    ST_REVOKED,
    XF,
    YJ_EXPIRED,
    Env,
    check_in,
    entry_code,
    new_task,
    refused,
)
from tests.support.http import ok, problem
from tests.support.personas import admin, enterprise, officer, supervisor
from tests.support.stack import client, wait_for

# Sample enterprises kept for one test each (和平区 / 沈河区 food and retail businesses of the sample data).
CAP_ENTERPRISE = "91210102MA05EB7E7Y"
QUIET_ENTERPRISE = "91210100MANL931A3X"
LICENCE_ENTERPRISE = "91210103MAU1WUTM31"  # 沈阳万隆金属制品有限公司, used by no other test
A_CLASS_ENTERPRISE = "91210100MAEUHG1D90"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TestOfficerShowsEnterpriseScans:
    async def test_code_then_check_in_starts_the_visit(self, env: Env) -> None:
        async with client(env.url) as http:
            code = await entry_code(http, KEY_AREA_TASK)
            assert code["officer_cert_nos"] == [SJ[0], SJ[1]]  # the caller is always counted, first
            issued = clock.now()
            lifetime = datetime.fromisoformat(code["expires_at"]) - datetime.fromisoformat(code["issued_at"])
            assert lifetime == timedelta(minutes=10)  # SPEC §2.3 default
            assert code["qr_svg"].startswith("<svg")
            assert base64.b64decode(code["qr_png_base64"])[:8] == b"\x89PNG\r\n\x1a\n"
            header = json.loads(b64d(code["code"].split(".")[0]))
            assert header == {"alg": "EdDSA", "kid": code["kid"], "typ": "zhifa-entry"}

            reply = ok(await check_in(http, code["code"]), 201)
        visit = reply["visit"]
        assert visit["mode"] == "entry_code" and visit["status"] == "in_progress"
        assert visit["enterprise_uscc"] == ENTERPRISE and visit["enterprise_name"] == "沈阳广源食品有限公司"
        assert [(o["name"], o["cert_no"], o["department"]) for o in visit["officers"]] == [
            ("雷悦国", SJ[0], "市场监管"),
            ("沈刚悦", SJ[1], "市场监管"),
        ]
        assert visit["items"] == [
            {
                "code": FOOD_ITEM,
                "name": "对食品生产经营许可及许可证公示情况的检查",
                "dept_code": "SJ",
                "legal_basis": "《中华人民共和国食品安全法》第三十五条；《中华人民共和国食品安全法》第一百一十条",
            }
        ]
        assert any("第五十五条" in r for r in reply["rights"]) and any(
            "第四十二条" in r for r in reply["rights"]
        )
        assert reply["complaint_channels"]
        assert abs((datetime.fromisoformat(visit["started_at"]) - issued).total_seconds()) < 60
        started = await env.events("inspection.visit.started", visit_id=visit["visit_id"])
        assert len(started) == 1 and started[0]["data"]["mode"] == "entry_code"
        assert started[0]["data"]["officer_cert_nos"] == [SJ[0], SJ[1]]
        used = await env.scalar(sa.select(m.EntryCode.used_at).where(m.EntryCode.code_id == code["code_id"]))
        assert used is not None

    async def test_the_published_key_set_verifies_a_code_offline(self, env: Env) -> None:
        async with client(env.url) as http:
            code = await entry_code(http, KEY_AREA_TASK)
            public = ok(await http.get("/public/inspection/visits/entry-codes/keys"))
            same = ok(await http.get(f"{API}/visits/entry-codes/keys", headers=enterprise(ENTERPRISE)))
        assert public == same and public["keys"][0]["kid"] == code["kid"]
        payload = ec.verify(code["code"], ec.public_keys_from_jwks(public), clock.now())
        assert (payload.uscc, payload.task_id, payload.item_codes) == (
            ENTERPRISE,
            KEY_AREA_TASK,
            (FOOD_ITEM,),
        )

    async def test_accompanying_auxiliary_staff_are_named_but_never_count(self, env: Env) -> None:
        async with client(env.url) as http:
            body = {
                "task_id": KEY_AREA_TASK,
                "enterprise_uscc": ENTERPRISE,
                "officers": [SJ[1]],
                "accompanying": [SJ_AUXILIARY_ID],
                "item_codes": [FOOD_ITEM],
            }
            code = ok(
                await http.post(f"{API}/visits/entry-codes", json=body, headers=officer(SJ[0], "SJ")), 201
            )
            visit = ok(await check_in(http, code["code"]), 201)["visit"]
        assert code["officer_cert_nos"] == [SJ[0], SJ[1]]
        assert visit["accompanying"] == [
            {
                "name": "向杰玉",
                "cert_no": None,
                "dept_code": "SJ",
                "department": "市场监管",
                "auxiliary": True,
            }
        ]


class TestEnterpriseShowsOfficerScans:
    async def test_scan_the_enterprise_code(self, env: Env) -> None:
        async with client(env.url) as http:
            printed = ok(
                await http.get(f"{API}/enterprises/{ENTERPRISE}/code", headers=enterprise(ENTERPRISE))
            )
            png = await http.get(f"{API}/enterprises/{ENTERPRISE}/code.png", headers=enterprise(ENTERPRISE))
            svg = await http.get(f"{API}/enterprises/{ENTERPRISE}/code.svg", headers=admin())
            assert png.headers["content-type"] == "image/png" and png.content[:4] == b"\x89PNG"
            assert svg.headers["content-type"].startswith("image/svg+xml") and b"<svg" in svg.content
            body = {
                "task_id": KEY_AREA_TASK,
                "enterprise_code": printed["code"],
                "officers": [SJ[1]],
                "item_codes": [FOOD_ITEM],
            }
            visit = ok(await http.post(f"{API}/visits/scan", json=body, headers=officer(SJ[0], "SJ")), 201)
            assert visit["mode"] == "enterprise_code" and not visit["emergency"]
            # The enterprise sees the visit in its own list at once.
            mine = ok(await http.get(f"{API}/visits", headers=enterprise(ENTERPRISE)))
            assert visit["visit_id"] in {v["visit_id"] for v in mine["items"]}

    async def test_the_door_poster_is_an_a4_pdf_of_the_code_name_uscc_and_rights(self, env: Env) -> None:
        async with client(env.url) as http:
            poster = await http.get(
                f"{API}/enterprises/{ENTERPRISE}/poster.pdf", headers=enterprise(ENTERPRISE)
            )
            foreign = await http.get(f"{API}/enterprises/{OTHER}/poster.pdf", headers=enterprise(ENTERPRISE))
        assert poster.status_code == 200 and poster.headers["content-type"] == "application/pdf"
        assert poster.content.startswith(b"%PDF")
        # A4 is 210 x 297 mm = 595.28 x 841.89 pt (1 pt = 1/72 in = 0.3528 mm): every page of it
        chunks = [poster.content]  # page dictionaries may sit in compressed object streams
        for match in re.finditer(rb"stream\r?\n", poster.content):
            with contextlib.suppress(zlib.error):
                chunks.append(zlib.decompressobj().decompress(poster.content[match.end() :]))
        boxes = set(re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([0-9.]+)\s+([0-9.]+)\s*\]", b"".join(chunks)))
        assert {(round(float(w)), round(float(h))) for w, h in boxes} == {(595, 842)}
        assert foreign.status_code == 404

    async def test_the_visits_ledger_is_the_departments_list_with_chinese_headers(self, env: Env) -> None:
        from openpyxl import load_workbook

        async with client(env.url) as http:
            listed = ok(
                await http.get(
                    f"{API}/visits",
                    params={"scope": "department", "limit": 200},
                    headers=officer(SJ[0], "SJ"),
                )
            )
            xlsx = await http.get(f"{API}/ledgers/visits.xlsx", headers=officer(SJ[0], "SJ"))
            own = await http.get(f"{API}/ledgers/visits.xlsx", headers=enterprise(ENTERPRISE))
        assert xlsx.status_code == 200 and xlsx.headers["content-type"].endswith("spreadsheetml.sheet")
        rows = list(load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True))  # type: ignore[union-attr]
        assert rows[0][:3] == ("检查开始时间", "检查结束时间", "被检查企业") and "执法人员" in rows[0]
        assert len(rows) - 1 == len(listed["items"])  # the department's visits, one row each
        enterprise_rows = list(load_workbook(io.BytesIO(own.content)).active.iter_rows(values_only=True))  # type: ignore[union-attr]
        uscc_column = enterprise_rows[0].index("统一社会信用代码")
        assert {r[uscc_column] for r in enterprise_rows[1:]} <= {ENTERPRISE, None}  # its own visits only

    async def test_a_reissued_enterprise_code_refuses_the_old_one(self, env: Env) -> None:
        async with client(env.url) as http:
            old = ok(await http.get(f"{API}/enterprises/{OTHER}/code", headers=enterprise(OTHER)))
            new = ok(await http.post(f"{API}/enterprises/{OTHER}/code/reissue", headers=enterprise(OTHER)))
            assert new["serial"] == old["serial"] + 1
            body = {
                "task_id": KEY_AREA_TASK,
                "enterprise_code": old["code"],
                "officers": [SJ[1]],
                "item_codes": [FOOD_ITEM],
            }
            await refused(
                env,
                await http.post(f"{API}/visits/scan", json=body, headers=officer(SJ[0], "SJ")),
                "ENTERPRISE_CODE_REVOKED",
            )
            body["enterprise_code"] = new["code"]
            ok(await http.post(f"{API}/visits/scan", json=body, headers=officer(SJ[0], "SJ")), 201)

    async def test_emergency_first_scan_before_leaving_marked(self, env: Env) -> None:
        async with client(env.url) as http:
            printed = ok(
                await http.get(f"{API}/enterprises/{ENTERPRISE}/code", headers=enterprise(ENTERPRISE))
            )
            body: dict[str, Any] = {
                "task_id": KEY_AREA_TASK,
                "enterprise_code": printed["code"],
                "officers": [SJ[1]],
                "item_codes": [FOOD_ITEM],
                "emergency": True,
                "started_at": (clock.now() - timedelta(hours=1)).isoformat(),
                "reason": "群众举报后厨燃气泄漏，先行处置",
            }
            visit = ok(await http.post(f"{API}/visits/scan", json=body, headers=officer(SJ[0], "SJ")), 201)
            assert visit["mode"] == "emergency" and visit["emergency"] and visit["reason"]
            late = {**body, "started_at": (clock.now() - timedelta(hours=13)).isoformat()}
            await refused(
                env,
                await http.post(f"{API}/visits/scan", json=late, headers=officer(SJ[0], "SJ")),
                "EMERGENCY_SCAN_LATE",
            )

    async def test_backfill_within_ten_days_marked_and_counted(self, env: Env) -> None:
        async with client(env.url) as http:
            body: dict[str, Any] = {
                "task_id": KEY_AREA_TASK,
                "enterprise_uscc": ENTERPRISE,
                "officers": [SJ[1]],
                "item_codes": [FOOD_ITEM],
                "started_at": (clock.now() - timedelta(days=3)).isoformat(),
                "reason": "系统故障，现场使用纸质检查单",
            }
            visit = ok(
                await http.post(f"{API}/visits/backfill", json=body, headers=officer(SJ[0], "SJ")), 201
            )
            assert visit["mode"] == "backfilled" and visit["backfilled"]
            naive = {**body, "started_at": "2026-11-20T10:00:00"}  # no offset: ambiguous, refused as input
            assert (
                await http.post(f"{API}/visits/backfill", json=naive, headers=officer(SJ[0], "SJ"))
            ).status_code == 422
            late = {**body, "started_at": (clock.now() - timedelta(days=11)).isoformat()}
            await refused(
                env,
                await http.post(f"{API}/visits/backfill", json=late, headers=officer(SJ[0], "SJ")),
                "BACKFILL_WINDOW_PASSED",
            )
            summary = ok(await http.get(f"{API}/supervision/summary", headers=supervisor()))
        by_mode = {row["mode"]: row["count"] for row in summary["by_mode"]}
        assert by_mode["backfilled"] >= 1


class TestBadInputAndAbuse:
    """Every line of the issue's list, and the SPEC §2.3 refusals around them."""

    async def test_forged_signature(self, env: Env) -> None:
        async with client(env.url) as http:
            code = await entry_code(http, KEY_AREA_TASK)
            header, payload, _ = code["code"].split(".")
            forger = Ed25519PrivateKey.generate()  # same kid, someone else's key
            forged = f"{header}.{payload}.{b64(forger.sign(f'{header}.{payload}'.encode()))}"
            await refused(env, await check_in(http, forged), "CODE_INVALID")

    async def test_tampered_payload(self, env: Env) -> None:
        async with client(env.url) as http:
            code = await entry_code(http, KEY_AREA_TASK)
            header, payload, signature = code["code"].split(".")
            claims = json.loads(b64d(payload))
            claims["itm"] = ["SJ-SP-001", "SJ-SP-007"]  # widen what may be inspected
            tampered = f"{header}.{b64(json.dumps(claims, separators=(',', ':')).encode())}.{signature}"
            await refused(env, await check_in(http, tampered), "CODE_INVALID")

    async def test_expired_code(self, env: Env) -> None:
        async with client(env.url) as http:
            code = await entry_code(http, KEY_AREA_TASK)
            clock.set_offset(timedelta(minutes=11))  # 10-minute codes, 30 s leeway
            try:
                problem = await refused(env, await check_in(http, code["code"]), "CODE_EXPIRED")
            finally:
                clock.reset()
        assert "重新申领" in problem["detail"]

    async def test_replayed_code(self, env: Env) -> None:
        async with client(env.url) as http:
            code = await entry_code(http, KEY_AREA_TASK)
            ok(await check_in(http, code["code"]), 201)
            await refused(env, await check_in(http, code["code"]), "CODE_USED", status=409)

    async def test_code_for_another_enterprise(self, env: Env) -> None:
        async with client(env.url) as http:
            code = await entry_code(http, KEY_AREA_TASK, uscc=ENTERPRISE)
            problem = await refused(
                env, await check_in(http, code["code"], uscc=OTHER), "CODE_WRONG_ENTERPRISE"
            )
            assert "有权拒绝" in problem["detail"]
            ok(await check_in(http, code["code"]), 201)  # still good for the enterprise it names

    async def test_enterprise_token_used_as_officer(self, env: Env) -> None:
        async with client(env.url) as http:
            body = {
                "task_id": KEY_AREA_TASK,
                "enterprise_uscc": ENTERPRISE,
                "officers": [SJ[1]],
                "item_codes": [FOOD_ITEM],
            }
            for path in ("/visits/entry-codes", "/visits/scan", "/visits/backfill"):
                r = await http.post(API + path, json=body, headers=enterprise(ENTERPRISE))
                assert (r.status_code, r.json()["code"]) == (403, "ROLE_FORBIDDEN"), path
            # and an officer cannot check in as the enterprise
            r = await http.post(
                f"{API}/visits/check-in", json={"code": "x.y.z"}, headers=officer(SJ[0], "SJ")
            )
            assert (r.status_code, r.json()["code"]) == (403, "ROLE_FORBIDDEN")

    async def test_officer_of_another_department(self, env: Env) -> None:
        async with client(env.url) as http:
            r = await http.post(
                f"{API}/visits/entry-codes",
                json={
                    "task_id": KEY_AREA_TASK,
                    "enterprise_uscc": ENTERPRISE,
                    "officers": [XF[1]],
                    "item_codes": [FOOD_ITEM],
                },
                headers=officer(XF[0], "XF"),
            )
            problem = await refused(env, r, "OFFICER_OUT_OF_AUTHORITY")
        assert XF[0] in problem["detail"]
        stored = (await env.refusals("OFFICER_OUT_OF_AUTHORITY"))[-1]
        assert (stored.dept_code, stored.uscc, stored.channel) == ("XF", ENTERPRISE, "entry_code")
        assert stored.cert_nos == [XF[0], XF[1]]

    async def test_suspended_certificate_mid_task(self, env: Env) -> None:
        async with client(env.url) as http:
            code = await entry_code(http, KEY_AREA_TASK, caller=SJ[2], others=[SJ[3]])
            officers = ok(
                await http.get(f"{API}/officers", params={"dept_code": "SJ", "limit": 50}, headers=admin())
            )
            target = next(o for o in officers["items"] if o["cert_no"] == SJ[3])
            change = {"status": "suspended", "reason": "检查中索要财物，经核查属实，暂扣执法证件"}
            suspended = ok(
                await http.post(f"{API}/officers/{target['officer_id']}/status", json=change, headers=admin())
            )
            assert suspended["status"] == "suspended" and suspended["revision"] == target["revision"] + 1
            try:
                problem = await refused(env, await check_in(http, code["code"]), "CERT_SUSPENDED")
                assert SJ[3] in problem["detail"]
                await refused(
                    env,
                    await http.post(
                        f"{API}/visits/entry-codes",
                        json={
                            "task_id": KEY_AREA_TASK,
                            "enterprise_uscc": ENTERPRISE,
                            "officers": [SJ[3]],
                            "item_codes": [FOOD_ITEM],
                        },
                        headers=officer(SJ[2], "SJ"),
                    ),
                    "CERT_SUSPENDED",
                )
            finally:
                ok(
                    await http.post(
                        f"{API}/officers/{target['officer_id']}/status",
                        json={"status": "active", "reason": "核查结束"},
                        headers=admin(),
                    )
                )
        changed = await env.events("inspection.officer.changed", cert_no=SJ[3])
        assert [e["data"]["status"] for e in changed][-2:] == ["suspended", "active"]
        assert changed[-2]["data"]["reason"].startswith("检查中索要财物")

    async def test_sample_suspended_revoked_and_expired_certificates(self, env: Env) -> None:
        async with client(env.url) as http:
            await refused(env, await entry_code_raw(http, SJ[0], [SJ_SUSPENDED]), "CERT_SUSPENDED")
            joint = await new_task(
                http, kind="joint", dept_codes=["YJ", "ST"], items=[FOOD_ITEM], enterprises=[ENTERPRISE]
            )
            await refused(
                env, await entry_code_raw(http, SJ[0], [ST_REVOKED], task=joint["task_id"]), "CERT_REVOKED"
            )
            await refused(
                env, await entry_code_raw(http, SJ[0], [YJ_EXPIRED], task=joint["task_id"]), "CERT_EXPIRED"
            )

    async def test_a_refusal_reads_in_english_with_its_specifics(self, env: Env) -> None:
        """Accept-Language: en answers the English detail naming the certificate, not the Chinese detail in
        brackets after the English title."""
        async with client(env.url) as http:
            r = await entry_code_raw(http, SJ[0], [SJ_SUSPENDED], headers={"Accept-Language": "en"})
        body = problem(r, 403, "CERT_SUSPENDED")
        assert body["title"] == "Certificate suspended"
        assert SJ_SUSPENDED in body["detail"] and "was suspended" in body["detail"], body
        assert "暂扣" not in body["detail"] and "不得" not in body["detail"], body

    async def test_one_officer_only(self, env: Env) -> None:
        async with client(env.url) as http:
            problem = await refused(env, await entry_code_raw(http, SJ[0], []), "TOO_FEW_OFFICERS")
        assert "第四十二条" in problem["detail"]

    async def test_auxiliary_counted_as_officer(self, env: Env) -> None:
        async with client(env.url) as http:
            problem = await refused(
                env, await entry_code_raw(http, SJ[0], [SJ_AUXILIARY_ID]), "NOT_CERTIFIED"
            )
        assert "执法辅助人员" in problem["detail"]

    async def test_unknown_certificate_number(self, env: Env) -> None:
        async with client(env.url) as http:
            await refused(env, await entry_code_raw(http, SJ[0], ["辽A-0999999"]), "NOT_CERTIFIED")

    async def test_item_outside_the_catalogue(self, env: Env) -> None:
        async with client(env.url) as http:
            r = await entry_code_raw(http, SJ[0], [SJ[1]], items=["SJ-SP-999"])
            await refused(env, r, "ITEM_NOT_IN_CATALOGUE")
            # a desk-review item is no reason to enter either, and items outside the task are refused
            await refused(
                env, await entry_code_raw(http, SJ[0], [SJ[1]], items=["SJ-GS-001"]), "ITEM_NOT_ON_SITE"
            )
            await refused(
                env, await entry_code_raw(http, SJ[0], [SJ[1]], items=["SJ-SP-002"]), "ITEM_NOT_IN_TASK"
            )

    async def test_unapproved_task(self, env: Env) -> None:
        async with client(env.url) as http:
            pending = await new_task(http, approve=False)
            await refused(
                env, await entry_code_raw(http, SJ[0], [SJ[1]], task=pending["task_id"]), "TASK_NOT_APPROVED"
            )
            missing = "00000000-0000-4000-8000-000000000000"
            await refused(env, await entry_code_raw(http, SJ[0], [SJ[1]], task=missing), "TASK_NOT_APPROVED")

    async def test_enterprise_not_in_task(self, env: Env) -> None:
        async with client(env.url) as http:
            await refused(
                env, await entry_code_raw(http, SJ[0], [SJ[1]], uscc=CAP_ENTERPRISE), "ENTERPRISE_NOT_IN_TASK"
            )

    async def test_cap_reached(self, env: Env) -> None:
        async with client(env.url) as http:
            joint = await new_task(
                http,
                kind="joint",
                dept_codes=["XF"],
                items=[FOOD_ITEM, "XF-JD-001"],
                enterprises=[CAP_ENTERPRISE],
            )
            first = await entry_code(
                http,
                joint["task_id"],
                uscc=CAP_ENTERPRISE,
                others=[SJ[1], XF[0], XF[1]],
                items=[FOOD_ITEM, "XF-JD-001"],
            )
            ok(await check_in(http, first["code"], uscc=CAP_ENTERPRISE), 201)
            # One capped visit per department per enterprise per year (Liaoning): the joint visit used both.
            again = await entry_code_raw(
                http, SJ[0], [SJ[1]], task=joint["task_id"], uscc=CAP_ENTERPRISE, items=[FOOD_ITEM]
            )
            problem = await refused(env, again, "FREQUENCY_CAP_REACHED")
            assert "市场监管" in problem["detail"] and problem["limit"] == 1
            # A key-area task is exempt from the caps.
            key_area = await new_task(http, enterprises=[CAP_ENTERPRISE])
            await entry_code(http, key_area["task_id"], uscc=CAP_ENTERPRISE)

    async def test_key_area_task_carries_no_other_item_past_the_cap(self, env: Env) -> None:
        # 优化营商环境条例 第五十四条: full-coverage supervision (exempt from caps) is for the 重点领域 only.
        # SJ-DJ-001 (营业执照置放, 市场主体登记管理条例 第三十六条) is not a key-area item: after one random-task
        # visit by 市场监管 this year (cap 1 per department), a key-area task listing no items (any item of
        # the department) may not inspect it; with a food item (SJ-SP-001, key area) it may.
        uscc = LICENCE_ENTERPRISE
        async with client(env.url) as http:
            joint = await new_task(
                http, kind="joint", dept_codes=["XF"], items=[FOOD_ITEM, "XF-JD-001"], enterprises=[uscc]
            )
            first = await entry_code(
                http,
                joint["task_id"],
                uscc=uscc,
                others=[SJ[1], XF[0], XF[1]],
                items=[FOOD_ITEM, "XF-JD-001"],
            )
            ok(await check_in(http, first["code"], uscc=uscc), 201)
            key_area = await new_task(http, items=[], enterprises=[uscc])
            r = await entry_code_raw(
                http, SJ[0], [SJ[1]], task=key_area["task_id"], uscc=uscc, items=["SJ-DJ-001"]
            )
            problem = await refused(env, r, "ITEM_NOT_IN_TASK")
            assert "不是重点领域检查事项" in problem["detail"] and problem["item_code"] == "SJ-DJ-001"
            await entry_code(http, key_area["task_id"], uscc=uscc, items=[FOOD_ITEM])

    async def test_quiet_period(self, env: Env) -> None:
        async with client(env.url) as http:
            window = {
                "uscc": QUIET_ENTERPRISE,
                "starts_on": str(clock.today()),
                "ends_on": str(clock.today() + timedelta(days=30)),
                "reason": "新开办企业包容期",
            }
            ok(await http.post(f"{API}/quiet-windows", json=window, headers=admin()), 201)
            joint = await new_task(
                http,
                kind="joint",
                dept_codes=["XF"],
                items=[FOOD_ITEM, "XF-JD-001"],
                enterprises=[QUIET_ENTERPRISE],
            )
            r = await entry_code_raw(
                http,
                SJ[0],
                [SJ[1], XF[0], XF[1]],
                task=joint["task_id"],
                uscc=QUIET_ENTERPRISE,
                items=[FOOD_ITEM, "XF-JD-001"],
            )
            problem = await refused(env, r, "QUIET_PERIOD")
            assert "新开办企业包容期" in problem["detail"]
            key_area = await new_task(
                http, enterprises=[QUIET_ENTERPRISE]
            )  # full-coverage supervision is exempt
            await entry_code(http, key_area["task_id"], uscc=QUIET_ENTERPRISE)

    async def test_a_class_enterprise_is_quiet_without_a_lead(self, env: Env) -> None:
        event = EnterpriseClassified(
            uscc=A_CLASS_ENTERPRISE,
            risk_class="A",
            previous_class=None,
            score=5,
            reasons=["无违法记录"],
            classified_at=clock.now(),
            revision=7,
        )
        envelope = make_envelope(event, source="risk")
        await env.svc.runtime.bus.js.publish(
            event.TYPE, envelope.model_dump_json().encode(), headers={"Nats-Msg-Id": str(envelope.id)}
        )
        async with client(env.url) as http:

            async def classified() -> Any:
                r = await http.get(f"{API}/enterprises/{A_CLASS_ENTERPRISE}/risk-class", headers=admin())
                return r.status_code == 200 and r.json()["revision"] == 7

            await wait_for(classified)
            joint = await new_task(
                http,
                kind="joint",
                dept_codes=["XF"],
                items=[FOOD_ITEM, "XF-JD-001"],
                enterprises=[A_CLASS_ENTERPRISE],
            )
            r = await entry_code_raw(
                http,
                SJ[0],
                [SJ[1], XF[0], XF[1]],
                task=joint["task_id"],
                uscc=A_CLASS_ENTERPRISE,
                items=[FOOD_ITEM, "XF-JD-001"],
            )
            problem = await refused(env, r, "QUIET_PERIOD")
            assert "A类" in problem["detail"]
            complaint = await new_task(
                http, kind="complaint", enterprises=[A_CLASS_ENTERPRISE], lead_id="12345-2026-0001"
            )
            await entry_code(http, complaint["task_id"], uscc=A_CLASS_ENTERPRISE)  # a lead exists

    async def test_invalid_uscc(self, env: Env) -> None:
        bad = ENTERPRISE[:-1] + ("0" if ENTERPRISE[-1] != "0" else "1")  # wrong check character
        async with client(env.url) as http:
            r = await http.post(
                f"{API}/visits/entry-codes",
                json={
                    "task_id": KEY_AREA_TASK,
                    "enterprise_uscc": bad,
                    "officers": [SJ[1]],
                    "item_codes": [FOOD_ITEM],
                },
                headers=officer(SJ[0], "SJ"),
            )
            assert r.status_code == 422 and r.json()["errors"][0]["type"] == "invalid_uscc"
            assert "校验码不正确" in r.json()["errors"][0]["message"]
            r = await http.post(
                f"{API}/enterprises",
                json={"uscc": bad, "name": "沈阳错码有限公司", "district_code": "210102"},
                headers=admin(),
            )
            assert r.status_code == 422 and "统一社会信用代码" in r.json()["detail"]
            r = await http.get(f"{API}/enterprises/{bad}", headers=admin())
            assert (r.status_code, r.json()["code"]) == (422, "INVALID_USCC")

    async def test_duplicate_post_with_the_same_idempotency_key_makes_one_visit(self, env: Env) -> None:
        async with client(env.url) as http:
            key = {"Idempotency-Key": "app-retry-7f3a"}
            code = await entry_code(http, KEY_AREA_TASK, **key)
            again = await entry_code(http, KEY_AREA_TASK, **key)
            assert again["code_id"] == code["code_id"]  # the first response, replayed
            first = await check_in(http, code["code"], **key)
            second = await check_in(http, code["code"], **key)
        assert first.status_code == second.status_code == 201
        assert second.headers.get("idempotent-replayed") == "true" and second.json() == first.json()
        visits = await env.scalar(
            sa.select(sa.func.count()).select_from(m.Visit).where(m.Visit.entry_code_id == code["code_id"])
        )
        assert visits == 1

    async def test_a_retried_refusal_is_recorded_once(self, env: Env) -> None:
        async with client(env.url) as http:
            before = len(await env.refusals("TOO_FEW_OFFICERS"))
            key = {"Idempotency-Key": "retry-of-a-refused-request"}
            for _ in range(3):
                r = await entry_code_raw(http, SJ[0], [], headers=key)
                assert r.status_code == 403
        assert len(await env.refusals("TOO_FEW_OFFICERS")) == before + 1

    async def test_enterprise_reading_another_enterprises_visits(self, env: Env) -> None:
        async with client(env.url) as http:
            code = await entry_code(http, KEY_AREA_TASK)
            visit = ok(await check_in(http, code["code"]), 201)["visit"]
            r = await http.get(f"{API}/visits/{visit['visit_id']}", headers=enterprise(OTHER))
            assert (r.status_code, r.json()["code"]) == (404, "VISIT_NOT_FOUND")
            theirs = ok(await http.get(f"{API}/visits", headers=enterprise(OTHER), params={"limit": 200}))
            assert all(v["enterprise_uscc"] == OTHER for v in theirs["items"])
            # asking for someone else's USCC in the filter does not help
            filtered = ok(
                await http.get(f"{API}/visits", headers=enterprise(OTHER), params={"uscc": ENTERPRISE})
            )
            assert all(v["enterprise_uscc"] == OTHER for v in filtered["items"])
            ok(await http.get(f"{API}/visits/{visit['visit_id']}", headers=enterprise(ENTERPRISE)))


class TestConcurrency:
    async def test_two_enterprises_racing_the_same_code_make_exactly_one_visit(self, env: Env) -> None:
        async with client(env.url) as http:
            for _ in range(3):
                code = await entry_code(http, KEY_AREA_TASK)
                results = await asyncio.gather(
                    check_in(http, code["code"]),
                    check_in(http, code["code"]),  # the enterprise's second phone
                    check_in(http, code["code"], uscc=OTHER),  # another enterprise's app
                    check_in(http, code["code"]),
                )
                statuses = sorted(r.status_code for r in results)
                assert statuses.count(201) == 1, [r.text for r in results]
                codes = {r.json()["code"] for r in results if r.status_code != 201}
                assert codes <= {"CODE_USED", "CODE_WRONG_ENTERPRISE"}
                visits = await env.scalar(
                    sa.select(sa.func.count())
                    .select_from(m.Visit)
                    .where(m.Visit.entry_code_id == code["code_id"])
                )
                assert visits == 1


async def entry_code_raw(
    http: Any,
    caller: str,
    others: list[str],
    *,
    task: str = KEY_AREA_TASK,
    uscc: str = ENTERPRISE,
    items: list[str] | None = None,
    dept: str = "SJ",
    headers: dict[str, str] | None = None,
) -> Any:
    body = {"task_id": task, "enterprise_uscc": uscc, "officers": others, "item_codes": items or [FOOD_ITEM]}
    return await http.post(
        f"{API}/visits/entry-codes", json=body, headers={**officer(caller, dept), **(headers or {})}
    )
