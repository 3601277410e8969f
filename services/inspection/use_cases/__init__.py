"""Use cases of the inspection service, one module per topic: repository + domain + outbox + audit. None
commits: the edge (or the consumer's or the job's transaction) does.

- ``entry``: scan-to-enter, both directions and the exceptions, and the refusals recorded on the way;
- ``visits``: outcomes, checkout, rating, the reads of visits and ratings;
- ``tasks``: tasks, their approval and the 双随机 draw;
- ``registries``: departments and bodies, the item catalogue, officers, enterprises and their codes, the
  risk classes received, quiet windows;
- ``imports``: CSV and JSON imports, all or nothing;
- ``supervision``: the supervisors' views;
- ``public``: what anyone may read (一公开).

Each stages the contracts of the changes it makes with ``outbox.add(session, events.<builder>(...))`` (the
builders: events.py). Helpers shared by the topics live here: reading cursors.
"""

from __future__ import annotations

from services.common.pagination import (
    InvalidCursor,
    cursor_instant,
    cursor_text,
    cursor_tuple,
    cursor_uuid,
    decode_cursor,
)


def unreadable_cursor() -> InvalidCursor:
    return InvalidCursor(
        "分页游标无法解析，请使用上一页返回的 next_cursor",
        detail_en="The cursor cannot be read; pass the next_cursor of the previous page unchanged",
    )


def cursor_pair(cursor: str | None, *, timed: bool = True) -> tuple[str, str] | None:
    """The (time, id) — or, untimed, (key, key) — pair a keyset cursor holds, or None on the first page."""
    value = decode_cursor(cursor)
    if value is None:
        return None
    try:
        # an instant asyncpg cannot hold in UTC, a NUL in a key: refused here, not a 500 in the database
        cursor_tuple(value, *((cursor_instant, cursor_uuid) if timed else (cursor_text, cursor_text)))
    except InvalidCursor:
        raise unreadable_cursor() from None
    return str(value[0]), str(value[1])


def text_cursor(cursor: str | None) -> str | None:
    """The key a text-keyed cursor holds (an item code, a USCC), or None on the first page."""
    after = decode_cursor(cursor)
    if after is None:
        return None
    try:
        return cursor_text(after)  # a NUL failed in the database: a 500
    except InvalidCursor:
        raise unreadable_cursor() from None
