"""The live stream (SSE): the log first, then each notification as it commits; ``id`` is the recipient's
seq and ``Last-Event-ID`` resumes exactly after it, nothing lost and nothing twice; heartbeats keep an idle
stream open; a bad Last-Event-ID is refused before the stream starts."""

from __future__ import annotations

import asyncio
import json

from tests.notify.conftest import Notify
from tests.notify.helpers import publish, visit_started
from tests.support import personas
from tests.support.http import problem
from tests.support.sse import SSEReader
from tests.support.stack import client, wait_for

STREAM = "/api/v1/notifications/stream"


async def test_the_log_then_live_then_resume_exactly_after_the_last_seen(notify: Notify) -> None:
    uscc = "91210106MA0XSTRM1A"
    headers = personas.enterprise(uscc, sub="ent-stream")
    for _ in range(2):
        await publish(notify.js, visit_started(uscc))
    async with client(notify.base, headers=headers) as http:
        async with http.stream("GET", STREAM) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            assert response.headers["cache-control"].startswith("no-cache")
            reader = SSEReader(response)
            first, second = await reader.next(), await reader.next()
            assert (first.id, second.id) == ("1", "2") and first.event == "notification"
            assert json.loads(first.data)["seq"] == 1 and reader.retry == 3000
            # live: published while the stream is open
            await publish(notify.js, visit_started(uscc, mode="entry_code"))
            third = await reader.next()
            assert third.id == "3" and json.loads(third.data)["title"] == "现场检查已开始"
            # idle: heartbeats (comment lines) every 0.3 s
            await asyncio.sleep(0.8)
            await publish(notify.js, visit_started(uscc))
            assert (await reader.next()).id == "4"
            assert "heartbeat" in reader.comments
        # cut; two more while nobody listens
        for _ in range(2):
            await publish(notify.js, visit_started(uscc))
        await asyncio.sleep(0.5)
        async with http.stream("GET", STREAM, headers={"Last-Event-ID": "4"}) as response:
            reader = SSEReader(response)
            resumed = [await reader.next(), await reader.next()]
            assert [e.id for e in resumed] == ["5", "6"]  # exactly after 4: none lost, none twice
            await publish(notify.js, visit_started(uscc))
            assert (await reader.next()).id == "7"
            try:
                extra = await reader.next(timeout=0.8)
            except TimeoutError:
                extra = None
            assert extra is None  # nothing sent twice
        # the query parameter, for clients that cannot set the header
        async with http.stream("GET", STREAM, params={"last_event_id": "6"}) as response:
            assert (await SSEReader(response).next()).id == "7"


async def test_each_stream_gets_its_own_recipients_notifications_only(notify: Notify) -> None:
    mine, theirs = "91210106MA0XSTRM2B", "91210106MA0XSTRM3C"
    async with client(notify.base, headers=personas.enterprise(mine, sub="ent-mine")) as http:
        async with http.stream("GET", STREAM) as response:
            reader = SSEReader(response)
            await publish(notify.js, visit_started(theirs))
            await publish(notify.js, visit_started(mine))
            event = await reader.next()
    assert event.id == "1" and json.loads(event.data)["body"]  # its own first (theirs was first published)


async def test_a_bad_last_event_id_is_refused(notify: Notify) -> None:
    headers = personas.enterprise("91210106MA0XSTRM4D", sub="ent-bad")
    async with client(notify.base, headers=headers) as http:
        problem(await http.get(STREAM, headers={"Last-Event-ID": "abc"}), 400, "LAST_EVENT_ID_INVALID")
        problem(await http.get(STREAM, headers={"Last-Event-ID": "5"}), 400, "LAST_EVENT_ID_INVALID")
        problem(await http.get(STREAM, params={"last_event_id": "x"}), 422, "VALIDATION_FAILED")


async def test_roles_without_a_log_are_refused(notify: Notify) -> None:
    for headers in (personas.supervisor("city"), personas.admin(), personas.integration("12345")):
        async with client(notify.base, headers=headers) as http:
            problem(await http.get(STREAM), 403, "ROLE_FORBIDDEN")
    async with client(notify.base) as http:
        problem(await http.get(STREAM), 401, "TOKEN_MISSING")


