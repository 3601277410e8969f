"""Fourth examiner's cases: events that arrive out of order or one after another on the same decision — a later
change overtaking an earlier one, a payment before its decision, a revocation after a change, mixed kinds.

Sources: SPEC §1.4 ("Handlers must be idempotent and tolerate out-of-order arrival (use entity versions or
timestamps)"), §4 (the most severe penalty classes the decision; fine paid, learned from penalty.fine.paid);
行政处罚法 第四十八条第二款 (a changed or revoked decision's publication withdrawn within three days); docs/api/
credit_repair.md §1 ("The most severe penalty of a decision decides its class"), §4 (a changed decision is
classed anew as its own record; a revocation ends the publication with its outcome as reason).
"""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any

import pytest

from tests.credit_repair.acceptance.cases import API, TODAY, YUAN, decide, publication, record_of
from tests.credit_repair.conftest import Credit
from tests.credit_repair.helpers import ADMIN, COMMITMENT, publish
from tests.support import personas
from tests.support.contracts import decision_changed, decision_issued, decision_revoked, fine_paid
from tests.support.http import ok
from tests.support.stack import client, wait_for

pytestmark = [pytest.mark.asyncio(loop_scope="session"), pytest.mark.usefixtures("working_calendar")]

V1 = "91210114MANQTY3101"  # 沈阳众诚餐饮管理有限公司
V2 = "91210100MAL28WKH4G"  # 沈阳新华物流有限公司
V3 = "91210106MAC845TG70"  # 沈阳鑫源客运有限公司
V4 = "91210100MAWNWN8E93"  # 沈阳辽河化工产品经营有限公司
V5 = "91210106MANHFKMB08"  # 沈阳明远大药房有限公司


async def records(credit: Credit, case_id: Any) -> list[dict[str, Any]]:
    async with client(credit.base, headers=ADMIN) as http:
        r = await http.get(f"{API}/records", params={"case_id": str(case_id)})
        return list(ok(r)["items"])


async def public_decision_nos(credit: Credit, uscc: str) -> list[str]:
    async with client(credit.base) as http:
        items = ok(await http.get("/public/credit/publications", params={"uscc": uscc, "limit": 200}))[
            "items"
        ]
    return [i.get("decision_no") for i in items]


class TestLaterChangeFirst:
    async def test_the_second_change_overtakes_the_first(self, credit: Credit) -> None:
        # decided 2026-09-01, 80,000 yuan (一般). Changed twice: revision 2 to 60,000 (一般), revision 3 to 30,000
        # (轻微, not published). Revision 3 arrives first; revision 2, older, arrives after it and must not
        # publish the decision again: nothing of the case is public at the end.
        d, _ = await decide(credit, party_uscc=V1, decided_on=date(2026, 9, 1))
        await publish(credit.js, decision_changed(d, fine_fen=30_000 * YUAN, revision=3, changed_on=TODAY))
        await record_of(credit, d.case_id, revision=3)
        await publish(credit.js, decision_changed(d, fine_fen=60_000 * YUAN, revision=2, changed_on=TODAY))
        await asyncio.sleep(1.5)  # the late revision 2 has had its chance to be applied
        active = [r for r in await records(credit, d.case_id) if (publication(r) or {}).get("active")]
        assert active == [], active
        assert d.decision_no not in await public_decision_nos(credit, V1)


class TestPaymentBeforeDecision:
    async def test_a_payment_that_arrives_first_is_kept(self, credit: Credit) -> None:
        # 80,000 yuan paid (penalty.fine.paid) arriving before penalty.decision.issued; decided 2026-06-08: the
        # minimum of 3 months ran on 2026-09-08, so with the payment kept the application is admissible
        d = decision_issued(party_uscc=V2, decided_on=date(2026, 6, 8), benchmark_code="SY-SJ-EX4P")
        await publish(credit.js, fine_paid(d))
        await asyncio.sleep(0.5)
        await publish(credit.js, d)

        async def shown() -> Any:
            rec = await record_of(credit, d.case_id)
            return rec if rec.get("paid_fen", rec.get("fine_paid_fen")) == 80_000 * YUAN else None

        record = await wait_for(shown)
        body = {
            "record_id": record["id"],
            "commitment_text": COMMITMENT,
            "commitment_accepted": True,
            "violation_corrected": True,
        }
        async with client(credit.base, headers=personas.enterprise(V2)) as http:
            ok(await http.post(f"{API}/repairs", json=body), 201)


class TestRevokedAfterAChange:
    async def test_revocation_ends_the_changed_records_publication(self, credit: Credit) -> None:
        # decided 2026-09-02, changed (revision 2) to 60,000 yuan: still 一般, published as the changed record.
        # Then the court revokes it (revision 3): every publication of the case ends, reason revoked, by today+3.
        d, _ = await decide(credit, party_uscc=V3, decided_on=date(2026, 9, 2))
        await publish(credit.js, decision_changed(d, fine_fen=60_000 * YUAN, changed_on=TODAY))
        changed = await record_of(credit, d.case_id, revision=2)
        assert (publication(changed) or {}).get("active") is True, changed
        await publish(credit.js, decision_revoked(d, revision=3, revoked_on=TODAY, source="litigation"))

        async def all_ended() -> Any:
            recs = await records(credit, d.case_id)
            pubs = [publication(r) for r in recs]
            return recs if all(p is None or p["active"] is False for p in pubs) else None

        recs = await wait_for(all_ended)
        pub = publication([r for r in recs if r.get("revision") == 2][0])
        assert pub is not None and pub["end_reason"] == "revoked", pub
        assert date.fromisoformat(pub["ended_on"]) <= TODAY + timedelta(days=3), pub
        assert d.decision_no not in await public_decision_nos(credit, V3)


