"""The HTTP edge of a service: one ASGI middleware that owns the request's transaction.

For every request it
- assigns or propagates the request id (``X-Request-ID``) and puts it in logs and event envelopes;
- enforces the body size limit (413 problem) before the app reads anything; a bulk upload (``.../bulk``) is
  spooled to a temporary file rather than held in memory (``services.common.streaming``);
- opens the database session lazily (``deps.SessionDep``) and, after the endpoint has produced its
  response, commits when the status is below 400 and rolls back otherwise — *before* a byte of the response
  is sent, so a client never sees success for a write that did not commit (STYLE rule 2); a hot path whose
  statements all run on the driver may take a pooled connection for the request's transaction instead of
  the session's (``db.offer_pooled``: inspection's check-in), which the edge ends the same way;
- implements ``Idempotency-Key`` for POST (SPEC §1.6): the key is scoped to the caller, a transaction-level
  advisory lock makes a concurrent duplicate answer 409, the stored first response is replayed for a retry
  with the same body, a different body is 422, and the stored response is written in the same transaction
  as the effect it describes (so "created" and "remembered as created" cannot diverge);
- records request metrics by route template.

A response marked for streaming (``streaming.STREAM_HEADER``: a download that is read-only) is sent as it is
produced, after the session is rolled back; every other response is buffered until the transaction ends.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.common import db, metrics, outbox, streaming
from services.common.date_bounds import out_of_range
from services.common.db import database_unavailable, violated_constraint
from services.common.errors import DomainError
from services.common.logs import request_id_var
from services.common.problems import (
    RETRY_AFTER_S,
    database_unavailable_detail,
    out_of_range_detail,
    problem_body,
    wants_english,
)
from services.common.tables import idempotency_t

log = logging.getLogger(__name__)
PROBLEM = b"application/problem+json"
MAX_KEY_LENGTH = 255
# PostgreSQL text and jsonb cannot hold NUL; refuse it up front instead of failing at the database.
NUL_IN_JSON = re.compile(rb"\x00|(?<!\\)(?:\\\\)*\\u0000")
# What every match of NUL_IN_JSON holds: the byte, or the escape (preceded by an even number of backslashes).
NUL_BYTE, NUL_ESCAPE = b"\x00", b"\\u0000"
# An xlsx upload (a zip archive, full of NUL bytes) to a path ending in ``.xlsx`` is not text: the NUL rule
# is for the strings a body carries, which the route reads out of the workbook (XML cannot hold a NUL).
XLSX_BODY_TYPE = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class RequestContext:
    """Per-request state: the lazily opened session and the idempotency scope."""

    __slots__ = ("factory", "session")

    def __init__(self, factory: async_sessionmaker[AsyncSession] | None) -> None:
        self.factory = factory
        self.session: AsyncSession | None = None

    def get_session(self) -> AsyncSession:
        if self.session is None:
            if self.factory is None:
                raise RuntimeError("this process has no database")
            self.session = self.factory()
            db.offer_pooled(self.session)  # a hot path may run the transaction on a pooled connection
        return self.session

    async def commit(self) -> None:
        """Commit the request's transaction: the session's, or its pooled connection's (``db.offer_pooled``)."""
        assert self.session is not None
        if not db.holds_pooled(self.session):
            await self.session.commit()
            return
        pending = outbox.take_staged(self.session)  # as the session's commit writes them (outbox.py)
        if pending:
            raw = db.pooled_connection_of(self.session)
            await raw.execute(_WRITE_STAGED, *outbox.row_arrays(pending))
        await db.commit_pooled(self.session)

    async def rollback(self) -> None:
        """Roll back the request's transaction, whichever connection it is on."""
        assert self.session is not None
        try:
            await self.session.rollback()
        finally:
            self.session.info.pop(outbox.PENDING_KEY, None)
            await db.release_pooled(self.session)


# A pooled transaction's staged events and the relay's wake-up in one statement, as outbox.py writes them at a
# session's commit.
_WRITE_STAGED = f"WITH staged AS ({outbox.insert_sql(1)}) SELECT {outbox.WAKE_RELAY}"


def new_request_id() -> str:
    """A request id as ``uuid.uuid4().hex`` makes it (32 hex digits, version 4, RFC 4122 variant), without
    building a ``UUID`` object: a third of its cost, on every request that brings no ``X-Request-ID``."""
    raw = bytearray(os.urandom(16))
    raw[6] = raw[6] & 0x0F | 0x40
    raw[8] = raw[8] & 0x3F | 0x80
    return raw.hex()


