"""Tables of the penalty service (its own database).

The procedure's source of truth is the pure domain's ``Case`` kept as JSONB in ``penalty_case.domain``; the
other columns of that row are projections for queries and access checks, written in the same statement.
Decided cases are also copied, one narrow row each, into ``decided_case`` for the consistency report.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.common.date_bounds import bounded_metadata
from services.common.tables import register_kernel_tables

metadata = bounded_metadata()  # every date column in years 1900-2199 (penalty_0017_date_bounds)
kernel = register_kernel_tables(metadata)


class Base(DeclarativeBase):
    metadata = metadata


def _now() -> Any:
    return sa.func.now()


class BenchmarkVersionRow(Base):
    """One version of one benchmark item (裁量基准). Published rows are immutable (a trigger refuses any
    change but closing ``effective_to`` when a successor is published)."""

    __tablename__ = "benchmark_version"

    code: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    version: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    status: Mapped[str] = mapped_column(sa.Text)  # draft | approved | published
    effective_from: Mapped[date] = mapped_column(sa.Date)
    effective_to: Mapped[date | None] = mapped_column(sa.Date)
    department_code: Mapped[str] = mapped_column(sa.Text)
    domain: Mapped[str] = mapped_column(sa.Text)
    violation_name: Mapped[str] = mapped_column(sa.Text)
    approving_document: Mapped[str] = mapped_column(sa.Text)
    body: Mapped[dict[str, Any]] = mapped_column(JSONB)  # catalogue.version_to_dict
    drafted_by: Mapped[str] = mapped_column(sa.Text)
    drafted_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=_now())
    approved_by: Mapped[str | None] = mapped_column(sa.Text)
    approved_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    published_by: Mapped[str | None] = mapped_column(sa.Text)
    published_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    __table_args__ = (
        sa.CheckConstraint("status IN ('draft', 'approved', 'published')", name="status"),
        sa.CheckConstraint("version >= 1", name="version_positive"),
        sa.Index("ix_benchmark_version_status_code", "status", "code"),
    )


class CatalogueState(Base):
    """One row: the catalogue's revision (bumped on every publication, the in-process caches' key) and the
    catalogue metadata (title, jurisdiction, tier split)."""

    __tablename__ = "catalogue_state"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    revision: Mapped[int] = mapped_column(sa.BigInteger)
    meta: Mapped[dict[str, Any]] = mapped_column(JSONB)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=_now())


class Department(Base):
    """An enforcement department: the 简称 in document numbers and what its documents print."""

    __tablename__ = "department"

    code: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    name: Mapped[str] = mapped_column(sa.Text)  # 沈阳市市场监督管理局
    abbreviation: Mapped[str] = mapped_column(sa.Text)  # 市监
    address: Mapped[str] = mapped_column(sa.Text, server_default="")
    contact: Mapped[str] = mapped_column(sa.Text, server_default="")
    phone: Mapped[str] = mapped_column(sa.Text, server_default="")
    reconsideration_body: Mapped[str] = mapped_column(sa.Text)
    court: Mapped[str] = mapped_column(sa.Text)
    bank: Mapped[str] = mapped_column(sa.Text)
    account_name: Mapped[str] = mapped_column(sa.Text, server_default="")
    account_no: Mapped[str] = mapped_column(sa.Text, server_default="")
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=_now())


class PenaltyCase(Base):
    """A case. Partitioned by the China year of ``opened_at`` (set when filed, never updated; penalty_0016,
    docs/scaling.md "Partitioning"): the primary key holds the key, and the numbers unique across every year
    (``case_no``, ``decision_no``, ``violation_id``) and the foreign keys of the case's other tables are
    ``case_key``'s, which the trigger ``case_key_follow`` keeps in the statement that writes the case. A lookup
    by id reads the key, then the one partition it names (repository.cases)."""

    __tablename__ = "penalty_case"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    case_no: Mapped[str] = mapped_column(sa.Text)  # the 立案审批表 number (unique: case_key)
    dept_code: Mapped[str] = mapped_column(sa.Text)
    district_code: Mapped[str] = mapped_column(sa.Text)
    domain: Mapped[str] = mapped_column(sa.Text, server_default="")
    state: Mapped[str] = mapped_column(sa.Text)
    procedure: Mapped[str] = mapped_column(sa.Text)
    source: Mapped[str] = mapped_column(sa.Text)  # inspection | complaint | direct
    violation_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))  # unique: case_key
    lead_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    party_kind: Mapped[str] = mapped_column(sa.Text)
    party_name: Mapped[str] = mapped_column(sa.Text)
    party_uscc: Mapped[str | None] = mapped_column(sa.Text)
    party_id_number: Mapped[str | None] = mapped_column(sa.Text)  # 居民身份证号: the owning officers only
    party_id_masked: Mapped[str | None] = mapped_column(sa.Text)
    party_address: Mapped[str] = mapped_column(sa.Text, server_default="")
    party_legal_rep: Mapped[str] = mapped_column(sa.Text, server_default="")
    summary: Mapped[str] = mapped_column(sa.Text)
    benchmark_code: Mapped[str | None] = mapped_column(sa.Text)
    benchmark_version: Mapped[int | None] = mapped_column(sa.Integer)
    tier: Mapped[str | None] = mapped_column(sa.Text)
    decision_no: Mapped[str | None] = mapped_column(sa.Text)  # unique: case_key
    decided_on: Mapped[date | None] = mapped_column(sa.Date)
    fine_fen: Mapped[int] = mapped_column(sa.BigInteger, server_default="0")
    serious: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false())
    opened_by: Mapped[str] = mapped_column(sa.Text)
    # the partition key: never updated
    opened_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), primary_key=True)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    revision: Mapped[int] = mapped_column(sa.Integer)  # the domain Case.version
    domain_case: Mapped[dict[str, Any]] = mapped_column("domain_case", JSONB)
    facts: Mapped[dict[str, Any] | None] = mapped_column(JSONB)  # the last assessment's facts
    assessment: Mapped[dict[str, Any] | None] = mapped_column(JSONB)  # the last assessment
    details: Mapped[dict[str, Any]] = mapped_column(JSONB)  # evidence, place, officer names, defence
    # The year whose statutory calendar the decision's deadlines wait for (procedure.decision_deadlines).
    deadlines_unknown_year: Mapped[int | None] = mapped_column(sa.Integer)

    __table_args__ = (
        sa.CheckConstraint("fine_fen >= 0", name="fine_non_negative"),
        sa.Index("ix_penalty_case_dept_code_opened_at_id", "dept_code", "opened_at", "id"),
        sa.Index("ix_penalty_case_party_uscc", "party_uscc"),
        sa.Index("ix_penalty_case_party_id_number", "party_id_number"),
        sa.Index("ix_penalty_case_district_code_opened_at_id", "district_code", "opened_at", "id"),
        sa.Index("ix_penalty_case_opened_at_id", "opened_at", "id"),
        sa.Index("ix_penalty_case_open_state", "state", postgresql_where=sa.text("state NOT IN ('closed')")),
        sa.Index(
            "ix_penalty_case_deadlines_unknown_year",
            "deadlines_unknown_year",
            postgresql_where=sa.text("deadlines_unknown_year IS NOT NULL"),
        ),
        {"postgresql_partition_by": "RANGE (opened_at)"},
    )


class CaseKey(Base):
    """One narrow row per case, unpartitioned (penalty_0016): the numbers unique across every year, the target
    of the foreign keys to a case, and the year a lookup by id reads. Written by the trigger
    ``case_key_follow`` in the statement that inserts, renumbers or deletes the case (every write path)."""

    __tablename__ = "case_key"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    opened_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    case_no: Mapped[str] = mapped_column(sa.Text, unique=True)
    decision_no: Mapped[str | None] = mapped_column(sa.Text, unique=True)
    violation_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), unique=True)


class CaseStep(Base):
    """Every procedure step applied to a case, in order, with the domain events it produced (the timeline).
    Partitioned by its case's year (``case_opened_at``, the case's ``opened_at``, given by the writer;
    penalty_0016)."""

    __tablename__ = "case_step"

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(always=True), primary_key=True)
    case_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), sa.ForeignKey("case_key.id"))
    seq: Mapped[int] = mapped_column(sa.Integer)
    action: Mapped[str] = mapped_column(sa.Text)
    state: Mapped[str] = mapped_column(sa.Text)
    actor: Mapped[str] = mapped_column(sa.Text)
    actor_role: Mapped[str] = mapped_column(sa.Text)
    at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    events: Mapped[list[Any]] = mapped_column(JSONB)
    case_opened_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), primary_key=True)

    __table_args__ = (
        sa.UniqueConstraint("case_id", "seq", "case_opened_at"),
        {"postgresql_partition_by": "RANGE (case_opened_at)"},
    )


class Lead(Base):
    """A violation found during an inspection (``inspection.violation.found``), waiting for an officer."""

    __tablename__ = "lead"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    violation_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), unique=True)
    visit_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    enterprise_uscc: Mapped[str] = mapped_column(sa.Text)
    enterprise_name: Mapped[str] = mapped_column(sa.Text)
    item_code: Mapped[str] = mapped_column(sa.Text)
    item_name: Mapped[str] = mapped_column(sa.Text)
    legal_basis: Mapped[str] = mapped_column(sa.Text)
    description: Mapped[str] = mapped_column(sa.Text)
    evidence_hashes: Mapped[list[Any]] = mapped_column(JSONB)
    officer_cert_nos: Mapped[list[Any]] = mapped_column(JSONB)
    department_code: Mapped[str] = mapped_column(sa.Text)
    district_code: Mapped[str] = mapped_column(sa.Text)
    found_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=_now())
    status: Mapped[str] = mapped_column(sa.Text, server_default="open")  # open | confirmed | dismissed
    case_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    handled_by: Mapped[str | None] = mapped_column(sa.Text)
    handled_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    note: Mapped[str] = mapped_column(sa.Text, server_default="")

    __table_args__ = (
        sa.CheckConstraint("status IN ('open', 'confirmed', 'dismissed')", name="status"),
        sa.Index("ix_lead_department_code_found_at_id", "department_code", "found_at", "id"),
    )


class OfficerCertificate(Base):
    """Projection of ``inspection.officer.changed``: the certificate status that decides who may sign."""

    __tablename__ = "officer_certificate"

    cert_no: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    officer_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    department_code: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.Text)  # active | suspended | revoked | expired
    auxiliary: Mapped[bool] = mapped_column(sa.Boolean)
    valid_until: Mapped[date | None] = mapped_column(sa.Date)
    reason: Mapped[str] = mapped_column(sa.Text, server_default="")
    changed_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    revision: Mapped[int] = mapped_column(sa.Integer)


class CreditNotice(Base):
    """Projection of ``credit.notice.issued``: the 信用修复提示书 that must travel with the decision."""

    __tablename__ = "credit_notice"

    case_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    notice_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    notice_no: Mapped[str] = mapped_column(sa.Text)
    decision_no: Mapped[str] = mapped_column(sa.Text)
    credit_class: Mapped[str] = mapped_column(sa.Text)
    published: Mapped[bool] = mapped_column(sa.Boolean)
    publication_starts_on: Mapped[date | None] = mapped_column(sa.Date)
    earliest_repair_on: Mapped[date | None] = mapped_column(sa.Date)
    publication_ends_on: Mapped[date | None] = mapped_column(sa.Date)
    document_url: Mapped[str] = mapped_column(sa.Text)
    issued_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=_now())


class Document(Base):
    """A numbered document of a case: HTML kept at issue; the PDF rendered on first request and cached."""

    __tablename__ = "document"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    case_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), sa.ForeignKey("case_key.id"))
    kind: Mapped[str] = mapped_column(sa.Text)
    number: Mapped[str] = mapped_column(sa.Text, unique=True)
    title: Mapped[str] = mapped_column(sa.Text)
    html: Mapped[str] = mapped_column(sa.Text)
    issued_on: Mapped[date] = mapped_column(sa.Date)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=_now())
    pdf: Mapped[bytes | None] = mapped_column(sa.LargeBinary, deferred=True)
    pdf_rendered_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    __table_args__ = (sa.Index("ix_document_case_id", "case_id"),)


class DocumentCounter(Base):
    """The last number issued per department, year and document kind. Incremented with
    ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING`` inside the issuing transaction: the row lock serialises
    concurrent issuers and a rollback returns the number, so numbers have neither gaps nor duplicates."""

    __tablename__ = "document_counter"

    dept_code: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    year: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    last_seq: Mapped[int] = mapped_column(sa.Integer)


DECIDED_WITHIN = "active AND has_fine AND fine_fen BETWEEN tier_low_fen AND tier_high_fen"
DECIDED_HUNDREDTH = "((fine_fen - tier_low_fen) * 100 / NULLIF(tier_high_fen - tier_low_fen, 0))"
# a district's number of positions and median position, from its sorted array (decided_positions, penalty_0019)
DECIDED_DISTRICT_N = "CAST(cardinality(positions) AS bigint)"
DECIDED_DISTRICT_MEDIAN = (
    "positions[(cardinality(positions) - 1) / 2 + 1]"
    " + 0.5 * (positions[cardinality(positions) / 2 + 1] - positions[(cardinality(positions) - 1) / 2 + 1])"
)
DECIDED_POSITION = (
    "(((fine_fen - tier_low_fen)::numeric * 10000.0 / NULLIF(tier_high_fen - tier_low_fen, 0)::numeric)"
    "::double precision)"
)


class DecidedCase(Base):
    """One narrow row per penalty decision, for the set-based consistency report (SPEC §3.4). Partitioned by
    the year of ``first_decided_on`` (migration penalty_0014): the first decision's date, never updated, so a
    changed decision (变更) rewrites ``decided_on`` in the row's first year's partition."""

    __tablename__ = "decided_case"

    case_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    dept_code: Mapped[str] = mapped_column(sa.Text)
    district_code: Mapped[str] = mapped_column(sa.Text)
    benchmark_code: Mapped[str] = mapped_column(sa.Text)
    benchmark_version: Mapped[int] = mapped_column(sa.Integer)
    tier: Mapped[str] = mapped_column(sa.Text)
    tier_low_fen: Mapped[int | None] = mapped_column(sa.BigInteger)
    tier_high_fen: Mapped[int | None] = mapped_column(sa.BigInteger)
    fine_fen: Mapped[int] = mapped_column(sa.BigInteger)
    has_fine: Mapped[bool] = mapped_column(sa.Boolean)
    facts_key: Mapped[str] = mapped_column(sa.Text)
    decided_on: Mapped[date] = mapped_column(sa.Date)
    active: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.true())
    first_decided_on: Mapped[date] = mapped_column(sa.Date, primary_key=True)

    # The consistency report's partial indexes (migration penalty_0013), partitioned (penalty_0014).
    __table_args__ = (
        sa.Index("ix_decided_case_benchmark_code_tier", "benchmark_code", "tier"),
        sa.Index(
            "ix_decided_case_position_city",
            "benchmark_code",
            "tier",
            sa.text(DECIDED_HUNDREDTH),
            sa.text(DECIDED_POSITION),
            postgresql_where=sa.text(DECIDED_WITHIN),
        ),
        sa.Index(
            "ix_decided_case_position_district",
            "benchmark_code",
            "tier",
            "district_code",
            sa.text("decided_on DESC"),
            "case_id",
            postgresql_where=sa.text(DECIDED_WITHIN),
        ),
        sa.Index(
            "ix_decided_case_outside",
            "benchmark_code",
            "tier",
            sa.text("decided_on DESC"),
            "case_id",
            postgresql_include=["district_code", "dept_code", "fine_fen", "tier_low_fen", "tier_high_fen"],
            postgresql_where=sa.text(
                "active AND has_fine AND (fine_fen < tier_low_fen OR fine_fen > tier_high_fen)"
            ),
        ),
        sa.Index(
            "ix_decided_case_facts",
            "benchmark_code",
            "facts_key",
            "tier",
            sa.text("decided_on DESC"),
            "case_id",
            postgresql_where=sa.text("active"),
        ),
        {"postgresql_partition_by": "RANGE (first_decided_on)"},
    )


class DecidedFactsTally(Base):
    """Active decisions per (benchmark item, facts key, tier), kept by a trigger on ``decided_case``
    (migration penalty_0013): the same facts decided in different tiers (SPEC §3.4)."""

    __tablename__ = "decided_facts_tally"

    benchmark_code: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    facts_key: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    tier: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    n: Mapped[int] = mapped_column(sa.BigInteger)


class DecidedDistrictTally(Base):
    """Active decisions per (benchmark item, facts key, district), kept by the same trigger."""

    __tablename__ = "decided_district_tally"

    benchmark_code: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    facts_key: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    district_code: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    n: Mapped[int] = mapped_column(sa.BigInteger)

    # a district's groups and count from the index alone (penalty_0019)
    __table_args__ = (
        sa.Index(
            "ix_decided_district_tally_district",
            "district_code",
            "benchmark_code",
            "facts_key",
            postgresql_include=["n"],
        ),
    )


class DecidedFactsGroup(Base):
    """Active decisions per (benchmark item, facts key) and how many tiers have any, kept by the same trigger
    from ``decided_facts_tally``'s changes (penalty_0019): the groups decided in more than one tier, by size."""

    __tablename__ = "decided_facts_group"

    benchmark_code: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    facts_key: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    n: Mapped[int] = mapped_column(sa.BigInteger)
    tiers: Mapped[int] = mapped_column(sa.Integer)

    __table_args__ = (
        sa.Index(
            "ix_decided_facts_group_listed",
            sa.text("n DESC"),
            "benchmark_code",
            "facts_key",
            postgresql_where=sa.text("tiers > 1"),
        ),
    )


