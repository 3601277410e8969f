"""The 案卷评查 sample (services/risk/domain/review_sampling.py), recomputed here with hashlib alone."""

from __future__ import annotations

import hashlib
import uuid

import pytest

from services.risk.domain import review_sampling as rs
from services.risk.errors import ReviewInvalid

A, B = "SJ-210102", "SJ-210103"
IDS = [uuid.UUID(int=i) for i in range(1, 8)]
FILES = [rs.PoolFile(A, i) for i in IDS[:5]] + [rs.PoolFile(B, i) for i in IDS[5:]]


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_the_snapshot_is_canonical_whatever_the_order() -> None:
    text = rs.pool_snapshot([B, A], list(reversed(FILES)), 3)
    lines = text.split("\n")
    assert lines[:4] == ["zhifa-review-pool-v1", "sample_size\t3", f"unit\t{A}", f"unit\t{B}"]
    assert lines[4] == f"file\t{A}\t00000000-0000-0000-0000-000000000001"
    assert text == rs.pool_snapshot([A, B], FILES, 3) and text.endswith("\n")


def test_the_draw_takes_the_lowest_rank_keys_of_each_unit() -> None:
    nonce = bytes(range(32))
    snapshot = rs.pool_snapshot([A, B], FILES, 3)
    pool_hash, seed = rs.seed_of(nonce, snapshot, "01 02 03")
    # by hand: pool hash and seed as docs/api/inspection.md defines them, then SHA-256(seed|case id) per file
    assert pool_hash == sha(snapshot.encode())
    assert seed == sha(nonce + bytes.fromhex(pool_hash) + b"01 02 03")
    expected = []
    for unit, ids in ((A, IDS[:5]), (B, IDS[5:])):
        ranked = sorted((sha(f"{seed}|{i}".encode()), str(i)) for i in ids)[:3]
        expected += [(unit, c, n + 1) for n, (_, c) in enumerate(ranked)]
    drawn = rs.draw(FILES, 3, seed=seed)
    assert [(d.unit_code, str(d.case_id), d.rank) for d in drawn] == expected
    assert sum(1 for d in drawn if d.unit_code == B) == 2  # B has only two files: both drawn


def test_a_draw_needs_the_public_value_and_a_sample() -> None:
    with pytest.raises(ReviewInvalid):
        rs.seed_of(bytes(32), "x\n", "  ")
    with pytest.raises(ReviewInvalid):
        rs.draw(FILES, 0, seed="s")
