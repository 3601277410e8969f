"""The KEDA triggers of deploy/k8s/components/keda/scaledobjects.yaml: one ``nats-jetstream`` lag trigger per
durable consumer a service's worker runs (services.common.app.durable_consumers). ``zhifa docs`` rewrites
them after a consumer is added; tests/deploy holds the file equal to the code."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

from services.common.app import durable_consumers
from services.common.registry import SERVICES

ROOT = Path(__file__).resolve().parent.parent
PATH = ROOT / "deploy" / "k8s" / "components" / "keda" / "scaledobjects.yaml"
_TRIGGER = re.compile(r"^    - type: nats-jetstream\n      metadata: \{[^\n]*\}\n", re.M)
_LINE = (
    '    - type: nats-jetstream\n      metadata: {{natsServerMonitoringEndpoint: "{endpoint}", account: "$G", '
    'stream: {stream}, consumer: {consumer}, lagThreshold: "{lag}"}}\n'
)


def consumers_of(name: str) -> list[tuple[str, str]]:
    settings = importlib.import_module(f"services.{name}.settings")
    cls = getattr(settings, name.title().replace("_", "") + "Settings")
    app = importlib.import_module(f"services.{name}.app").create_app(cls(env="test"), role="worker")
    return sorted(durable_consumers(app))


def _rewrite(document: str, pairs: list[tuple[str, str]]) -> str:
    first = _TRIGGER.search(document)
    if first is None:
        return document
    endpoint = re.search(r'natsServerMonitoringEndpoint: "([^"]+)"', first.group(0))
    lag = re.search(r'lagThreshold: "([^"]+)"', first.group(0))
    assert endpoint and lag
    lines = "".join(
        _LINE.format(endpoint=endpoint.group(1), stream=s, consumer=c, lag=lag.group(1)) for s, c in pairs
    )
    rest = _TRIGGER.sub("", document)
    return rest[: first.start()] + lines + rest[first.start() :]


def write() -> Path:
    """Rewrite each worker's lag triggers from its consumers; the other lines stay as they are."""
    documents = PATH.read_text(encoding="utf-8").split("\n---\n")
    out = []
    for document in documents:
        name = re.search(r"^  name: ([a-z-]+)-worker$", document, re.M)
        service = name.group(1).replace("-", "_") if name else None
        if service in SERVICES:  # the last trigger of a document has no newline of its own after the split
            document = _rewrite(document + "\n", consumers_of(service)).removesuffix("\n")
        out.append(document)
    PATH.write_text("\n---\n".join(out), encoding="utf-8")
    return PATH
