"""Signed checkpoints of the audit chain (issue #13): a record that survives its administrator.

Every ``audit_checkpoint_entries`` new entries, or once the oldest unsigned entry is
``audit_checkpoint_interval_s`` old, the kernel's ``audit-checkpoint`` job signs the head of the service's
chain (its sequence number, its hash, the entry's time, the signing time and the service) with the
service's Ed25519 checkpoint key, keeps the checkpoint (``audit_checkpoint``, append-only) and publishes it
through the outbox (``<prefix>.audit.checkpoint.signed``). The risk service, the supervisors' own, verifies
the signature with the public keys in its configuration and keeps every service's checkpoints where the
supervised department cannot reach them. ``audit.verify`` then checks the chain against the last
checkpoint: deleting the tail leaves the chain shorter than a signed head, recomputing every hash changes
the hash a checkpoint signed.

The signature covers ``signing_input``: the canonical JSON (sorted keys, no spaces, UTF-8) of
``{"entry_at", "hash", "kid", "seq", "service", "signed_at"}`` with the times in UTC ISO 8601 with
microseconds; it is published base64url without padding, and the public keys as a JWKS
(``GET /public/<prefix>/audit/keys``). Key rotation works like the token keys: a new key gets a new kid,
the retired public keys stay listed (``audit_checkpoint_previous_keys_file``) so old checkpoints verify.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import sqlalchemy as sa
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.common import audit, outbox
from services.common.auth import load_jwks, load_private_key
from services.common.contracts.audit import CHECKPOINTS, CheckpointSigned
from services.common.tables import audit_t, checkpoint_t, verified_t

DEV_KEYS_DIR = Path(__file__).parent / "devkeys"
#: The development public keys of every service, by service: what risk verifies with in dev and tests.
DEV_CHECKPOINT_KEYS_FILE = DEV_KEYS_DIR / "dev-audit-checkpoint-keys.json"
#: One signer at a time per database (several workers run the job).
_SIGN_LOCK = 0x7A686966612D6370  # "zhifa-cp"


def dev_key_file(service: str) -> Path:
    """The repository's development checkpoint key of ``service`` (refused outside dev)."""
    return DEV_KEYS_DIR / f"dev-audit-checkpoint-{service}.pem"


def _b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def derived_kid(public_key: Ed25519PublicKey) -> str:
    """``ac-`` + the first 16 hex digits of SHA-256 of the raw public key: stable across restarts."""
    return "ac-" + hashlib.sha256(public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)).hexdigest()[:16]


def public_jwks(keys: dict[str, Ed25519PublicKey]) -> dict[str, list[dict[str, str]]]:
    """Public keys as a JWKS of OKP/Ed25519 keys, sorted by kid."""
    return {
        "keys": [
            {
                "kty": "OKP",
                "crv": "Ed25519",
                "x": _b64e(keys[kid].public_bytes(Encoding.Raw, PublicFormat.Raw)),
                "kid": kid,
                "use": "sig",
                "alg": "EdDSA",
            }
            for kid in sorted(keys)
        ]
    }


@dataclass(frozen=True)
class CheckpointKeys:
    """A service's checkpoint signing key and the public keys its checkpoints verify with."""

    private_key: Ed25519PrivateKey
    kid: str
    public_keys: dict[str, Ed25519PublicKey]  # the signing key's and the retired ones

    @property
    def jwks(self) -> dict[str, list[dict[str, str]]]:
        return public_jwks(self.public_keys)


def load_keys(key_file: Path, kid: str = "", previous_jwks_file: Path | None = None) -> CheckpointKeys:
    private = load_private_key(Path(key_file))
    public = private.public_key()
    kid = kid or derived_kid(public)
    keys: dict[str, Ed25519PublicKey] = {}
    if previous_jwks_file is not None:
        keys.update(load_jwks(json.loads(Path(previous_jwks_file).read_text())))
    keys[kid] = public
    return CheckpointKeys(private, kid, keys)


