"""Declared consumers receive their contract type; declared jobs run under one runner."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import date
from types import SimpleNamespace
from typing import Any

import pytest

from services.common import jobs, metrics
from services.common.contracts.penalty import FinePaid
from services.common.events import Event, make_envelope
from services.common.inbox import Consumers, Delivery, PoisonMessage


@dataclass
class Ctx:
    label: str


def fine_paid() -> FinePaid:
    return FinePaid(
        case_id=uuid.uuid4(),
        decision_no="沈市监罚〔2026〕1号",
        party_uscc=None,
        fine_fen=100_000,
        surcharge_fen=0,
        paid_on=date(2026, 5, 6),
        fully_performed=True,
    )


class TestConsumers:
    async def test_the_handler_gets_its_contract_and_the_service_context(self) -> None:
        consumers: Consumers[Ctx] = Consumers()
        seen: list[tuple[Any, FinePaid, str]] = []

        @consumers.consumes(FinePaid, name="fine-paid")
        async def on_fine_paid(session: Any, event: FinePaid, delivery: Delivery[Ctx]) -> None:
            seen.append((session, event, delivery.context.label))

        [sub] = consumers.subscriptions(Ctx("credit"))
        event = fine_paid()
        envelope = make_envelope(event, source="penalty")
        await sub.handler("session", envelope, event)
        assert (sub.name, sub.subject) == ("fine-paid", "penalty.fine.paid")
        assert seen == [("session", event, "credit")]

    async def test_another_version_of_the_type_is_a_poison_message(self) -> None:
        consumers: Consumers[None] = Consumers()

        @consumers.consumes(FinePaid, name="fine-paid")
        async def on_fine_paid(session: Any, event: FinePaid, delivery: Delivery[None]) -> None:
            raise AssertionError("must not be called")

        class FinePaidV2(Event):  # not registered: built here only to arrive under the same type
            TYPE = "penalty.fine.paid"
            VERSION = 2
            case_id: uuid.UUID

            def subject_id(self) -> str:
                return str(self.case_id)

        [sub] = consumers.subscriptions(None)
        v2 = FinePaidV2(case_id=uuid.uuid4())
        with pytest.raises(PoisonMessage):
            await sub.handler(None, make_envelope(v2, source="penalty"), v2)

    def test_a_durable_name_is_declared_once(self) -> None:
        consumers: Consumers[None] = Consumers()

        @consumers.consumes(FinePaid, name="fine-paid")
        async def first(session: Any, event: FinePaid, delivery: Delivery[None]) -> None: ...

        with pytest.raises(ValueError, match="declared twice"):

            @consumers.consumes(FinePaid, name="fine-paid")
            async def second(session: Any, event: FinePaid, delivery: Delivery[None]) -> None: ...


def runtime(context: Any = None) -> Any:
    return SimpleNamespace(info=SimpleNamespace(name="testsvc"), context=context)


def runs(job: str, outcome: str) -> float:
    return metrics.JOB_RUNS.labels("testsvc", job, outcome)._value.get()


class TestPeriodic:
    async def test_a_failing_round_is_logged_and_the_next_round_runs(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        rounds: list[int] = []
        three = asyncio.Event()

        async def flaky(rt: Any) -> None:
            rounds.append(len(rounds) + 1)
            if len(rounds) == 1:
                raise RuntimeError("database went away")
            if len(rounds) == 3:
                three.set()

        before_ok, before_err = runs("flaky", "ok"), runs("flaky", "error")
        task = asyncio.create_task(jobs.run(jobs.periodic("flaky", 0.01, flaky), runtime()))
        try:
            await asyncio.wait_for(three.wait(), 5)
        finally:
            task.cancel()
        assert rounds[:3] == [1, 2, 3]
        assert runs("flaky", "error") - before_err == 1
        assert runs("flaky", "ok") - before_ok >= 2
        assert any("job flaky failed" in r.getMessage() for r in caplog.records if r.levelname == "ERROR")

    async def test_more_work_runs_the_next_round_at_once(self) -> None:
        # A backlog of 5 batches with an interval of an hour: all 5 rounds run without waiting.
        backlog = [5]
        drained = asyncio.Event()

        async def batch(rt: Any) -> bool:
            backlog[0] -= 1
            if backlog[0] == 0:
                drained.set()
            return backlog[0] > 0

        task = asyncio.create_task(jobs.run(jobs.periodic("batch", 3600, batch), runtime()))
        try:
            await asyncio.wait_for(drained.wait(), 5)
        finally:
            task.cancel()
        assert backlog == [0]

    async def test_the_interval_and_switch_come_from_the_context(self) -> None:
        job = jobs.periodic(
            "sweep", lambda ctx: ctx.every, lambda rt: asyncio.sleep(0), enabled=lambda ctx: ctx.on
        )
        assert job.interval(SimpleNamespace(every=42.0, on=True)) == 42.0
        assert job.is_enabled(SimpleNamespace(every=1, on=True))
        assert not job.is_enabled(SimpleNamespace(every=1, on=False))

    async def test_cancellation_stops_the_job(self) -> None:
        started = asyncio.Event()

        async def slow(rt: Any) -> None:
            started.set()
            await asyncio.sleep(3600)

        task = asyncio.create_task(jobs.run(jobs.periodic("slow", 1, slow), runtime()))
        await asyncio.wait_for(started.wait(), 5)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
