"""The catalogue as versioned data in the database: import, draft, four-eyes approval, publication (immutable),
successor versions, public read and export, and the assessment cache following publications."""

from __future__ import annotations

import copy
import json
from typing import Any

from services.penalty.domain import catalogue as cat
from tests.penalty.helpers import SAMPLE_CATALOGUE, SJ_A, USCC_A
from tests.support.http import ok, problem
from tests.support.personas import admin, enterprise, officer
from tests.support.stack import Running, client

BASE = "/api/v1/penalty/admin/benchmarks"


def new_item(code: str, version: int = 1, **changes: Any) -> dict[str, Any]:
    """A copy of sample item SY-SJ-0004 under another code."""
    data = json.loads(SAMPLE_CATALOGUE.read_text())
    source = next(v for v in data["versions"] if v["code"] == "SY-SJ-0004")
    item = copy.deepcopy(source)
    item.update(code=code, version=version, status="draft", **changes)
    return item  # type: ignore[no-any-return]


async def test_import_approve_publish_and_assess(penalty: Running) -> None:
    code = "SY-SJ-0901"
    csv_text = cat.to_csv([cat.version_from_dict(new_item(code))])
    what_if = {
        "violation_date": "2026-10-01",
        "party_type": "organisation",
        "base_amounts": {"goods_value": 1},
    }
    async with client(penalty.url) as http:
        imported = ok(
            await http.post(f"{BASE}/import?format=csv", content=csv_text.encode(), headers=admin())
        )
        assert imported["drafted"] == [f"{code}/1"]
        # not published yet: the engine does not know it
        problem(
            await http.post(
                f"/api/v1/penalty/benchmarks/{code}/assess", json=what_if, headers=officer(**SJ_A)
            ),
            404,
            "BENCHMARK_NOT_FOUND",
        )
        problem(
            await http.post(f"{BASE}/{code}/versions/1/publish", headers=admin()),
            409,
            "BENCHMARK_STATUS_INVALID",
        )
        problem(
            await http.post(f"{BASE}/{code}/versions/1/approve", headers=admin()),
            409,
            "BENCHMARK_SELF_APPROVAL",
        )
        approved = ok(await http.post(f"{BASE}/{code}/versions/1/approve", headers=admin("admin-2")))
        assert approved["status"] == "approved" and approved["approved_by"] == "admin-2"
        published = ok(await http.post(f"{BASE}/{code}/versions/1/publish", headers=admin("admin-2")))
        assert published["status"] == "published"
        # the cache follows the revision counter: the next assessment sees the new item
        result = ok(
            await http.post(
                f"/api/v1/penalty/benchmarks/{code}/assess", json=what_if, headers=officer(**SJ_A)
            )
        )
        assert result["benchmark_code"] == code and result["benchmark_version"] == 1
        # goods value 0.01 元 < 10,000 元: fixed range 5,000–50,000 元 (食品安全法 第一百二十五条第一款)
        assert result["penalty"]["legal_range"]["low_fen"] == 5_000 * 100
        assert result["penalty"]["legal_range"]["high_fen"] == 50_000 * 100
        public = ok(await http.get(f"/public/penalty/benchmarks/{code}"))
        assert [v["version"] for v in public] == [1]


async def test_published_versions_are_immutable(penalty: Running) -> None:
    code = "SY-SJ-0902"
    async with client(penalty.url) as http:
        ok(await http.post(f"{BASE}/drafts", json={"version": new_item(code)}, headers=admin()), 201)
        # a draft may be replaced
        changed = new_item(code, violation_name="生产经营无标签的预包装食品（修订草案）")
        replaced = ok(await http.post(f"{BASE}/drafts", json={"version": changed}, headers=admin()), 201)
        assert replaced["violation_name"].endswith("（修订草案）")
        ok(await http.post(f"{BASE}/{code}/versions/1/approve", headers=admin("admin-2")))
        ok(await http.post(f"{BASE}/{code}/versions/1/publish", headers=admin("admin-2")))
        again = new_item(code, violation_name="改名")
        problem(
            await http.post(f"{BASE}/drafts", json={"version": again}, headers=admin()),
            409,
            "BENCHMARK_VERSION_IMMUTABLE",
        )
        # re-importing the very same version is harmless
        same = ok(await http.post(f"{BASE}/drafts", json={"version": changed}, headers=admin()), 201)
        assert same["status"] == "published"
        problem(
            await http.delete(f"{BASE}/{code}/versions/1", headers=admin()), 409, "BENCHMARK_STATUS_INVALID"
        )


