"""Every query of the penalty service. Functions take the caller's session and never commit.

Which cases, documents and leads a caller may read is said once per kind (``CASES``, ``DOCUMENTS``,
``LEADS``: services.common.access) and applied by the same queries to a single object and to a list.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.access import Scope, Visibility, readable
from services.penalty.domain.documents import DocumentKind
from services.penalty.models import (
    BenchmarkVersionRow,
    CaseStep,
    CatalogueState,
    CreditNotice,
    DeadlineReport,
    DecidedCase,
    Department,
    Document,
    DocumentCounter,
    ImportedCase,
    Lead,
    OfficerCertificate,
    PenaltyCase,
)

# --------------------------------------------------------------------------------------------------------
# Catalogue
# --------------------------------------------------------------------------------------------------------


async def catalogue_revision(session: AsyncSession) -> int:
    return int(await session.scalar(sa.select(CatalogueState.revision).where(CatalogueState.id == 1)) or 0)


async def catalogue_state(session: AsyncSession, *, lock: bool = False) -> CatalogueState:
    stmt = sa.select(CatalogueState).where(CatalogueState.id == 1)
    if lock:
        stmt = stmt.with_for_update()
    state = (await session.scalars(stmt)).one()
    return state


async def bump_catalogue(session: AsyncSession, *, meta: dict[str, Any] | None = None) -> int:
    values: dict[str, Any] = {"revision": CatalogueState.revision + 1, "updated_at": sa.func.now()}
    if meta is not None:
        values["meta"] = meta
    result = await session.execute(
        sa.update(CatalogueState)
        .where(CatalogueState.id == 1)
        .values(**values)
        .returning(CatalogueState.revision)
    )
    return int(result.scalar_one())


async def published_versions(session: AsyncSession) -> Sequence[BenchmarkVersionRow]:
    stmt = (
        sa.select(BenchmarkVersionRow)
        .where(BenchmarkVersionRow.status == "published")
        .order_by(BenchmarkVersionRow.code, BenchmarkVersionRow.version)
    )
    return (await session.scalars(stmt)).all()


async def all_versions(session: AsyncSession, *, status: str | None = None) -> Sequence[BenchmarkVersionRow]:
    stmt = sa.select(BenchmarkVersionRow).order_by(BenchmarkVersionRow.code, BenchmarkVersionRow.version)
    if status is not None:
        stmt = stmt.where(BenchmarkVersionRow.status == status)
    return (await session.scalars(stmt)).all()


async def versions_of(
    session: AsyncSession, code: str, *, lock: bool = False
) -> Sequence[BenchmarkVersionRow]:
    stmt = (
        sa.select(BenchmarkVersionRow)
        .where(BenchmarkVersionRow.code == code)
        .order_by(BenchmarkVersionRow.version)
    )
    if lock:
        stmt = stmt.with_for_update()
    return (await session.scalars(stmt)).all()


async def lock_code(session: AsyncSession, code: str) -> None:
    """Serialise catalogue changes to one code (drafting a new version number, publishing)."""
    await session.execute(sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext("benchmark:" + code))))


async def add_version(session: AsyncSession, row: BenchmarkVersionRow) -> None:
    session.add(row)
    await session.flush()


async def list_published_page(
    session: AsyncSession,
    *,
    after: tuple[str, int] | None,
    limit: int,
    department_code: str | None,
    domain: str | None,
    in_force_on: date | None,
    query: str | None,
) -> Sequence[BenchmarkVersionRow]:
    stmt = sa.select(BenchmarkVersionRow).where(BenchmarkVersionRow.status == "published")
    if after is not None:
        stmt = stmt.where(
            sa.tuple_(BenchmarkVersionRow.code, BenchmarkVersionRow.version) > sa.tuple_(*after)
        )
    if department_code:
        stmt = stmt.where(BenchmarkVersionRow.department_code == department_code)
    if domain:
        stmt = stmt.where(BenchmarkVersionRow.domain == domain)
    if in_force_on is not None:
        stmt = stmt.where(
            BenchmarkVersionRow.effective_from <= in_force_on,
            sa.or_(
                BenchmarkVersionRow.effective_to.is_(None), BenchmarkVersionRow.effective_to >= in_force_on
            ),
        )
    if query:
        pattern = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(
            sa.or_(BenchmarkVersionRow.violation_name.like(pattern), BenchmarkVersionRow.code.like(pattern))
        )
    stmt = stmt.order_by(BenchmarkVersionRow.code, BenchmarkVersionRow.version).limit(limit + 1)
    return (await session.scalars(stmt)).all()


# --------------------------------------------------------------------------------------------------------
# Departments
# --------------------------------------------------------------------------------------------------------


async def department(session: AsyncSession, code: str) -> Department | None:
    return await session.get(Department, code)


async def departments(session: AsyncSession) -> Sequence[Department]:
    return (await session.scalars(sa.select(Department).order_by(Department.code))).all()


async def upsert_department(session: AsyncSession, values: dict[str, Any]) -> None:
    stmt = pg_insert(Department).values(**values)
    update: dict[str, Any] = {k: stmt.excluded[k] for k in values if k != "code"}
    update["updated_at"] = sa.func.now()
    await session.execute(stmt.on_conflict_do_update(index_elements=["code"], set_=update))


# --------------------------------------------------------------------------------------------------------
# Document numbers
# --------------------------------------------------------------------------------------------------------


async def next_document_seq(session: AsyncSession, *, dept_code: str, year: int, kind: str) -> int:
    """The next number for (department, year, kind), in the caller's transaction (no gaps, no duplicates)."""
    insert = pg_insert(DocumentCounter).values(dept_code=dept_code, year=year, kind=kind, last_seq=1)
    stmt = insert.on_conflict_do_update(
        index_elements=["dept_code", "year", "kind"],
        set_={"last_seq": DocumentCounter.last_seq + 1},
    ).returning(DocumentCounter.last_seq)
    return int((await session.execute(stmt)).scalar_one())