class DecidedPositionCity(Base):
    """Active fines within their tier's range per (item, tier), in all and per hundredth of the range (101
    counts), kept by the same trigger: which hundredth holds the city's median, so the report reads only
    that hundredth's decisions to find it."""

    __tablename__ = "decided_position_city"

    benchmark_code: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    tier: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    n: Mapped[int] = mapped_column(sa.BigInteger)
    counts: Mapped[list[int]] = mapped_column(sa.ARRAY(sa.BigInteger()))
    # the city's median position (penalty_0019): recomputed by the trigger for the groups a statement touched
    median: Mapped[float | None] = mapped_column(sa.Double())

    # the report's columns from the index alone, without the counts (penalty_0020)
    __table_args__ = (
        sa.Index(
            "ix_decided_position_city_report", "benchmark_code", "tier", postgresql_include=["n", "median"]
        ),
    )


class DecidedPositions(Base):
    """Per (item, tier, district), the sorted positions (basis points of the tier's range) of the active fines
    within their range, kept by the same trigger: a district's median is the middle of its array."""

    __tablename__ = "decided_positions"

    benchmark_code: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    tier: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    district_code: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    positions: Mapped[list[float]] = mapped_column(sa.ARRAY(sa.Double()))
    # the district's count and median, stored (penalty_0019): the report reads them, not the array
    n: Mapped[int] = mapped_column(sa.BigInteger, sa.Computed(DECIDED_DISTRICT_N, persisted=True))
    median: Mapped[float | None] = mapped_column(
        sa.Double(), sa.Computed(DECIDED_DISTRICT_MEDIAN, persisted=True)
    )

    # the districts off their city's median, two ranges per (item, tier), from the index alone (penalty_0020)
    __table_args__ = (
        sa.Index(
            "ix_decided_positions_median",
            "benchmark_code",
            "tier",
            "median",
            postgresql_include=["district_code", "n"],
        ),
    )


