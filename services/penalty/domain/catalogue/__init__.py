"""The discretion benchmark catalogue (行政裁量权基准) as data: versioned items, parsing, validation, export.

A benchmark item is identified by a code such as ``SY-SJ-0123``; each change produces a new
:class:`BenchmarkVersion` (versions are never edited in place). A version carries the provisions violated
and punishing, the penalty kinds, the fine formula, the statutory escalations (情节严重, 拒不改正), the tier
conditions, the 四张清单 memberships and the effective dates.

Money is integer fen throughout, in the model and in the files. Multiples (倍数) are exact fractions
written as decimal strings (``"0.5"`` for 百分之五十). Files: JSON (a catalogue with metadata) and CSV (one
row per version, nested fields as JSON in their column). Both round-trip exactly.

Everything here is pure: parsing takes text and returns frozen objects; nothing reads files or the clock.

Modules, by topic: ``vocabulary`` (kinds, bases, tiers, parties, interests), ``model`` (the frozen
dataclasses), ``tiers`` (tier splitting), ``validation`` (the catalogue rules), ``parsing`` (one version
from and to its JSON shape), ``files`` (JSON and CSV files). Import the package, not the modules:
``from services.penalty.domain import catalogue as cat``.
"""

from __future__ import annotations

from services.penalty.domain.catalogue.files import (
    CSV_COLUMNS,
    FORMAT,
    parse_csv,
    parse_json,
    to_csv,
    to_json,
)
from services.penalty.domain.catalogue.model import (
    BenchmarkItem,
    BenchmarkVersion,
    Bracket,
    Catalogue,
    Escalation,
    FineFormula,
    FixedRange,
    KindRule,
    ListEntry,
    Lists,
    Multiple,
    Provision,
    TierRule,
)
from services.penalty.domain.catalogue.parsing import version_from_dict, version_to_dict
from services.penalty.domain.catalogue.tiers import BP, TierSplit, check_tier_shares
from services.penalty.domain.catalogue.validation import validate_version, validate_versions
from services.penalty.domain.catalogue.vocabulary import (
    DOMAIN_INTERESTS,
    FIRST_VIOLATION_BARRED,
    BaseKind,
    EscalationTrigger,
    PartyType,
    PenaltyKind,
    ProtectedInterest,
    Status,
    Tier,
)
from services.penalty.domain.errors import (
    BenchmarkCodeInvalid,
    BenchmarkInvalid,
    BracketsInvalid,
    CatalogueFormatInvalid,
    EffectiveDatesInvalid,
    EscalationInvalid,
    FineRangeInvalid,
    FirstViolationNotAllowed,
    MultipleRangeInvalid,
    PartyTypesInvalid,
    PenaltyKindsInvalid,
    ProtectedInterestMissing,
    ProvisionMissing,
    TierSharesInvalid,
    TierSplitInvalid,
    VersionDuplicate,
    VersionOverlap,
)

__all__ = [
    "BP",
    "CSV_COLUMNS",
    "DOMAIN_INTERESTS",
    "FIRST_VIOLATION_BARRED",
    "FORMAT",
    "BaseKind",
    "BenchmarkCodeInvalid",
    "BenchmarkInvalid",
    "BenchmarkItem",
    "BenchmarkVersion",
    "Bracket",
    "BracketsInvalid",
    "Catalogue",
    "CatalogueFormatInvalid",
    "EffectiveDatesInvalid",
    "Escalation",
    "EscalationInvalid",
    "EscalationTrigger",
    "FineFormula",
    "FineRangeInvalid",
    "FirstViolationNotAllowed",
    "FixedRange",
    "KindRule",
    "ListEntry",
    "Lists",
    "Multiple",
    "MultipleRangeInvalid",
    "PartyType",
    "PartyTypesInvalid",
    "PenaltyKind",
    "PenaltyKindsInvalid",
    "ProtectedInterest",
    "ProtectedInterestMissing",
    "Provision",
    "ProvisionMissing",
    "Status",
    "Tier",
    "TierRule",
    "TierSharesInvalid",
    "TierSplit",
    "TierSplitInvalid",
    "VersionDuplicate",
    "VersionOverlap",
    "check_tier_shares",
    "parse_csv",
    "parse_json",
    "to_csv",
    "to_json",
    "validate_version",
    "validate_versions",
    "version_from_dict",
    "version_to_dict",
]