# --------------------------------------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------------------------------------

#: Officers see their department's cases, an enterprise the cases against it, a district supervisor the
#: district's; a city supervisor and an administrator every case (SPEC §1.5).
CASES = Visibility(
    uscc=PenaltyCase.party_uscc,
    department_code=PenaltyCase.dept_code,
    district_code=PenaltyCase.district_code,
)
#: Payments: the revenue system and the banks (integration clients holding the payments scope) report
#: payments for any case.
PAYABLE_CASES = replace(CASES, client=lambda _client: sa.true())


async def readable_case(session: AsyncSession, scope: Scope, case_id: uuid.UUID) -> PenaltyCase | None:
    stmt = readable(sa.select(PenaltyCase).where(PenaltyCase.id == case_id), scope, CASES)
    return (await session.scalars(stmt)).one_or_none()


async def lockable_case(session: AsyncSession, scope: Scope, case_id: uuid.UUID) -> PenaltyCase | None:
    """The case, locked for this transaction's procedure step, when the caller may see it."""
    stmt = readable(sa.select(PenaltyCase).where(PenaltyCase.id == case_id), scope, CASES)
    return (await session.scalars(stmt.with_for_update())).one_or_none()


async def payable_case(session: AsyncSession, scope: Scope, case_id: uuid.UUID) -> PenaltyCase | None:
    """The case, locked, when the caller may report a payment for it."""
    stmt = readable(sa.select(PenaltyCase).where(PenaltyCase.id == case_id), scope, PAYABLE_CASES)
    return (await session.scalars(stmt.with_for_update())).one_or_none()


async def get_case(session: AsyncSession, case_id: uuid.UUID, *, lock: bool = False) -> PenaltyCase | None:
    """Any case, whoever asks (the sample loader; not for requests)."""
    stmt = sa.select(PenaltyCase).where(PenaltyCase.id == case_id)
    if lock:
        stmt = stmt.with_for_update()
    return (await session.scalars(stmt)).one_or_none()


async def case_by_violation(session: AsyncSession, violation_id: uuid.UUID) -> PenaltyCase | None:
    return (
        await session.scalars(sa.select(PenaltyCase).where(PenaltyCase.violation_id == violation_id))
    ).one_or_none()


