"""Diagnostics: a ping any service can publish and every other service records (checks the event spine)."""

from __future__ import annotations

import uuid

from services.common.events import Event, contract
from services.common.registry import SERVICES


class Ping(Event):
    """``<prefix>.diagnostic.ping``: published by ``POST /api/v1/<prefix>/diagnostics/ping`` (admin)."""

    TYPE = "diagnostic.ping"
    ping_id: uuid.UUID
    origin: str
    note: str = ""

    def subject_id(self) -> str:
        return str(self.ping_id)


# One contract per producing service, so each ping travels in its producer's stream.
PINGS: dict[str, type[Ping]] = {
    info.name: contract(  # type: ignore[misc]
        type(
            f"{info.name.title().replace('_', '')}Ping",
            (Ping,),
            {"TYPE": f"{info.subject_prefix}.diagnostic.ping"},
        )
    )
    for info in SERVICES.values()
}
