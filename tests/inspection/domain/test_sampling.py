"""The 双随机 draw: quotas per risk class, reproducibility, and an independent recomputation with hashlib."""

from __future__ import annotations

import hashlib
import random
from datetime import date

import pytest
from stdnum.cn import uscc as stdnum_uscc

from services.inspection import errors
from services.inspection.domain import sampling
from services.inspection.domain.registry import Officer, OfficerStatus
from services.inspection.domain.sampling import PoolEnterprise, draw, quota, recompute, verify_record

SEED = "2026-05-沈阳市市场监督管理局-第1批"


def make_uscc(n: int, region: str = "210102") -> str:
    body = f"91{region}MA0{n:06d}"  # 17 characters: 91 + region + 9-character organisation code
    return body + stdnum_uscc.calc_check_digit(body)


def pool_of(a: int, b: int, c: int, d: int) -> list[PoolEnterprise]:
    out: list[PoolEnterprise] = []
    n = 0
    for cls, count in (("A", a), ("B", b), ("C", c), ("D", d)):
        for _ in range(count):
            n += 1
            out.append(PoolEnterprise(make_uscc(n), cls))
    return out


OFFICERS = [f"辽A-00{n:05d}" for n in range(1, 7)]  # six certified officers → three groups of two


class TestQuota:
    def test_ceiling_in_integers(self) -> None:
        assert quota(20, 500) == 1  # 20 × 5 % = 1.0 → 1
        assert quota(21, 500) == 2  # 21 × 5 % = 1.05 → ceil 2
        assert quota(1, 500) == 1  # 0.05 → ceil 1: a non-empty class always yields one
        assert quota(10, 2000) == 2  # 10 × 20 % = 2
        assert quota(5, 6000) == 3  # 5 × 60 % = 3
        assert quota(2, 10000) == 2  # 100 %
        assert quota(0, 10000) == 0  # empty class
        assert quota(7, 0) == 0  # ratio 0 draws nobody