async def add_case(session: AsyncSession, row: PenaltyCase) -> None:
    session.add(row)
    await session.flush()


async def next_step_seq(session: AsyncSession, case_id: uuid.UUID) -> int:
    current = await session.scalar(
        sa.select(sa.func.coalesce(sa.func.max(CaseStep.seq), 0)).where(CaseStep.case_id == case_id)
    )
    return int(current or 0) + 1


async def add_step(session: AsyncSession, row: CaseStep) -> None:
    session.add(row)
    await session.flush()


async def steps(session: AsyncSession, case_id: uuid.UUID) -> Sequence[CaseStep]:
    return (
        await session.scalars(sa.select(CaseStep).where(CaseStep.case_id == case_id).order_by(CaseStep.seq))
    ).all()


async def list_cases(
    session: AsyncSession,
    scope: Scope,
    *,
    state: str | None,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> Sequence[PenaltyCase]:
    stmt = readable(sa.select(PenaltyCase), scope, CASES)
    if state is not None:
        stmt = stmt.where(PenaltyCase.state == state)
    if after is not None:
        stmt = stmt.where(sa.tuple_(PenaltyCase.opened_at, PenaltyCase.id) < sa.tuple_(*after))
    stmt = stmt.order_by(PenaltyCase.opened_at.desc(), PenaltyCase.id.desc()).limit(limit + 1)
    return (await session.scalars(stmt)).all()


async def open_case_ids(session: AsyncSession, *, after: uuid.UUID | None, limit: int) -> Sequence[uuid.UUID]:
    stmt = sa.select(PenaltyCase.id).where(PenaltyCase.state != "closed")
    if after is not None:
        stmt = stmt.where(PenaltyCase.id > after)
    return (await session.scalars(stmt.order_by(PenaltyCase.id).limit(limit))).all()


# --------------------------------------------------------------------------------------------------------
# Leads
# --------------------------------------------------------------------------------------------------------


async def insert_lead(session: AsyncSession, values: dict[str, Any]) -> bool:
    """Insert a lead unless one exists for the violation; True when inserted."""
    stmt = pg_insert(Lead).values(**values).on_conflict_do_nothing(index_elements=["violation_id"])
    result = await session.execute(stmt.returning(Lead.id))
    return result.scalar_one_or_none() is not None


#: Leads are internal: the department they were found for, the district's supervisor, the city.
LEADS = Visibility(department_code=Lead.department_code, district_code=Lead.district_code)


async def readable_lead(session: AsyncSession, scope: Scope, lead_id: uuid.UUID) -> Lead | None:
    stmt = readable(sa.select(Lead).where(Lead.id == lead_id), scope, LEADS)
    return (await session.scalars(stmt)).one_or_none()


async def lockable_lead(session: AsyncSession, scope: Scope, lead_id: uuid.UUID) -> Lead | None:
    """The lead, locked for this transaction's confirmation or dismissal, when the caller may see it."""
    stmt = readable(sa.select(Lead).where(Lead.id == lead_id), scope, LEADS)
    return (await session.scalars(stmt.with_for_update())).one_or_none()


async def list_leads(
    session: AsyncSession,
    scope: Scope,
    *,
    status: str | None,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> Sequence[Lead]:
    stmt = readable(sa.select(Lead), scope, LEADS)
    if status is not None:
        stmt = stmt.where(Lead.status == status)
    if after is not None:
        stmt = stmt.where(sa.tuple_(Lead.found_at, Lead.id) < sa.tuple_(*after))
    stmt = stmt.order_by(Lead.found_at.desc(), Lead.id.desc()).limit(limit + 1)
    return (await session.scalars(stmt)).all()


# --------------------------------------------------------------------------------------------------------
# Projections
# --------------------------------------------------------------------------------------------------------


async def certificate(session: AsyncSession, cert_no: str) -> OfficerCertificate | None:
    return await session.get(OfficerCertificate, cert_no)


async def upsert_certificate(session: AsyncSession, values: dict[str, Any]) -> None:
    """Keep the newest revision of a certificate (events may arrive out of order)."""
    stmt = pg_insert(OfficerCertificate).values(**values)
    update = {k: stmt.excluded[k] for k in values if k != "cert_no"}
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=["cert_no"],
            set_=update,
            where=sa.or_(
                OfficerCertificate.revision < stmt.excluded.revision,
                sa.and_(
                    OfficerCertificate.revision == stmt.excluded.revision,
                    OfficerCertificate.changed_at < stmt.excluded.changed_at,
                ),
            ),
        )
    )


