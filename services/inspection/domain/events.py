"""What happened, in the domain's words.

A use case builds the contract that reports one of these with its builder in events.py (``PUBLISHED``: the
contracts other services read, services/common/contracts/inspection.py) and stages it with ``outbox.add`` in
the transaction of the change. A violation is reported by its ``visits.ViolationPayload``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from services.inspection.domain.registry import Enterprise, Officer
from services.inspection.domain.visits import Visit


@dataclass(frozen=True, slots=True)
class VisitStarted:
    visit: Visit


@dataclass(frozen=True, slots=True)
class VisitCompleted:
    visit: Visit


@dataclass(frozen=True, slots=True)
class VisitRated:
    visit: Visit


@dataclass(frozen=True, slots=True)
class OfficerChanged:
    """A certified officer's registry record or certificate status changed (auxiliary staff are not reported)."""

    officer: Officer
    changed_at: datetime


@dataclass(frozen=True, slots=True)
class EnterpriseRegistered:
    enterprise: Enterprise
    registered_at: datetime


@dataclass(frozen=True, slots=True)
class EntryRefusal:
    """A refused entry attempt, as recorded (SPEC §2.3: refused attempts are the signal of 乱检查)."""

    refusal_id: uuid.UUID
    code: str
    task_id: uuid.UUID | None
    enterprise_uscc: str | None
    department_code: str | None
    district_code: str | None
    officer_cert_nos: tuple[str, ...]
    detail: str
    refused_at: datetime
    counts_against_unit: bool
    attempt_ref: str | None  # a code presented again is the same attempt by the officers who were given it
