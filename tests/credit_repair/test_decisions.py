"""The consumers of penalty decisions (events.py, use_cases.decisions), through real JetStream: 两书同达 on
penalty.decision.issued, duplicates, out-of-order revocations, changes and payments, gap-free notice numbers,
malformed decisions; and what the service publishes."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date

import orjson
import sqlalchemy as sa

import services.common.contracts  # noqa: F401  (registers every contract)
from services.common import clock
from services.common.contracts import penalty as pc
from services.common.db import transaction
from services.common.events import REGISTRY, make_envelope
from services.common.inbox import parse
from services.common.tables import dead_letter_t
from services.credit_repair import events
from services.credit_repair.models import CreditRecord, FeedEntry, PendingCaseEvent, Publication, RepairNotice
from services.credit_repair.use_cases import decisions
from tests.credit_repair.conftest import Credit
from tests.credit_repair.helpers import (
    CONTEXT,
    ENT_A,
    SUPERVISOR_CITY,
    USCC_C,
    apply,
    end_of,
    months_later,
    publish,
)
from tests.support.contracts import YUAN, decision_changed, decision_issued, decision_revoked, fine_paid
from tests.support.outbox import envelopes
from tests.support.stack import client, wait_for


async def records(credit: Credit, case_id: uuid.UUID) -> list[CreditRecord]:
    async with transaction(credit.factory) as s:
        return list(
            (
                await s.scalars(
                    sa.select(CreditRecord)
                    .where(CreditRecord.case_id == case_id)
                    .order_by(CreditRecord.revision)
                )
            ).all()
        )


async def publication(credit: Credit, record_id: uuid.UUID) -> Publication | None:
    async with transaction(credit.factory) as s:
        return (await s.scalars(sa.select(Publication).where(Publication.record_id == record_id))).first()


async def notices(credit: Credit, case_id: uuid.UUID) -> list[RepairNotice]:
    async with transaction(credit.factory) as s:
        return list((await s.scalars(sa.select(RepairNotice).where(RepairNotice.case_id == case_id))).all())


async def feed_for(credit: Credit, publication_id: uuid.UUID) -> list[FeedEntry]:
    async with transaction(credit.factory) as s:
        return list(
            (
                await s.scalars(
                    sa.select(FeedEntry)
                    .where(FeedEntry.publication_id == publication_id)
                    .order_by(FeedEntry.seq)
                )
            ).all()
        )


class TestDecisionIssued:
    async def test_record_publication_and_notice(self, credit: Credit) -> None:
        d = decision_issued(fine_fen=80_000 * YUAN)
        await publish(credit.js, d)
        await wait_for(lambda: notices(credit, d.case_id))
        [record] = await records(credit, d.case_id)
        # 80,000 yuan > 50,000 yuan: 一般, published 3 months to 1 year from the decision date
        assert (record.credit_class, record.published, record.rule_set_id) == (
            "general",
            True,
            "shenyang-credit-2026-04",
        )
        assert record.domain_key == "market_regulation"  # SJ
        pub = await publication(credit, record.id)
        assert pub is not None
        assert pub.starts_on == d.decided_on
        assert pub.earliest_repair_on == months_later(d.decided_on, 3)
        assert pub.max_ends_on == months_later(d.decided_on, 12)
        assert pub.platforms == ["国家企业信用信息公示系统", "信用中国"]

        async with client(credit.base, headers=ENT_A) as http:
            r = await http.get("/api/v1/credit/notices", params={"case_id": str(d.case_id)})
            assert r.status_code == 200, r.text
            [n] = r.json()["items"]
            assert n["notice_no"].startswith(f"沈市监信修提〔{clock.today().year}〕")
            assert n["published"] is True and n["earliest_repair_date"] == pub.earliest_repair_on.isoformat()
            html = await http.get(n["html_url"])
            assert html.status_code == 200 and "信用修复提示书" in html.text and n["notice_no"] in html.text
            pdf = await http.get(n["pdf_url"])
            assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
            again = await http.get(n["pdf_url"])
            assert again.content == pdf.content  # rendered once, then kept

        issued = [
            e
            for e in await envelopes(credit.factory, "credit.notice.issued")
            if e["subject"] == str(d.case_id)
        ]
        assert len(issued) == 1
        _, event = parse(orjson.dumps(issued[0]))
        assert event.published is True and event.credit_class == "一般"  # type: ignore[attr-defined]
        started = [
            e
            for e in await envelopes(credit.factory, "credit.publication.started")
            if e["data"]["case_id"] == str(d.case_id)
        ]
        assert len(started) == 1 and started[0]["data"]["ends_on"] == pub.max_ends_on.isoformat()

    async def test_unpublished_small_fine_still_gets_a_notice(self, credit: Credit) -> None:
        d = decision_issued(fine_fen=30_000 * YUAN)  # 30,000 <= 50,000: 轻微, not published in Shenyang
        await publish(credit.js, d)
        [n] = await wait_for(lambda: notices(credit, d.case_id))
        [record] = await records(credit, d.case_id)
        assert (record.credit_class, record.published) == ("minor", False)
        assert await publication(credit, record.id) is None
        assert n.content["published"] is False and "不予公示" in n.html

    async def test_the_same_decision_twice_is_one_record(self, credit: Credit) -> None:
        d = decision_issued()
        env = await publish(credit.js, d)
        await publish(credit.js, d, envelope=env, msg_id=f"again-{env.id}")  # redelivered: same event id
        await publish(credit.js, d)  # re-sent as a new event: same case, same revision
        await wait_for(lambda: notices(credit, d.case_id))
        await asyncio.sleep(1.0)  # let the duplicates be handled before counting
        assert len(await records(credit, d.case_id)) == 1
        assert len(await notices(credit, d.case_id)) == 1

    async def test_malformed_decision_is_dead_lettered(self, credit: Credit) -> None:
        d = decision_issued(kinds=["fine"], fine_fen=80_000 * YUAN).model_copy(update={"fine_fen": 0})
        env = await publish(credit.js, d)

        async def dead() -> int:
            async with transaction(credit.factory) as s:
                return int(
                    await s.scalar(
                        sa.select(sa.func.count())
                        .select_from(dead_letter_t)
                        .where(dead_letter_t.c.event_id == str(env.id))
                    )
                    or 0
                )

        await wait_for(dead)
        assert await records(credit, d.case_id) == []


class TestOutOfOrder:
    async def test_revocation_before_the_decision_still_ends_it(self, credit: Credit) -> None:
        d = decision_issued()
        await publish(credit.js, decision_revoked(d))

        async def kept() -> list[PendingCaseEvent]:
            async with transaction(credit.factory) as s:
                return list(
                    (
                        await s.scalars(
                            sa.select(PendingCaseEvent).where(PendingCaseEvent.case_id == d.case_id)
                        )
                    ).all()
                )

        await wait_for(kept)
        await publish(credit.js, d)
        await wait_for(lambda: notices(credit, d.case_id))
        [record] = await records(credit, d.case_id)
        assert record.decision_status == "revoked"
        pub = await publication(credit, record.id)
        assert pub is not None
        end = await end_of(credit.factory, pub.id)
        assert end is not None and end.ended_on == clock.today() and end.reason == "revoked"
        assert [(f.kind, f.reason) for f in await feed_for(credit, pub.id)] == [
            ("started", None),
            ("ended", "revoked"),
        ]
        [pending] = await kept()
        assert pending.applied_at is not None
        ended = [
            e
            for e in await envelopes(credit.factory, "credit.publication.ended")
            if e["data"]["publication_id"] == str(pub.id)
        ]
        assert [e["data"]["reason"] for e in ended] == ["revoked"]

    async def test_revocation_after_the_decision_ends_it_at_once(self, credit: Credit) -> None:
        d = decision_issued()
        await apply(credit.factory, d)
        [record] = await records(credit, d.case_id)
        await publish(credit.js, decision_revoked(d))

        async def ended() -> bool:
            p = await publication(credit, record.id)
            return p is not None and await end_of(credit.factory, p.id) is not None

        await wait_for(ended, timeout=5)  # 行政处罚法 第四十八条: within 3 days; here within seconds

    async def test_an_older_revision_is_ignored(self, credit: Credit) -> None:
        d = decision_issued(revision=3)
        await apply(credit.factory, d)
        await apply(
            credit.factory, decision_revoked(d, revision=2)
        )  # older than the decision it would revoke
        [record] = await records(credit, d.case_id)
        assert record.decision_status == "in_force"

    async def test_change_ends_the_old_publication_and_classes_the_new_decision(self, credit: Credit) -> None:
        d = decision_issued(fine_fen=80_000 * YUAN)
        await apply(credit.factory, d)
        await apply(credit.factory, decision_changed(d, kinds=["fine"], fine_fen=30_000 * YUAN))
        old, new = await records(credit, d.case_id)
        assert (old.decision_status, old.superseded_by) == ("changed", new.id)
        old_pub = await publication(credit, old.id)
        assert old_pub is not None
        old_end = await end_of(credit.factory, old_pub.id)
        assert old_end is not None and old_end.reason == "changed"
        # 30,000 yuan: 轻微 and unpublished; the changed decision has its own notice
        assert (new.revision, new.credit_class, new.published) == (2, "minor", False)
        assert len(await notices(credit, d.case_id)) == 2

    async def test_change_and_revocation_before_the_decision_apply_in_revision_order(
        self, credit: Credit
    ) -> None:
        d = decision_issued(fine_fen=80_000 * YUAN)
        await apply(credit.factory, decision_revoked(d, revision=3))
        await apply(credit.factory, decision_changed(d, kinds=["fine"], fine_fen=60_000 * YUAN, revision=2))
        await apply(credit.factory, d)
        old, new = await records(credit, d.case_id)
        assert old.decision_status == "changed" and new.decision_status == "revoked"
        new_pub = await publication(credit, new.id)
        assert new_pub is not None
        new_end = await end_of(credit.factory, new_pub.id)
        assert new_end is not None and new_end.reason == "revoked"

    async def test_confirmed_void_ends_the_publication_with_its_reason(self, credit: Credit) -> None:
        # 80,000 yuan: 一般, published; a court confirms the decision void (行政诉讼法 第七十五条)
        d = decision_issued(fine_fen=80_000 * YUAN)
        await apply(credit.factory, d)
        void = decision_revoked(d, source="litigation", reason="决定无效", outcome="confirmed_void")
        await apply(credit.factory, void)
        [record] = await records(credit, d.case_id)
        assert (record.decision_status, record.status_reason) == ("confirmed_void", "人民法院裁判：决定无效")
        pub = await publication(credit, record.id)
        assert pub is not None
        end = await end_of(credit.factory, pub.id)
        assert end is not None and (end.ended_on, end.reason) == (clock.today(), "confirmed_void")
        assert [(f.kind, f.reason) for f in await feed_for(credit, pub.id)] == [
            ("started", None),
            ("ended", "confirmed_void"),
        ]

    async def test_a_revocation_written_before_the_outcome_field_reads_as_one(self, credit: Credit) -> None:
        # An envelope already in the outbox or the stream has no "outcome": it is a revocation.
        d = decision_issued(fine_fen=80_000 * YUAN)
        await apply(credit.factory, d)
        env = make_envelope(decision_revoked(d), source="penalty")
        old = env.model_copy(update={"data": {k: v for k, v in env.data.items() if k != "outcome"}})
        _, event = parse(orjson.dumps(old.model_dump(mode="json")))
        assert isinstance(event, pc.DecisionRevoked) and event.outcome == "revoked"
        await publish(credit.js, event, envelope=old)

        async def revoked() -> bool:
            [record] = await records(credit, d.case_id)
            return record.decision_status == "revoked"

        await wait_for(revoked, timeout=5)

    async def test_payment_before_the_decision(self, credit: Credit) -> None:
        d = decision_issued(fine_fen=80_000 * YUAN)
        await apply(credit.factory, fine_paid(d))
        await apply(credit.factory, d)
        [record] = await records(credit, d.case_id)
        assert record.fully_performed and record.fine_paid_fen == 80_000 * 100

    async def test_partial_payments_add_up_to_the_fine(self, credit: Credit) -> None:
        d = decision_issued(fine_fen=80_000 * YUAN)
        await apply(credit.factory, d)
        await apply(credit.factory, fine_paid(d, fully_performed=False, fine_fen=30_000 * 100))
        await apply(
            credit.factory, fine_paid(d, fully_performed=False, fine_fen=60_000 * 100)
        )  # more than what is left
        [record] = await records(credit, d.case_id)
        assert record.fine_paid_fen == 80_000 * 100 and not record.fully_performed


class TestNoticeNumbers:
    async def test_no_gaps_under_concurrency_and_rollbacks(self, credit: Credit) -> None:
        async def one(i: int) -> None:
            d = decision_issued()
            try:
                async with transaction(credit.factory) as s:
                    await decisions.decision_issued(
                        s, envelope=make_envelope(d, source="penalty"), event=d, context=CONTEXT
                    )
                    if i % 4 == 0:
                        raise RuntimeError("fails after numbering")
            except RuntimeError:
                pass

        await asyncio.gather(*(one(i) for i in range(24)))
        async with transaction(credit.factory) as s:
            seqs = sorted(
                (
                    await s.scalars(
                        sa.select(RepairNotice.seq).where(
                            RepairNotice.prefix == "沈市监信修提", RepairNotice.year == clock.today().year
                        )
                    )
                ).all()
            )
        assert seqs == list(range(1, len(seqs) + 1))  # 1..n, no gap, no duplicate
        assert len(seqs) >= 18  # the 18 committed here (6 rolled back) and the module's earlier ones


async def test_every_contract_credit_publishes_has_its_builder() -> None:
    """events.PUBLISHED names a builder for each contract of the credit stream (the kernel's own aside: the
    diagnostic ping and the audit chain's signed checkpoint)."""
    kernel = ("diagnostic", "audit.checkpoint")
    published = {
        c.TYPE
        for c in REGISTRY.all()
        if c.TYPE.startswith("credit.") and not any(part in c.TYPE for part in kernel)
    }
    assert {c.TYPE for c in events.PUBLISHED} == published


class TestPublicationsLedger:
    async def test_the_ledger_lists_the_enterprises_published_record_with_chinese_headers(
        self, credit: Credit
    ) -> None:
        """信用公示台账 (issue #15 item 4): one row per record the caller may see, the publication's dates flat."""
        import io

        from openpyxl import load_workbook

        d = decision_issued(fine_fen=80_000 * YUAN, decided_on=date(2026, 8, 31))
        await publish(credit.js, d)
        await wait_for(lambda: notices(credit, d.case_id))
        async with client(credit.base, headers=ENT_A) as http:
            r = await http.get("/api/v1/credit/ledgers/publications.xlsx")
        assert r.status_code == 200 and r.headers["content-type"].endswith("spreadsheetml.sheet")
        rows = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))  # type: ignore[union-attr]
        assert rows[0][:3] == ("处罚决定书文号", "决定日期", "当事人")
        [row] = [dict(zip(rows[0], x, strict=True)) for x in rows[1:] if x[0] == d.decision_no]
        # 80,000 元 (8,000,000 fen / 100); published: 是; 公示平台 joined with 、
        assert float(row["罚款金额（元）"]) == 80_000
        assert row["是否公示"] == "是" and row["公示平台"] == "国家企业信用信息公示系统、信用中国"
        # 一般, published [31 Aug 2026, 31 Aug 2027): 31 Aug 2026 + 12 months = 31 Aug 2027 is the first day it is
        # no longer published (the public list drops it that day), so the column says 停止公示日; a "公示截止日"
        # (last day of publication) of 31 Aug 2027 would name a day on which nothing is published.
        assert str(row["公示起始日"])[:10] == "2026-08-31"
        assert str(row["停止公示日"])[:10] == "2027-08-31"
        assert "公示截止日" not in rows[0]