async def test_a_successor_closes_the_open_predecessor(penalty: Running) -> None:
    code = "SY-SJ-0903"
    async with client(penalty.url) as http:
        for version, starts in ((1, "2024-01-01"), (2, "2027-01-01")):
            item = new_item(code, version=version, effective_from=starts, effective_to=None)
            ok(await http.post(f"{BASE}/drafts", json={"version": item}, headers=admin()), 201)
            ok(await http.post(f"{BASE}/{code}/versions/{version}/approve", headers=admin("admin-2")))
            ok(await http.post(f"{BASE}/{code}/versions/{version}/publish", headers=admin("admin-2")))
        versions = ok(await http.get(f"/public/penalty/benchmarks/{code}"))
    # 自新版施行之日起旧版废止: version 1 ends the day before 2027-01-01
    assert [(v["version"], v["effective_from"], v["effective_to"]) for v in versions] == [
        (1, "2024-01-01", "2026-12-31"),
        (2, "2027-01-01", None),
    ]


async def test_overlapping_successor_is_refused(penalty: Running) -> None:
    code = "SY-SJ-0904"
    async with client(penalty.url) as http:
        first = new_item(code, version=1, effective_from="2025-01-01", effective_to="2026-12-31")
        ok(await http.post(f"{BASE}/drafts", json={"version": first}, headers=admin()), 201)
        ok(await http.post(f"{BASE}/{code}/versions/1/approve", headers=admin("admin-2")))
        ok(await http.post(f"{BASE}/{code}/versions/1/publish", headers=admin("admin-2")))
        second = new_item(code, version=2, effective_from="2026-06-01", effective_to=None)
        ok(await http.post(f"{BASE}/drafts", json={"version": second}, headers=admin()), 201)
        problem(
            await http.post(f"{BASE}/{code}/versions/2/approve", headers=admin("admin-2")),
            400,
            "VERSION_OVERLAP",
        )


async def test_invalid_drafts_are_refused_with_their_code(penalty: Running) -> None:
    async with client(penalty.url) as http:
        barred = new_item("SY-SJ-0905", first_violation_allowed=True)  # a 生命健康 item
        problem(
            await http.post(f"{BASE}/drafts", json={"version": barred}, headers=admin()),
            400,
            "FIRST_VIOLATION_NOT_ALLOWED",
        )
        bad_code = new_item("SJ0001")
        problem(
            await http.post(f"{BASE}/drafts", json={"version": bad_code}, headers=admin()),
            400,
            "BENCHMARK_CODE_INVALID",
        )
        garbage = b'{"format": "zhifa.benchmarks/1", "versions": [{"code": 1}]}'
        problem(
            await http.post(f"{BASE}/import?format=json", content=garbage, headers=admin()),
            400,
            "CATALOGUE_FORMAT_INVALID",
        )
        problem(
            await http.post(f"{BASE}/import?format=csv", content=b"code,version\nX,1\n", headers=admin()),
            400,
            "CATALOGUE_FORMAT_INVALID",
        )
        r = await http.post(f"{BASE}/import?format=json", content="\xff".encode("latin-1"), headers=admin())
        problem(r, 400, "CATALOGUE_FORMAT_INVALID")