def has_nul(body: bytes) -> bool:
    """Whether ``body`` carries a NUL as ``NUL_IN_JSON`` finds it (the byte, or an unescaped ``\\u0000``).

    A match holds one of the two substrings, which ``in`` looks for at memchr speed; the pattern itself tries
    its lookbehind and escapes at every offset (~50 ns a byte: 20-28 µs on a what-if's 415-byte body, most of
    the edge's own cost on that route), so it runs only on a body holding one of them."""
    return (NUL_BYTE in body or NUL_ESCAPE in body) and NUL_IN_JSON.search(body) is not None


def _headers(scope: Scope) -> dict[bytes, bytes]:
    return {k.lower(): v for k, v in scope.get("headers", [])}


async def _send_problem(
    send: Send,
    status: int,
    code: str,
    title: str,
    detail: str,
    request_id: str,
    extra: dict[str, Any] | None = None,
    headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    body = problem_body(
        status=status, code=code, title=title, detail=detail, extra=extra, request_id=request_id
    )
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", PROBLEM),
                (b"content-length", str(len(body)).encode()),
                (b"x-request-id", request_id.encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _rollback_quietly(ctx: RequestContext) -> None:
    """Roll back the request's session; when the database is gone, the rollback may fail too."""
    if ctx.session is None:
        return
    try:
        await ctx.rollback()
    except Exception as exc:
        log.info("rollback failed (the connection is gone): %s", exc)


class EdgeMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        service: str,
        factory: async_sessionmaker[AsyncSession] | None,
        verifier: Any | None,
        max_body_bytes: int,
        bulk_max_body_bytes: int,
        idempotency_ttl: timedelta,
    ) -> None:
        self.app = app
        self.service = service
        self.factory = factory
        self.verifier = verifier
        self.max_body_bytes = max_body_bytes
        self.bulk_max_body_bytes = bulk_max_body_bytes
        self.idempotency_ttl = idempotency_ttl
        self._metric_children: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        headers = _headers(scope)
        rid = headers.get(b"x-request-id", b"").decode("latin-1")[:128] or new_request_id()
        token = request_id_var.set(rid)
        english = wants_english(headers.get(b"accept-language", b"").decode("latin-1"))
        status_holder = [500]
        try:
            await self._handle(scope, receive, send, headers, rid, english, status_holder)
        finally:
            request_id_var.reset(token)
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            key = (scope["method"], template, status_holder[0])
            children = self._metric_children.get(key)
            if children is None:  # labels() validates and locks on every call: its children are kept
                if len(self._metric_children) >= 4096:  # bounded: a client may send made-up methods
                    self._metric_children.clear()
                children = (
                    metrics.HTTP_REQUESTS.labels(self.service, key[0], template, str(key[2])),
                    metrics.HTTP_DURATION.labels(self.service, template),
                )
                self._metric_children[key] = children
            children[0].inc()
            children[1].observe(time.perf_counter() - started)

    async def _read_body(self, receive: Receive, limit: int) -> bytes | None:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return b"".join(chunks)
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    async def _handle(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        headers: dict[bytes, bytes],
        rid: str,
        english: bool,
        status_holder: list[int],
    ) -> None:
        """Body limits, NUL check, body replay, then the transaction, with every failure mapped to a problem.

        Long on purpose: this is the edge's one pass over a request, each early return sends its own
        problem, and the order of the steps is the contract (size before NUL before idempotency)."""
        method = scope["method"]
        path: str = scope["path"]
        limit = self.bulk_max_body_bytes if path.endswith("/bulk") else self.max_body_bytes
        too_large_detail = (
            f"Request body exceeds {limit} bytes" if english else f"请求体超过上限 {limit} 字节"
        )
        too_large_title = "Payload too large" if english else "请求体过大"
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            status_holder[0] = 413
            await _send_problem(send, 413, "PAYLOAD_TOO_LARGE", too_large_title, too_large_detail, rid)
            return
        body: bytes | None = b""
        spooled: streaming.SpooledBody | None = None
        content_type = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        if method in ("POST", "PUT", "PATCH", "DELETE") and path.endswith("/bulk"):
            try:
                prefix = method.encode() + b" " + path.encode() + b"\n"
                # an xlsx import is a zip: its NUL bytes are binary, not text (the sheet's cells are checked)
                nul = None if content_type == XLSX_BODY_TYPE else has_nul
                spooled = await streaming.spool(receive, limit, prefix, nul)
            except streaming.ClientDisconnected:
                return
            except streaming.BodyTooLarge:
                body = None
        elif method in ("POST", "PUT", "PATCH", "DELETE"):
            body = await self._read_body(receive, limit)
        if body is None:
            status_holder[0] = 413
            await _send_problem(send, 413, "PAYLOAD_TOO_LARGE", too_large_title, too_large_detail, rid)
            return
        binary = path.endswith(".xlsx") and content_type == XLSX_BODY_TYPE
        if (body and not binary and has_nul(body)) or (spooled is not None and spooled.has_nul):
            status_holder[0] = 422
            await _send_problem(
                send,
                422,
                "NUL_CHARACTER",
                "Validation failed" if english else "请求内容校验失败",
                "Strings may not contain the NUL character (\\u0000)"
                if english
                else "字符串中不得包含空字符（\\u0000）",
                rid,
            )
            return
        body_sent = False

        async def replay_receive() -> Message:
            nonlocal body_sent
            if not body_sent and spooled is not None:
                message = spooled.message()
                body_sent = not message["more_body"]
                return message
            if not body_sent:
                body_sent = True
                return {"type": "http.request", "body": body or b"", "more_body": False}
            return await receive()

        ctx = RequestContext(self.factory)
        scope.setdefault("state", {})["zhifa"] = ctx
        responded = [False]

        async def send_once(message: Message) -> None:
            responded[0] = True
            await send(message)

        try:
            await self._transaction(
                scope,
                send_once,
                replay_receive,
                headers,
                body or b"",
                spooled,
                ctx,
                rid,
                english,
                status_holder,
            )
        except Exception as exc:
            # Anything the endpoint, the Idempotency-Key step or the commit raised that no handler turned
            # into a response. A dependency that is down is the client's to retry (503); the rest is a bug.
            await _rollback_quietly(ctx)
            if responded[0]:
                raise
            if database_unavailable(exc):
                log.warning("database unavailable on %s %s: %s", method, path, exc)
                status_holder[0] = 503
                await _send_problem(
                    send,
                    503,
                    "DATABASE_UNAVAILABLE",
                    "Service unavailable" if english else "服务暂不可用",
                    database_unavailable_detail(english),
                    rid,
                    headers=[(b"retry-after", str(RETRY_AFTER_S).encode())],
                )
                return
            log.exception("unhandled error on %s %s", method, path)
            status_holder[0] = 500
            await _send_problem(
                send,
                500,
                "INTERNAL_ERROR",
                "Internal server error" if english else "服务器内部错误",
                "The request failed; it changed nothing. Quote the request id when reporting it"
                if english
                else "请求处理失败，未做任何修改。反馈问题时请提供 request_id",
                rid,
            )
        except BaseException:
            await _rollback_quietly(ctx)
            raise
        finally:
            session = ctx.session
            if session is not None:
                try:
                    await db.release_pooled(session)  # only if something above left it held
                    # a session that never began a transaction nor held an object has nothing to close
                    if session.in_transaction() or session.identity_map or session.new:
                        await session.close()
                except Exception as exc:  # the connection died with the database; the pool replaces it
                    log.info("closing the session failed: %s", exc)
            if spooled is not None:
                spooled.close()

    async def _transaction(
        self,
        scope: Scope,
        send: Send,
        receive: Receive,
        headers: dict[bytes, bytes],
        body: bytes,
        spooled: streaming.SpooledBody | None,
        ctx: RequestContext,
        rid: str,
        english: bool,
        status_holder: list[int],
    ) -> None:
        """Idempotency-Key, the endpoint, then commit or roll back before the response is sent.

        Long on purpose: the response is held until the commit succeeds, and the commit's two refusals
        (409, 422) must replace it; reading it top to bottom is reading the order of events."""
        method: str = scope["method"]
        path: str = scope["path"]
        idem_key = headers.get(b"idempotency-key", b"").decode("latin-1").strip()
        idem_scope: str | None = None
        if method == "POST" and idem_key and self.factory is not None and self.verifier is not None:
            if len(idem_key) > MAX_KEY_LENGTH:
                status_holder[0] = 400
                await _send_problem(
                    send,
                    400,
                    "IDEMPOTENCY_KEY_INVALID",
                    "Invalid Idempotency-Key" if english else "Idempotency-Key 无效",
                    "Idempotency-Key is at most 255 characters"
                    if english
                    else "Idempotency-Key 最长 255 个字符",
                    rid,
                )
                return
            try:
                principal = await self.verifier.verify(headers.get(b"authorization", b"").decode("latin-1"))
                idem_scope = principal.caller_key
            except DomainError:
                idem_scope = None  # the endpoint answers 401 itself
        fingerprint = ""  # only a request with an Idempotency-Key is fingerprinted
        if idem_scope is not None:
            fingerprint = (
                spooled.fingerprint()
                if spooled is not None
                else hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + body).hexdigest()
            )
            replayed = await self._idempotency_check(
                ctx, idem_scope, idem_key, fingerprint, send, rid, english, status_holder
            )
            if replayed:
                return

        start_message: Message | None = None
        body_parts: list[bytes] = []
        streamed = False

        async def buffered_send(message: Message) -> None:
            nonlocal start_message, streamed
            if message["type"] == "http.response.start" and streaming.is_streamed(message):
                streamed = True
                status_holder[0] = int(message["status"])
                if ctx.session is not None:
                    await ctx.rollback()  # a streamed response is read-only
                await send(streaming.without_mark(message, rid))
            elif streamed:
                await send(message)
            elif message["type"] == "http.response.start":
                start_message = message
            elif message["type"] == "http.response.body":
                body_parts.append(message.get("body", b""))

        await self.app(scope, receive, buffered_send)
        if streamed:
            return  # sent as produced; an error after this point cuts the response short
        assert start_message is not None
        status = int(start_message["status"])
        response_body = b"".join(body_parts)
        if ctx.session is not None:
            if status < 400:
                try:
                    if idem_scope is not None and 200 <= status < 300:
                        content_type = dict(start_message.get("headers", [])).get(b"content-type", b"")
                        await ctx.session.execute(
                            sa.insert(idempotency_t).values(
                                scope=idem_scope,
                                key=idem_key,
                                request_hash=fingerprint,
                                status_code=status,
                                content_type=content_type.decode("latin-1"),
                                body=response_body,
                                expires_at=datetime.now(UTC) + self.idempotency_ttl,
                            )
                        )
                    await ctx.commit()
                except IntegrityError as exc:
                    await _rollback_quietly(ctx)
                    if out_of_range(exc):  # a day derived from the request, past the stored years
                        status_holder[0] = 422
                        title = "Validation failed" if english else "请求内容校验失败"
                        detail = out_of_range_detail(english)
                        await _send_problem(send, 422, "INVALID_DATA", title, detail, rid)
                        return
                    status_holder[0] = 409
                    await _send_problem(
                        send,
                        409,
                        "CONFLICT",
                        "Conflict" if english else "与当前状态冲突",
                        "The change conflicts with a concurrent change; retry"
                        if english
                        else "该操作与并发的其他操作冲突，请重试",
                        rid,
                        extra={"constraint": violated_constraint(exc)},
                    )
                    return
                except DataError:
                    await _rollback_quietly(ctx)
                    status_holder[0] = 422
                    await _send_problem(
                        send,
                        422,
                        "INVALID_DATA",
                        "Validation failed" if english else "请求内容校验失败",
                        "A value is out of range or not storable"
                        if english
                        else "请求中的数值超出范围或无法保存",
                        rid,
                    )
                    return
            else:
                await ctx.rollback()
        status_holder[0] = status
        headers_out = [(k, v) for k, v in start_message.get("headers", []) if k.lower() != b"x-request-id"]
        headers_out.append((b"x-request-id", rid.encode()))
        await send({**start_message, "headers": headers_out})
        await send({"type": "http.response.body", "body": response_body})

    async def _idempotency_check(
        self,
        ctx: RequestContext,
        idem_scope: str,
        key: str,
        fingerprint: str,
        send: Send,
        rid: str,
        english: bool,
        status_holder: list[int],
    ) -> bool:
        """True when the request was answered here (replay, 409 in flight, 422 mismatch)."""
        session = ctx.get_session()
        locked = await session.scalar(
            sa.select(
                sa.func.pg_try_advisory_xact_lock(sa.func.hashtextextended(idem_scope + "\x1f" + key, 0))
            )
        )
        if not locked:
            status_holder[0] = 409
            await _send_problem(
                send,
                409,
                "IDEMPOTENCY_IN_FLIGHT",
                "Request in progress" if english else "相同请求正在处理中",
                "A request with this Idempotency-Key is still being processed; retry shortly"
                if english
                else "使用该 Idempotency-Key 的请求仍在处理中，请稍后重试",
                rid,
            )
            await session.rollback()
            return True
        row = (
            await session.execute(
                sa.select(idempotency_t).where(
                    idempotency_t.c.scope == idem_scope,
                    idempotency_t.c.key == key,
                    idempotency_t.c.expires_at > sa.func.now(),
                )
            )
        ).first()
        if row is None:
            await session.execute(
                sa.delete(idempotency_t).where(
                    idempotency_t.c.scope == idem_scope, idempotency_t.c.key == key
                )
            )
            return False
        await session.rollback()
        if row.request_hash != fingerprint:
            status_holder[0] = 422
            await _send_problem(
                send,
                422,
                "IDEMPOTENCY_KEY_MISMATCH",
                "Idempotency-Key reused" if english else "Idempotency-Key 已用于不同的请求",
                "This Idempotency-Key was used with a different request body or path"
                if english
                else "该 Idempotency-Key 已用于内容不同的请求，请使用新的键",
                rid,
            )
            return True
        status_holder[0] = row.status_code
        await send(
            {
                "type": "http.response.start",
                "status": row.status_code,
                "headers": [
                    (b"content-type", row.content_type.encode("latin-1")),
                    (b"content-length", str(len(row.body)).encode()),
                    (b"idempotent-replayed", b"true"),
                    (b"x-request-id", rid.encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": bytes(row.body)})
        return True
