"""Enterprise risk classes A (low) to D (high): a pure reference scorer and the same rule as set-based SQL.

Classified supervision (信用风险分级分类监管, 市场主体登记管理条例 第三十八条; 优化营商环境条例 第五十三条
on credit-based supervision) needs a class per market entity that the inspection service can use for sampling
ratios and quiet periods. There is no national scoring formula; the one here is documented in
docs/risk-model.md and configured (versioned) in services/risk/risk_config.json.

The score is an integer sum of per-kind contributions:

* penalties decided in the window (default 1,095 days), points by discretion tier
  (从重 aggravated > 一般 general > 从轻 lenient > 减轻 mitigated), decayed linearly with age;
* active publications on the credit platform (published and not withdrawn on ``today``);
* inspection violations in their window (default 730 days), decayed linearly, capped;
* 12345 complaints in their window (default 365 days), not decayed, capped;
* completed credit repairs in their window (default 1,095 days) SUBTRACT points, capped;

then floored at 0. Each signal's decayed points are ``points * (window_days - age_days) // window_days``
(integer floor, age = today - date in days, counted only when ``0 <= age < window_days``), so the Python
reference and PostgreSQL's integer arithmetic agree exactly. ``classification_sql`` is that same rule as one
PostgreSQL statement over the signal tables described in its docstring.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

# Bounds keep every intermediate product of the SQL inside PostgreSQL's int4 (points * window < 2**31).
MAX_POINTS = 10_000
MAX_WINDOW_DAYS = 3_660


class RiskClass(StrEnum):
    A = "A"
    B = "B"
    C = "C"
    D = "D"

    @property
    def label(self) -> str:
        return _CLASS_LABELS[self]


_CLASS_LABELS = {
    RiskClass.A: "A类（低风险）",
    RiskClass.B: "B类（一般风险）",
    RiskClass.C: "C类（较高风险）",
    RiskClass.D: "D类（高风险）",
}


class PenaltyTier(StrEnum):
    """Discretion tier the penalty decision applied (行政处罚法 第三十二条 从轻或者减轻; 从重 per the benchmarks)."""

    AGGRAVATED = "aggravated"  # 从重
    GENERAL = "general"  # 一般
    LENIENT = "lenient"  # 从轻
    MITIGATED = "mitigated"  # 减轻


class ContributionKind(StrEnum):
    """Kinds of contribution, in the fixed order used by reasons (Python and SQL alike)."""

    PENALTY_AGGRAVATED = "penalty_aggravated"
    PENALTY_GENERAL = "penalty_general"
    PENALTY_LENIENT = "penalty_lenient"
    PENALTY_MITIGATED = "penalty_mitigated"
    PUBLICATION = "publication"
    VIOLATION = "violation"
    COMPLAINT = "complaint"
    REPAIR = "repair"


KIND_ORDER: tuple[ContributionKind, ...] = tuple(ContributionKind)

_KIND_LABELS = {
    ContributionKind.PENALTY_AGGRAVATED: "从重处罚",
    ContributionKind.PENALTY_GENERAL: "一般处罚",
    ContributionKind.PENALTY_LENIENT: "从轻处罚",
    ContributionKind.PENALTY_MITIGATED: "减轻处罚",
    ContributionKind.PUBLICATION: "公示中的行政处罚信息",
    ContributionKind.VIOLATION: "检查发现违法问题",
    ContributionKind.COMPLAINT: "12345投诉",
    ContributionKind.REPAIR: "已完成信用修复",
}

_UNITS = {
    ContributionKind.PUBLICATION: "条",
    ContributionKind.VIOLATION: "项",
    ContributionKind.COMPLAINT: "件",
    ContributionKind.REPAIR: "次",
}


# --------------------------------------------------------------------------------------------------- config


class SignalRule(BaseModel):
    """Points per signal, the look-back window, how points decay with age, and a cap on the kind's total."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    points: int = Field(ge=0, le=MAX_POINTS)
    window_days: int = Field(ge=1, le=MAX_WINDOW_DAYS)
    decay: Literal["linear", "none"] = "none"
    cap: int | None = Field(default=None, ge=0, le=1_000_000)


