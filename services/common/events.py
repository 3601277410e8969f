"""The event envelope and the base class of event contracts (SPEC §1.4).

Envelope: ``{"id", "type", "version", "source", "time", "subject", "data"}`` plus the ``request_id`` of the
request that caused it, so a log search follows one action across services.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, TypeAdapter

_TIME = TypeAdapter(datetime)


def json_time(moment: datetime) -> str:
    """A timestamp exactly as pydantic writes it into an event envelope (``...Z``, six fractional digits), for
    envelopes and histories built outside the Envelope model (in SQL, in a JSON column)."""
    return str(_TIME.dump_python(moment, mode="json"))


class Envelope(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: uuid.UUID
    type: str
    version: int
    source: str
    time: datetime
    subject: str
    request_id: str | None = None
    data: dict[str, Any]


class Event(BaseModel):
    """An integration event contract. Subclasses set TYPE (``<service>.<entity>.<verb>``) and VERSION.

    Contracts are versioned: a breaking change is a new class with VERSION + 1, published alongside the old
    one until every consumer has moved.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    TYPE: ClassVar[str]
    VERSION: ClassVar[int] = 1

    def subject_id(self) -> str:
        """The id of the entity the event is about (the envelope's ``subject``)."""
        raise NotImplementedError


def make_envelope(
    event: Event, *, source: str, request_id: str | None = None, at: datetime | None = None
) -> Envelope:
    return Envelope(
        id=uuid.uuid4(),
        type=event.TYPE,
        version=event.VERSION,
        source=source,
        time=at or datetime.now(UTC),
        subject=event.subject_id(),
        request_id=request_id,
        data=event.model_dump(mode="json"),
    )


class EventRegistry:
    """Contract classes by (type, version): consumers parse ``data`` with the class the envelope names."""

    def __init__(self) -> None:
        self._by_key: dict[tuple[str, int], type[Event]] = {}

    def register(self, cls: type[Event]) -> type[Event]:
        key = (cls.TYPE, cls.VERSION)
        if key in self._by_key and self._by_key[key] is not cls:
            raise ValueError(f"duplicate contract {key}")
        self._by_key[key] = cls
        return cls

    def get(self, type_: str, version: int) -> type[Event] | None:
        return self._by_key.get((type_, version))

    def all(self) -> list[type[Event]]:
        return [self._by_key[k] for k in sorted(self._by_key)]


REGISTRY = EventRegistry()
contract = REGISTRY.register