class TestDraw:
    def test_per_class_counts_on_a_known_pool(self) -> None:
        # 20 A, 10 B, 5 C, 2 D with defaults A 5 %, B 20 %, C 60 %, D 100 %, rounding up:
        # ceil(20×0.05)=1, ceil(10×0.20)=2, ceil(5×0.60)=3, ceil(2×1.00)=2 → 1 + 2 + 3 + 2 = 8
        result = draw(pool_of(20, 10, 5, 2), OFFICERS, seed=SEED)
        assert {q.risk_class: q.drawn for q in result.quotas} == {"A": 1, "B": 2, "C": 3, "D": 2}
        assert len(result.assignments) == 8
        drawn_classes = [a.risk_class for a in result.assignments]
        assert drawn_classes.count("A") == 1 and drawn_classes.count("D") == 2

    def test_first_pick_of_a_class_recomputed_with_hashlib(self) -> None:
        pool = pool_of(20, 0, 0, 0)
        # Independently: the A-class pick is the USCC whose SHA-256(seed | "|" | USCC) is smallest.
        digests = {p.uscc: hashlib.sha256((SEED + "|" + p.uscc).encode("utf-8")).hexdigest() for p in pool}
        expected = min(digests, key=lambda u: digests[u])
        result = draw(pool, OFFICERS, seed=SEED)
        assert result.drawn_usccs == (expected,)
        assert result.assignments[0].rank_key == digests[expected]

    def test_officer_groups_recomputed_with_hashlib(self) -> None:
        keys = {c: hashlib.sha256((SEED + "|officer|" + c).encode("utf-8")).hexdigest() for c in OFFICERS}
        ranked = sorted(OFFICERS, key=lambda c: keys[c])
        result = draw(pool_of(0, 0, 0, 4), OFFICERS, seed=SEED)
        assert result.officer_groups == (
            (ranked[0], ranked[1]),
            (ranked[2], ranked[3]),
            (ranked[4], ranked[5]),
        )
        # Drawn enterprises in rank order get groups 0, 1, 2, 0 in turn.
        groups = [a.officers for a in result.assignments]
        assert groups == [result.officer_groups[i % 3] for i in range(4)]
        assert [a.rank_key for a in result.assignments] == sorted(a.rank_key for a in result.assignments)

    def test_order_of_inputs_does_not_matter(self) -> None:
        pool = pool_of(20, 10, 5, 2)
        shuffled = pool[:]
        random.Random(7).shuffle(shuffled)
        officers = list(reversed(OFFICERS))
        assert draw(pool, OFFICERS, seed=SEED) == draw(shuffled, officers, seed=SEED)

    def test_another_seed_gives_another_draw(self) -> None:
        pool = pool_of(20, 10, 5, 2)
        assert (
            draw(pool, OFFICERS, seed=SEED).drawn_usccs != draw(pool, OFFICERS, seed=SEED + "x").drawn_usccs
        )

    def test_unknown_or_foreign_class_uses_the_default_b(self) -> None:
        pool = [PoolEnterprise(make_uscc(n), None) for n in range(1, 6)]
        pool += [PoolEnterprise(make_uscc(n), "E") for n in range(6, 11)]
        result = draw(pool, OFFICERS, seed=SEED)
        # 10 enterprises all treated as B: ceil(10 × 20 %) = 2
        assert {q.risk_class: (q.pool_size, q.drawn) for q in result.quotas}["B"] == (10, 2)
        assert all(a.risk_class == "B" for a in result.assignments)

    def test_configurable_ratios(self) -> None:
        result = draw(pool_of(20, 10, 5, 2), OFFICERS, {"A": 1000, "B": 500, "C": 2000, "D": 5000}, seed=SEED)
        # ceil(20×10%)=2, ceil(10×5%)=ceil(0.5)=1, ceil(5×20%)=1, ceil(2×50%)=1 → 5
        assert len(result.assignments) == 2 + 1 + 1 + 1

    def test_odd_officer_left_out_and_recorded(self) -> None:
        result = draw(pool_of(0, 0, 0, 1), OFFICERS[:5], seed=SEED)
        assert len(result.officer_groups) == 2  # 5 // 2
        assert len(result.unassigned_officers) == 1

    def test_one_officer_cannot_form_a_group(self) -> None:
        with pytest.raises(errors.TooFewOfficersForDraw) as err:
            draw(pool_of(0, 0, 0, 1), OFFICERS[:1], seed=SEED)
        assert err.value.code == "DRAW_TOO_FEW_OFFICERS"

    def test_bad_inputs(self) -> None:
        with pytest.raises(errors.UnknownAlgorithm):
            draw(pool_of(1, 0, 0, 0), OFFICERS, seed=SEED, algorithm="python-random")
        with pytest.raises(errors.InvalidDrawInput):
            draw(pool_of(1, 0, 0, 0), OFFICERS, {"A": 12000, "B": 1}, seed=SEED)
        with pytest.raises(errors.InvalidDrawInput):
            draw(pool_of(1, 0, 0, 0), OFFICERS, seed="")
        with pytest.raises(errors.InvalidDrawInput):
            draw(pool_of(1, 0, 0, 0) * 2, OFFICERS, seed=SEED)
        with pytest.raises(errors.InvalidDrawInput):
            draw(pool_of(1, 0, 0, 0), OFFICERS + OFFICERS[:1], seed=SEED)


class TestReproducibility:
    def test_recompute_from_the_public_record(self) -> None:
        result = draw(pool_of(20, 10, 5, 2), OFFICERS, seed=SEED)
        record = result.to_record()
        # The commitment is to the protocol's secret nonce (TestCommitReveal), not to the seed it derives.
        assert "seed_commitment" not in record
        assert recompute(record) == result
        assert recompute(result) == result
        assert verify_record(record)

    def test_a_tampered_record_does_not_verify(self) -> None:
        record = draw(pool_of(20, 10, 5, 2), OFFICERS, seed=SEED).to_record()
        swapped = dict(record)
        others = [
            p["uscc"] for p in record["pool"] if p["uscc"] not in {a["uscc"] for a in record["assignments"]}
        ]
        swapped["assignments"] = [dict(record["assignments"][0], uscc=others[0]), *record["assignments"][1:]]
        assert not verify_record(swapped)

    def test_fingerprint_is_stable(self) -> None:
        a = draw(pool_of(3, 3, 3, 3), OFFICERS, seed=SEED)
        b = draw(list(reversed(pool_of(3, 3, 3, 3))), OFFICERS, seed=SEED)
        assert a.fingerprint() == b.fingerprint() and len(a.fingerprint()) == 64