class PenaltyPoints(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    aggravated: int = Field(ge=0, le=MAX_POINTS)
    general: int = Field(ge=0, le=MAX_POINTS)
    lenient: int = Field(ge=0, le=MAX_POINTS)
    mitigated: int = Field(ge=0, le=MAX_POINTS)

    @model_validator(mode="after")
    def _ordered(self) -> PenaltyPoints:
        if not self.aggravated >= self.general >= self.lenient >= self.mitigated:
            raise ValueError("处罚分值须满足 aggravated ≥ general ≥ lenient ≥ mitigated")
        return self

    def for_tier(self, tier: PenaltyTier) -> int:
        return int(getattr(self, tier.value))


class ClassThresholds(BaseModel):
    """Lowest score of classes B, C and D (A is everything below B)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    B: int = Field(ge=1)
    C: int = Field(ge=1)
    D: int = Field(ge=1)

    @model_validator(mode="after")
    def _increasing(self) -> ClassThresholds:
        if not self.B < self.C < self.D:
            raise ValueError("分类阈值须满足 B < C < D")
        return self


class ClassConfig(BaseModel):
    """Scoring weights and class thresholds (one version of them)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    penalty_points: PenaltyPoints
    penalty_window_days: int = Field(ge=1, le=MAX_WINDOW_DAYS)
    penalty_decay: Literal["linear", "none"] = "linear"
    publication_points: int = Field(ge=0, le=MAX_POINTS)
    publication_cap: int | None = Field(default=None, ge=0, le=1_000_000)
    violation: SignalRule
    complaint: SignalRule
    repair: SignalRule
    thresholds: ClassThresholds


# --------------------------------------------------------------------------------------------------- signals


@dataclass(frozen=True, slots=True)
class PenaltySignal:
    decided_on: date
    tier: PenaltyTier
    ref: str = ""


@dataclass(frozen=True, slots=True)
class PublicationSignal:
    """A penalty record published on the credit platform; active while published_on <= today < withdrawn_on."""

    published_on: date
    withdrawn_on: date | None = None
    ref: str = ""


@dataclass(frozen=True, slots=True)
class DatedSignal:
    """A violation found, a complaint received or a repair completed on ``on``."""

    on: date
    ref: str = ""


@dataclass(frozen=True, slots=True)
class EnterpriseSignals:
    uscc: str
    penalties: tuple[PenaltySignal, ...] = ()
    publications: tuple[PublicationSignal, ...] = ()
    violations: tuple[DatedSignal, ...] = ()
    complaints: tuple[DatedSignal, ...] = ()
    repairs: tuple[DatedSignal, ...] = ()


@dataclass(frozen=True, slots=True)
class Contribution:
    """One kind's share of the score: how many signals counted and the (capped, signed) points."""

    kind: ContributionKind
    count: int
    points: int

    def describe(self) -> str:
        label = _KIND_LABELS[self.kind]
        unit = _UNITS.get(self.kind, "件")
        sign = "减" if self.points < 0 else "加"
        return f"{label}{self.count}{unit}，{sign}{abs(self.points)}分"

    def as_json(self) -> dict[str, str | int]:
        return {"kind": self.kind.value, "count": self.count, "points": self.points}


@dataclass(frozen=True, slots=True)
class ItemContribution:
    """One signal's points before the kind's cap (for explaining a score item by item)."""

    kind: ContributionKind
    on: date
    points: int
    ref: str = ""


@dataclass(frozen=True, slots=True)
class Classification:
    uscc: str
    score: int
    risk_class: RiskClass
    reasons: tuple[Contribution, ...]
    items: tuple[ItemContribution, ...] = field(default=())

    def reasons_json(self) -> list[dict[str, str | int]]:
        """The reasons exactly as ``classification_sql`` stores them in ``enterprise_class.reasons``."""
        return [reason.as_json() for reason in self.reasons]

    def explanation(self) -> str:
        if not self.reasons:
            return f"近期无处罚、公示、投诉、检查违法记录，评分0分，{self.risk_class.label}"
        parts = "；".join(reason.describe() for reason in self.reasons)
        return f"{parts}；合计{self.score}分，{self.risk_class.label}"


# --------------------------------------------------------------------------------------------------- scoring


def decayed_points(points: int, on: date, today: date, window_days: int, decay: str) -> int | None:
    """Points of one dated signal on ``today``, or None when it lies outside [today - window + 1, today]."""
    age = (today - on).days
    if age < 0 or age >= window_days:
        return None
    if decay == "linear":
        # Integer floor, exactly as PostgreSQL's int / int on non-negative operands.
        return points * (window_days - age) // window_days
    return points


def class_for(score: int, thresholds: ClassThresholds) -> RiskClass:
    if score >= thresholds.D:
        return RiskClass.D
    if score >= thresholds.C:
        return RiskClass.C
    if score >= thresholds.B:
        return RiskClass.B
    return RiskClass.A


def _capped(total: int, cap: int | None) -> int:
    return total if cap is None else min(total, cap)


def score_enterprise(signals: EnterpriseSignals, config: ClassConfig, today: date) -> Classification:
    """Score one enterprise on ``today`` and place it in class A-D, keeping every contribution."""
    items: list[ItemContribution] = []
    per_kind: dict[ContributionKind, list[int]] = {kind: [] for kind in KIND_ORDER}

    for penalty in signals.penalties:
        kind = ContributionKind(f"penalty_{penalty.tier.value}")
        pts = decayed_points(
            config.penalty_points.for_tier(penalty.tier),
            penalty.decided_on,
            today,
            config.penalty_window_days,
            config.penalty_decay,
        )
        if pts is not None:
            per_kind[kind].append(pts)
            items.append(ItemContribution(kind, penalty.decided_on, pts, penalty.ref))

    for publication in signals.publications:
        active = publication.published_on <= today and (
            publication.withdrawn_on is None or publication.withdrawn_on > today
        )
        if active:
            per_kind[ContributionKind.PUBLICATION].append(config.publication_points)
            items.append(
                ItemContribution(
                    ContributionKind.PUBLICATION,
                    publication.published_on,
                    config.publication_points,
                    publication.ref,
                )
            )

    dated: tuple[tuple[ContributionKind, SignalRule, tuple[DatedSignal, ...]], ...] = (
        (ContributionKind.VIOLATION, config.violation, signals.violations),
        (ContributionKind.COMPLAINT, config.complaint, signals.complaints),
        (ContributionKind.REPAIR, config.repair, signals.repairs),
    )
    for kind, rule, signal_list in dated:
        for signal in signal_list:
            pts = decayed_points(rule.points, signal.on, today, rule.window_days, rule.decay)
            if pts is not None:
                per_kind[kind].append(pts)
                items.append(
                    ItemContribution(
                        kind, signal.on, -pts if kind is ContributionKind.REPAIR else pts, signal.ref
                    )
                )

    caps: dict[ContributionKind, int | None] = {
        ContributionKind.PUBLICATION: config.publication_cap,
        ContributionKind.VIOLATION: config.violation.cap,
        ContributionKind.COMPLAINT: config.complaint.cap,
        ContributionKind.REPAIR: config.repair.cap,
    }
    reasons: list[Contribution] = []
    total = 0
    for kind in KIND_ORDER:
        values = per_kind[kind]
        if not values:
            continue
        pts = _capped(sum(values), caps.get(kind))
        if kind is ContributionKind.REPAIR:
            pts = -pts
        total += pts
        reasons.append(Contribution(kind, len(values), pts))

    score = max(0, total)
    return Classification(
        uscc=signals.uscc,
        score=score,
        risk_class=class_for(score, config.thresholds),
        reasons=tuple(reasons),
        items=tuple(items),
    )


# --------------------------------------------------------------------------------------------------- SQL

_ORD = {kind: index for index, kind in enumerate(KIND_ORDER, start=1)}


def _int(value: int) -> str:
    """An integer literal; config values are validated ints, so inlining them cannot inject SQL."""
    return str(int(value))


def _points_expr(points_sql: str, date_col: str, window: int, decay: str) -> str:
    if decay == "linear":
        # Per-row floor before the sum, as in decayed_points(); (date - date) is an integer number of days.
        return f"(({points_sql}) * ({_int(window)} - (CAST(:today AS date) - {date_col}))) / {_int(window)}"
    return f"({points_sql})"


def _window_pred(date_col: str, window: int) -> str:
    # 0 <= today - d < window  <=>  today - window < d <= today (index-friendly range on the date column).
    return f"{date_col} > CAST(:today AS date) - {_int(window)} AND {date_col} <= CAST(:today AS date)"


def _cap_expr(expr: str, cap: int | None) -> str:
    return expr if cap is None else f"LEAST({expr}, {_int(cap)})"


def _text(value: str) -> str:
    """A SQL string literal of a constant label (doubling quotes, though the labels contain none)."""
    return "'" + value.replace("'", "''") + "'"


def _describe_sql(kind_sql: str, n: str, pts: str) -> str:
    """SQL for ``Contribution.describe()``: label, count, unit, then 加/减 and the absolute points."""
    labels = " ".join(f"WHEN {_text(k.value)} THEN {_text(_KIND_LABELS[k])}" for k in KIND_ORDER)
    units = " ".join(f"WHEN {_text(k.value)} THEN {_text(u)}" for k, u in _UNITS.items())
    return (
        f"(CASE {kind_sql} {labels} END) || ({n})::text || (CASE {kind_sql} {units} ELSE '件' END)"
        f" || '，' || (CASE WHEN ({pts}) < 0 THEN '减' ELSE '加' END) || abs({pts})::text || '分'"
    )


def _subset_pred(column: str, subset: bool) -> str:
    return f"\n      AND {column} = ANY(CAST(:usccs AS text[]))" if subset else ""


def classification_query_sql(config: ClassConfig, *, subset: bool = False, texts: bool = True) -> str:
    """A read-only SELECT of (uscc, class, score, reasons, reason_texts) for every enterprise in
    ``risk_enterprise`` (or, with ``subset``, only those whose USCCs is in the bind parameter ``:usccs``);
    without ``texts``, no ``reason_texts`` (``reason_texts_sql`` makes them from the reasons, for the rows
    that need them only).

    Bind parameters: ``:today`` (date), and ``:usccs`` (text[]) with ``subset``. Tables (created by the
    service's migrations):

    * ``risk_enterprise(uscc text PRIMARY KEY, ...)`` — every market entity the service knows (the universe);
    * ``risk_penalty_signal(uscc text, decided_on date, tier text CHECK (tier IN ('aggravated', 'general',
      'lenient', 'mitigated')), ...)`` with an index on ``(decided_on)`` or ``(uscc)``;
    * ``risk_publication_signal(uscc text, published_on date, withdrawn_on date NULL, ...)``;
    * ``risk_violation_signal(uscc text, found_on date, ...)``;
    * ``risk_complaint_signal(uscc text, received_on date, ...)`` (only complaints naming an enterprise);
    * ``risk_repair_signal(uscc text, completed_on date, ...)``.

    Signals for a USCC missing from ``risk_enterprise`` are ignored. The result's ``reasons`` is a jsonb
    array equal to ``Classification.reasons_json()``, ``reason_texts`` a jsonb array equal to
    ``[r.describe() for r in Classification.reasons]``; ``score`` and ``class`` equal ``score_enterprise``.

    Shape: each signal table is scanned once (range on its date column), grouped by uscc (and tier) with a
    hash aggregate, capped, then the per-kind rows are grouped by uscc once more and left-joined to the
    universe. No correlated subqueries, no per-row function calls: linear in the number of rows. With
    ``subset`` every scan is restricted to the given USCCs (index on ``uscc``): the incremental update.
    """
    # Long, and kept whole: it is one SQL statement, and reads as the statement it builds.
    pp = config.penalty_points
    tier_points = (
        "CASE p.tier "
        f"WHEN 'aggravated' THEN {_int(pp.aggravated)} "
        f"WHEN 'general' THEN {_int(pp.general)} "
        f"WHEN 'lenient' THEN {_int(pp.lenient)} "
        f"WHEN 'mitigated' THEN {_int(pp.mitigated)} END"
    )
    tier_ord = (
        "CASE p.tier "
        f"WHEN 'aggravated' THEN {_ORD[ContributionKind.PENALTY_AGGRAVATED]} "
        f"WHEN 'general' THEN {_ORD[ContributionKind.PENALTY_GENERAL]} "
        f"WHEN 'lenient' THEN {_ORD[ContributionKind.PENALTY_LENIENT]} "
        f"WHEN 'mitigated' THEN {_ORD[ContributionKind.PENALTY_MITIGATED]} END"
    )
    penalty_pts = _points_expr(tier_points, "p.decided_on", config.penalty_window_days, config.penalty_decay)

    def dated(table: str, col: str, kind: ContributionKind, rule: SignalRule, sign: int) -> str:
        pts = _points_expr(_int(rule.points), f"s.{col}", rule.window_days, rule.decay)
        capped = _cap_expr(f"sum({pts})", rule.cap)
        return (
            f"    SELECT s.uscc, {_ORD[kind]} AS ord, '{kind.value}' AS kind, count(*) AS n, "
            f"({sign}) * {capped} AS pts\n"
            f"    FROM {table} s\n"
            f"    WHERE {_window_pred('s.' + col, rule.window_days)}{_subset_pred('s.uscc', subset)}\n"
            f"    GROUP BY s.uscc"
        )

    publication_pts = _cap_expr(f"count(*) * {_int(config.publication_points)}", config.publication_cap)
    thresholds = config.thresholds
    universe_pred = "\n    WHERE e.uscc = ANY(CAST(:usccs AS text[]))" if subset else ""
    return f"""WITH contribution AS (
    SELECT p.uscc, {tier_ord} AS ord, 'penalty_' || p.tier AS kind, count(*) AS n, sum({penalty_pts}) AS pts
    FROM risk_penalty_signal p
    WHERE {_window_pred("p.decided_on", config.penalty_window_days)}
      AND p.tier IN ('aggravated', 'general', 'lenient', 'mitigated'){_subset_pred("p.uscc", subset)}
    GROUP BY p.uscc, p.tier
  UNION ALL
    SELECT s.uscc, {_ORD[ContributionKind.PUBLICATION]} AS ord, 'publication' AS kind, count(*) AS n,
           {publication_pts} AS pts
    FROM risk_publication_signal s
    WHERE s.published_on <= CAST(:today AS date)
      AND (s.withdrawn_on IS NULL OR s.withdrawn_on > CAST(:today AS date)){_subset_pred("s.uscc", subset)}
    GROUP BY s.uscc
  UNION ALL
{dated("risk_violation_signal", "found_on", ContributionKind.VIOLATION, config.violation, 1)}
  UNION ALL
{dated("risk_complaint_signal", "received_on", ContributionKind.COMPLAINT, config.complaint, 1)}
  UNION ALL
{dated("risk_repair_signal", "completed_on", ContributionKind.REPAIR, config.repair, -1)}
), scored AS (
    SELECT e.uscc,
           GREATEST(0, COALESCE(sum(c.pts), 0))::integer AS score,
           COALESCE(jsonb_agg(jsonb_build_object('kind', c.kind, 'count', c.n, 'points', c.pts) ORDER BY c.ord)
                    FILTER (WHERE c.ord IS NOT NULL), '[]'::jsonb) AS reasons{
        f",{chr(10)}           COALESCE(jsonb_agg({_describe_sql('c.kind', 'c.n', 'c.pts')} ORDER BY c.ord)"
        " FILTER (WHERE c.ord IS NOT NULL), '[]'::jsonb) AS reason_texts"
        if texts
        else ""
    }
    FROM risk_enterprise e
    LEFT JOIN contribution c ON c.uscc = e.uscc{universe_pred}
    GROUP BY e.uscc
)
SELECT s.uscc,
       CASE
         WHEN s.score >= {_int(thresholds.D)} THEN 'D'
         WHEN s.score >= {_int(thresholds.C)} THEN 'C'
         WHEN s.score >= {_int(thresholds.B)} THEN 'B'
         ELSE 'A'
       END AS class,
       s.score, s.reasons{", s.reason_texts" if texts else ""}
FROM scored s"""


def reason_texts_sql(reasons: str) -> str:
    """SQL for the texts of the jsonb array ``reasons`` (``Classification.reasons_json()``): its items'
    ``Contribution.describe()`` in order, as ``classification_query_sql`` makes ``reason_texts``."""
    describe = _describe_sql("r.x->>'kind'", "(r.x->>'count')::bigint", "(r.x->>'points')::bigint")
    return (
        f"(SELECT COALESCE(jsonb_agg({describe} ORDER BY r.i), '[]'::jsonb) "
        f"FROM jsonb_array_elements({reasons}) WITH ORDINALITY AS r(x, i))"
    )


def classification_upsert_ctes(
    config: ClassConfig,
    *,
    subset: bool = False,
    one_pass: bool = True,
    first: bool = False,
    counted: bool = False,
) -> str:
    """The common-table expressions of ``classification_sql``: ``computed``, ``written`` and ``classified``
    (one row per written enterprise: uscc, class, score, reasons, reason_texts, previous_class, revision).

    Every enterprise (no ``subset``): the previous classes are read once, hash-joined to the computed ones, and
    only the differing rows go to the upsert (``changed``); the reason texts are made for those rows only
    (``reason_texts_sql``): on a daily full run they are a few percent of them (docs/benchmarks/risk-daily-plans.md).
    With ``one_pass`` the upsert returns the previous class itself (``RETURNING old.class``, the row the exclusive
    run's comparison read): the written rows are not joined back to ``changed``, which a first classification
    (every enterprise written) paid for by hashing every computed row again (docs/benchmarks/risk-first-plans.md).
    ``first`` (every enterprise, and ``enterprise_class`` empty under the run's exclusive lock: every row is new)
    inserts every computed row with a plain INSERT (no conflict to check: a stored class would fail the
    statement on the primary key, never be overwritten) and makes the reason texts while aggregating the
    contributions (``classification_query_sql`` with ``texts``), not from each written row's reasons.

    With ``subset`` (the daily run's candidates, nearly all of which score differently) and ``one_pass``
    (PostgreSQL 18 or newer), ``enterprise_class`` is read once: every candidate goes to the upsert, whose
    ``ON CONFLICT DO UPDATE ... WHERE`` leaves the unchanged rows as they are and whose ``RETURNING old.class``
    gives the previous class (NULL for a first classification). Without ``one_pass`` the subset is compared
    first as every enterprise is, with the primary key probed with the array.

    A caller can append further CTEs that read ``classified`` (the service appends the insert of its outbox
    rows, so events are written by the same statement, set-based) and a final SELECT. ``counted`` (with
    ``first``): ``written`` returns one constant per row, for a caller that only counts them (a first
    classification's events are announced later from ``enterprise_class``; whole rows kept for the
    statement's end went to disk at 5 M, 1.27 GB).
    """
    if first and not subset:  # every row new: a plain INSERT, with the texts made while aggregating
        returning = (
            "1"
            if counted
            else "uscc, class, score, reasons, reason_texts, CAST(NULL AS char(1)) AS previous_class, revision"
        )
        written = f"""WITH written AS (
    INSERT INTO enterprise_class
           (uscc, class, score, reasons, reason_texts, version, changed_on, revision, classified_at)
    SELECT c.uscc, c.class, c.score, c.reasons, c.reason_texts, CAST(:version AS text),
           CAST(:today AS date), 1, CAST(:at AS timestamptz)
    FROM ({classification_query_sql(config, texts=True)}) c
    RETURNING {returning}
)"""
        return (
            written
            if counted
            else f"""{written}, classified AS (
    SELECT * FROM written
)"""
        )
    computed = classification_query_sql(config, subset=subset, texts=False)
    texts = reason_texts_sql("c.reasons")
    upsert = """INSERT INTO enterprise_class AS ec
           (uscc, class, score, reasons, reason_texts, version, changed_on, revision, classified_at)
    SELECT ch.uscc, ch.class, ch.score, ch.reasons, ch.reason_texts, CAST(:version AS text),
           CAST(:today AS date), 1, CAST(:at AS timestamptz)
    FROM changed ch
    ON CONFLICT (uscc) DO UPDATE
       SET class = EXCLUDED.class,
           score = EXCLUDED.score,
           reasons = EXCLUDED.reasons,
           reason_texts = EXCLUDED.reason_texts,
           version = EXCLUDED.version,
           changed_on = EXCLUDED.changed_on,
           revision = ec.revision + 1,
           classified_at = EXCLUDED.classified_at"""
    returning_old = """RETURNING new.uscc, new.class, new.score, new.reasons, new.reason_texts, old.class AS previous_class,
              new.revision
), classified AS (
    SELECT * FROM written
)"""
    if subset and one_pass:
        return f"""WITH computed AS (
{computed}
), changed AS (
    SELECT c.uscc, c.class, c.score, c.reasons, {reason_texts_sql("c.reasons")} AS reason_texts
    FROM computed c
), written AS (
    {upsert}
     WHERE ec.class <> EXCLUDED.class
        OR ec.score <> EXCLUDED.score
        OR ec.reasons <> EXCLUDED.reasons
        OR ec.version <> EXCLUDED.version
    {returning_old}"""
    compared = f"""WITH computed AS (
{computed}
), changed AS (
    SELECT c.uscc, c.class, c.score, c.reasons, {texts} AS reason_texts,
           ec.class AS previous_class
    FROM computed c
    LEFT JOIN enterprise_class ec ON ec.uscc = c.uscc{_subset_pred("ec.uscc", subset)}
    WHERE ec.uscc IS NULL
       OR ec.class <> c.class
       OR ec.score <> c.score
       OR ec.reasons <> c.reasons
       OR ec.version <> CAST(:version AS text)
), written AS (
    {upsert}"""
    if one_pass and not subset:  # the previous class from the upsert: no join of the written rows back
        return f"""{compared}
    {returning_old}"""
    return f"""{compared}
    RETURNING ec.uscc, ec.revision
), classified AS (
    SELECT ch.uscc, ch.class, ch.score, ch.reasons, ch.reason_texts, ch.previous_class, w.revision
    FROM changed ch
    JOIN written w ON w.uscc = ch.uscc
)"""


def classification_sql(
    config: ClassConfig, *, subset: bool = False, one_pass: bool = True, first: bool = False
) -> str:
    """One statement that classifies every enterprise (or the ``:usccs`` subset) and writes only the rows
    that changed.

    Bind parameters: ``:today`` (date), ``:version`` (text, the config version), ``:at`` (timestamptz, the
    classification time) and, with ``subset``, ``:usccs`` (text[]). Besides the tables of
    ``classification_query_sql`` it writes ``enterprise_class(uscc text PRIMARY KEY, class char(1) NOT NULL,
    score integer NOT NULL, reasons jsonb NOT NULL, reason_texts jsonb NOT NULL, version text NOT NULL,
    changed_on date NOT NULL, revision integer NOT NULL, classified_at timestamptz NOT NULL)``.

    Rows whose class, score, reasons and version are unchanged are not touched (a daily re-run writes only
    the differences, not 1,000,000 rows); a written row's ``revision`` grows by one. It returns one row per
    written enterprise: ``(uscc, class, score, reasons, reason_texts, previous_class, class_changed,
    revision)`` — ``previous_class`` is NULL for a first classification. ``one_pass`` needs PostgreSQL 18,
    ``first`` suits a table without classes (``classification_upsert_ctes``).
    """
    return f"""{classification_upsert_ctes(config, subset=subset, one_pass=one_pass, first=first)}
SELECT c.uscc, c.class, c.score, c.reasons, c.reason_texts, c.previous_class,
       (c.previous_class IS DISTINCT FROM c.class) AS class_changed, c.revision
FROM classified c"""


# --------------------------------------------------------------------------------------------------- incremental


def change_ages(points: int, window: int, decay: str) -> tuple[int, ...]:
    """The ages (days since the signal) at which one signal's contribution changes: 0 (it enters the window),
    ``window`` (it leaves it) and, with linear decay, every age where ``⌊points × (window − age) / window⌋``
    (``decayed_points``) steps down. A signal dated ``d`` contributes differently on days ``L < T`` exactly
    when one of these ages ``a`` has ``L − d < a ≤ T − d``, i.e. ``T − a ≥ d > L − a``."""
    ages = {0, window}
    if decay == "linear":
        ages.update(
            a
            for a in range(1, window)
            if points * (window - a + 1) // window != points * (window - a) // window
        )
    return tuple(sorted(ages))


def changed_date_ranges(ages: tuple[int, ...], last: date, today: date) -> list[tuple[date, date]]:
    """The ranges ``(lo, hi]`` of signal dates whose contribution differs between ``last`` and ``today``
    (``change_ages``), overlapping ranges merged."""
    spans = sorted((last - timedelta(days=a), today - timedelta(days=a)) for a in ages)
    merged: list[tuple[date, date]] = []
    for lo, hi in spans:
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return merged


@dataclass(frozen=True, slots=True)
class ChangedRanges:
    """Per signal kind, the date ranges ``(lo, hi]`` whose signals score differently on ``today`` than on
    ``last`` (penalties per tier, since each tier has its own points)."""

    penalty: dict[PenaltyTier, list[tuple[date, date]]]
    violation: list[tuple[date, date]]
    complaint: list[tuple[date, date]]
    repair: list[tuple[date, date]]
    publication: list[tuple[date, date]]  # published_on or withdrawn_on in these ranges


def changed_ranges(config: ClassConfig, last: date, today: date) -> ChangedRanges:
    """What changed with time alone between two classifications under the same ``config``: a superset of the
    enterprises whose score differs is those with a signal dated in these ranges (publications: published or
    withdrawn in them). New or changed signals reclassify their enterprise when they arrive."""

    def rule(r: SignalRule) -> list[tuple[date, date]]:
        return changed_date_ranges(change_ages(r.points, r.window_days, r.decay), last, today)

    penalty = {
        tier: changed_date_ranges(
            change_ages(
                config.penalty_points.for_tier(tier), config.penalty_window_days, config.penalty_decay
            ),
            last,
            today,
        )
        for tier in PenaltyTier
    }
    return ChangedRanges(
        penalty=penalty,
        violation=rule(config.violation),
        complaint=rule(config.complaint),
        repair=rule(config.repair),
        publication=[(last, today)],
    )