class DecisionDisclosure(Base):
    """行政执法公示 of one revision of a case's decision (domain.disclosure): the masked public record, its
    deadline, when it was published and withdrawn, and a lawful exception with who recorded it and why."""

    __tablename__ = "decision_disclosure"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    case_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), sa.ForeignKey("case_key.id"))
    revision: Mapped[int] = mapped_column(sa.Integer)  # 1: the decision; +1 for each change
    case_version: Mapped[int] = mapped_column(sa.Integer)  # penalty_case.revision last reconciled
    dept_code: Mapped[str] = mapped_column(sa.Text)
    district_code: Mapped[str] = mapped_column(sa.Text)
    rule: Mapped[str] = mapped_column(sa.Text)  # general_penalty | simple_penalty | other
    status: Mapped[str] = mapped_column(sa.Text)  # pending | published | withdrawn | exempt | superseded
    decision_no: Mapped[str] = mapped_column(sa.Text)
    decided_on: Mapped[date] = mapped_column(sa.Date)  # the decision's date (a change: its effective day)
    due_on: Mapped[date | None] = mapped_column(sa.Date)  # None: the calendar does not cover it yet
    content: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")  # the masked public record
    published_on: Mapped[date | None] = mapped_column(sa.Date)
    published_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    withdraw_by: Mapped[date | None] = mapped_column(sa.Date)
    withdrawn_on: Mapped[date | None] = mapped_column(sa.Date)
    withdrawal_reason: Mapped[str] = mapped_column(sa.Text, server_default="")
    exempt_ground: Mapped[str | None] = mapped_column(sa.Text)
    exempt_reason: Mapped[str] = mapped_column(sa.Text, server_default="")
    exempt_by: Mapped[str | None] = mapped_column(sa.Text)
    exempt_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    __table_args__ = (
        sa.UniqueConstraint("case_id", "revision"),
        sa.CheckConstraint(
            "status IN ('pending', 'published', 'withdrawn', 'exempt', 'superseded')", name="status"
        ),
        sa.CheckConstraint("rule IN ('general_penalty', 'simple_penalty', 'other')", name="rule"),
        sa.Index("ix_decision_disclosure_status_published_at", "status", "published_at", "id"),
        sa.Index("ix_decision_disclosure_dept_code_decided_on", "dept_code", "decided_on"),
    )