async def credit_notice(session: AsyncSession, case_id: uuid.UUID) -> CreditNotice | None:
    return await session.get(CreditNotice, case_id)


async def upsert_credit_notice(session: AsyncSession, values: dict[str, Any]) -> None:
    """Keep the newest notice of a case (by issue time)."""
    stmt = pg_insert(CreditNotice).values(**values)
    update = {k: stmt.excluded[k] for k in values if k != "case_id"}
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=["case_id"], set_=update, where=CreditNotice.issued_at < stmt.excluded.issued_at
        )
    )


# --------------------------------------------------------------------------------------------------------
# Documents
# --------------------------------------------------------------------------------------------------------


async def add_document(session: AsyncSession, row: Document) -> None:
    session.add(row)
    await session.flush()


async def case_documents(session: AsyncSession, case_id: uuid.UUID) -> Sequence[Document]:
    stmt = (
        sa.select(Document).where(Document.case_id == case_id).order_by(Document.created_at, Document.number)
    )
    return (await session.scalars(stmt)).all()


#: A document is seen by whoever sees its case, except the 立案审批表: an internal form, never served on the
#: party.
DOCUMENTS = Visibility(
    uscc=lambda uscc: sa.and_(
        PenaltyCase.party_uscc == uscc, Document.kind != DocumentKind.FILING_APPROVAL.value
    ),
    department_code=PenaltyCase.dept_code,
    district_code=PenaltyCase.district_code,
)


async def readable_document(session: AsyncSession, scope: Scope, document_id: uuid.UUID) -> Document | None:
    stmt = (
        sa.select(Document)
        .join(PenaltyCase, PenaltyCase.id == Document.case_id)
        .where(Document.id == document_id)
    )
    return (await session.scalars(readable(stmt, scope, DOCUMENTS))).one_or_none()


async def document_pdf(session: AsyncSession, document_id: uuid.UUID) -> bytes | None:
    return await session.scalar(sa.select(Document.pdf).where(Document.id == document_id))


async def store_pdf(session: AsyncSession, document_id: uuid.UUID, pdf: bytes) -> None:
    """Cache rendered bytes; a concurrent first request that stored them already wins."""
    await session.execute(
        sa.update(Document)
        .where(Document.id == document_id, Document.pdf.is_(None))
        .values(pdf=pdf, pdf_rendered_at=sa.func.now())
    )


# --------------------------------------------------------------------------------------------------------
# Consistency
# --------------------------------------------------------------------------------------------------------


async def upsert_decided(session: AsyncSession, values: dict[str, Any]) -> None:
    stmt = pg_insert(DecidedCase).values(**values)
    update = {k: stmt.excluded[k] for k in values if k != "case_id"}
    await session.execute(stmt.on_conflict_do_update(index_elements=["case_id"], set_=update))


async def update_decided(session: AsyncSession, case_id: uuid.UUID, **values: Any) -> None:
    await session.execute(sa.update(DecidedCase).where(DecidedCase.case_id == case_id).values(**values))


_OUTSIDE_SQL = sa.text(
    """
    SELECT benchmark_code, tier, district_code, dept_code, case_id, fine_fen, tier_low_fen, tier_high_fen,
           count(*) OVER () AS total
    FROM decided_case
    WHERE active AND has_fine
      AND (fine_fen < tier_low_fen OR fine_fen > tier_high_fen)
      AND (CAST(:district AS text) IS NULL OR district_code = :district)
    ORDER BY benchmark_code, tier, decided_on DESC, case_id
    LIMIT :limit
    """
)

