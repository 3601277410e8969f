"""Audit checkpoints: each service signs the head of its audit chain and publishes it (issue #13); the risk
service (the supervisors') verifies and keeps every service's checkpoints (services/common/checkpoints.py).
"""

from __future__ import annotations

from datetime import datetime

from services.common.events import Event, contract
from services.common.registry import SERVICES


class CheckpointSigned(Event):
    """``<prefix>.audit.checkpoint.signed``: the chain of ``service`` had entry ``seq`` with hash ``hash``
    (written at ``entry_at``), signed at ``signed_at`` with Ed25519 key ``kid`` (signature: base64url of
    the signature over ``checkpoints.signing_input``)."""

    TYPE = "audit.checkpoint.signed"
    service: str
    seq: int
    hash: str
    entry_at: datetime
    signed_at: datetime
    kid: str
    signature: str

    def subject_id(self) -> str:
        return f"{self.service}:{self.seq}"


# One contract per producing service, so each checkpoint travels in its producer's stream.
CHECKPOINTS: dict[str, type[CheckpointSigned]] = {
    info.name: contract(  # type: ignore[misc]
        type(
            f"{info.name.title().replace('_', '')}CheckpointSigned",
            (CheckpointSigned,),
            {"TYPE": f"{info.subject_prefix}.audit.checkpoint.signed"},
        )
    )
    for info in SERVICES.values()
}