class EconomicImpactAssessment(Base):
    """A recorded 涉企行政执法案件经济影响评估 of a case (seed 000, seed 004; domain.impact): who, when, the
    findings and the mitigation measures. Append-only; a flagged case is decided only after one exists."""

    __tablename__ = "economic_impact_assessment"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    case_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), sa.ForeignKey("case_key.id"), index=True)
    assessors: Mapped[list[str]] = mapped_column(JSONB)
    assessed_on: Mapped[date] = mapped_column(sa.Date)
    findings: Mapped[str] = mapped_column(sa.Text)
    mitigation_measures: Mapped[list[str]] = mapped_column(JSONB)
    recorded_by: Mapped[str] = mapped_column(sa.Text)  # the officer's subject
    recorded_by_cert: Mapped[str | None] = mapped_column(sa.Text)
    recorded_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class FactContest(Base):
    """An officer's contest of a fact derived from the record (初次违法 / 再次违法, domain.history), with the
    written reason; flagged to supervisors in the consistency report while ``active`` (the case's last
    assessment)."""

    __tablename__ = "fact_contest"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    case_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), sa.ForeignKey("case_key.id"), index=True)
    dept_code: Mapped[str] = mapped_column(sa.Text)
    district_code: Mapped[str] = mapped_column(sa.Text)
    benchmark_code: Mapped[str] = mapped_column(sa.Text)
    fact: Mapped[str] = mapped_column(sa.Text)  # first_offence | repeated
    derived: Mapped[bool] = mapped_column(sa.Boolean)
    claimed: Mapped[bool] = mapped_column(sa.Boolean)
    reason: Mapped[str] = mapped_column(sa.Text)
    relied_on: Mapped[list[Any]] = mapped_column(JSONB)  # the decisions the record showed
    officer: Mapped[str] = mapped_column(sa.Text)
    contested_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    active: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.true())


