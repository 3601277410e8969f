"""行政执法公示 through the API: published at delivery on the public list (persons masked), withdrawn after a
revocation (第四十八条第二款), kept back only under a recorded lawful exception, and the supervisors' rate and
late list. Deadlines worked by hand on the statutory calendar."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import httpx
import sqlalchemy as sa

from services.common.db import transaction
from services.common.tables import audit_t
from services.penalty.models import DecisionDisclosure
from services.penalty.use_cases import disclosure
from tests.penalty.helpers import (
    ORDINARY_LOW_FEN,
    SJ_A,
    SJ_C,
    SUGGESTED_FEN,
    pin_clock,
    to_decided,
    to_notified,
)
from tests.penalty.test_procedure import credit_notice_arrives
from tests.support.http import ok, problem
from tests.support.outbox import envelopes
from tests.support.personas import admin, officer, supervisor
from tests.support.stack import Running, client

CASES = "/api/v1/penalty/cases"
PUBLIC = "/public/penalty/decisions"
PERSON_ID = "11010519491231002X"  # a valid 居民身份证号
PERSON = {"kind": "individual", "name": "张伟", "id_number": PERSON_ID, "address": "沈阳市沈河区中街1号"}


async def deliver(penalty: Running, http: httpx.AsyncClient, case: dict[str, Any]) -> dict[str, Any]:
    await credit_notice_arrives(penalty, case["id"], case["decision"]["number"])
    body = {"method": "direct", "recipient": "当事人"}
    return ok(await http.post(f"{CASES}/{case['id']}/delivery", json=body, headers=officer(**SJ_A)))  # type: ignore[no-any-return]


async def public(http: httpx.AsyncClient, **params: str) -> list[dict[str, Any]]:
    return ok(await http.get(PUBLIC, params={"limit": "200", **params}))["items"]  # type: ignore[no-any-return]


async def record(http: httpx.AsyncClient, cid: str) -> list[dict[str, Any]]:
    return ok(await http.get(f"{CASES}/{cid}/disclosure", headers=officer(**SJ_A)))  # type: ignore[no-any-return]


class TestPublication:
    async def test_published_at_delivery_with_the_person_masked(self, penalty: Running) -> None:
        async with client(penalty.url) as http:
            cid = await to_notified(http, party=PERSON)
            waiver = {"statement": True, "hearing": True}  # 27,500 元 on a person: a hearing is offered
            ok(await http.post(f"{CASES}/{cid}/waiver", json=waiver, headers=officer(**SJ_A)))
            fine = {"kinds": ["fine"], "fine_fen": SUGGESTED_FEN}
            review = {"passed": True, "opinion": "事实清楚，程序合法，裁量适当。", "proposal": fine}
            ok(await http.post(f"{CASES}/{cid}/legal-review", json=review, headers=officer(**SJ_C)))
            decision = {
                "penalty": {"kinds": ["fine"], "fine_fen": SUGGESTED_FEN},
                "facts": [f"当事人张伟（身份证号{PERSON_ID}）在中街销售无标签的预包装食品30袋。"],
            }
            case = ok(await http.post(f"{CASES}/{cid}/decision", json=decision, headers=officer(**SJ_A)))
            number = case["decision"]["number"]
            # decided Mon 2026-11-16: 7 working days (17, 18, 19, 20, 23, 24, 25) → Wed 11-25; not public yet
            [pending] = await record(http, cid)
            assert (pending["status"], pending["rule"], pending["due_on"]) == (
                "pending",
                "general_penalty",
                "2026-11-25",
            )
            assert number not in [d["decision_no"] for d in await public(http)]

            await deliver(penalty, http, case)
            [published] = await record(http, cid)
            assert (published["status"], published["published_on"], published["timeliness"]) == (
                "published",
                "2026-11-16",
                "on_time",
            )
            [item] = [d for d in await public(http) if d["decision_no"] == number]  # no token
            assert item["party_name"] == "张*" and item["party_id_masked"] == "1101**********002X"
            assert (
                item["facts"] == "当事人张*（身份证号1101**********002X）在中街销售无标签的预包装食品30袋。"
            )
            assert "张伟" not in str(item) and PERSON_ID not in str(item)
            assert item["agency"] == "沈阳市市场监督管理局" and item["penalty"] == "罚款27,500.00元"
            assert item["decided_on"] == "2026-11-16" and item["basis"]
            assert ok(await http.get(f"{PUBLIC}/{item['id']}"))["decision_no"] == number
            # the case knows it was published: no publication deadline left open
            view = ok(await http.get(f"{CASES}/{cid}", headers=officer(**SJ_A)))
            assert "publication" not in [d["deadline"] for d in view["deadlines"]]

    async def test_revocation_withdraws_with_the_reason_public(self, penalty: Running) -> None:
        async with client(penalty.url) as http:
            case = await to_decided(http)
            await deliver(penalty, http, case)
            number = case["decision"]["number"]
            revoke = {
                "source": "self_correction",
                "reason": "认定事实的证据不足",
                "source_document": "纠错审批表1号",
            }
            ok(await http.post(f"{CASES}/{case['id']}/revocation", json=revoke, headers=officer(**SJ_A)))
            assert number not in [d["decision_no"] for d in await public(http)]
            [notice] = [d for d in await public(http, status="withdrawn") if d["decision_no"] == number]
            assert (
                "第四十八条第二款" in notice["withdrawal_reason"]
                and "认定事实的证据不足" in notice["withdrawal_reason"]
            )
            assert notice["party_name"] is None and notice["penalty"] is None
            [withdrawn] = await record(http, case["id"])
            # revoked Mon 11-16: 3 working days (17, 18, 19) → Thu 11-19 (第四十八条第二款, 第八十五条)
            assert (withdrawn["status"], withdrawn["withdrawn_on"], withdrawn["withdraw_by"]) == (
                "withdrawn",
                "2026-11-16",
                "2026-11-19",
            )


class TestConfirmedIllegalOrVoid:
    """确认违法 / 确认无效 (行政复议法 第六十五条、第六十七条; 行政诉讼法 第七十四条、第七十五条) withdraw a published
    decision like a revocation (行政处罚法 第四十八条第二款): within 3 working days, the reason public."""

    async def test_confirmed_void_withdraws_and_ends_the_fine(self, penalty: Running) -> None:
        async with client(penalty.url) as http:
            case = await to_decided(http)
            await deliver(penalty, http, case)
            cid, number = case["id"], case["decision"]["number"]
            assert number in [d["decision_no"] for d in await public(http)]
            void = {
                "source": "litigation",
                "finding": "confirmed_void",
                "reason": "作出决定的机关不具有行政主体资格",
                "source_document": "（2026）辽0102行初21号",
            }
            after = ok(await http.post(f"{CASES}/{cid}/confirmation", json=void, headers=officer(**SJ_A)))
            assert (after["state"], after["state_label"]) == ("void", "已确认无效")
            assert number not in [d["decision_no"] for d in await public(http)]
            [notice] = [d for d in await public(http, status="withdrawn") if d["decision_no"] == number]
            assert notice["withdrawal_reason"] == (
                "该行政处罚决定已于2026-11-16经行政诉讼确认无效（作出决定的机关不具有行政主体资格），"
                "依据《中华人民共和国行政处罚法》第四十八条第二款、第八十五条撤回原公开信息"
            )
            assert notice["party_name"] is None and notice["penalty"] is None
            [withdrawn] = await record(http, cid)
            # confirmed Mon 11-16: 3 working days (17, 18, 19) → Thu 11-19 (第四十八条第二款, 第八十五条)
            assert (withdrawn["status"], withdrawn["withdrawn_on"], withdrawn["withdraw_by"]) == (
                "withdrawn",
                "2026-11-16",
                "2026-11-19",
            )
            # no legal effect from the start: nothing to pay, no surcharge, the case can be closed
            r = await http.post(f"{CASES}/{cid}/payments", json={"fine_fen": 100}, headers=officer(**SJ_A))
            problem(r, 409, "PROCEDURE_INVALID_TRANSITION")
            late = ok(
                await http.get(
                    f"{CASES}/{cid}/surcharge", params={"on": "2027-01-04"}, headers=officer(**SJ_A)
                )
            )
            assert late["amount_fen"] == 0
            closure = {"reason": "void", "note": "处罚决定已被人民法院确认无效"}
            assert (
                ok(await http.post(f"{CASES}/{cid}/closure", json=closure, headers=officer(**SJ_A)))["state"]
                == "closed"
            )
        # credit_repair ends its publication on penalty.decision.revoked; the outcome says why
        [event] = await envelopes(penalty.runtime.factory, "penalty.decision.revoked", case_id=cid)
        assert (event["data"]["outcome"], event["data"]["revoked_on"], event["data"]["source"]) == (
            "confirmed_void",
            "2026-11-16",
            "litigation",
        )
        assert event["data"]["revision"] == 2

    async def test_confirmed_illegal_withdraws_but_the_fine_stays_due(self, penalty: Running) -> None:
        async with client(penalty.url) as http:
            case = await to_decided(http)
            await deliver(penalty, http, case)
            cid, number = case["id"], case["decision"]["number"]
            self_corrected = {
                "source": "self_correction",
                "finding": "confirmed_illegal",
                "reason": "程序轻微违法",
                "source_document": "纠错审批表3号",
            }
            r = await http.post(f"{CASES}/{cid}/confirmation", json=self_corrected, headers=officer(**SJ_A))
            problem(r, 422, "VALIDATION_FAILED")  # only a reconsideration body or a court confirms
            illegal = {**self_corrected, "source": "reconsideration", "source_document": "沈政复〔2026〕91号"}
            after = ok(await http.post(f"{CASES}/{cid}/confirmation", json=illegal, headers=officer(**SJ_A)))
            assert after["state"] == "delivered"  # 行政诉讼法 第七十四条: not revoked, the obligations stay
            [notice] = [d for d in await public(http, status="withdrawn") if d["decision_no"] == number]
            assert "经行政复议确认违法（程序轻微违法）" in notice["withdrawal_reason"]
            paid = {"fine_fen": SUGGESTED_FEN}
            assert (
                ok(await http.post(f"{CASES}/{cid}/payments", json=paid, headers=officer(**SJ_A)))["state"]
                == "executed"
            )
            # the publication stays withdrawn: the payment opens no new record
            assert [r["status"] for r in await record(http, cid)] == ["withdrawn"]
        [event] = await envelopes(penalty.runtime.factory, "penalty.decision.revoked", case_id=cid)
        assert event["data"]["outcome"] == "confirmed_illegal"


class TestException:
    async def test_lawful_exception_keeps_it_back_and_says_who_and_why(self, penalty: Running) -> None:
        async with client(penalty.url) as http:
            case = await to_decided(http)
            short = {"ground": "trade_secret", "reason": "商业秘密"}
            r = await http.post(
                f"{CASES}/{case['id']}/disclosure/exception", json=short, headers=officer(**SJ_A)
            )
            problem(r, 422, "VALIDATION_FAILED")
            body = {
                "ground": "trade_secret",
                "reason": "决定书载明当事人的配方工艺参数，属于商业秘密，当事人书面不同意公开",
            }
            [exempt] = ok(
                await http.post(
                    f"{CASES}/{case['id']}/disclosure/exception", json=body, headers=officer(**SJ_A)
                )
            )
            assert exempt["status"] == "exempt" and exempt["exempt_by"] == "officer-辽A-7000001"
            assert exempt["exempt_article"].endswith("第十五条") and exempt["timeliness"] == "not_due"
            # the case itself no longer waits for a publication; its timeline says who decided and why
            view = ok(await http.get(f"{CASES}/{case['id']}", headers=officer(**SJ_A)))
            assert "publication" not in [d["deadline"] for d in view["deadlines"]]
            pin_clock(date(2026, 11, 26))  # after 11-25, the last day: still nothing asks for it
            view = ok(await http.get(f"{CASES}/{case['id']}", headers=officer(**SJ_A)))
            assert "publication" not in [d["deadline"] for d in view["deadlines"]]
            steps = ok(await http.get(f"{CASES}/{case['id']}/steps", headers=officer(**SJ_A)))
            assert steps[-1]["action"] == "publication" and steps[-1]["actor"] == "officer-辽A-7000001"
            pin_clock(date(2026, 11, 16))
            # the audit chain has who, the ground and the reason
            async with transaction(penalty.runtime.factory) as session:
                entry = (
                    await session.execute(
                        sa.select(audit_t.c.actor, audit_t.c.after).where(
                            audit_t.c.action == "penalty.disclosure.exception",
                            audit_t.c.entity_id == exempt["id"],
                        )
                    )
                ).one()
            assert entry.actor == "officer-辽A-7000001" and entry.after["ground"] == "trade_secret"
            assert entry.after["reason"] == body["reason"]
            await deliver(penalty, http, case)
            assert case["decision"]["number"] not in [d["decision_no"] for d in await public(http)]
            assert (await record(http, case["id"]))[0]["status"] == "exempt"

    async def test_no_decision_no_exception(self, penalty: Running) -> None:
        async with client(penalty.url) as http:
            cid = await to_notified(http)
            body = {"ground": "state_secret", "reason": "涉及国家秘密事项，依法不予公开"}
            r = await http.post(f"{CASES}/{cid}/disclosure/exception", json=body, headers=officer(**SJ_A))
            problem(r, 409, "DISCLOSURE_NOT_OPEN")


class TestSupervision:
    async def test_rate_and_late_list(self, penalty: Running) -> None:
        day = date(2026, 11, 30)  # Mon; 7 working days (12-01, 02, 03, 04, 07, 08, 09) → Wed 12-09
        pin_clock(day)
        async with client(penalty.url) as http:
            on_time = await to_decided(http)
            late = await to_decided(http)
            await deliver(penalty, http, on_time)
            pin_clock(date(2026, 12, 10))
            period = {"from": "2026-11-30", "to": "2026-11-30"}
            report = ok(
                await http.get("/api/v1/penalty/disclosure/rate", params=period, headers=supervisor())
            )
            [row] = report["rows"]
            # one published on 11-30 (on time), one not published after its deadline: 1 / 2
            assert (row["department_code"], row["period"], row["due"], row["on_time"], row["overdue"]) == (
                "SJ",
                "2026-11",
                2,
                1,
                1,
            )
            assert row["rate"] == 0.5
            await deliver(penalty, http, late)  # 12-10, a day after 12-09: published late
            report = ok(
                await http.get("/api/v1/penalty/disclosure/rate", params=period, headers=supervisor())
            )
            assert (report["total"]["on_time"], report["total"]["late"], report["total"]["rate"]) == (
                1,
                1,
                0.5,
            )
            late_list = ok(
                await http.get("/api/v1/penalty/disclosure/late", params=period, headers=supervisor())
            )
            assert [(x["case_id"], x["timeliness"]) for x in late_list["items"]] == [(late["id"], "late")]
            missed = await envelopes(
                penalty.runtime.factory, "penalty.deadline.missed", case_id=late["id"], deadline="publication"
            )
            assert [m["data"]["due_on"] for m in missed] == ["2026-12-09"]
            # a district supervisor elsewhere sees none of it; officers may not ask
            other = ok(
                await http.get("/api/v1/penalty/disclosure/rate", params=period, headers=supervisor("210103"))
            )
            assert other["rows"] == [] and other["total"]["due"] == 0
            r = await http.get("/api/v1/penalty/disclosure/rate", params=period, headers=officer(**SJ_A))
            assert r.status_code == 403


class TestChange:
    async def test_a_changed_decision_is_withdrawn_and_published_anew(self, penalty: Running) -> None:
        async with client(penalty.url) as http:
            case = await to_decided(http)
            await deliver(penalty, http, case)
            change = {
                "source": "reconsideration",
                "reason": "复议机关认为罚款数额明显不当",
                "source_document": "沈政复决字〔2026〕12号",
                "penalty": {"kinds": ["fine"], "fine_fen": ORDINARY_LOW_FEN},
            }
            ok(await http.post(f"{CASES}/{case['id']}/change", json=change, headers=officer(**SJ_A)))
            first, second = await record(http, case["id"])
            assert (first["revision"], first["status"], first["withdraw_by"]) == (
                1,
                "withdrawn",
                "2026-11-19",
            )
            assert (second["revision"], second["status"], second["published_on"]) == (
                2,
                "published",
                "2026-11-16",
            )
            [item] = [d for d in await public(http) if d["decision_no"] == case["decision"]["number"]]
            # 18,500 元 after the change, with the document that changed it
            assert (
                item["penalty"] == "罚款18,500.00元" and item["change_document"] == "沈政复决字〔2026〕12号"
            )


class TestSweep:
    async def test_decisions_no_step_reached_are_published_and_overdue_ones_reported_once(
        self, penalty: Running
    ) -> None:
        async with client(penalty.url) as http:
            older = await to_decided(http)  # as if decided before the publication record existed
            await deliver(penalty, http, older)
            undelivered = await to_decided(http)
        async with transaction(penalty.runtime.factory) as session:
            await session.execute(
                sa.delete(DecisionDisclosure).where(DecisionDisclosure.case_id == uuid.UUID(older["id"]))
            )
        async with client(penalty.url) as http:
            assert await record(http, older["id"]) == []
            await disclosure.sweep(penalty.runtime.factory, decided_since=None)
            [again] = await record(http, older["id"])
            assert (again["status"], again["published_on"]) == ("published", "2026-11-16")
            # 11-25 was the last day for the undelivered one; on Thu 11-26 it is overdue, reported once
            pin_clock(date(2026, 11, 26))
            await disclosure.sweep(penalty.runtime.factory, decided_since=None)
            await disclosure.sweep(penalty.runtime.factory, decided_since=None)
            missed = await envelopes(
                penalty.runtime.factory,
                "penalty.deadline.missed",
                case_id=undelivered["id"],
                deadline="publication",
            )
            assert [m["data"]["due_on"] for m in missed] == ["2026-11-25"]
            assert (await record(http, undelivered["id"]))[0]["timeliness"] == "overdue"


class TestOfficerTypedPublication:
    async def test_a_typed_exemption_withholds_but_still_counts_as_due(self, penalty: Running) -> None:
        async with client(penalty.url) as http:
            case = await to_decided(http)
            typed = {"exempt_reason": "涉及商业秘密"}  # the old endpoint: no lawful ground recorded
            ok(await http.post(f"{CASES}/{case['id']}/publication", json=typed, headers=officer(**SJ_A)))
            await deliver(penalty, http, case)
            assert case["decision"]["number"] not in [d["decision_no"] for d in await public(http)]
            [held] = await record(http, case["id"])
            assert (held["status"], held["due_on"], held["exempt_ground"]) == ("pending", "2026-11-25", None)
            pin_clock(date(2026, 11, 26))  # the day after the last day: overdue, not exempt
            assert (await record(http, case["id"]))[0]["timeliness"] == "overdue"
            body = {"ground": "trade_secret", "reason": "决定书载明当事人的配方工艺参数，属于商业秘密"}
            ok(
                await http.post(
                    f"{CASES}/{case['id']}/disclosure/exception", json=body, headers=officer(**SJ_A)
                )
            )
            assert (await record(http, case["id"]))[0]["timeliness"] == "not_due"


class TestUnknownDeadline:
    """Last in the module: it enters 2027's arrangement."""

    async def test_deadline_unknown_until_the_year_is_entered(self, penalty: Running) -> None:
        pin_clock(date(2026, 12, 23))  # Wed
        xf = {"cert_no": "辽A-7200001", "dept": "XF", "district": "210100", "name": "周消防"}
        xf2 = {"cert_no": "辽A-7200002", "dept": "XF", "district": "210100", "name": "吴消防"}
        person = {
            "kind": "individual",
            "name": "王某",
            "id_number": "21010519840819157X",
            "address": "沈阳市",
        }
        async with client(penalty.url) as http:
            body = {
                "party": person,
                "benchmark_code": "SY-XF-0003",
                "procedure": "simple",
                "facts_brief": "在居民楼疏散通道堆放杂物。",
                "officers": [xf2["cert_no"]],
                "approved_by": "大队长",
                "place": "沈阳市和平区某小区3号楼",
            }
            cid = ok(await http.post(CASES, json=body, headers=officer(**xf)), 201)["id"]
            facts = {"violation_date": "2026-12-23"}
            ok(await http.post(f"{CASES}/{cid}/assessment", json=facts, headers=officer(**xf)))
            fine = {"penalty": {"kinds": ["fine"], "fine_fen": 200 * 100}}
            ok(await http.post(f"{CASES}/{cid}/decision", json=fine, headers=officer(**xf)))
            # a simple-procedure 行政处罚 decision: 7 working days (seed 003 三（三）3); from 12-23 they run into
            # 2027, not entered yet
            [unknown] = ok(await http.get(f"{CASES}/{cid}/disclosure", headers=officer(**xf)))
            assert (unknown["rule"], unknown["due_on"], unknown["timeliness"]) == (
                "simple_penalty",
                None,
                "unknown",
            )
            year = {"source": "国办发明电〔2026〕（测试）", "days_off": ["2027-01-01"]}
            ok(await http.put("/api/v1/penalty/admin/calendar/2027", json=year, headers=admin()))
            await disclosure.sweep(penalty.runtime.factory, decided_since=None)
            # 12-24 (1), 12-25 (2), 12-28..31 (6), 01-01 off, Mon 01-04 (7) → 2027-01-04
            [known] = ok(await http.get(f"{CASES}/{cid}/disclosure", headers=officer(**xf)))
            assert (known["due_on"], known["timeliness"]) == ("2027-01-04", "pending")
