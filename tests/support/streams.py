"""What a JetStream stream holds, read back by tests: every message of a subject about some subjects."""

from __future__ import annotations

import json

import nats
from nats.js.api import ConsumerConfig, DeliverPolicy


async def messages_about(
    nats_url: str, stream: str, subject: str, about: set[str]
) -> list[tuple[str, bytes]]:
    """(Nats-Msg-Id, body) of every ``subject`` message on ``stream`` whose envelope's ``subject`` is in
    ``about``, in stream order (read by a fresh pull consumer from the start)."""
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        total = (await js.stream_info(stream)).state.messages
        sub = await js.pull_subscribe(
            subject,
            stream=stream,
            config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL, filter_subject=subject),
        )
        out: list[tuple[str, bytes]] = []
        seen = 0
        while seen < total:
            try:
                messages = await sub.fetch(200, timeout=1)
            except (TimeoutError, nats.errors.TimeoutError):
                break
            for message in messages:
                seen += 1
                await message.ack()
                if json.loads(message.data)["subject"] in about:
                    assert message.headers is not None
                    out.append((message.headers["Nats-Msg-Id"], message.data))
        return out
    finally:
        await nc.close()
