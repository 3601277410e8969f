"""Rows → the HTTP response models.

Response models are read from a row's attributes of the same names (``_read``), with the fields the row
does not hold (labels, the publication's state today, a review's overdue stage) computed here. The contracts
the service publishes are built in ``events``.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any, TypeVar

from pydantic import BaseModel

from services.common import clock
from services.credit_repair import schemas
from services.credit_repair.domain import repair as repair_domain
from services.credit_repair.domain import rules
from services.credit_repair.domain.publication import CleanupReason
from services.credit_repair.domain.rules import CreditClass
from services.credit_repair.models import (
    CleanupRun,
    CreditRecord,
    FeedEntry,
    Publication,
    PublicationEnd,
    RepairApplication,
    RepairNotice,
    RuleSetRow,
)
from services.credit_repair.repository import bulk as bulk_repo
from services.credit_repair.repository import repairs as repair_repo
from services.credit_repair.repository import rule_sets as rule_set_repo

API = "/api/v1/credit"

Read = TypeVar("Read", bound=BaseModel)


def _read(model: type[Read], row: object, **computed: Any) -> Read:
    """``model`` from ``row``'s attributes of the same names, with ``computed`` fields on top."""
    values = {name: getattr(row, name) for name in model.model_fields if name not in computed}
    return model.model_validate(values | computed)


# --- rule sets ------------------------------------------------------------------------------------


def rule_set_read(row: RuleSetRow) -> schemas.RuleSetRead:
    return _read(schemas.RuleSetRead, row, status=rules.status_on(rule_set_repo.parsed(row), clock.today()))


# --- records and notices --------------------------------------------------------------------------


def publication_read(p: Publication | None, end: PublicationEnd | None) -> schemas.PublicationRead | None:
    if p is None:
        return None
    return _read(
        schemas.PublicationRead,
        p,
        active=end is None and p.starts_on <= clock.today() < p.max_ends_on,
        ended_on=end.ended_on if end else None,
        end_reason=end.reason if end else None,
    )


def record_read(
    r: CreditRecord, p: Publication | None, end: PublicationEnd | None, notice_id: uuid.UUID | None
) -> schemas.RecordRead:
    return _read(
        schemas.RecordRead,
        r,
        credit_class_label=CreditClass(r.credit_class).label,
        fine_paid_fen=r.fine_fen if r.fully_performed else r.fine_paid_fen,
        notice_id=notice_id,
        publication=publication_read(p, end),
    )


_NOTICE_CONTENT = (
    "decision_no",
    "subject_name",
    "credit_class",
    "class_label",
    "published",
    "publication_start",
    "earliest_repair_date",
    "maximum_end",
    "application_path",
    "review",
)


def notice_read(n: RepairNotice) -> schemas.NoticeRead:
    """A notice: its row's facts and, from its content, what it says."""
    c = n.content
    return _read(
        schemas.NoticeRead,
        n,
        **{key: c[key] for key in _NOTICE_CONTENT},
        requirements=list(c["requirements"]),
        html_url=f"{API}/notices/{n.id}/html",
        pdf_url=f"{API}/notices/{n.id}/pdf",
    )


# --- repairs --------------------------------------------------------------------------------------


def overdue_stage(app: RepairApplication, today: date) -> str | None:
    """The review step that is overdue today (domain.repair.overdue_stage), or None."""
    if app.status not in repair_repo.OPEN_STATUSES:
        return None
    deadlines = repair_domain.ReviewDeadlines(
        received_on=app.submitted_on,
        acceptance_due=app.acceptance_due,
        decision_due=app.decision_due,
        window_due=app.window_due,
        extended=app.extended,
        pending_year=app.deadlines_pending_year,
    )
    stage = repair_domain.overdue_stage(
        deadlines, today, accepted_on=app.accepted_on, decided_on=app.decided_on
    )
    return None if stage is None else stage.value


def repair_read(a: RepairApplication) -> schemas.RepairRead:
    return _read(
        schemas.RepairRead,
        a,
        reasons=list(a.reasons or []),
        overdue_stage=overdue_stage(a, clock.today()),
        deadlines_pending=a.deadlines_pending_year is not None,
        deadlines_note=repair_domain.pending_note(a.deadlines_pending_year),
    )