async def test_a_stream_that_falls_behind_is_closed_and_resumes_without_loss(notify: Notify) -> None:
    """Back-pressure: a stream whose queue of wake-ups overflows (its client stopped reading) ends, instead
    of making anyone wait or buffering without bound; resumed after its last id, it misses nothing."""
    from services.notify.domain.fanout import Fanout
    from services.notify.domain.recipients import Recipient
    from services.notify.use_cases import stream

    uscc = "91210106MA0XSTRM5E"
    recipient = Recipient("enterprise", uscc)
    runtime = notify.running.runtime
    fanout = Fanout(queue_size=1)
    settings = runtime.context.settings
    frames = stream.frames(runtime.factory, fanout, settings, recipient, 0)
    assert (await anext(frames)).startswith(b"retry:")
    waiting = asyncio.ensure_future(anext(frames))  # the stream waits for a wake-up
    await asyncio.sleep(0.05)
    await publish(notify.js, visit_started(uscc))

    async def recorded() -> bool:
        async with client(notify.base, headers=personas.enterprise(uscc)) as http:
            return len((await http.get("/api/v1/notifications")).json()["items"]) == 1

    await wait_for(recorded, timeout=15)
    fanout.publish(recipient, 1)  # wakes it: it sends seq 1 (after heartbeats, if any) ...
    first = await asyncio.wait_for(waiting, 5)
    while first == stream.HEARTBEAT:
        first = await asyncio.wait_for(anext(frames), 5)
    assert first.startswith(b"id: 1\n")
    # ... and its client reads no more: two more wake-ups overflow its queue of one
    fanout.publish(recipient, 2)
    fanout.publish(recipient, 3)
    rest = await asyncio.wait_for(_drain(frames), 5)  # the stream ends by itself (else: a timeout)
    assert all(not f.startswith(b"id: ") for f in rest) and fanout.streams == 0


async def _drain(frames) -> list[bytes]:  # type: ignore[no-untyped-def]
    return [frame async for frame in frames]


async def _next_frame(frames, timeout: float = 5) -> bytes:  # type: ignore[no-untyped-def]
    from services.notify.use_cases import stream

    frame: bytes = await asyncio.wait_for(anext(frames), timeout)
    while frame == stream.HEARTBEAT:
        frame = await asyncio.wait_for(anext(frames), timeout)
    return frame


async def test_an_announced_notification_is_sent_from_its_announcement_without_reading_the_log(
    notify: Notify,
) -> None:
    """Latency (issue #15): the NOTIFY that wakes a stream carries the notification, so the next one in
    order goes out without a query. Seq 1 of this recipient is in no log: only the announcement has it."""
    from services.notify.domain.fanout import Fanout
    from services.notify.domain.recipients import Recipient
    from services.notify.use_cases import stream

    recipient = Recipient("enterprise", "91210106MA0XSTRM6F")
    runtime = notify.running.runtime
    fanout = Fanout()
    frames = stream.frames(runtime.factory, fanout, runtime.context.settings, recipient, 0)
    assert (await anext(frames)).startswith(b"retry:")
    waiting = asyncio.ensure_future(_next_frame(frames))
    await asyncio.sleep(0.05)
    fanout.publish(recipient, 1, b'{"probe":1}')
    assert await asyncio.wait_for(waiting, 5) == b'id: 1\nevent: notification\ndata: {"probe":1}\n\n'
    await frames.aclose()


async def test_an_announcement_out_of_order_is_only_a_wake_up_the_rows_come_from_the_log(
    notify: Notify,
) -> None:
    """Never lost, never twice: an announcement that is not the next in order (one before it was missed)
    makes the stream read the log, which sends every row in order; the announcement's copy is not used."""
    from services.notify.domain.fanout import Fanout
    from services.notify.domain.recipients import Recipient
    from services.notify.use_cases import stream

    uscc = "91210106MA0XSTRM7G"
    recipient = Recipient("enterprise", uscc)
    runtime = notify.running.runtime
    fanout = Fanout()  # not fed by the service's listener: the test announces by hand
    frames = stream.frames(runtime.factory, fanout, runtime.context.settings, recipient, 0)
    assert (await anext(frames)).startswith(b"retry:")
    waiting = asyncio.ensure_future(_next_frame(frames))
    for _ in range(2):
        await publish(notify.js, visit_started(uscc))

    async def recorded() -> bool:
        async with client(notify.base, headers=personas.enterprise(uscc)) as http:
            return len((await http.get("/api/v1/notifications")).json()["items"]) == 2

    await wait_for(recorded, timeout=15)
    fanout.publish(recipient, 2, b'{"copy":2}')  # seq 1 was never announced to this stream
    first, second = await asyncio.wait_for(waiting, 5), await _next_frame(frames)
    assert first.startswith(b"id: 1\n") and second.startswith(b"id: 2\n")
    assert b'"copy"' not in second and json.loads(second.split(b"data: ", 1)[1])["seq"] == 2
    await frames.aclose()


def test_an_announcement_carries_the_notification_unless_it_is_too_long_for_notify() -> None:
    from services.notify import repository
    from services.notify.domain.recipients import Recipient

    recipient = Recipient("officer", "辽A-0012340")
    data = '{"title":"检查开始\\t了"}'.encode()
    payload = repository.announcement(recipient, 7, data)
    assert repository.parse_announcement(payload) == (recipient, 7, data)
    # PostgreSQL refuses a NOTIFY payload of 8000 bytes or more: a long one is a bare wake-up
    long = b'{"body":"' + "罚".encode() * 3000 + b'"}'  # 9000 bytes of body alone
    bare = repository.announcement(recipient, 8, long)
    assert len(bare.encode()) < 8000 and repository.parse_announcement(bare) == (recipient, 8, None)
    assert repository.parse_announcement("enterprise\t9\t91210106MA0XSTRM6F") == (
        Recipient("enterprise", "91210106MA0XSTRM6F"),
        9,
        None,
    )