class DeadlineReport(Base):
    """A missed deadline already published (``penalty.deadline.missed``), so each is reported once."""

    __tablename__ = "deadline_report"

    case_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    deadline: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    due_on: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    detected_on: Mapped[date] = mapped_column(sa.Date)
    reported_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=_now())


class ImportedCase(Base):
    """A case brought in from a department's former case system (办案系统), keyed by that system's case
    number within the department: a re-import of the same row finds it here and writes nothing again."""

    __tablename__ = "imported_case"

    dept_code: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    source_case_no: Mapped[str] = mapped_column(sa.Text, primary_key=True)  # the former system's number
    case_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), sa.ForeignKey("case_key.id"))
    digest: Mapped[str] = mapped_column(sa.Text)  # SHA-256 of the imported row as validated
    imported_by: Mapped[str] = mapped_column(sa.Text)
    imported_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    # the case's revision when imported, and whether its decision came with it (an imported decision was the
    # former system's to publish: use_cases.disclosure leaves it alone until the case changes here)
    case_revision: Mapped[int] = mapped_column(sa.Integer, server_default="0")
    decision_imported: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false())

    __table_args__ = (sa.UniqueConstraint("case_id"),)


# --------------------------------------------------------------------------------------------------------
# After the decision: deferral and instalments, enforcement (issue #17; migration 0007_enforcement)
# --------------------------------------------------------------------------------------------------------


