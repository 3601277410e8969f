"""Routes of the notify service: the caller's notifications (paged, read marks) and their live stream (SSE)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import StreamingResponse

from services.common.deps import SessionDep
from services.common.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery
from services.notify import views
from services.notify.deps import ContextDep, NotificationDep, ReaderDep, RecipientDep
from services.notify.schemas import NotificationPage, NotificationRead, ReadAllResult
from services.notify.use_cases import notifications, stream

router = APIRouter(prefix="/api/v1/notifications", tags=["notify: notifications"])

LastEventIdHeader = Annotated[
    str | None,
    Header(
        alias="Last-Event-ID",
        max_length=64,
        description="the id of the last event received: the stream resumes exactly after it",
    ),
]
LastEventIdQuery = Annotated[
    str | None,
    Query(
        max_length=64,
        pattern=r"^[0-9]*$",
        description="as the Last-Event-ID header, for clients that cannot set it",
    ),
]


@router.get("", response_model=NotificationPage)
async def list_notifications(
    session: SessionDep,
    principal: ReaderDep,
    recipient: RecipientDep,
    unread: Annotated[bool, Query(description="only the unread ones")] = False,
    cursor: CursorQuery = None,
    limit: LimitQuery = DEFAULT_LIMIT,
) -> NotificationPage:
    """The caller's notifications, newest first, with the number still unread (for apps that were offline)."""
    return await notifications.list_page(session, recipient, unread=unread, cursor=cursor, limit=limit)


@router.get(
    "/stream",
    response_class=StreamingResponse,
    response_model=None,
    # an endless response: HTTP fuzzers (tests/test_schemathesis.py) leave it to tests/notify/test_stream.py
    openapi_extra={"x-zhifa-endless-stream": True},
    responses={
        200: {
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
            "description": "Server-Sent Events: `id` is the notification's seq, `event: notification`, "
            "`data` a NotificationRead; comment lines are heartbeats",
        }
    },
)
async def stream_notifications(
    request: Request,
    session: SessionDep,
    principal: ReaderDep,
    recipient: RecipientDep,
    context: ContextDep,
    last_event_id: LastEventIdHeader = None,
    after: Annotated[LastEventIdQuery, Query(alias="last_event_id")] = None,
) -> views.EventStream:
    """The caller's notifications as they happen (Server-Sent Events), after those already seen: with
    `Last-Event-ID` (or `?last_event_id=`) exactly after that one, else the whole log first."""
    start = await stream.resume_point(
        session, recipient, last_event_id if last_event_id is not None else after
    )
    settings = context.settings
    frames = stream.frames(request.app.state.runtime.factory, context.fanout, settings, recipient, start)
    return views.EventStream(frames, settings.stream_send_timeout_s)


@router.post("/read-all", response_model=ReadAllResult)
async def read_all(session: SessionDep, principal: ReaderDep, recipient: RecipientDep) -> ReadAllResult:
    """Mark every unread notification of the caller read."""
    return await notifications.mark_all_read(session, recipient, principal)


@router.post("/{notification_id}/read", response_model=NotificationRead)
async def read_one(
    session: SessionDep, principal: ReaderDep, notification: NotificationDep
) -> NotificationRead:
    """Mark one notification read (the first time counts: a second call changes nothing)."""
    return await notifications.mark_read(session, notification, principal)
