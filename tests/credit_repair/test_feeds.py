"""The integration feed in commit order (no entry skipped by a resuming reader, even when transactions that
started first commit last, and under many concurrent writers), its cursor, and the public list."""

from __future__ import annotations

import asyncio
import random
import uuid
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.common import clock
from services.credit_repair.domain.publication import Decision, PublishedRecord
from services.credit_repair.domain.rules import PartyKind, PenaltyKind, ProcedureKind
from services.credit_repair.models import CreditRecord, Publication
from services.credit_repair.repository import deferred
from tests.credit_repair.conftest import Credit
from tests.credit_repair.helpers import ADMIN, USCC_B, USCC_C, apply, rows_for
from tests.support import personas
from tests.support.contracts import YUAN, decision_issued, decision_revoked
from tests.support.http import problem
from tests.support.stack import client

READER = personas.integration("creditchina", sub="creditchina")


def _record(uscc: str | None = None) -> PublishedRecord:
    today = clock.today()
    return PublishedRecord(
        decision=Decision(
            decision_no=f"沈罚〔2026〕{uuid.uuid4().int % 10**6}号",
            decision_date=today,
            party_kind=PartyKind.ORGANISATION,
            procedure=ProcedureKind.GENERAL,
            kinds=frozenset({PenaltyKind.FINE}),
            fine_fen=8_000_000,
            department_domain="market_regulation",
        ),
        published_until=today + timedelta(days=365),
    )


async def start_publication(session: AsyncSession) -> uuid.UUID:
    """Insert a publication and stage its feed entry, as the consumer does (numbered at commit)."""
    recs, pubs = rows_for([_record()])
    await session.execute(sa.insert(CreditRecord), recs)
    await session.execute(sa.insert(Publication), pubs)
    deferred.stage_feed(session, pubs[0]["id"], "started", None, clock.now())
    return pubs[0]["id"]  # type: ignore[no-any-return]


async def read_all(http: Any, cursor: str | None) -> tuple[list[dict[str, Any]], str]:
    items: list[dict[str, Any]] = []
    while True:
        r = await http.get(
            "/api/v1/credit/feed", params={"limit": 50, **({"cursor": cursor} if cursor else {})}
        )
        assert r.status_code == 200, r.text
        body = r.json()
        items += body["items"]
        cursor = body["next_cursor"]
        if not body["has_more"]:
            return items, cursor


class TestCommitOrder:
    async def test_a_transaction_that_started_first_and_commits_last_is_not_skipped(
        self, credit: Credit
    ) -> None:
        async with client(credit.base, headers=READER) as http:
            _, cursor = await read_all(http, None)
            first = credit.factory()
            second = credit.factory()
            try:
                await first.begin()
                early = await start_publication(first)  # takes the lower publication seq
                await first.flush()
                await second.begin()
                late = await start_publication(second)
                await second.commit()  # commits first
                seen, cursor_after_second = await read_all(http, cursor)
                assert [i["publication_id"] for i in seen] == [str(late)]
                await first.commit()
            finally:
                await first.close()
                await second.close()
            seen, _ = await read_all(http, cursor_after_second)  # resume where the reader stopped
            assert [i["publication_id"] for i in seen] == [str(early)]
        # an identity column would have skipped it: the early row has the lower sequence number
        async with credit.factory() as s:
            seqs = {r[0]: r[1] for r in await s.execute(sa.select(Publication.id, Publication.seq))}
        assert seqs[early] < seqs[late]

    async def test_a_bulk_end_between_them(self, credit: Credit, reset_clock: None) -> None:
        d = decision_issued(
            fine_fen=80_000 * YUAN, decided_on=clock.today() - timedelta(days=1200)
        )  # past its maximum (3 years then)
        await apply(credit.factory, d)
        async with client(credit.base, headers=READER) as http:
            _, cursor = await read_all(http, None)
            open_tx = credit.factory()
            try:
                await open_tx.begin()
                pending = await start_publication(open_tx)
                await open_tx.flush()
                async with client(credit.base, headers=ADMIN) as admin:
                    swept = (await admin.post("/api/v1/credit/admin/sweep")).json()
                assert swept["ended"] >= 1
                await open_tx.commit()
            finally:
                await open_tx.close()
            seen, _ = await read_all(http, cursor)
        kinds = [(i["kind"], i["publication_id"]) for i in seen]
        assert ("started", str(pending)) == kinds[-1]  # committed last, numbered last
        assert any(k == "ended" for k, _ in kinds[:-1])

    async def test_many_concurrent_writers_and_a_reader_see_every_entry_once(self, credit: Credit) -> None:
        async with client(credit.base, headers=READER) as http:
            _, start = await read_all(http, None)
            written: list[uuid.UUID] = []
            done = asyncio.Event()

            async def writer(n: int) -> None:
                rng = random.Random(n)
                for _ in range(6):
                    async with credit.factory() as s, s.begin():
                        ids = [await start_publication(s) for _ in range(rng.randint(1, 3))]
                        await asyncio.sleep(rng.random() * 0.05)  # hold the transaction open a while
                        if rng.random() < 0.2:
                            await s.rollback()
                            continue
                    written.extend(ids)

            seen: list[dict[str, Any]] = []

            async def reader() -> None:
                cursor = start
                while True:
                    items, cursor = await read_all(http, cursor)
                    seen.extend(items)
                    if done.is_set():
                        items, cursor = await read_all(http, cursor)
                        seen.extend(items)
                        return
                    await asyncio.sleep(0.01)

            reading = asyncio.create_task(reader())
            await asyncio.gather(*(writer(n) for n in range(8)))
            done.set()
            await reading
        seqs = [i["seq"] for i in seen]
        assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))  # contiguous: nothing skipped, no repeats
        assert sorted(i["publication_id"] for i in seen) == sorted(str(w) for w in written)