class CaseEnforcement(Base):
    """What happened to a decided case after its deadline to pay: the applications for deferral or instalments
    (domain.instalments.PaymentPlan, newest last), the 催告书 and the application to the court
    (domain.enforcement.Reminder, CourtApplication), and whether a missed window was already reported."""

    __tablename__ = "case_enforcement"

    case_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), sa.ForeignKey("case_key.id"), primary_key=True
    )
    plans: Mapped[list[Any]] = mapped_column(JSONB, server_default="[]")
    reminder: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    application: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    window_missed_reported_on: Mapped[date | None] = mapped_column(sa.Date)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=_now())


class DepartmentEnforcement(Base):
    """Whether a department has coercive power of its own (行政强制法 第十三条: only where a law grants it);
    without a row it has none and applies to the court (第五十三条)."""

    __tablename__ = "department_enforcement"

    dept_code: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    coercive_power: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false())
    basis: Mapped[str] = mapped_column(sa.Text, server_default="")  # the law granting the power
    updated_by: Mapped[str] = mapped_column(sa.Text)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=_now())


# --------------------------------------------------------------------------------------------------------
# One act, one fine (行政处罚法 第二十九条) and on-the-spot collection (第六十八条–第七十一条): issue #17
# --------------------------------------------------------------------------------------------------------