# Positions in basis points of the tier's range, for decisions within it. One sort feeds both grouping
# sets (the city's (item, tier) is a prefix of the district's (item, tier, district)); only flagged
# districts then fetch their case ids, through the (benchmark_code, tier) index.
_POSITION_SQL = sa.text(
    """
    WITH agg AS (
        SELECT benchmark_code, tier, district_code, GROUPING(district_code) AS city, count(*) AS n,
               percentile_cont(0.5) WITHIN GROUP (
                   ORDER BY (fine_fen - tier_low_fen) * 10000.0 / (tier_high_fen - tier_low_fen)
               ) AS median
        FROM decided_case
        WHERE active AND has_fine AND tier_high_fen > tier_low_fen
          AND fine_fen BETWEEN tier_low_fen AND tier_high_fen
        GROUP BY GROUPING SETS ((benchmark_code, tier), (benchmark_code, tier, district_code))
    ),
    flags AS (
        SELECT d.benchmark_code, d.tier, d.district_code, d.n, d.median AS district_median,
               c.n AS city_n, c.median AS city_median, count(*) OVER () AS total
        FROM agg d
        JOIN agg c ON c.city = 1 AND c.benchmark_code = d.benchmark_code AND c.tier = d.tier
        WHERE d.city = 0 AND d.n >= :min_cases AND abs(d.median - c.median) > :margin
          AND (CAST(:district AS text) IS NULL OR d.district_code = :district)
        ORDER BY abs(d.median - c.median) DESC, d.benchmark_code, d.tier, d.district_code
        LIMIT :limit
    )
    SELECT f.*, ids.case_ids
    FROM flags f
    CROSS JOIN LATERAL (
        SELECT array_agg(x.case_id) AS case_ids
        FROM (
            SELECT case_id FROM decided_case
            WHERE benchmark_code = f.benchmark_code AND tier = f.tier AND district_code = f.district_code
              AND active AND has_fine AND fine_fen BETWEEN tier_low_fen AND tier_high_fen
            ORDER BY decided_on DESC, case_id
            LIMIT :per_flag
        ) AS x
    ) AS ids
    ORDER BY abs(f.district_median - f.city_median) DESC, f.benchmark_code, f.tier, f.district_code
    """
)

# Groups whose tiers differ are found with min <> max (a hash aggregate, no sort); only the listed groups
# are then detailed.
_SAME_FACTS_SQL = sa.text(
    """
    WITH groups AS MATERIALIZED (
        SELECT benchmark_code, facts_key, count(*) AS n
        FROM decided_case
        WHERE active
        GROUP BY benchmark_code, facts_key
        HAVING min(tier) <> max(tier)
    ),
    listed AS (
        SELECT g.*, count(*) OVER () AS total
        FROM groups g
        WHERE CAST(:district AS text) IS NULL OR EXISTS (
            SELECT 1 FROM decided_case x
            WHERE x.benchmark_code = g.benchmark_code AND x.facts_key = g.facts_key
              AND x.district_code = :district AND x.active
        )
        ORDER BY g.n DESC, g.benchmark_code, g.facts_key
        LIMIT :limit
    )
    SELECT l.benchmark_code, l.facts_key, l.n, l.total,
           array_agg(DISTINCT d.tier) AS tiers,
           array_agg(DISTINCT d.district_code) AS districts,
           (array_agg(d.case_id ORDER BY d.tier, d.decided_on DESC, d.case_id))[1:CAST(:per_flag AS int)] AS case_ids
    FROM listed l
    JOIN decided_case d ON d.benchmark_code = l.benchmark_code AND d.facts_key = l.facts_key AND d.active
    GROUP BY l.benchmark_code, l.facts_key, l.n, l.total
    ORDER BY l.n DESC, l.benchmark_code, l.facts_key
    """
)


class OutsideRange(NamedTuple):
    """A fine outside its tier's range; ``total`` counts every such fine, listed or not."""

    benchmark_code: str
    tier: str
    district_code: str
    dept_code: str
    case_id: uuid.UUID
    fine_fen: int
    tier_low_fen: int | None
    tier_high_fen: int | None
    total: int