class TestCertifiedPool:
    def test_only_active_certified_non_auxiliary_officers_of_the_department(self) -> None:
        day = date(2026, 6, 1)
        officers = [
            Officer("1", "张伟", "SJ", "辽A-0000002", valid_until=date(2028, 1, 1)),
            Officer("2", "王芳", "SJ", "辽A-0000001"),
            Officer("3", "李强", "SJ", "辽A-0000003", status=OfficerStatus.SUSPENDED),
            Officer(
                "4", "刘洋", "SJ", "辽A-0000004", valid_until=date(2026, 5, 31)
            ),  # expired the day before
            Officer("5", "陈静", "SJ", None, auxiliary=True),
            Officer("6", "杨帆", "ST", "辽A-0000006"),
            Officer("7", "赵敏", "SJ", "辽A-0000007", status=OfficerStatus.REVOKED),
        ]
        assert sampling.certified_pool(officers, "SJ", day) == ("辽A-0000001", "辽A-0000002")


class TestCommitReveal:
    """commit-reveal-v1: commitment, pool snapshot and seed, each recomputed here with hashlib alone."""

    def test_commitment_is_sha256_of_the_nonce_bytes(self) -> None:
        nonce = sampling.new_nonce()
        assert len(nonce) == 32 and nonce != sampling.new_nonce()
        assert sampling.commitment(nonce) == hashlib.sha256(nonce).hexdigest()

    def test_snapshot_is_canonical_and_parses_back(self) -> None:
        pool = [
            PoolEnterprise(make_uscc(2), "c"),
            PoolEnterprise(make_uscc(1), None),
            PoolEnterprise(make_uscc(3), "Z"),
        ]
        text = sampling.pool_snapshot(pool, ["辽A-0000002", "辽A-0000001"])
        # Unclassified and unknown classes become the unknown class (B); enterprises and officers sorted.
        assert text == (
            "zhifa-draw-pool-v1\nratio\tA\t500\nratio\tB\t2000\nratio\tC\t6000\nratio\tD\t10000\n"
            "unknown_class\tB\ngroup_size\t2\n"
            f"enterprise\t{make_uscc(1)}\tB\nenterprise\t{make_uscc(2)}\tC\nenterprise\t{make_uscc(3)}\tB\n"
            "officer\t辽A-0000001\nofficer\t辽A-0000002\n"
        )
        assert text == sampling.pool_snapshot(list(reversed(pool)), ["辽A-0000001", "辽A-0000002"])
        parsed = sampling.parse_snapshot(text)
        assert parsed["officer_pool"] == ["辽A-0000001", "辽A-0000002"] and parsed["group_size"] == 2
        with pytest.raises(errors.InvalidDrawInput):
            sampling.parse_snapshot(text.rstrip("\n"))

    def test_seed_mixes_nonce_pool_hash_and_public_value_as_raw_bytes(self) -> None:
        nonce = bytes(range(32))
        digest = hashlib.sha256(b"pool").hexdigest()
        expected = hashlib.sha256(nonce + bytes.fromhex(digest) + "双色球 01".encode()).hexdigest()
        assert sampling.derive_seed(nonce, digest, "双色球 01") == expected
        assert sampling.derive_seed(nonce, digest, "双色球 02") != expected
        with pytest.raises(errors.InvalidDrawInput):
            sampling.derive_seed(nonce, digest, "   ")
        with pytest.raises(errors.InvalidDrawInput):
            sampling.derive_seed(nonce[:31], digest, "双色球 01")