class ViolationAct(Base):
    """A violation (违法行为) as one act: the party, the place, the time span and the facts. Cases refer to it
    (``case_act``) so that a second fine for the same act is refused whichever case it comes from."""

    __tablename__ = "violation_act"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    dept_code: Mapped[str] = mapped_column(sa.Text)  # the department that recorded it first
    district_code: Mapped[str] = mapped_column(sa.Text)
    party_kind: Mapped[str] = mapped_column(sa.Text)
    party_name: Mapped[str] = mapped_column(sa.Text)
    party_uscc: Mapped[str | None] = mapped_column(sa.Text)
    party_id_number: Mapped[str | None] = mapped_column(sa.Text)
    place: Mapped[str] = mapped_column(sa.Text, server_default="")
    started_on: Mapped[date | None] = mapped_column(sa.Date)
    ended_on: Mapped[date | None] = mapped_column(sa.Date)
    facts_summary: Mapped[str] = mapped_column(sa.Text)
    source: Mapped[str] = mapped_column(sa.Text)  # direct | complaint | inspection
    visit_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_by: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))

    __table_args__ = (
        sa.CheckConstraint(
            "started_on IS NULL OR ended_on IS NULL OR started_on <= ended_on", name="span_ordered"
        ),
        sa.Index("ix_violation_act_party_uscc", "party_uscc"),
    )