class TestMixedKinds:
    async def test_a_small_fine_with_confiscation_is_general(self, credit: Credit) -> None:
        # 10,000 yuan (轻微 alone: ≤ 50,000) + 没收违法所得 (一般): the most severe decides -> 一般, published;
        # decided 2026-10-15: earliest 2027-01-15, maximum 2027-10-15
        _, record = await decide(
            credit,
            party_uscc=V4,
            kinds=["fine", "confiscate_illegal_gains"],
            fine_fen=10_000 * YUAN,
            decided_on=date(2026, 10, 15),
        )
        pub = publication(record)
        assert (record["credit_class"], pub["earliest_repair_on"], pub["max_ends_on"]) == (  # type: ignore[index]
            "general",
            "2027-01-15",
            "2027-10-15",
        ), record

    async def test_a_simple_procedure_warning_with_a_general_kind_is_not_minor(self, credit: Credit) -> None:
        # 警告 (轻微) + 暂扣许可证件 (一般) in the general procedure -> 一般; decided 2026-10-16: earliest 2027-01-16
        _, record = await decide(
            credit, party_uscc=V5, kinds=["warning", "suspend_licence"], decided_on=date(2026, 10, 16)
        )
        pub = publication(record)
        assert (record["credit_class"], pub["earliest_repair_on"]) == ("general", "2027-01-16"), record  # type: ignore[index]


class TestRetriedApplication:
    """SPEC §1.6 (Idempotency-Key): the same key and body return the first response; the same key with another
    body is 422."""

    async def test_same_key_same_application(self, credit: Credit) -> None:
        _, record = await decide(credit, party_uscc=V4, decided_on=date(2026, 6, 9), pay=True)
        body = {"record_id": record["id"], "commitment_text": COMMITMENT, "commitment_accepted": True}
        headers = {**personas.enterprise(V4), "Idempotency-Key": "exam4-repair-v4"}
        async with client(credit.base, headers=headers) as http:
            first = ok(await http.post(f"{API}/repairs", json=body), 201)
            again = ok(await http.post(f"{API}/repairs", json=body), 201)
            assert again["id"] == first["id"], (first, again)
            r = await http.post(f"{API}/repairs", json=body | {"evidence_refs": ["sha256:ffff"]})
        assert r.status_code == 422 and r.json()["code"] == "IDEMPOTENCY_KEY_MISMATCH", r.text


class TestPaidThenChanged:
    """A payment made before a change still counts for the changed decision: the fine to perform is the changed
    one (行政处罚法 第四十八条: the changed decision replaces the original; SPEC §4: "penalty fully performed
    including the fine")."""

    async def test_paid_in_full_then_lowered(self, credit: Credit) -> None:
        # 80,000.00 yuan decided 2026-06-10 and paid; changed today to 60,000.00 (still 一般, periods from
        # 2026-06-10: earliest 2026-09-10, passed). Paid 80,000.00 ≥ 60,000.00: admissible.
        d, _ = await decide(credit, party_uscc=V5, decided_on=date(2026, 6, 10), pay=True)
        await publish(credit.js, decision_changed(d, fine_fen=60_000 * YUAN, changed_on=TODAY))
        changed = await record_of(credit, d.case_id, revision=2)
        body = {"record_id": changed["id"], "commitment_text": COMMITMENT, "commitment_accepted": True}
        async with client(credit.base, headers=personas.enterprise(V5)) as http:
            ok(await http.post(f"{API}/repairs", json=body), 201)

    async def test_part_paid_then_lowered_to_what_was_paid(self, credit: Credit) -> None:
        # 80,000.00 decided 2026-06-11, 60,000.00 paid; changed today to 60,000.00: 60,000.00 - 60,000.00 = 0 owed
        d, _ = await decide(credit, party_uscc=V1, decided_on=date(2026, 6, 11))
        await publish(credit.js, fine_paid(d, fine_fen=60_000 * YUAN, fully_performed=False))

        async def part_paid() -> Any:
            rec = await record_of(credit, d.case_id)
            return rec if rec.get("paid_fen", rec.get("fine_paid_fen")) == 60_000 * YUAN else None

        await wait_for(part_paid)
        await publish(credit.js, decision_changed(d, fine_fen=60_000 * YUAN, changed_on=TODAY))
        changed = await record_of(credit, d.case_id, revision=2)
        body = {"record_id": changed["id"], "commitment_text": COMMITMENT, "commitment_accepted": True}
        async with client(credit.base, headers=personas.enterprise(V1)) as http:
            ok(await http.post(f"{API}/repairs", json=body), 201)