class TestRestrictionTerm:
    """总局令第45号 第十三条第三款 (依照法律法规被限制开展生产经营活动、限制从业超过三年的，公示期按照实际限制期限
    执行), with the term penalty now sends on penalty.decision.issued and penalty.decision.changed.

    Worked example: decided 2026-05-10 under shenyang-credit-2026-04 (in force from 2026-04-01). A restriction
    is 严重: published at least 12, at most 36 months, never ended early in market regulation (第十四条).
    Without the term the maximum ends 2026-05-10 + 36 months = 2029-05-10; with a term of 5 years (60 months,
    e.g. 化妆品监督管理条例 第六十五条's 5年内禁止从事化妆品生产经营活动) it ends 2026-05-10 + 60 months = 2031-05-10.
    """

    ON = date(2026, 5, 10)

    async def test_a_five_year_ban_is_published_for_five_years(self, credit: Credit) -> None:
        d = decision_issued(
            party_uscc=None,
            party_name="王某某",
            kinds=["fine", "restrict_employment"],
            fine_fen=20_000 * YUAN,
            decided_on=self.ON,
            restriction_months=60,
        )
        await publish(credit.js, d)
        await wait_for(lambda: notices(credit, d.case_id))
        [record] = await records(credit, d.case_id)
        assert (record.credit_class, record.restriction_months, record.max_months) == ("serious", 60, 60)
        pub = await publication(credit, record.id)
        assert pub is not None
        assert (pub.starts_on, pub.min_ends_on, pub.max_ends_on) == (
            date(2026, 5, 10),
            date(2027, 5, 10),  # + 12 months
            date(2031, 5, 10),  # + 60 months, not the class's 2029-05-10
        )
        assert pub.earliest_repair_on is None  # 限制从业: never ended early (第十四条)
        assert "限制期限5年长于最长公示期" in record.class_reason
        async with client(credit.base, headers=SUPERVISOR_CITY) as http:
            r = await http.get(f"/api/v1/credit/records/{record.id}")
        assert r.status_code == 200, r.text
        assert r.json()["restriction_months"] == 60
        assert r.json()["publication"]["max_ends_on"] == "2031-05-10"

    async def test_the_public_list_shows_a_restricted_enterprise_until_the_term_ends(
        self, credit: Credit
    ) -> None:
        d = decision_issued(
            party_uscc=USCC_C,
            kinds=["fine", "restrict_business"],
            fine_fen=200_000 * YUAN,
            decided_on=self.ON,
            restriction_months=60,
        )
        await publish(credit.js, d)
        await wait_for(lambda: notices(credit, d.case_id))
        async with client(credit.base) as http:
            r = await http.get("/public/credit/publications", params={"uscc": USCC_C, "limit": 200})
        assert r.status_code == 200, r.text
        [item] = [i for i in r.json()["items"] if i["decision_no"] == d.decision_no]
        assert (item["starts_on"], item["ends_on"]) == ("2026-05-10", "2031-05-10")

    async def test_a_decision_event_without_the_field_is_still_consumed(self, credit: Credit) -> None:
        d = decision_issued(kinds=["fine", "restrict_employment"], party_uscc=None, decided_on=self.ON)
        env = make_envelope(d, source="penalty")
        old = {k: v for k, v in env.data.items() if k != "restriction_months"}  # as written before the field
        await publish(credit.js, d, envelope=env.model_copy(update={"data": old}))
        await wait_for(lambda: notices(credit, d.case_id))
        [record] = await records(credit, d.case_id)
        assert (record.restriction_months, record.max_months) == (None, 36)
        pub = await publication(credit, record.id)
        assert pub is not None and pub.max_ends_on == date(2029, 5, 10)

    async def test_a_change_to_a_shorter_ban_keeps_the_class_maximum(self, credit: Credit) -> None:
        d = decision_issued(
            party_uscc=None, kinds=["fine", "restrict_employment"], decided_on=self.ON, restriction_months=60
        )
        await apply(credit.factory, d)
        change = decision_changed(
            d, kinds=["fine", "restrict_employment"], fine_fen=80_000 * YUAN, restriction_months=24
        )
        await apply(credit.factory, change)
        old, new = await records(credit, d.case_id)
        assert (old.restriction_months, new.restriction_months) == (60, 24)
        # 24 months < 36: the class's maximum, counted from the original decision date
        pub = await publication(credit, new.id)
        assert pub is not None and pub.max_ends_on == date(2029, 5, 10)
