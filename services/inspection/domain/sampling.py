"""The 双随机 draw: enterprises and officers chosen at random, reproducibly from a published seed.

优化营商环境条例 第五十四条: market-supervision inspections are made by randomly choosing the inspected
entities and randomly assigning the inspecting officers, and the items and results are published
(双随机、一公开). A draw is therefore only as trustworthy as its reproducibility: anyone holding the
published record (seed, algorithm version, pool, officer pool, ratios) must be able to recompute exactly the
same result, in any language. The algorithm below uses nothing but SHA-256, byte-wise comparison and integer
arithmetic; it never touches Python's ``random`` module, hash randomisation or dict ordering.

Algorithm ``sha256-rank-v1``
----------------------------
Inputs: ``seed`` (a text string), the enterprise pool (USCC + risk class or none), the officer pool
(certificate numbers of the department's active, certified, non-auxiliary officers), the ratio per risk
class in basis points (1 bp = 0.01 %), the class assumed for enterprises without one, and the group size.

1. Canonicalise: USCCs upper-case; each enterprise's class is its own class if it is a key of the ratio table,
   otherwise the ``unknown_class`` (default ``B``: 一般风险, the class of an enterprise nobody has assessed).
   Duplicates are an error. Order of the inputs does not matter.
2. Enterprise rank key: ``SHA-256(UTF-8(seed + "|" + USCC))``, the 32-byte digest compared as unsigned
   big-endian bytes (i.e. as the lower-case hex string compared lexicographically); ties (never seen in
   practice) are broken by the USCC.
3. For each class with ``n`` enterprises and ratio ``r`` bp: ``k = ceil(n * r / 10000)`` computed as
   ``(n * r + 9999) // 10000``. So a non-empty class with a non-zero ratio always yields at least one
   enterprise, and 100 % yields all. The ``k`` lowest-ranked enterprises of the class are drawn.
4. Officer rank key: ``SHA-256(UTF-8(seed + "|officer|" + cert_no))``, same comparison, ties by cert_no.
   Ranked officers are cut into consecutive groups of ``group_size`` (default 2, 行政处罚法 第四十二条);
   a remainder smaller than a group is left out of the draw (and recorded as such).
5. The drawn enterprises of all classes, sorted by their rank key, are assigned to the groups in turn: the
   i-th enterprise (0-based) gets group ``i mod number_of_groups``.

A worked example is in tests/inspection/test_sampling.py, computed there independently with hashlib.

Where the seed comes from: the commit-reveal protocol ``commit-reveal-v1``
--------------------------------------------------------------------------
Nobody may choose the seed, and nobody may learn it before the pool is fixed (docs/api/inspection.md, "The
draw protocol", has the full text and a recomputation in Python and in shell):

1. At approval the service draws a secret ``nonce`` (32 random bytes) and publishes only
   ``commitment = SHA-256(nonce)`` (hex), with the scheduled draw time and the agreed public source.
2. At the draw the supervisor enters ``public_value``, the value the agreed public source published after the
   commitment (a lottery result, a newspaper's headline). The pool is snapshotted (``pool_snapshot``, a
   canonical text) and hashed: ``pool_hash = SHA-256(UTF-8(snapshot))``.
3. ``seed = hex(SHA-256(nonce || pool_hash || UTF-8(public_value)))``, where ``nonce`` is the 32 raw bytes,
   ``pool_hash`` the 32 raw bytes of the digest (not its hex) and ``||`` plain concatenation (64 bytes, then
   the value's UTF-8 bytes, no separator, no terminator). The 64-character lower-case hex ``seed`` is the
   ``seed`` of ``sha256-rank-v1`` above.
4. When the task ends, nonce, snapshot, public value and result are published: anyone checks
   ``SHA-256(nonce) == commitment``, ``SHA-256(snapshot) == pool_hash``, recomputes the seed and the draw.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from services.common import draws
from services.inspection.domain.registry import Officer, validate_uscc
from services.inspection.errors import InvalidDrawInput, TooFewOfficersForDraw, UnknownAlgorithm

ALGORITHM_V1 = "sha256-rank-v1"
ALGORITHMS = frozenset({ALGORITHM_V1})

#: Upper ends of the published local scheme (A ≤5 %, B 5–20 %, C 21–60 %, D 61–100 %), in basis points.
DEFAULT_RATIOS_BP: Mapping[str, int] = {"A": 500, "B": 2000, "C": 6000, "D": 10000}
#: Class assumed for an enterprise the risk service has not classified yet.
DEFAULT_UNKNOWN_CLASS = "B"
DEFAULT_GROUP_SIZE = 2


@dataclass(frozen=True, slots=True)
class PoolEnterprise:
    uscc: str
    risk_class: str | None = None


@dataclass(frozen=True, slots=True)
class ClassQuota:
    risk_class: str
    pool_size: int
    ratio_bp: int
    drawn: int


@dataclass(frozen=True, slots=True)
class Assignment:
    uscc: str
    risk_class: str  # the class used for the draw (after applying the unknown-class default)
    rank_key: str  # hex SHA-256, for anyone checking the order
    officers: tuple[str, ...]  # certificate numbers of the assigned group


@dataclass(frozen=True, slots=True)
class Draw:
    """A draw and everything needed to recompute it (``recompute(draw) == draw``)."""

    algorithm: str
    seed: str
    ratios_bp: tuple[tuple[str, int], ...]
    unknown_class: str
    group_size: int
    pool: tuple[PoolEnterprise, ...]  # canonical: sorted by USCC, class as given (None when unknown)
    officer_pool: tuple[str, ...]  # canonical: sorted
    quotas: tuple[ClassQuota, ...]
    officer_groups: tuple[tuple[str, ...], ...]
    unassigned_officers: tuple[str, ...]
    assignments: tuple[Assignment, ...]

    @property
    def drawn_usccs(self) -> tuple[str, ...]:
        return tuple(a.uscc for a in self.assignments)

    def officers_for(self, uscc: str) -> tuple[str, ...]:
        for a in self.assignments:
            if a.uscc == uscc:
                return a.officers
        return ()

    def to_record(self) -> dict[str, Any]:
        """The JSON-ready public record (一公开): inputs, then results."""
        return {
            "algorithm": self.algorithm,
            "seed": self.seed,
            "ratios_bp": dict(self.ratios_bp),
            "unknown_class": self.unknown_class,
            "group_size": self.group_size,
            "pool": [{"uscc": p.uscc, "risk_class": p.risk_class} for p in self.pool],
            "officer_pool": list(self.officer_pool),
            "quotas": [
                {
                    "risk_class": q.risk_class,
                    "pool_size": q.pool_size,
                    "ratio_bp": q.ratio_bp,
                    "drawn": q.drawn,
                }
                for q in self.quotas
            ],
            "officer_groups": [list(g) for g in self.officer_groups],
            "unassigned_officers": list(self.unassigned_officers),
            "assignments": [
                {
                    "uscc": a.uscc,
                    "risk_class": a.risk_class,
                    "rank_key": a.rank_key,
                    "officers": list(a.officers),
                }
                for a in self.assignments
            ],
        }

    def fingerprint(self) -> str:
        """SHA-256 of the canonical JSON record (sorted keys, no blanks, UTF-8)."""
        text = json.dumps(self.to_record(), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


PROTOCOL_V1 = "commit-reveal-v1"
SNAPSHOT_HEADER = "zhifa-draw-pool-v1"
# The protocol's primitives are the kernel's (services/common/draws.py), shared with risk's 案卷评查 sample.
NONCE_BYTES = draws.NONCE_BYTES
new_nonce = draws.new_nonce
commitment = draws.commitment


def pool_snapshot(
    pool: Sequence[PoolEnterprise],
    officers: Sequence[str],
    ratios: Mapping[str, int] = DEFAULT_RATIOS_BP,
    *,
    unknown_class: str = DEFAULT_UNKNOWN_CLASS,
    group_size: int = DEFAULT_GROUP_SIZE,
) -> str:
    """The canonical text of everything a draw depends on besides its seed (UTF-8; every line ends in LF;
    fields separated by one TAB):

    ``zhifa-draw-pool-v1``; one ``ratio<TAB>class<TAB>basis points`` per class, by class; ``unknown_class<TAB>B``;
    ``group_size<TAB>2``; one ``enterprise<TAB>USCC<TAB>class`` per enterprise, by USCC, the class being the one
    the draw uses (its own if it has a ratio, else ``unknown_class``); one ``officer<TAB>certificate`` per
    certified officer, by certificate. "By" means sorted by Unicode code point, which is the byte order of the
    UTF-8 text (``LC_ALL=C sort``).
    """
    lines = [SNAPSHOT_HEADER]
    lines += [f"ratio\t{cls}\t{bp}" for cls, bp in sorted(ratios.items())]
    lines += [f"unknown_class\t{unknown_class}", f"group_size\t{group_size}"]
    for entry in _canonical_pool(pool):
        cls = entry.risk_class if entry.risk_class in ratios else unknown_class
        lines.append(f"enterprise\t{entry.uscc}\t{cls}")
    lines += [f"officer\t{cert}" for cert in sorted(set(officers))]
    return "".join(line + "\n" for line in lines)


def pool_hash(snapshot: str) -> str:
    return draws.digest(snapshot)


def derive_seed(nonce: bytes, pool_digest: str, public_value: str) -> str:
    """``hex(SHA-256(nonce || pool_hash || UTF-8(public_value)))``, nonce and pool hash as raw bytes."""
    if len(nonce) != NONCE_BYTES:
        raise InvalidDrawInput("抽取随机数须为32字节", detail_en="The draw nonce is 32 bytes")
    if not public_value.strip():
        raise InvalidDrawInput("抽取须录入公开来源值", detail_en="The draw needs the public value")
    return draws.mix_seed(nonce, pool_digest, public_value)


def parse_snapshot(snapshot: str) -> dict[str, Any]:
    """The snapshot's inputs (ratios, unknown class, group size, pool, officers): the reverse of
    ``pool_snapshot``, so a published snapshot alone recomputes the draw."""
    lines = snapshot.split("\n")
    if not lines or lines[0] != SNAPSHOT_HEADER or lines[-1] != "":
        raise InvalidDrawInput("抽取名录快照格式错误", detail_en="The pool snapshot is malformed")
    out: dict[str, Any] = {"ratios_bp": {}, "pool": [], "officer_pool": []}
    try:
        for line in lines[1:-1]:
            kind, *fields = line.split("\t")
            if kind == "ratio":
                out["ratios_bp"][fields[0]] = int(fields[1])
            elif kind == "unknown_class":
                out["unknown_class"] = fields[0]
            elif kind == "group_size":
                out["group_size"] = int(fields[0])
            elif kind == "enterprise":
                out["pool"].append({"uscc": fields[0], "risk_class": fields[1]})
            elif kind == "officer":
                out["officer_pool"].append(fields[0])
            else:
                raise ValueError(kind)
    except (IndexError, ValueError) as exc:
        raise InvalidDrawInput(
            f"抽取名录快照格式错误：{exc}", detail_en=f"The pool snapshot is malformed: {exc}"
        ) from exc
    return out


def enterprise_rank_key(seed: str, uscc: str) -> str:
    return draws.rank_key(seed, uscc)


def officer_rank_key(seed: str, cert_no: str) -> str:
    return draws.rank_key(seed, f"officer|{cert_no}")


def quota(pool_size: int, ratio_bp: int) -> int:
    """``ceil(pool_size * ratio_bp / 10000)`` in integers: a non-empty class with a ratio yields ≥ 1."""
    return (pool_size * ratio_bp + 9999) // 10000


def certified_pool(officers: Iterable[Officer], dept_code: str, on: date) -> tuple[str, ...]:
    """Certificate numbers of ``dept_code``'s officers who may be drawn on ``on``, sorted.

    Only active, unexpired certificates of non-auxiliary staff: 执法辅助人员 never inspect
    (辽政办发〔2023〕18号 二(一)4: 未取得行政执法证件的人员不得独立从事行政执法工作).
    """
    return tuple(
        sorted(
            o.cert_no
            for o in officers
            if o.dept_code == dept_code and o.is_certified_inspector(on) and o.cert_no is not None
        )
    )


def draw(
    pool: Sequence[PoolEnterprise],
    officers: Sequence[str],
    ratios: Mapping[str, int] = DEFAULT_RATIOS_BP,
    *,
    seed: str,
    algorithm: str = ALGORITHM_V1,
    unknown_class: str = DEFAULT_UNKNOWN_CLASS,
    group_size: int = DEFAULT_GROUP_SIZE,
) -> Draw:
    """Draw enterprises per risk class and assign officer groups (see the module docstring).

    ``officers`` are certificate numbers of the certified pool (``certified_pool``); ``ratios`` are basis
    points per class.
    """
    _check_inputs(algorithm, seed, group_size, ratios, unknown_class)
    canonical_pool = _canonical_pool(pool)
    canonical_officers = tuple(sorted(set(officers)))
    if len(canonical_officers) != len(officers):
        raise InvalidDrawInput(
            "执法人员名单中有重复的执法证号",
            detail_en="A certificate number appears twice among the officers",
        )

    by_class: dict[str, list[tuple[str, str]]] = {cls: [] for cls in ratios}
    for entry in canonical_pool:
        cls = (
            entry.risk_class if entry.risk_class is not None and entry.risk_class in ratios else unknown_class
        )
        by_class[cls].append((enterprise_rank_key(seed, entry.uscc), entry.uscc))

    quotas: list[ClassQuota] = []
    chosen: list[tuple[str, str, str]] = []  # (rank key, uscc, class)
    for cls in sorted(by_class):
        ranked = sorted(by_class[cls])
        k = quota(len(ranked), ratios[cls])
        quotas.append(ClassQuota(cls, len(ranked), ratios[cls], k))
        chosen.extend((key, uscc, cls) for key, uscc in ranked[:k])
    chosen.sort()

    ranked_officers = [c for _, c in sorted((officer_rank_key(seed, c), c) for c in canonical_officers)]
    n_groups = len(ranked_officers) // group_size
    groups = tuple(tuple(ranked_officers[i * group_size : (i + 1) * group_size]) for i in range(n_groups))
    unassigned = tuple(ranked_officers[n_groups * group_size :])
    if chosen and not groups:
        raise TooFewOfficersForDraw(
            f"本部门可抽取的持证执法人员仅{len(canonical_officers)}名，不足以组成一个{group_size}人检查组",
            detail_en=f"Only {len(canonical_officers)} certified officer(s) of the department can be drawn, "
            f"fewer than a group of {group_size}",
            extra={"officers": len(canonical_officers), "group_size": group_size},
        )

    assignments = tuple(
        Assignment(uscc=uscc, risk_class=cls, rank_key=key, officers=groups[i % n_groups])
        for i, (key, uscc, cls) in enumerate(chosen)
    )
    return Draw(
        algorithm=algorithm,
        seed=seed,
        ratios_bp=tuple(sorted(ratios.items())),
        unknown_class=unknown_class,
        group_size=group_size,
        pool=canonical_pool,
        officer_pool=canonical_officers,
        quotas=tuple(quotas),
        officer_groups=groups,
        unassigned_officers=unassigned,
        assignments=assignments,
    )


def _check_inputs(
    algorithm: str, seed: str, group_size: int, ratios: Mapping[str, int], unknown_class: str
) -> None:
    """The draw's parameters, before anything is drawn."""
    if algorithm not in ALGORITHMS:
        raise UnknownAlgorithm(
            f"不支持的抽取算法“{algorithm}”，支持：{'、'.join(sorted(ALGORITHMS))}",
            detail_en=f"Draw algorithm {algorithm} is not supported; supported: {', '.join(sorted(ALGORITHMS))}",
            extra={"algorithm": algorithm},
        )
    if not seed:
        raise InvalidDrawInput("抽取种子不能为空", detail_en="The draw needs a seed")
    if group_size < 1:
        raise InvalidDrawInput("检查组人数至少为1", detail_en="An inspection group has at least 1 officer")
    for cls, bp in ratios.items():
        if not isinstance(bp, int) or isinstance(bp, bool) or not 0 <= bp <= 10000:
            raise InvalidDrawInput(
                f"风险等级{cls}的抽查比例须为0至10000之间的整数（万分比），实为{bp!r}",
                detail_en=f"The sampling ratio of risk class {cls} is a whole number of basis points from 0 to "
                f"10000, not {bp!r}",
                extra={"risk_class": cls},
            )
    if unknown_class not in ratios:
        raise InvalidDrawInput(
            f"未评级企业默认等级“{unknown_class}”不在抽查比例表中",
            detail_en=f"The class assumed for unclassified enterprises, {unknown_class}, has no sampling ratio",
        )


