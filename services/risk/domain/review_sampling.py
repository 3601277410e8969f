"""The sample of a 案卷评查 campaign: closed case files drawn per unit, by the 双随机 draw protocol.

辽政办发〔2023〕18号 (seed 004) 二(四)16: 各地区、各部门每年至少集中组织一次行政执法案卷评查活动; the bureau's
reply (seed 000) reviews the files of high-frequency penalty items. A review only means something if the
reviewed unit cannot pick its best files, and the bureau cannot pick a unit's worst: so the files are drawn
exactly as 双随机 draws enterprises (services/inspection/domain/sampling.py, docs/api/inspection.md "The draw
protocol"), with the kernel's primitives (services/common/draws.py):

1. At creation the service commits to a secret nonce: ``commitment = hex(SHA-256(nonce))`` is published with
   the draw time and the agreed public source, before the pool is fixed.
2. At approval (the draw) the pool is snapshotted — every decided case of the scope's units, items and period —
   and hashed; ``seed = hex(SHA-256(nonce || pool_hash || UTF-8(public_value)))``.
3. ``case-file-rank-v1``: per unit, each file's rank key is ``hex(SHA-256(UTF-8(seed + "|" + case_id)))``
   (``case_id`` the lower-case hyphenated UUID); files sorted by (rank key, case id); the first
   ``sample_size`` are drawn (all of them when the unit has fewer).
4. At completion nonce, snapshot and seed are revealed, so anyone recomputes the sample.

Snapshot text (UTF-8, LF after every line, TAB between fields): ``zhifa-review-pool-v1``;
``sample_size<TAB>n``; one ``unit<TAB>code`` per unit in scope, sorted; one ``file<TAB>unit<TAB>case_id`` per
file, sorted by unit then case id (code-point order: ``LC_ALL=C sort``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from services.common import draws
from services.risk.errors import ReviewInvalid

ALGORITHM = "case-file-rank-v1"
PROTOCOL = "commit-reveal-v1"
SNAPSHOT_HEADER = "zhifa-review-pool-v1"


@dataclass(frozen=True, slots=True)
class PoolFile:
    unit_code: str
    case_id: uuid.UUID


@dataclass(frozen=True, slots=True)
class DrawnFile:
    unit_code: str
    case_id: uuid.UUID
    rank: int  # 1-based within the unit
    rank_key: str


def pool_snapshot(units: Iterable[str], files: Sequence[PoolFile], sample_size: int) -> str:
    """The canonical text of everything the sample depends on besides its seed."""
    lines = [SNAPSHOT_HEADER, f"sample_size\t{sample_size}"]
    lines += [f"unit\t{code}" for code in sorted(set(units))]
    lines += sorted({f"file\t{f.unit_code}\t{f.case_id}" for f in files})
    return "".join(line + "\n" for line in lines)


def seed_of(nonce: bytes, snapshot: str, public_value: str) -> tuple[str, str]:
    """(pool hash, seed) of a draw: the public value is required, the nonce is the committed one."""
    value = public_value.strip()
    if not value:
        raise ReviewInvalid(
            "抽取须录入约定公开来源在承诺之后公布的值", detail_en="The draw needs the public value"
        )
    if len(nonce) != draws.NONCE_BYTES:
        raise ReviewInvalid("抽取随机数须为32字节", detail_en="The draw nonce is 32 bytes")
    pool_hash = draws.digest(snapshot)
    return pool_hash, draws.mix_seed(nonce, pool_hash, value)


def draw(files: Sequence[PoolFile], sample_size: int, *, seed: str) -> tuple[DrawnFile, ...]:
    """``case-file-rank-v1``: the ``sample_size`` lowest-ranked files of each unit, by unit then rank."""
    if sample_size < 1:
        raise ReviewInvalid("每个单位的抽取数量至少为1", detail_en="The sample size per unit is at least 1")
    by_unit: dict[str, list[tuple[str, str, uuid.UUID]]] = {}
    for f in set(files):
        by_unit.setdefault(f.unit_code, []).append(
            (draws.rank_key(seed, str(f.case_id)), str(f.case_id), f.case_id)
        )
    out: list[DrawnFile] = []
    for unit in sorted(by_unit):
        ranked = sorted(by_unit[unit])[:sample_size]
        out += [DrawnFile(unit, case_id, i + 1, key) for i, (key, _, case_id) in enumerate(ranked)]
    return tuple(out)