class DistrictPosition(NamedTuple):
    """A district whose median position within a tier's range (basis points) is off the city's."""

    benchmark_code: str
    tier: str
    district_code: str
    n: int
    district_median: float
    city_n: int
    city_median: float
    total: int
    case_ids: list[uuid.UUID]


class SameFacts(NamedTuple):
    """Cases with the same facts decided in different tiers."""

    benchmark_code: str
    facts_key: str
    n: int
    total: int
    tiers: list[str]
    districts: list[str]
    case_ids: list[uuid.UUID]


async def consistency_outside(
    session: AsyncSession, *, district: str | None, limit: int
) -> list[OutsideRange]:
    rows = (await session.execute(_OUTSIDE_SQL, {"district": district, "limit": limit})).all()
    return [OutsideRange(**r._mapping) for r in rows]


async def consistency_positions(
    session: AsyncSession, *, district: str | None, margin_bp: int, min_cases: int, per_flag: int, limit: int
) -> list[DistrictPosition]:
    params = {
        "district": district,
        "margin": margin_bp,
        "min_cases": min_cases,
        "per_flag": per_flag,
        "limit": limit,
    }
    return [DistrictPosition(**r._mapping) for r in (await session.execute(_POSITION_SQL, params)).all()]


async def consistency_same_facts(
    session: AsyncSession, *, district: str | None, per_flag: int, limit: int
) -> list[SameFacts]:
    params = {"district": district, "per_flag": per_flag, "limit": limit}
    return [SameFacts(**r._mapping) for r in (await session.execute(_SAME_FACTS_SQL, params)).all()]


async def decided_count(session: AsyncSession, *, district: str | None) -> int:
    stmt = sa.select(sa.func.count()).select_from(DecidedCase).where(DecidedCase.active)
    if district is not None:
        stmt = stmt.where(DecidedCase.district_code == district)
    return int(await session.scalar(stmt) or 0)


# --------------------------------------------------------------------------------------------------------
# Deadlines
# --------------------------------------------------------------------------------------------------------


async def record_deadline_report(
    session: AsyncSession, *, case_id: uuid.UUID, deadline: str, due_on: date, detected_on: date
) -> bool:
    """True when this (case, deadline, due date) had not been reported yet."""
    stmt = (
        pg_insert(DeadlineReport)
        .values(case_id=case_id, deadline=deadline, due_on=due_on, detected_on=detected_on)
        .on_conflict_do_nothing(index_elements=["case_id", "deadline", "due_on"])
        .returning(DeadlineReport.case_id)
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None


# --------------------------------------------------------------------------------------------------------
# Cases imported from a former case system
# --------------------------------------------------------------------------------------------------------


async def lock_import(session: AsyncSession, dept_code: str, source_case_no: str) -> None:
    """Serialise imports of one former case number (two concurrent imports of a row write it once)."""
    key = sa.func.hashtextextended(f"penalty.import:{dept_code}:{source_case_no}", 0)
    await session.execute(sa.select(sa.func.pg_advisory_xact_lock(key)))


async def imported_case(session: AsyncSession, dept_code: str, source_case_no: str) -> ImportedCase | None:
    return await session.get(ImportedCase, (dept_code, source_case_no))


async def add_imported(session: AsyncSession, row: ImportedCase) -> None:
    session.add(row)
    await session.flush()


async def case_by_id(session: AsyncSession, case_id: uuid.UUID) -> PenaltyCase | None:
    return await session.get(PenaltyCase, case_id)


async def numbers_taken(session: AsyncSession, *, case_no: str, decision_no: str | None) -> list[str]:
    """Which of a case number and a decision number another case already holds."""
    taken: list[str] = []
    if await session.scalar(sa.select(sa.exists().where(PenaltyCase.case_no == case_no))):
        taken.append(case_no)
    if decision_no is not None and await session.scalar(
        sa.select(sa.exists().where(PenaltyCase.decision_no == decision_no))
    ):
        taken.append(decision_no)
    return taken