def recompute(record: Draw | Mapping[str, Any]) -> Draw:
    """The draw recomputed from a ``Draw`` or its public record's inputs alone."""
    if isinstance(record, Draw):
        return draw(
            record.pool,
            record.officer_pool,
            dict(record.ratios_bp),
            seed=record.seed,
            algorithm=record.algorithm,
            unknown_class=record.unknown_class,
            group_size=record.group_size,
        )
    try:
        return draw(
            [PoolEnterprise(p["uscc"], p.get("risk_class")) for p in record["pool"]],
            list(record["officer_pool"]),
            {str(k): int(v) for k, v in record["ratios_bp"].items()},
            seed=str(record["seed"]),
            algorithm=str(record["algorithm"]),
            unknown_class=str(record.get("unknown_class", DEFAULT_UNKNOWN_CLASS)),
            group_size=int(record.get("group_size", DEFAULT_GROUP_SIZE)),
        )
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise InvalidDrawInput(
            f"抽取记录不完整或格式错误：{exc}", detail_en=f"The draw record is incomplete or malformed: {exc}"
        ) from exc


def verify_record(record: Mapping[str, Any]) -> bool:
    """True when the published record's results are exactly what its inputs produce."""
    recomputed = recompute(record).to_record()
    return all(record.get(key) == value for key, value in recomputed.items())


def _canonical_pool(pool: Sequence[PoolEnterprise]) -> tuple[PoolEnterprise, ...]:
    seen: set[str] = set()
    out: list[PoolEnterprise] = []
    for entry in pool:
        uscc = validate_uscc(entry.uscc)
        if uscc in seen:
            raise InvalidDrawInput(
                f"抽取名录中统一社会信用代码{uscc}重复",
                detail_en=f"USCC {uscc} appears twice in the pool",
                extra={"uscc": uscc},
            )
        seen.add(uscc)
        cls = entry.risk_class.strip().upper() if entry.risk_class else None
        out.append(PoolEnterprise(uscc, cls or None))
    out.sort(key=lambda p: p.uscc)
    return tuple(out)
