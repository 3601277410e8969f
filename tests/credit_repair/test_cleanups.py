"""信用松绑 clean-up: the set-based SQL agrees with the pure oracle (``end_reason_for_cleanup``) on generated
publications under several rule sets; runs through the API (dry run, report by reason and department, a
real run, a second run that ends nothing, resume after a failure); the bulk-built envelopes parse as
contracts; the daily sweep."""

from __future__ import annotations

import asyncio
import copy
import json
import random
import re
import uuid
from datetime import date, timedelta
from typing import Any

import orjson
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.common import clock
from services.common.auth import Principal
from services.common.contracts.credit import PublicationEnded
from services.common.db import transaction
from services.common.embedded import EmbeddedNats
from services.common.inbox import parse
from services.common.tables import outbox_t
from services.credit_repair.domain import publication as pub_domain
from services.credit_repair.domain import rules
from services.credit_repair.domain.publication import Decision, DecisionStatus, PublishedRecord
from services.credit_repair.domain.rules import PartyKind, PenaltyKind, ProcedureKind
from services.credit_repair.models import CleanupRun, FeedEntry, Publication, PublicationEnd
from services.credit_repair.repository import bulk as bulk_repo
from services.credit_repair.use_cases import cleanups
from tests.credit_repair.conftest import Credit
from tests.credit_repair.helpers import (
    ADMIN,
    RULES,
    SUPERVISOR_CITY,
    add_pending_cleanup,
    announced,
    database,
    ended_on_stream,
    insert,
    load_rules,
)
from tests.support.http import problem
from tests.support.stack import Stack, client, wait_for

CJK = re.compile(r"[\u3400-\u9fff]")
EN = {"Accept-Language": "en"}

NOT_ENDED = ~sa.exists().where(PublicationEnd.publication_id == Publication.id)
YUAN = 100
FINES = [
    1,
    200 * YUAN,
    3_000 * YUAN,
    5_000 * YUAN - 1,
    5_000 * YUAN,
    5_000 * YUAN + 1,
    50_000 * YUAN - 1,
    50_000 * YUAN,
    50_000 * YUAN + 1,
    100_000 * YUAN,
    1_000_000 * YUAN,
]


def _rule_dict(rid: str = "shenyang-credit-2026-04") -> dict[str, Any]:
    for item in json.loads(RULES)["rule_sets"]:
        if item["id"] == rid:
            return copy.deepcopy(dict(item))
    raise AssertionError(rid)


def rule_set_variants() -> list[rules.RuleSet]:
    """The Shenyang rules and variants that exercise every branch of the expression."""
    variants = [rules.parse_rule_set(_rule_dict()), rules.parse_rule_set(_rule_dict("sample-credit-2023-05"))]
    d = _rule_dict()
    for t in d["classification"]["minor_fine_thresholds"]:
        t["inclusive"] = not t["inclusive"]
    d["publication"]["minor"] = {"published": True, "max_months": 3}
    d["id"] = "flipped"
    variants.append(rules.parse_rule_set(d))
    d = _rule_dict()
    d["classification"]["serious_fine_thresholds"] = [
        {"party": "organisation", "amount_fen": 1_000_000 * YUAN},
        {"party": "individual", "amount_fen": 100_000 * YUAN},
    ]
    d["classification"]["kind_classes"]["confiscate_illegal_gains"] = "minor"
    d["classification"]["kind_classes"].pop("detention")
    d["classification"]["unmapped_kind_class"] = "serious"
    d["classification"]["simple_procedure_class"] = "general"
    d["classification"]["department_serious_class"] = "general"
    d["publication"]["restriction_extends_maximum"] = False
    d["id"] = "reshuffled"
    variants.append(rules.parse_rule_set(d))
    return variants