class CaseAct(Base):
    """The act a case is about, and the provisions (benchmark items) assessed for it (第二十九条后段)."""

    __tablename__ = "case_act"

    case_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), sa.ForeignKey("case_key.id"), primary_key=True
    )
    act_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), sa.ForeignKey("violation_act.id"), index=True
    )
    provisions: Mapped[list[Any]] = mapped_column(JSONB, server_default="[]")  # domain.acts.Considered
    linked_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class SpotCollection(Base):
    """A fine collected on the spot (当场收缴, 第六十八条、第六十九条) with its official receipt (第七十条) and
    the money's way to the agency and the bank (第七十一条)."""

    __tablename__ = "spot_collection"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    case_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), sa.ForeignKey("case_key.id"), index=True)
    dept_code: Mapped[str] = mapped_column(sa.Text)
    district_code: Mapped[str] = mapped_column(sa.Text)
    decision_no: Mapped[str] = mapped_column(sa.Text)
    ground: Mapped[str] = mapped_column(sa.Text)  # small_fine | hard_to_enforce | remote_area
    area: Mapped[str | None] = mapped_column(sa.Text)  # remote | waterborne | poorly_connected
    reason: Mapped[str] = mapped_column(sa.Text, server_default="")
    basis: Mapped[str] = mapped_column(sa.Text)  # the legal basis of collecting on the spot, as recorded
    party_requested: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false())
    amount_fen: Mapped[int] = mapped_column(sa.BigInteger)
    receipt_no: Mapped[str] = mapped_column(sa.Text, unique=True)  # 财政部门统一制发的专用票据
    collected_on: Mapped[date] = mapped_column(sa.Date)
    collected_by: Mapped[str] = mapped_column(sa.Text)
    collected_by_cert: Mapped[str] = mapped_column(sa.Text)
    waterborne: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false())
    landed_on: Mapped[date | None] = mapped_column(sa.Date)
    handover_due_on: Mapped[date | None] = mapped_column(sa.Date)  # None: not landed yet, or calendar unknown
    handed_over_on: Mapped[date | None] = mapped_column(sa.Date)
    handed_over_to: Mapped[str] = mapped_column(sa.Text, server_default="")
    banking_due_on: Mapped[date | None] = mapped_column(sa.Date)
    banked_on: Mapped[date | None] = mapped_column(sa.Date)
    bank_receipt_no: Mapped[str] = mapped_column(sa.Text, server_default="")
    reported: Mapped[list[Any]] = mapped_column(JSONB, server_default="[]")  # stages published overdue
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))

    __table_args__ = (
        sa.CheckConstraint("amount_fen > 0", name="amount_positive"),
        sa.CheckConstraint("ground IN ('small_fine', 'hard_to_enforce', 'remote_area')", name="ground"),
        sa.Index("ix_spot_collection_dept_code_collected_on", "dept_code", "collected_on"),
    )


class CaseSupervisionMatter(Base):
    """A supervision matter the justice bureau opened on a case (risk.supervision.matter_opened, issue #14):
    while it is open (``closed_at`` null) the case cannot close (use_cases/supervision.py)."""

    __tablename__ = "case_supervision_matter"
    __table_args__ = (sa.Index("ix_case_supervision_matter_case_id", "case_id"),)

    matter_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    case_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    kind: Mapped[str] = mapped_column(sa.Text)
    document_no: Mapped[str] = mapped_column(sa.Text)
    unit_code: Mapped[str] = mapped_column(sa.Text)
    due_on: Mapped[date | None] = mapped_column(sa.Date)  # None: pending in risk (a year not entered yet)
    opened_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))


class PenaltyFollowUp(Base):
    """责令改正 ordered in a penalty decision (行政处罚法 第二十八条第一款), checked again when its deadline falls
    due (issue #14 item 6; domain/follow_ups.py). One per decided case."""

    __tablename__ = "penalty_follow_up"
    __table_args__ = (
        sa.CheckConstraint("status IN ('open', 'corrected', 'not_corrected')", name="status"),
        sa.Index("ix_penalty_follow_up_dept_code_status_due_on", "dept_code", "status", "due_on"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    case_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), sa.ForeignKey("case_key.id"), unique=True)
    decision_no: Mapped[str] = mapped_column(sa.Text)
    dept_code: Mapped[str] = mapped_column(sa.Text)
    district_code: Mapped[str] = mapped_column(sa.Text)
    party_name: Mapped[str] = mapped_column(sa.Text)
    party_uscc: Mapped[str | None] = mapped_column(sa.Text)
    content: Mapped[str] = mapped_column(sa.Text)
    ordered_on: Mapped[date] = mapped_column(sa.Date)
    due_on: Mapped[date] = mapped_column(sa.Date)
    status: Mapped[str] = mapped_column(sa.Text, server_default="open")
    result_note: Mapped[str] = mapped_column(sa.Text, server_default="")
    checked_on: Mapped[date | None] = mapped_column(sa.Date)
    closed_by: Mapped[str | None] = mapped_column(sa.Text)
    closed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    overdue_published_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