async def test_public_read_and_export_round_trip(penalty: Running) -> None:
    async with client(penalty.url) as http:
        page = ok(await http.get("/public/penalty/benchmarks", params={"limit": 5, "department": "SJ"}))
        assert len(page["items"]) == 5 and page["next_cursor"]
        nxt = ok(
            await http.get(
                "/public/penalty/benchmarks",
                params={"limit": 5, "department": "SJ", "cursor": page["next_cursor"]},
            )
        )
        assert {v["code"] for v in page["items"]}.isdisjoint({v["code"] for v in nxt["items"]})
        found = ok(await http.get("/public/penalty/benchmarks", params={"q": "二次灌装"}))
        assert [v["code"] for v in found["items"]] == ["SY-SJ-0012", "SY-SJ-0012"]
        in_force = ok(
            await http.get(
                "/public/penalty/benchmarks", params={"q": "二次灌装", "in_force_on": "2026-03-01"}
            )
        )
        assert [v["version"] for v in in_force["items"]] == [2]
        exported = await http.get("/public/penalty/catalogue.json")
        csv_file = await http.get("/public/penalty/catalogue.csv")
        everything = await http.get(f"{BASE}/export?format=json", headers=admin())
        drafts = ok(await http.get(BASE, params={"status": "draft"}, headers=admin()))
        forbidden = await http.get(BASE, headers=officer(**SJ_A))
    assert exported.status_code == 200 and csv_file.status_code == 200
    catalogue = cat.parse_json(exported.text)
    assert all(v.status is cat.Status.PUBLISHED for v in catalogue.all_versions())
    assert len(cat.parse_csv(csv_file.text)) == len(catalogue.items)
    # the sample's draft (SY-XF-0001 v2) is in the full export and the draft list, never in the public one
    assert any(v.status is cat.Status.DRAFT for v in cat.parse_json(everything.text).all_versions())
    assert ("SY-XF-0001", 2) in {(d["code"], d["version"]) for d in drafts}
    assert ("SY-XF-0001", 2) not in {(v.code, v.version) for v in catalogue.all_versions()}
    assert forbidden.status_code == 403


async def test_catalogue_metadata_sets_the_tier_split(penalty: Running) -> None:
    what_if = {
        "violation_date": "2026-10-01",
        "party_type": "organisation",
        "base_amounts": {"goods_value": 300_000},
    }
    async with client(penalty.url) as http:
        before = ok(await http.get("/api/v1/penalty/admin/catalogue", headers=admin()))
        try:
            split = {"range_lighter_upper_bp": 2_000, "range_heavier_lower_bp": 8_000}
            body = {"title": "测试基准", "jurisdiction": "测试", "tier_split": split}
            ok(await http.put("/api/v1/penalty/admin/catalogue", json=body, headers=admin()))
            r = ok(
                await http.post(
                    "/api/v1/penalty/benchmarks/SY-SJ-0004/assess", json=what_if, headers=enterprise(USCC_A)
                )
            )
            # 5,000–50,000 元 split 20 % / 80 %: 一般 from 5,000 + 45,000 × 20 % = 14,000 元
            # to just under 5,000 + 45,000 × 80 % = 41,000 元
            assert r["penalty"]["tier_range"]["low_fen"] == 14_000 * 100
            assert r["penalty"]["tier_range"]["high_fen"] == 41_000 * 100 - 1
            bad = {"title": "x", "jurisdiction": "x", "tier_split": {"range_lighter_upper_bp": 9_950}}
            problem(
                await http.put("/api/v1/penalty/admin/catalogue", json=bad, headers=admin()),
                400,
                "TIER_SPLIT_INVALID",
            )
        finally:
            meta = before["meta"]
            restore = {
                "title": meta["title"],
                "jurisdiction": meta["jurisdiction"],
                "tier_split": meta["tier_split"],
                "note": meta.get("note", "")[:2000],
            }
            ok(await http.put("/api/v1/penalty/admin/catalogue", json=restore, headers=admin()))