class TestCursor:
    async def test_pages_and_resume(self, credit: Credit) -> None:
        async with client(credit.base, headers=READER) as http:
            everything, end = await read_all(http, None)
            assert len(everything) >= 3
            page = (await http.get("/api/v1/credit/feed", params={"limit": 2})).json()
            assert page["has_more"] is True and [i["seq"] for i in page["items"]] == [
                e["seq"] for e in everything[:2]
            ]
            rest = (
                await http.get("/api/v1/credit/feed", params={"since": page["next_cursor"], "limit": 1})
            ).json()
            assert rest["items"][0]["seq"] == everything[2]["seq"]
            tail = (await http.get("/api/v1/credit/feed", params={"cursor": end})).json()
            assert tail == {
                "items": [],
                "next_cursor": end,
                "has_more": False,
            }  # at the end: same cursor back
            # outside the cursor alphabet the schema states: a validation error; inside it, not ours: 400
            bad = await http.get("/api/v1/credit/feed", params={"cursor": "%%%"})
            assert bad.status_code == 422 and bad.json()["errors"][0]["loc"] == ["query", "cursor"]
            bad = await http.get("/api/v1/credit/feed", params={"cursor": "bm90LWEtY3Vyc29y"})
            problem(bad, 400, "INVALID_CURSOR")

    async def test_entries_carry_the_publication(self, credit: Credit) -> None:
        d = decision_issued(party_uscc=USCC_B, fine_fen=90_000 * YUAN)
        await apply(credit.factory, d)
        async with client(credit.base, headers=READER) as http:
            items, _ = await read_all(http, None)
        mine = [i for i in items if i["data"]["case_id"] == str(d.case_id)]
        assert len(mine) == 1 and mine[0]["kind"] == "started"
        data = mine[0]["data"]
        assert (
            data["party_uscc"] == USCC_B and data["credit_class_label"] == "一般" and data["ended_on"] is None
        )
        assert data["starts_on"] == d.decided_on.isoformat()


class TestPublicList:
    async def test_current_masked_filtered(self, credit: Credit) -> None:
        company = decision_issued(party_uscc=USCC_C, fine_fen=90_000 * YUAN, department_code="ST")
        person = decision_issued(
            party_uscc=None, party_name="李小明", fine_fen=9_000 * YUAN, department_code="ST"
        )
        small = decision_issued(party_uscc=USCC_C, fine_fen=9_000 * YUAN)  # 轻微, unpublished
        for d in (company, person, small):
            await apply(credit.factory, d)
        async with client(credit.base) as http:  # no token: public
            r = await http.get("/public/credit/publications", params={"uscc": USCC_C})
            assert r.status_code == 200, r.text
            assert [p["decision_no"] for p in r.json()["items"]] == [company.decision_no]
            st = (
                await http.get("/public/credit/publications", params={"department_code": "ST", "limit": 200})
            ).json()
            names = {p["decision_no"]: p for p in st["items"]}
            assert (
                names[person.decision_no]["party_name"] == "李**"
                and names[person.decision_no]["party_uscc"] is None
            )
            assert names[company.decision_no]["credit_class"] == "一般"
            assert all(p["department_code"] == "ST" for p in st["items"])
            one = (await http.get("/public/credit/publications", params={"limit": 1})).json()
            two = (
                await http.get(
                    "/public/credit/publications", params={"limit": 1, "cursor": one["next_cursor"]}
                )
            ).json()
            assert one["items"][0]["id"] != two["items"][0]["id"]

    async def test_a_blank_personal_name_is_published_as_one_star(self, credit: Credit) -> None:
        # the penalty service accepts a natural person's name of blank characters (min_length=1, not
        # stripped); the public list has always shown it as one star, never as an empty name
        person = decision_issued(party_uscc=None, party_name=" ", fine_fen=9_000 * YUAN, department_code="ST")
        await apply(credit.factory, person)
        async with client(credit.base) as http:
            r = await http.get("/public/credit/publications", params={"department_code": "ST", "limit": 200})
        [mine] = [p for p in r.json()["items"] if p["decision_no"] == person.decision_no]
        assert mine["party_name"] == "*"

    @pytest.mark.parametrize("uscc", ["91210100MACQTKPQ70", "123", "ABCDEFGHIJKLMNOPQR"])
    async def test_invalid_uscc(self, credit: Credit, uscc: str) -> None:
        async with client(credit.base) as http:
            r = await http.get("/public/credit/publications", params={"uscc": uscc})
        problem(r, 422, "VALIDATION_FAILED")

    async def test_ended_publications_leave_the_list(self, credit: Credit) -> None:
        d = decision_issued(party_uscc=USCC_C, fine_fen=95_000 * YUAN)
        await apply(credit.factory, d)

        await apply(credit.factory, decision_revoked(d))
        async with client(credit.base) as http:
            r = await http.get("/public/credit/publications", params={"uscc": USCC_C, "limit": 200})
        assert d.decision_no not in [p["decision_no"] for p in r.json()["items"]]