def random_decision(rng: random.Random, today: date) -> Decision:
    kinds = frozenset(rng.sample(list(PenaltyKind), rng.choice([1, 1, 1, 2, 3])))
    return Decision(
        decision_no=f"沈罚〔2026〕{rng.randrange(10**6)}号",
        decision_date=today - timedelta(days=rng.randrange(0, 5 * 366)),
        party_kind=rng.choice(list(PartyKind)),
        procedure=rng.choice([ProcedureKind.GENERAL, ProcedureKind.GENERAL, ProcedureKind.SIMPLE]),
        kinds=kinds,
        fine_fen=rng.choice(FINES) if PenaltyKind.FINE in kinds else 0,
        department_serious=rng.random() < 0.1,
        department_domain=rng.choice(["market_regulation", "ecology_environment"]),
        violation_kind="SY-SJ-0001",
        restriction_months=rng.choice([None, None, 12, 36, 60]),
    )


def random_record(rng: random.Random, today: date) -> PublishedRecord:
    d = random_decision(rng, today)
    return PublishedRecord(
        decision=d,
        decision_status=rng.choice([DecisionStatus.IN_FORCE] * 8 + list(DecisionStatus)),
        repaired_on=rng.choice([None] * 6 + [today - timedelta(days=10), today, today + timedelta(days=3)]),
        published_until=d.decision_date + timedelta(days=rng.choice([90, 365, 700, 1095, 1900])),
    )


class TestSqlMatchesTheOracle:
    @pytest.mark.parametrize("seed", [1, 2])
    async def test_generated_publications(self, stack: Stack, seed: int) -> None:
        rng = random.Random(seed)
        today = date(2026, 11, 23)
        records = [random_record(rng, today) for _ in range(1500)]
        url = await stack.anew_database("credit_repair")
        async with database(url) as factory:
            await load_rules(factory)
            ids = await insert(factory, records)
            for rule_set in rule_set_variants():
                for day in (today, today + timedelta(days=400)):
                    sql = bulk_repo.cleanup_reason_sql(rule_set)
                    async with transaction(factory) as s:
                        result = await s.execute(
                            sa.text(sql.judged(bulk_repo.NOT_ENDED_SQL)), {**sql.params, "today": day}
                        )
                        got = {row.id: row.reason for row in result}
                    expected = {
                        pid: (
                            None
                            if (reason := pub_domain.end_reason_for_cleanup(r, rule_set, day)) is None
                            else reason.value
                        )
                        for pid, r in zip(ids, records, strict=True)
                    }
                    mismatches = [(pid, got[pid], expected[pid]) for pid in ids if got[pid] != expected[pid]]
                    assert not mismatches, (rule_set.id, day, mismatches[:5], len(mismatches))
                    # every reason and "stays" occur, so no branch is untested by accident
                    if rule_set.id == "shenyang-credit-2026-04" and day == today:
                        assert set(expected.values()) == {
                            None,
                            *(r.value for r in pub_domain.CleanupReason),
                        } - {"reclassified"}
                    if rule_set.id == "reshuffled" and day == today:
                        assert "reclassified" in expected.values()


async def _run(credit: Credit, payload: dict[str, Any]) -> dict[str, Any]:
    async with client(credit.base, headers=ADMIN) as http:
        r = await http.post("/api/v1/credit/cleanups", json=payload)
        assert r.status_code == 202, r.text
        run_id = r.json()["id"]

        async def done() -> dict[str, Any] | None:
            body = (await http.get(f"/api/v1/credit/cleanups/{run_id}")).json()
            return body if body["status"] in ("completed", "failed") else None

        return await wait_for(done, timeout=30)  # type: ignore[no-any-return]


def _published(rng: random.Random, today: date, n: int) -> list[PublishedRecord]:
    return [random_record(rng, today) for _ in range(n)]


