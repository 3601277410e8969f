"""Events as their producers publish them, for tests of their consumers: one function per contract, named
after it, every field a keyword with a sensible default. Sorted by producer, then by contract."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime

from services.common import clock
from services.common.contracts import inspection, penalty

YUAN = 100  # fen per yuan
SAMPLE_USCC = (
    "91210100MACQTKPQ79"  # 沈阳东陵客运有限公司, the first enterprise of data/sample/enterprises.json
)

# --- inspection -----------------------------------------------------------------------------------


def entry_refused(
    *,
    department_code: str | None = "SJ",
    district_code: str | None = "210102",
    refused_at: datetime | None = None,
    code: str = "ENTRY_NO_TASK",
    detail: str = "无检查任务",
    refusal_id: uuid.UUID | None = None,
    counts_against_unit: bool | None = None,
    attempt_ref: str | None = None,
) -> inspection.EntryRefused:
    """An entry refused at the door to officers of ``department_code`` (no task, no enterprise); the
    producer's judgement (``counts_against_unit``, ``attempt_ref``) absent unless told, as in old events."""
    return inspection.EntryRefused(
        refusal_id=refusal_id or uuid.uuid4(),
        code=code,
        task_id=None,
        enterprise_uscc=None,
        department_code=department_code,
        district_code=district_code,
        officer_cert_nos=["辽A-0100001"],
        detail=detail,
        refused_at=refused_at or datetime(2026, 8, 3, 2, tzinfo=UTC),
        counts_against_unit=counts_against_unit,
        attempt_ref=attempt_ref,
    )


# --- penalty --------------------------------------------------------------------------------------


def decision_changed(
    of: penalty.DecisionIssued,
    *,
    kinds: Sequence[str] = ("fine",),
    fine_fen: int = 60_000 * YUAN,
    revision: int = 2,
    changed_on: date | None = None,
    source: str = "litigation",
    reason: str = "人民法院判决变更罚款数额",
    restriction_months: int | None = None,
) -> penalty.DecisionChanged:
    """A court or a reconsideration body changed decision ``of``."""
    return penalty.DecisionChanged(
        case_id=of.case_id,
        decision_no=of.decision_no,
        party_uscc=of.party_uscc,
        department_code=of.department_code,
        district_code=of.district_code,
        source=source,  # type: ignore[arg-type]
        reason=reason,
        kinds=list(kinds),
        fine_fen=fine_fen,
        changed_on=changed_on or clock.today(),
        revision=revision,
        restriction_months=restriction_months,
    )


def decision_issued(
    *,
    party_uscc: str | None = SAMPLE_USCC,
    party_name: str = "沈阳测试商贸有限公司",
    kinds: Sequence[str] = ("fine",),
    fine_fen: int | None = None,
    decided_on: date | None = None,
    procedure: str = "general",
    department_code: str = "SJ",
    district_code: str = "210102",
    benchmark_code: str = "SY-SJ-0101",
    revision: int = 1,
    case_id: uuid.UUID | None = None,
    serious: bool = False,
    domain: str = "化妆品",
    tier: str = "一般",
    outside_tier: bool = False,
    restriction_months: int | None = None,
) -> penalty.DecisionIssued:
    """A decision of 沈阳市市场监督管理局 (SJ) decided today; ``party_uscc=None`` for a natural person. A fine
    is 80,000 元 unless told; without a fine among ``kinds`` the fine is 0."""
    person = party_uscc is None
    fined = "fine" in kinds or "罚款" in kinds
    return penalty.DecisionIssued(
        party_kind="individual" if person else "organisation",
        party_uscc=party_uscc,
        party_id_masked="210102********1234" if person else None,
        party_name=party_name,
        case_id=case_id or uuid.uuid4(),
        decision_no=f"沈市监罚〔2026〕{uuid.uuid4().int % 100000}号",
        department_code=department_code,
        department_name="沈阳市市场监督管理局",
        district_code=district_code,
        domain=domain,
        benchmark_code=benchmark_code,
        benchmark_version=1,
        tier=tier,  # type: ignore[arg-type]
        kinds=list(kinds),
        fine_fen=(80_000 * YUAN if fine_fen is None else fine_fen) if fined else 0,
        confiscation_fen=0,
        procedure=procedure,  # type: ignore[arg-type]
        decided_on=decided_on or clock.today(),
        effective_on=decided_on or clock.today(),
        serious=serious,
        outside_tier=outside_tier,
        revision=revision,
        restriction_months=restriction_months,
    )


def decision_revoked(
    of: penalty.DecisionIssued,
    *,
    revision: int = 2,
    revoked_on: date | None = None,
    source: str = "reconsideration",
    reason: str = "行政复议机关决定撤销",
    outcome: str = "revoked",
) -> penalty.DecisionRevoked:
    """A reconsideration body revoked decision ``of`` (or, by ``outcome``, confirmed it illegal or void)."""
    return penalty.DecisionRevoked(
        case_id=of.case_id,
        decision_no=of.decision_no,
        party_uscc=of.party_uscc,
        department_code=of.department_code,
        district_code=of.district_code,
        source=source,  # type: ignore[arg-type]
        reason=reason,
        revoked_on=revoked_on or clock.today(),
        revision=revision,
        outcome=outcome,  # type: ignore[arg-type]
    )


def fine_paid(
    of: penalty.DecisionIssued, *, fully_performed: bool = True, fine_fen: int | None = None
) -> penalty.FinePaid:
    """The party of decision ``of`` paid its fine (all of it unless ``fine_fen`` says how much) today."""
    return penalty.FinePaid(
        case_id=of.case_id,
        decision_no=of.decision_no,
        party_uscc=of.party_uscc,
        fine_fen=of.fine_fen if fine_fen is None else fine_fen,
        surcharge_fen=0,
        paid_on=clock.today(),
        fully_performed=fully_performed,
    )