# --- clean-ups ------------------------------------------------------------------------------------

CLEANUP_LABELS = {r.value: r.label for r in CleanupReason}


def cleanup_read(
    run: CleanupRun, totals: bulk_repo.StepTotals | None = None, counts: Sequence[bulk_repo.ReportRow] = ()
) -> schemas.CleanupRead:
    """A run; with ``totals`` (steps) its live progress, with ``counts`` its report."""
    by_reason: dict[str, int] = {}
    by_department: dict[str, int] = {}
    for c in counts:
        by_reason[c.reason] = by_reason.get(c.reason, 0) + c.count
        by_department[c.department_code] = by_department.get(c.department_code, 0) + c.count
    done = 1.0 if run.status == "completed" else 0.0
    examined, matched = run.examined, run.matched
    if totals is not None and run.status != "completed":
        done = totals.done / totals.total if totals.total else 0.0
        examined, matched = totals.examined, totals.matched
    return _read(
        schemas.CleanupRead,
        run,
        examined=examined,
        matched=matched,
        progress=round(done, 4),
        by_reason=by_reason,
        by_department=by_department,
        counts=[
            schemas.CleanupCountRead(
                reason=c.reason,
                label=CLEANUP_LABELS.get(c.reason, c.reason),
                department_code=c.department_code,
                count=c.count,
            )
            for c in counts
        ],
    )


# --- feeds ----------------------------------------------------------------------------------------


def feed_item(entry: FeedEntry, p: Publication, end: PublicationEnd | None) -> schemas.FeedItem:
    ended = entry.kind == "ended" and end is not None
    return _read(
        schemas.FeedItem,
        entry,
        data={
            "publication_id": str(p.id),
            "record_id": str(p.record_id),
            "case_id": str(p.case_id),
            "decision_no": p.decision_no,
            "party_kind": p.party_kind,
            "party_uscc": p.party_uscc if p.party_kind == "organisation" else None,
            "party_name": p.public_name,
            "department_code": p.department_code,
            "department_name": p.department_name,
            "district_code": p.district_code,
            "credit_class": p.credit_class,
            "credit_class_label": CreditClass(p.credit_class).label,
            "platforms": list(p.platforms),
            "starts_on": p.starts_on.isoformat(),
            "earliest_repair_on": p.earliest_repair_on.isoformat() if p.earliest_repair_on else None,
            "ends_on": p.max_ends_on.isoformat(),
            "ended_on": end.ended_on.isoformat() if ended and end is not None else None,
        },
    )


def public_publication(p: Publication) -> schemas.PublicPublication:
    """A publication as the public sees it: a natural person's name masked, no identifier."""
    return _read(
        schemas.PublicPublication,
        p,
        party_name=p.public_name,
        party_uscc=p.party_uscc if p.party_kind == "organisation" else None,
        credit_class=CreditClass(p.credit_class).label,
        ends_on=p.max_ends_on,
    )


# 信用公示台账 (services/common/ledger.py): (field of ``ledger_row``, Chinese header)
LEDGER_COLUMNS = [
    ("decision_no", "处罚决定书文号"),
    ("decided_on", "决定日期"),
    ("party_name", "当事人"),
    ("party_uscc", "统一社会信用代码"),
    ("department_name", "处罚机关"),
    ("district_code", "区县代码"),
    ("kinds", "处罚种类"),
    ("fine_fen", "罚款金额（元）"),
    ("credit_class_label", "失信程度"),
    ("published", "是否公示"),
    ("starts_on", "公示起始日"),
    ("min_ends_on", "最短公示期满日"),
    # max_ends_on is the first day the record is no longer published (domain/publication.py: [start, end)),
    # not the last day of publication that "公示截止日" would name
    ("max_ends_on", "停止公示日"),
    ("platforms", "公示平台"),
    ("active", "公示中"),
    ("ended_on", "公示结束日"),
    ("end_reason", "结束原因"),
    ("fully_performed", "已履行完毕"),
]


def ledger_row(record: schemas.RecordRead) -> dict[str, Any]:
    """A credit record with its publication's dates flattened, as one row of the ledger."""
    publication = record.publication.model_dump() if record.publication is not None else {}
    publication.pop("credit_class", None)
    return {**record.model_dump(), **publication}
