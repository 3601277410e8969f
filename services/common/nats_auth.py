"""Who may do what on NATS: one user per service, least privilege (issue #11, item 14).

A service may publish only its own stream's subjects (``<subject prefix>.>``), may create and update only
its own stream, may read any stream's state and create, read and pull from durable consumers (every service
consumes the others' events), acknowledges deliveries, and receives replies on ``_INBOX.>``. It may not
delete or purge anything, and never publish into another service's stream: a compromised service cannot
forge another service's events.

One model, two renderings: the embedded server of the local stack writes it with generated passwords
(services/common/embedded.py), and the prod overlay's nats.conf carries the same block with each password
taken from the server's environment (``$INSPECTION_NATS_PASSWORD``, from the services' Secrets); a test
keeps that file equal to :func:`authorization_block`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from services.common.registry import SERVICES


@dataclass(frozen=True)
class EnvRef:
    """A value nats-server takes from its environment (written bare: ``$NAME``)."""

    name: str


def user_name(service: str) -> str:
    return f"zhifa-{service.replace('_', '-')}"


def password_env(service: str) -> str:
    """The variable the nats-server process reads a service's password from (prod overlay)."""
    return f"{service.upper()}_NATS_PASSWORD"


def permissions(service: str) -> dict[str, dict[str, list[str]]]:
    info = SERVICES[service]
    publish = [
        f"{info.subject_prefix}.>",  # its own events (the outbox relay), nothing else
        "$JS.API.INFO",
        "$JS.API.STREAM.INFO.*",
        f"$JS.API.STREAM.CREATE.{info.stream}",
        f"$JS.API.STREAM.UPDATE.{info.stream}",
        "$JS.API.CONSUMER.INFO.*.*",
        "$JS.API.CONSUMER.CREATE.*.>",
        "$JS.API.CONSUMER.DURABLE.CREATE.*.*",
        "$JS.API.CONSUMER.MSG.NEXT.*.*",
        "$JS.ACK.>",
    ]
    return {"publish": {"allow": publish}, "subscribe": {"allow": ["_INBOX.>"]}}


def _value(value: object, indent: str) -> str:
    if isinstance(value, EnvRef):
        return f"${value.name}"
    if isinstance(value, dict):
        inner = indent + "  "
        items = "\n".join(f"{inner}{k}: {_value(v, inner)}" for k, v in value.items())
        return "{\n" + items + f"\n{indent}}}"
    if isinstance(value, list):
        return "[" + ", ".join(_value(v, indent) for v in value) + "]"
    return json.dumps(value)


def authorization_block(passwords: Mapping[str, str | EnvRef]) -> str:
    """The nats.conf ``authorization`` block: one user per service with its permissions."""
    users = [
        {"user": user_name(name), "password": passwords[name], "permissions": permissions(name)}
        for name in SERVICES
    ]
    body = "\n".join(f"    {_value(u, '    ')}" for u in users)
    return f"authorization {{\n  users: [\n{body}\n  ]\n}}\n"


def prod_authorization_block() -> str:
    return authorization_block({name: EnvRef(password_env(name)) for name in SERVICES})