def keys_from_settings(settings: Any) -> CheckpointKeys:
    """The keys a service's settings name (``audit_checkpoint_key_file``; the dev key in dev)."""
    path = settings.audit_checkpoint_key_file or dev_key_file(settings.service_name)
    return load_keys(path, settings.audit_checkpoint_key_id, settings.audit_checkpoint_previous_keys_file)


def verifying_keys(path: Path) -> dict[str, dict[str, Ed25519PublicKey]]:
    """Public keys by service and kid from a JSON object ``{"<service>": <JWKS>, ...}`` (risk's setting)."""
    data = json.loads(Path(path).read_text())
    return {str(service): load_jwks(jwks) for service, jwks in data.items()}


# ---------------------------------------------------------------------------------------------------------
# Signing and verifying


@dataclass(frozen=True)
class Checkpoint:
    service: str
    seq: int
    hash: str
    entry_at: datetime
    signed_at: datetime
    kid: str
    signature: str = ""

    def signing_input(self) -> bytes:
        def utc(at: datetime) -> str:
            return at.astimezone(UTC).isoformat(timespec="microseconds")

        return orjson.dumps(
            {
                "entry_at": utc(self.entry_at),
                "hash": self.hash,
                "kid": self.kid,
                "seq": self.seq,
                "service": self.service,
                "signed_at": utc(self.signed_at),
            },
            option=orjson.OPT_SORT_KEYS,
        )

    def signed_with(self, key: Ed25519PrivateKey) -> Checkpoint:
        return Checkpoint(**{**self.__dict__, "signature": _b64e(key.sign(self.signing_input()))})

    def verifies_with(self, public_keys: dict[str, Ed25519PublicKey]) -> bool:
        """True when the signature is that of the key ``kid`` names among ``public_keys``."""
        key = public_keys.get(self.kid)
        if key is None:
            return False
        try:
            key.verify(_b64d(self.signature), self.signing_input())
        except (InvalidSignature, ValueError, binascii.Error):
            return False
        return True

    @classmethod
    def of(cls, row: Any) -> Checkpoint:
        return cls(row.service, row.seq, row.hash, row.entry_at, row.signed_at, row.kid, row.signature)

    def event(self) -> CheckpointSigned:
        return CHECKPOINTS[self.service](**self.__dict__)


# ---------------------------------------------------------------------------------------------------------
# The chain's head, signed and published


@dataclass(frozen=True)
class Policy:
    every_entries: int
    every: timedelta


async def latest(session: AsyncSession) -> Checkpoint | None:
    row = (
        await session.execute(sa.select(checkpoint_t).order_by(checkpoint_t.c.seq.desc()).limit(1))
    ).first()
    return Checkpoint.of(row) if row is not None else None


async def sign_head(
    session: AsyncSession, service: str, keys: CheckpointKeys, policy: Policy | None
) -> Checkpoint | None:
    """Sign the chain's head when it is due (``policy``; None: now, if anything is unsigned), keep the
    checkpoint and stage its event in the caller's transaction. None when nothing was due."""
    if not await session.scalar(sa.select(sa.func.pg_try_advisory_xact_lock(_SIGN_LOCK))):
        return None  # another worker is signing
    head = (
        await session.execute(
            sa.select(audit_t.c.seq, audit_t.c.hash, audit_t.c.at).order_by(audit_t.c.seq.desc()).limit(1)
        )
    ).first()
    last = await latest(session)
    signed_to = last.seq if last is not None else 0
    if head is None or head.seq <= signed_to:
        return None
    if policy is not None and head.seq - signed_to < policy.every_entries:
        oldest = await session.scalar(sa.select(audit_t.c.at).where(audit_t.c.seq == signed_to + 1))
        if oldest is not None and datetime.now(UTC) - oldest < policy.every:
            return None
    checkpoint = Checkpoint(
        service=service,
        seq=head.seq,
        hash=head.hash,
        entry_at=head.at,
        signed_at=datetime.now(UTC),
        kid=keys.kid,
    ).signed_with(keys.private_key)
    await session.execute(sa.insert(checkpoint_t).values(**checkpoint.__dict__))
    outbox.add(session, checkpoint.event())
    return checkpoint


