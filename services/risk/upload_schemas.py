"""The HTTP contract of bulk intake uploads (the answer to an upload and its status)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field


class UploadErrorRead(BaseModel):
    """One rejected line (texts longer than 500 characters are cut)."""

    line: int = Field(description="line number, from 1; blank lines are counted")
    code: str
    field: str | None
    detail: str
    issues: list[dict[str, Any]]


class UploadRead(BaseModel):
    """A bulk upload: its state and progress, its figures, the first rejected lines and where the rest are."""

    id: uuid.UUID
    kind: Literal["reconsideration", "litigation", "complaint"]
    state: Literal["queued", "running", "done", "failed"]
    mode: Literal["sync", "async"] = Field(description="sync: answered at once (200); async: a job (202)")
    bytes: int = Field(description="size of the body")
    bytes_processed: int = Field(description="bytes read so far (progress)")
    lines: int = Field(description="non-blank lines read so far")
    stored: int = Field(description="records stored by this upload")
    duplicates: int = Field(description="lines whose external id was already stored with the same content")
    rejected: int
    errors: list[UploadErrorRead] = Field(description="the first rejected lines, by line number")
    errors_truncated: bool = Field(description="more lines were rejected than are listed in errors")
    errors_by_code: dict[str, int] = Field(description="rejected lines per error code")
    report_lines: int = Field(description="rejected lines in the downloadable report")
    report_truncated: bool = Field(description="more lines were rejected than the report keeps")
    status_url: str
    report_url: str | None = Field(description="the report of every rejected line (NDJSON), when any")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    attempts: int = Field(
        description="workers that started on it (2 or more: taken over after an interruption)"
    )
    error: str | None = Field(description="why a failed upload stopped, or why the last attempt did")
