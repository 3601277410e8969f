"""Examiner's cases: what the public sees without a token — the published benchmarks only (行政处罚法 第三十四条
裁量基准应当向社会公布), the decisions with a person's data masked (第四十八条; SPEC §1.6), and the withdrawal of a
revoked decision within 三日 (第四十八条第二款, working days by 第八十五条) across 国庆 2026 (10-1…10-7 off, Sat 10-10
worked)."""

from __future__ import annotations

from datetime import date

from tests.penalty.acceptance.support import (
    CASES,
    ENTERPRISES,
    PERSON_IDS,
    decided_general,
    on,
    person,
    step,
    yuan,
)
from tests.penalty.helpers import SJ_A, SJ_C, party
from tests.penalty.test_procedure import credit_notice_arrives
from tests.support.http import ok
from tests.support.personas import officer
from tests.support.stack import Running, client

FACTS = {"violation_date": "2026-09-01", "base_amounts": {"goods_value": yuan("3000")}}
DELIVERY = {"method": "direct", "recipient": "当事人本人"}


class TestPublic:
    async def test_only_published_benchmark_versions_are_public(self, penalty: Running) -> None:
        # SY-XF-0001 第2版 is a draft for comment: not public, whatever its effective date
        async with client(penalty.url) as http:
            versions = ok(await http.get("/public/penalty/benchmarks/SY-XF-0001"))
        assert [v["version"] for v in versions] == [1]

    async def test_a_person_is_masked_in_the_public_decision(self, penalty: Running) -> None:
        # a person fined 27,500.00 (a hearing offered and waived, then 法制审核: the product asks for it once a
        # hearing applies): the public sees 钱** and 2101**********0081
        async with client(penalty.url) as http:
            cid = await decided_general(
                http,
                facts={**FACTS, "violation_date": "2026-11-01"},
                fine_fen=yuan("27500"),
                the_party=person("钱某某", PERSON_IDS[7]),
                waive_hearing=True,
                reviewer=SJ_C,
            )
            case = ok(await http.get(f"{CASES}/{cid}", headers=officer(**SJ_A)))
            await credit_notice_arrives(penalty, cid, case["decision"]["number"])
            ok(await step(http, cid, "delivery", DELIVERY))
            page = ok(await http.get("/public/penalty/decisions", params={"limit": 200}))
        [item] = [d for d in page["items"] if d["decision_no"] == case["decision"]["number"]]
        assert item["party_name"] == "钱**"  # one star per hidden character
        assert item["party_id_masked"] == "2101**********0081"
        assert PERSON_IDS[7] not in str(item) and "钱某某" not in str(item)
        assert item["penalty"] == "罚款27,500.00元"

    async def test_withdrawal_within_three_working_days_across_national_day(self, penalty: Running) -> None:
        # decided and delivered Mon 9-28 (published), revoked Wed 9-30: 10-8 (1), 10-9 (2), Sat 10-10 (3) → 10-10
        on(date(2026, 9, 28))
        async with client(penalty.url) as http:
            cid = await decided_general(
                http,
                facts=FACTS,
                fine_fen=yuan("27500"),
                the_party=party(ENTERPRISES[9], "沈阳撤回9号有限公司"),
            )
            case = ok(await http.get(f"{CASES}/{cid}", headers=officer(**SJ_A)))
            await credit_notice_arrives(penalty, cid, case["decision"]["number"])
            ok(await step(http, cid, "delivery", DELIVERY))
            on(date(2026, 9, 30))
            body = {
                "source": "self_correction",
                "reason": "适用依据错误，依法撤销。",
                "source_document": "沈市监撤〔2026〕9号",
            }
            ok(await step(http, cid, "revocation", body))
            [record] = ok(await http.get(f"{CASES}/{cid}/disclosure", headers=officer(**SJ_A)))
        assert (record["status"], record["withdrawn_on"], record["withdraw_by"]) == (
            "withdrawn",
            "2026-09-30",
            "2026-10-10",
        )
