"""The sample data: valid identifiers, the minimums of the brief, real legal bases, and reproducible generation."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from stdnum.cn import ric, uscc

from services.common import masking
from services.inspection.domain import registry, sampling
from services.inspection.domain.registry import Catalogue, InspectionItem, LegalRef, Officer, OfficerStatus

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample"
LEGAL = Path("/work/shared/legal")


def load(name: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((SAMPLE / name).read_text(encoding="utf-8"))
    assert doc["sample"] is True and doc["format"].startswith("zhifa.inspection.")
    return doc


DISTRICTS = load("districts.json")["items"]
DEPARTMENTS = load("departments.json")["items"]
ITEMS_DOC = load("inspection_items.json")
ITEMS = ITEMS_DOC["items"]
OFFICERS = load("officers.json")["items"]
ENTERPRISES = load("enterprises.json")["items"]


def officer(o: dict[str, Any]) -> Officer:
    return Officer(
        officer_id=o["officer_id"],
        name=o["name"],
        dept_code=o["dept_code"],
        cert_no=o["cert_no"],
        status=OfficerStatus(o["status"]),
        valid_until=date.fromisoformat(o["valid_until"]) if o["valid_until"] else None,
        auxiliary=o["auxiliary"],
        id_number_masked=o["id_number_masked"],
        status_since=date.fromisoformat(o["status_since"]) if o["status_since"] else None,
        status_reason=o["status_reason"],
    )


class TestDistricts:
    def test_shenyangs_thirteen_districts_and_counties(self) -> None:
        assert {d["code"]: d["name"] for d in DISTRICTS} == {
            "210102": "和平区",
            "210103": "沈河区",
            "210104": "大东区",
            "210105": "皇姑区",
            "210106": "铁西区",
            "210111": "苏家屯区",
            "210112": "浑南区",
            "210113": "沈北新区",
            "210114": "于洪区",
            "210115": "辽中区",
            "210123": "康平县",
            "210124": "法库县",
            "210181": "新民市",
        }

    def test_codes_match_the_national_table_packaged_with_stdnum(self) -> None:
        # stdnum/cn/loc.dat lists each code's names by period, e.g. "0112 county="[1983-2013]东陵区,[2014-]浑南区""
        table = (Path(ric.__file__).parent / "loc.dat").read_text(encoding="utf-8")
        start = table.index('21 province="辽宁省"')
        liaoning = table[start : table.index(" province=", start + 10)]
        for d in DISTRICTS:
            line = re.search(rf"^\s+{d['code'][2:]} county=\"(.*)\"$", liaoning, re.M)
            assert line is not None, d
            current = line.group(1).split(",")[-1]
            assert current.endswith(f"-]{d['name']}"), (d, current)


class TestDepartments:
    def test_seven_departments_with_enforcement_bodies(self) -> None:
        assert [d["code"] for d in DEPARTMENTS] == ["SJ", "ST", "CG", "JT", "YJ", "WJ", "XF"]
        for d in DEPARTMENTS:
            bodies = d["enforcement_bodies"]
            assert bodies[0]["level"] == "city" and bodies[0]["name"] == d["authority"]
            assert len({b["code"] for b in bodies}) == len(bodies)


class TestItems:
    def test_at_least_sixty_items_valid_and_unique(self) -> None:
        assert len(ITEMS) >= 60
        assert len({i["code"] for i in ITEMS}) == len(ITEMS)
        depts = [d["code"] for d in DEPARTMENTS]
        catalogue = Catalogue(registry.validate_item(to_item(i), depts) for i in ITEMS)
        assert len(catalogue.in_force(date(2026, 6, 1))) == len(ITEMS)
        per_dept = Counter(i["dept_code"] for i in ITEMS)
        assert set(per_dept) == set(depts) and min(per_dept.values()) >= 4
        assert any(not i["on_site"] for i in ITEMS) and any(i["key_area"] for i in ITEMS)

    def test_every_legal_source_has_a_version(self) -> None:
        sources = {s["law"]: s for s in ITEMS_DOC["legal_sources"]}
        for item in ITEMS:
            for ref in item["legal_basis"]:
                assert ref["law"] in sources, ref
                assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", sources[ref["law"]]["version"])

    @pytest.mark.skipif(not LEGAL.is_dir(), reason="the shared legal texts are not on this machine")
    def test_every_cited_article_exists_in_the_cited_version(self) -> None:
        sources = {s["law"]: s for s in ITEMS_DOC["legal_sources"]}
        checked = 0
        for item in ITEMS:
            for ref in item["legal_basis"]:
                source = sources[ref["law"]]
                path = LEGAL / f"{ref['law']}({source['version']}).md"
                if not path.exists():
                    assert source.get("source"), f"{ref['law']} is neither in {LEGAL} nor cited with a source"
                    continue
                text = path.read_text(encoding="utf-8")
                assert re.search(rf"^{ref['article']} ", text, re.M), (item["code"], ref)
                checked += 1
        assert checked > 100


def to_item(i: dict[str, Any]) -> InspectionItem:
    return InspectionItem(
        code=i["code"],
        name=i["name"],
        dept_code=i["dept_code"],
        legal_basis=tuple(LegalRef(r["law"], r["article"], r["title"]) for r in i["legal_basis"]),
        level=registry.ItemLevel(i["level"]),
        enterprise_related=i["enterprise_related"],
        key_area=i["key_area"],
        on_site=i["on_site"],
        version=i["version"],
        effective_from=date.fromisoformat(i["effective_from"]),
    )


class TestOfficers:
    def test_minimums_and_mix(self) -> None:
        assert len(OFFICERS) >= 40
        statuses = Counter(o["status"] for o in OFFICERS)
        assert statuses["suspended"] >= 2 and statuses["revoked"] >= 1 and statuses["expired"] >= 1
        assert sum(o["auxiliary"] for o in OFFICERS) >= 3
        assert len({o["officer_id"] for o in OFFICERS}) == len(OFFICERS)

    def test_identity_numbers_valid_and_masked(self) -> None:
        for o in OFFICERS:
            assert ric.is_valid(o["id_number"]), o["name"]
            assert o["id_number_masked"] == masking.mask_ric(o["id_number"])

    def test_certificates(self) -> None:
        certs = [o["cert_no"] for o in OFFICERS if not o["auxiliary"]]
        assert all(registry.validate_cert_no(c) == c for c in certs) and len(set(certs)) == len(certs)
        assert all(o["cert_no"] is None for o in OFFICERS if o["auxiliary"])

    def test_suspensions_carry_reasons_and_retraining_a_return_date(self) -> None:
        for o in OFFICERS:
            if o["status"] in ("suspended", "revoked"):
                assert o["status_reason"] and o["status_since"], o
            if o["retraining"]:
                assert o["return_date"] and o["return_date"] > o["status_since"]

    def test_the_spec_example_certificate_is_suspended_since_may_first(self) -> None:
        [o] = [o for o in OFFICERS if o["cert_no"] == "辽A-0012345"]
        assert (o["status"], o["status_since"]) == ("suspended", "2026-05-01")

    def test_every_department_can_field_a_group_of_two(self) -> None:
        people = [officer(o) for o in OFFICERS]
        for dept in (d["code"] for d in DEPARTMENTS):
            assert len(sampling.certified_pool(people, dept, date(2026, 6, 1))) >= 2, dept


class TestEnterprises:
    def test_minimums_and_valid_uscc(self) -> None:
        assert len(ENTERPRISES) >= 200
        codes = [e["uscc"] for e in ENTERPRISES]
        assert len(set(codes)) == len(codes) and len({e["name"] for e in ENTERPRISES}) == len(ENTERPRISES)
        for e in ENTERPRISES:
            assert uscc.is_valid(e["uscc"]), e
            assert registry.validate_uscc(e["uscc"]) == e["uscc"]

    def test_registration_region_is_shenyang(self) -> None:
        districts = {d["code"] for d in DISTRICTS}
        for e in ENTERPRISES:
            region = e["uscc"][2:8]
            assert region == "210100" or region == e["district_code"], e
            assert e["district_code"] in districts and e["address"].startswith("辽宁省沈阳市")

    def test_organisation_code_check_character(self) -> None:
        # GB 11714: weights 3,7,9,10,5,8,4,2; letters A=10 … ; check = 11 - sum mod 11 (10 → X, 11 → 0)
        for e in ENTERPRISES:
            org = e["uscc"][8:17]
            values = [int(c) if c.isdigit() else ord(c) - 55 for c in org[:8]]
            check = 11 - sum(v * w for v, w in zip(values, (3, 7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
            assert org[8] == {10: "X", 11: "0"}.get(check, str(check)), e["uscc"]

    def test_masked_legal_representatives_and_some_risk_classes(self) -> None:
        assert all(re.fullmatch(r".\*+", e["legal_rep_masked"]) for e in ENTERPRISES)
        classes = Counter(e["risk_class"] for e in ENTERPRISES)
        assert all(classes[c] > 0 for c in "ABCD") and classes[None] > 0

    def test_a_draw_over_the_sample_pool(self) -> None:
        pool = [sampling.PoolEnterprise(e["uscc"], e["risk_class"]) for e in ENTERPRISES]
        people = [officer(o) for o in OFFICERS]
        result = sampling.draw(pool, sampling.certified_pool(people, "SJ", date(2026, 6, 1)), seed="sample")
        counts = Counter(e["risk_class"] or "B" for e in ENTERPRISES)
        expected = sum(sampling.quota(counts[c], bp) for c, bp in sampling.DEFAULT_RATIOS_BP.items())
        assert len(result.assignments) == expected


def test_files_are_exactly_what_the_generator_produces() -> None:
    result = subprocess.run(
        [sys.executable, str(SAMPLE / "generate.py"), "--check"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