class TestRuns:
    async def test_dry_run_then_real_run_then_nothing(
        self, credit: Credit, nats_server: EmbeddedNats
    ) -> None:
        rng = random.Random(7)
        today = clock.today()
        records = _published(rng, today, 400)
        ids = await insert(credit.factory, records)
        current = rules.rule_set_for(rules.parse_rule_sets(RULES), today)

        async def active_expected() -> dict[uuid.UUID, str]:
            # the oracle over every publication still active (earlier tests of the module add some)
            async with transaction(credit.factory) as s:
                active = set((await s.scalars(sa.select(Publication.id).where(NOT_ENDED))).all())
            out = {}
            for pid, r in zip(ids, records, strict=True):
                reason = pub_domain.end_reason_for_cleanup(r, current, today)
                if pid in active and reason is not None:
                    out[pid] = reason.value
            return out

        expected = await active_expected()
        dry = await _run(credit, {"dry_run": True})
        assert dry["status"] == "completed" and dry["dry_run"] is True
        assert dry["matched"] >= len(expected)
        for reason in set(expected.values()):
            assert dry["by_reason"][reason] >= list(expected.values()).count(reason)
        assert sum(dry["by_department"].values()) == dry["matched"]
        async with transaction(credit.factory) as s:
            still = await s.scalar(
                sa.select(sa.func.count()).select_from(Publication).where(Publication.id.in_(ids), NOT_ENDED)
            )
        assert still == len(ids)  # a dry run ends nothing

        real = await _run(credit, {"dry_run": False})
        assert real["status"] == "completed" and real["matched"] == dry["matched"]
        assert real["by_reason"] == dry["by_reason"] and real["by_department"] == dry["by_department"]
        async with transaction(credit.factory) as s:
            result = await s.execute(
                sa.select(PublicationEnd.publication_id, PublicationEnd.reason).where(
                    PublicationEnd.publication_id.in_(ids)
                )
            )
            ended = {r[0]: r[1] for r in result}
            result = await s.execute(
                sa.select(FeedEntry.publication_id, FeedEntry.reason).where(
                    FeedEntry.publication_id.in_(ids), FeedEntry.kind == "ended"
                )
            )
            feed = [(r[0], r[1]) for r in result]
        envelopes = [
            a.envelope for a in await announced(credit.factory) if uuid.UUID(a.envelope["subject"]) in ids
        ]
        assert ended == {pid: f"cleanup_{reason}" for pid, reason in expected.items()}
        assert sorted(feed) == sorted(ended.items())
        assert len(envelopes) == len(ended)
        for envelope in envelopes:
            env, event = parse(orjson.dumps(envelope))  # the SQL-built envelope is a valid contract
            assert isinstance(event, PublicationEnded)
            assert env.subject == str(event.publication_id) and env.source == "credit_repair"
            assert ended[event.publication_id] == event.reason

        # the worker's announce-ends job publishes each end's event from the feed, once
        expected_ids = sorted(str(uuid.uuid3(bulk_repo.END_EVENT_NAMESPACE, str(i))) for i in ended)

        async def on_stream() -> list[str] | None:
            published = sorted(m for m, _ in await ended_on_stream(nats_server.url, {str(i) for i in ended}))
            return published if len(published) >= len(ended) else None

        assert await wait_for(on_stream, timeout=30) == expected_ids

        again = await _run(credit, {"dry_run": False})
        assert again["status"] == "completed" and again["matched"] == 0  # safe to run twice

    async def test_filters(self, credit: Credit) -> None:
        today = clock.today()
        rng = random.Random(11)
        records = [r for r in _published(rng, today, 300) if r.decision_status is DecisionStatus.IN_FORCE]
        await insert(credit.factory, records)
        run = await _run(
            credit, {"dry_run": True, "reasons": ["small_fine", "warning"], "department_codes": ["ST"]}
        )
        assert set(run["by_reason"]) <= {"small_fine", "warning"}
        assert set(run["by_department"]) <= {"ST"}
        assert run["reasons"] == ["warning", "small_fine"]  # stored in precedence order

    async def test_unknown_reason_filter(self, credit: Credit) -> None:
        async with client(credit.base, headers=ADMIN) as http:
            r = await http.post("/api/v1/credit/cleanups", json={"dry_run": True, "reasons": ["bad_weather"]})
            missing = await http.get(f"/api/v1/credit/cleanups/{uuid.uuid4()}")
        problem(r, 422, "VALIDATION_FAILED")
        assert "reasons" in json.dumps(r.json()["errors"])
        problem(missing, 404, "CLEANUP_NOT_FOUND")

    async def test_refusals_in_english(self, credit: Credit) -> None:
        async with client(credit.base, headers=EN) as http:
            dry = await http.post("/api/v1/credit/cleanups", json={"dry_run": False}, headers=SUPERVISOR_CITY)
            run = (await http.post("/api/v1/credit/cleanups", json={"dry_run": True}, headers=ADMIN)).json()
            resume = await http.post(f"/api/v1/credit/cleanups/{run['id']}/resume", json={}, headers=ADMIN)
        assert dry.json()["code"] == "CLEANUP_DRY_RUN_ONLY" and not CJK.search(dry.json()["detail"])
        assert resume.json()["code"] == "CLEANUP_NOT_RESUMABLE" and not CJK.search(resume.json()["detail"])
        assert run["id"] in resume.json()["detail"]

    async def test_resumes_after_a_failure(self, stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
        url = await stack.anew_database("credit_repair")
        today = clock.today()
        records = [
            r
            for r in _published(random.Random(5), today, 500)
            if pub_domain.end_reason_for_cleanup(
                r, rules.rule_set_for(rules.parse_rule_sets(RULES), today), today
            )
        ]
        async with database(url) as factory:
            await load_rules(factory)
            ids = await insert(factory, records)
            run_id = await add_pending_cleanup(factory, today)
            real_step = bulk_repo.judge_step
            calls = 0

            async def failing_step(session: AsyncSession, **kw: Any) -> tuple[int, int]:
                nonlocal calls
                calls += 1
                if calls == 3:
                    raise RuntimeError("the database went away")
                return await real_step(session, **kw)

            monkeypatch.setattr(bulk_repo, "judge_step", failing_step)
            engine = factory.kw["bind"]
            await cleanups.run_cleanups(engine, factory, chunk_size=100, parallelism=2)
            async with transaction(factory) as s:
                run = await s.get(CleanupRun, run_id)
                assert run is not None and run.status == "failed" and "went away" in (run.error or "")
                totals = await bulk_repo.step_totals(s, run_id)
                assert 0 < totals.done < totals.total
                done_before = await s.scalar(sa.select(sa.func.count()).select_from(PublicationEnd))
                assert 0 < done_before < len(records) and done_before == totals.matched
                failed = await bulk_repo.cleanup_run(s, run_id, lock=True)
                assert failed is not None
                await cleanups.resume_cleanup(s, Principal(sub="admin-1", role="admin"), failed)
            await cleanups.run_cleanups(engine, factory, chunk_size=100, parallelism=2)
            async with transaction(factory) as s:
                run = await s.get(CleanupRun, run_id)
                ended = await s.scalar(
                    sa.select(sa.func.count())
                    .select_from(Publication)
                    .where(Publication.id.in_(ids), ~NOT_ENDED)
                )
                feed = await s.scalar(
                    sa.select(sa.func.count()).select_from(FeedEntry).where(FeedEntry.kind == "ended")
                )
                assert not await s.scalar(sa.select(sa.func.count()).select_from(outbox_t))
            events = len({a.id for a in await announced(factory)})
        assert run is not None and run.status == "completed"
        assert run.matched == ended == feed == events == len(records)  # each ended once, none twice


async def test_runs_are_exclusive(stack: Stack) -> None:
    url = await stack.anew_database("credit_repair")
    async with database(url) as factory:
        engine = factory.kw["bind"]
        async with engine.connect() as holder:
            assert await bulk_repo.try_session_lock(holder, cleanups.CLEANUP_LOCK)
            assert (
                await cleanups.run_cleanups(engine, factory, chunk_size=1000) == 0
            )  # another worker holds it
            await bulk_repo.release_session_lock(holder, cleanups.CLEANUP_LOCK)
        assert await asyncio.wait_for(cleanups.run_cleanups(engine, factory, chunk_size=1000), 10) == 0