async def page(session: AsyncSession, *, limit: int, before_seq: int | None) -> list[Checkpoint]:
    """Checkpoints newest first, ``limit`` + 1 of them (for ``page_of``), below ``before_seq``."""
    query = sa.select(checkpoint_t).order_by(checkpoint_t.c.seq.desc()).limit(limit + 1)
    if before_seq is not None:
        query = query.where(checkpoint_t.c.seq < before_seq)
    return [Checkpoint.of(r) for r in (await session.execute(query)).all()]


# ---------------------------------------------------------------------------------------------------------
# Verifying the chain against the checkpoints, from the last verified position


async def verify(
    session: AsyncSession,
    public_keys: dict[str, Ed25519PublicKey],
    *,
    full: bool = False,
    against: tuple[int, str] | None = None,
) -> audit.ChainReport:
    """The chain checked from the position the last successful ``verify`` reached (all of it with
    ``full``), then against the latest signed checkpoint and ``against`` (a checkpoint's ``(seq, hash)``
    as the risk service holds it): a chain shorter than a checkpoint lost its tail; an entry whose hash is
    not the one signed was rewritten. A valid chain moves the verified position to its end."""
    start = (
        None if full else (await session.execute(sa.select(verified_t).where(verified_t.c.id == 1))).first()
    )
    after: tuple[int, str] | None = None
    if start is not None:
        found = await session.scalar(sa.select(audit_t.c.hash).where(audit_t.c.seq == start.seq))
        if found != start.hash:
            what = "is missing" if found is None else "no longer has the hash it had"
            return audit.ChainReport(
                0,
                False,
                start.seq,
                f"entry {start.seq}, verified at {start.verified_at.isoformat()}, {what}: "
                "the chain was truncated or rewritten since",
                verified_from=start.seq,
            )
        after = (start.seq, start.hash)
    report = await audit.verify(session, after=after)
    if not report.valid:
        return report
    checks: list[tuple[int, str, str]] = []
    checkpoint = await latest(session)
    if checkpoint is not None:
        if not checkpoint.verifies_with(public_keys):
            return _broken(
                report, checkpoint.seq, f"the signature of checkpoint {checkpoint.seq} does not verify"
            )
        checks.append((checkpoint.seq, checkpoint.hash, f"signed at {checkpoint.signed_at.isoformat()}"))
    if against is not None:
        checks.append((against[0], against[1], "given"))
    for seq, digest, how in checks:
        if report.last_seq < seq:
            return _broken(
                report,
                report.last_seq + 1,
                f"the chain ends at entry {report.last_seq} but the checkpoint {how} covers entry {seq}: "
                f"entries {report.last_seq + 1}–{seq} were removed",
                checkpoint_seq=seq,
            )
        found = await session.scalar(sa.select(audit_t.c.hash).where(audit_t.c.seq == seq))
        if found != digest:
            return _broken(
                report,
                seq,
                f"entry {seq} does not have the hash the checkpoint {how} covers: the chain was rewritten",
                checkpoint_seq=seq,
            )
    if report.last_seq > 0:
        position = {"seq": report.last_seq, "hash": report.last_hash, "verified_at": datetime.now(UTC)}
        await session.execute(
            pg_insert(verified_t)
            .values(id=1, **position)
            .on_conflict_do_update(index_elements=["id"], set_=position)
        )
    return audit.ChainReport(
        **{**report.__dict__, "checkpoint_seq": checkpoint.seq if checkpoint is not None else None}
    )


def _broken(report: audit.ChainReport, seq: int, reason: str, **extra: Any) -> audit.ChainReport:
    return audit.ChainReport(
        **{**report.__dict__, "valid": False, "first_broken_seq": seq, "reason": reason, **extra}
    )
