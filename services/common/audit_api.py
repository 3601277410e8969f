"""The audit routes every service has (issue #13): its signed checkpoints and their public keys (public, no
token), ``verify`` against the checkpoints, and one object's trail, readable by whoever may read the object.

Each service maps the kinds of object whose trail it shows to the loader that applies the object's own
access rule (``ServiceParts(audit_entities={"case": AuditKind("penalty_case", repo.readable_case)})``): a
caller who would get a 404 for the object gets a 404 for its trail, exactly as for an id that does not exist.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Query, Request
from fastapi import Path as FastAPIPath
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from services.common import checkpoints
from services.common.access import Scope, scope_for
from services.common.auth import Principal
from services.common.deps import SessionDep, roles
from services.common.errors import NotFound
from services.common.pagination import CursorQuery, LimitQuery, Page, cursor_int, decode_cursor, page_of
from services.common.registry import ServiceInfo
from services.common.tables import audit_t

Fetch = Callable[[AsyncSession, Scope, Any], Awaitable[Any | None]]


@dataclass(frozen=True)
class AuditKind:
    """A kind of object whose trail a service shows: the chain's ``entity_type``, the loader that applies
    the object's access rule (None: hidden), how the path's id becomes the loader's key, and the caller's
    scope (a service that narrows the kernel's passes its own)."""

    entity_type: str
    fetch: Fetch
    key: Callable[[str], Any] = uuid.UUID
    scope: Callable[[Principal], Scope] = scope_for


class AuditEntityNotFound(NotFound):
    code = "AUDIT_ENTITY_NOT_FOUND"
    title = "对象不存在"
    title_en = "Object not found"


class ChainReportRead(BaseModel):
    entries: int = Field(description="entries of the chain found good (up to the first broken one)")
    valid: bool
    first_broken_seq: int | None
    reason: str | None
    checked: int = Field(0, description="entries recomputed by this call (the others were verified before)")
    verified_from: int = Field(0, description="checking started after this entry (0: the first entry)")
    checkpoint_seq: int | None = Field(None, description="the signed checkpoint checked against")


class CheckpointRead(BaseModel):
    service: str
    seq: int = Field(description="the audit entry signed (the chain's head then)")
    hash: str = Field(description="that entry's hash")
    entry_at: datetime
    signed_at: datetime
    kid: str = Field(description="the signing key (GET /public/<service>/audit/keys)")
    signature: str = Field(description="Ed25519 over the canonical JSON of the other fields, base64url")


class JwkRead(BaseModel):
    kty: str
    crv: str
    x: str
    kid: str
    use: str
    alg: str


class JwksRead(BaseModel):
    keys: list[JwkRead]


class AuditEntryRead(BaseModel):
    seq: int
    at: datetime
    actor: str
    actor_role: str
    action: str
    entity_type: str
    entity_id: str
    before: Any = None
    after: Any = None
    request_id: str | None
    prev_hash: str
    hash: str


def _before(cursor: str | None) -> int | None:
    after = decode_cursor(cursor)
    return None if after is None else cursor_int(after)  # a seq past bigint failed in the database: a 500


def public_router(info: ServiceInfo) -> APIRouter:
    router = APIRouter(prefix=f"/public/{info.url_prefix}/audit", tags=[f"{info.name}: public"])

    @router.get("/checkpoints", response_model=Page[CheckpointRead])
    async def list_checkpoints(
        session: SessionDep, limit: LimitQuery = 50, cursor: CursorQuery = None
    ) -> Page[CheckpointRead]:
        """This service's signed audit checkpoints, newest first (compare them with risk's copies; verify
        them with the published keys)."""
        rows = await checkpoints.page(session, limit=limit, before_seq=_before(cursor))
        return page_of([CheckpointRead(**c.__dict__) for c in rows], limit, key=lambda c: c.seq)

    @router.get("/keys", response_model=JwksRead)
    async def checkpoint_keys(request: Request) -> JwksRead:
        """The public keys this service's checkpoints are signed with (JWKS; retired keys stay listed)."""
        keys: checkpoints.CheckpointKeys = request.app.state.runtime.checkpoint_keys
        return JwksRead.model_validate(keys.jwks)

    return router


def api_router(info: ServiceInfo, kinds: Mapping[str, AuditKind]) -> APIRouter:
    router = APIRouter(prefix=f"/api/v1/{info.url_prefix}/audit", tags=[f"{info.name}: operations"])

    @router.get("/verify", response_model=ChainReportRead)
    async def verify_audit(
        request: Request,
        session: SessionDep,
        principal: Any = roles("admin", "supervisor"),
        full: Annotated[bool, Query(description="check from the first entry, not the last verified")] = False,
        checkpoint_seq: Annotated[
            int | None, Query(ge=1, le=2**62, description="also check a checkpoint held elsewhere (risk)")
        ] = None,
        checkpoint_hash: Annotated[
            str | None, Query(pattern=r"^[0-9a-f]{64}$", description="that checkpoint's hash")
        ] = None,
    ) -> ChainReportRead:
        """Check this service's audit chain from the last verified entry (``full``: from the first) and
        against its latest signed checkpoint: a removed tail or a rewritten chain is reported."""
        keys: checkpoints.CheckpointKeys = request.app.state.runtime.checkpoint_keys
        against = (checkpoint_seq, checkpoint_hash) if checkpoint_seq and checkpoint_hash else None
        report = await checkpoints.verify(session, keys.public_keys, full=full, against=against)
        return ChainReportRead(
            entries=report.last_seq,
            valid=report.valid,
            first_broken_seq=report.first_broken_seq,
            reason=report.reason,
            checked=report.entries,
            verified_from=report.verified_from,
            checkpoint_seq=report.checkpoint_seq,
        )

    if not kinds:
        return router
    kind_name = f"{info.name.title().replace('_', '')}AuditKind"
    Kind: Any = enum.Enum(kind_name, {k: k for k in sorted(kinds)}, type=str)  # type: ignore[misc]

    async def entity_trail(
        kind: Any,
        entity_id: Annotated[str, FastAPIPath(min_length=1, max_length=100, description="the object's id")],
        session: SessionDep,
        principal: Principal = roles("officer", "supervisor", "admin"),
        limit: LimitQuery = 50,
        cursor: CursorQuery = None,
    ) -> Page[AuditEntryRead]:
        """One object's audit trail, oldest first; only for a caller who may read the object itself."""
        spec = kinds[kind.value]
        missing = AuditEntityNotFound(
            f"{kind.value} {entity_id} 不存在", detail_en=f"There is no {kind.value} {entity_id}"
        )
        try:
            key = spec.key(entity_id)
        except (ValueError, TypeError):
            raise missing from None
        if await spec.fetch(session, spec.scope(principal), key) is None:
            raise missing
        query = (
            sa.select(audit_t)
            .where(audit_t.c.entity_type == spec.entity_type, audit_t.c.entity_id == str(key))
            .order_by(audit_t.c.seq)
            .limit(limit + 1)
        )
        after = _before(cursor)
        if after is not None:
            query = query.where(audit_t.c.seq > after)
        rows = [AuditEntryRead(**r._mapping) for r in (await session.execute(query)).all()]
        return page_of(rows, limit, key=lambda r: r.seq)

    # the kinds this service shows, as an enumeration in the OpenAPI document (a local class: set here,
    # since annotations are strings under ``from __future__ import annotations``)
    entity_trail.__annotations__["kind"] = Annotated[Kind, FastAPIPath(description="the kind of object")]
    router.get("/entities/{kind}/{entity_id}", response_model=Page[AuditEntryRead])(entity_trail)
    return router
