"""Money, counts and dates in requests are exactly what the OpenAPI document says (issue #11 item 5), in all
four services.

pydantic's lax mode read ``true`` as 1 fen, ``"100"`` and ``100.0`` as 100, the number 0 as 1970-01-01 and
``"2026-01-01T08:00:00"`` as a date. The fields are discovered from each service's own OpenAPI document —
every integer, ``date`` and ``date-time`` anywhere in a JSON request body, and every date query parameter —
so a field added later is tested without editing this file. Each bad value must be refused with 422 and an
error located at that very field. Documents parsed by hand (the credit rule set, the benchmark catalogue in
JSON and CSV) are checked with a real sample document in which one value is spoiled.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from services.common.registry import SERVICES
from services.penalty.domain import catalogue as cat
from tests.support.documents import api_document
from tests.support.stack import Running, Stack, auth, client, running_services

ASYNC = pytest.mark.asyncio(loop_scope="session")

ROOT = Path(__file__).resolve().parent.parent
BAD_INTEGERS = [True, "100", 100.0]
BAD_BOOLEANS = [0, 1, "true"]  # found by schemathesis: {"dry_run": 0} started a real clean-up
BAD_DAYS = [20261116, 0, "2026-11-16T00:00:00", "16/11/2026"]
BAD_INSTANTS = [0, 1763256600, "2026-11-16T09:30:00", "2026-11-16 09:30:00+08:00"]
BAD_QUERY_DAYS = ["0", "1763256600", "2026-11-16T00:00:00"]
# Every identity, tried in turn until one passes the role gate (the body is then what is judged).
CALLERS = [
    auth("admin", "admin-types"),
    auth("officer", "officer-types", cert_no="辽A-0100001", dept_code="SJ", district_code="210102"),
    auth("enterprise", "ent-types", uscc="91210102MA0P5QXX4Q"),
    auth("supervisor", "sup-types", scope="city"),
    *(auth("integration", f"client-{c}", client=c) for c in ("payment", "12345", "court", "reconsideration")),
]


@dataclass(frozen=True)
class Field:
    """One typed value in a request: where it is, the value that reaches it, and the expected error location."""

    method: str
    path: str
    location: tuple[str | int, ...]  # ("body", "penalty", "fine_fen") or ("query", "in_force_on")
    kind: str  # integer | date | date-time
    body: Any  # the body carrying the placeholder BAD at the field (None for a query parameter)
    urls: tuple[str, ...]  # the path with its parameters filled in: one per value of an enumerated one

    def __str__(self) -> str:
        return f"{self.method} {self.path} {'.'.join(map(str, self.location))}"


BAD = object()


def _resolve(schema: dict[str, Any], doc: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _typed(schema: dict[str, Any], doc: dict[str, Any], depth: int = 0) -> Iterator[tuple[list[Any], str]]:
    """(path inside the value, kind) of every integer, date and date-time the schema admits."""
    schema = _resolve(schema, doc)
    if depth > 8:
        return
    for key in ("anyOf", "oneOf", "allOf"):
        for branch in schema.get(key, []):
            yield from _typed(branch, doc, depth + 1)
    kind = schema.get("type")
    if kind in ("integer", "boolean"):
        yield [], kind
    elif kind == "string" and schema.get("format") in ("date", "date-time"):
        yield [], schema["format"]
    for name, sub in schema.get("properties", {}).items():
        for inner, k in _typed(sub, doc, depth + 1):
            yield [name, *inner], k
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict):
        names = _resolve(schema.get("propertyNames", {}), doc).get("enum", ["extra"])
        for inner, k in _typed(extra, doc, depth + 1):
            yield [names[0], *inner], k
    if kind == "array" and isinstance(schema.get("items"), dict):
        for inner, k in _typed(schema["items"], doc, depth + 1):
            yield [0, *inner], k


def _carrier(path: list[Any]) -> Any:
    """The smallest body that puts BAD at ``path``."""
    if not path:
        return BAD
    head, rest = path[0], path[1:]
    return [_carrier(rest)] if head == 0 else {head: _carrier(rest)}


def _fill(body: Any, value: Any) -> Any:
    if body is BAD:
        return value
    if isinstance(body, list):
        return [_fill(x, value) for x in body]
    return {k: _fill(v, value) for k, v in body.items()}


def _urls(path: str, parameters: list[dict[str, Any]], doc: dict[str, Any]) -> tuple[str, ...]:
    """Path parameters need not be valid (their errors are reported next to the body's), except an enumerated
    one, which picks the body's model: every value of it is tried."""
    urls = [path]
    for param in parameters:
        if param.get("in") != "path":
            continue
        schema = _resolve(param.get("schema", {}), doc)
        values = [str(v) for v in schema.get("enum", [uuid.uuid4()])]
        urls = [u.replace("{" + param["name"] + "}", v) for u in urls for v in values]
    return tuple(urls)


def discover(service: str) -> list[Field]:
    doc = api_document(service)
    fields: list[Field] = []
    for path, operations in doc["paths"].items():
        for method, op in operations.items():
            urls = _urls(path, op.get("parameters", []), doc)
            content = op.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                seen: set[tuple[Any, ...]] = set()
                for inner, kind in _typed(content["application/json"].get("schema", {}), doc):
                    if tuple(inner) not in seen:
                        seen.add(tuple(inner))
                        fields.append(
                            Field(method.upper(), path, ("body", *inner), kind, _carrier(inner), urls)
                        )
            for param in op.get("parameters", []):
                schema = _resolve(param.get("schema", {}), doc)
                formats = {_resolve(s, doc).get("format") for s in [schema, *schema.get("anyOf", [])]}
                if param.get("in") == "query" and "date" in formats:
                    fields.append(
                        Field(method.upper(), path, ("query", param["name"]), "query-date", None, urls)
                    )
    return fields


FIELDS = {service: discover(service) for service in SERVICES}
CASES = [
    pytest.param(service, field, bad, id=f"{service}:{field}={bad!r}")
    for service, fields in FIELDS.items()
    for field in fields
    for bad in {
        "integer": BAD_INTEGERS,
        "boolean": BAD_BOOLEANS,
        "date": BAD_DAYS,
        "date-time": BAD_INSTANTS,
        "query-date": BAD_QUERY_DAYS,
    }[field.kind]
]


def test_discovery_finds_the_money_fields() -> None:
    """The walk reaches nested, listed and mapped values (a guard against a discovery that finds nothing)."""
    assert "POST /api/v1/credit/cleanups body.dry_run" in {str(f) for f in FIELDS["credit_repair"]}
    found = {str(f) for f in FIELDS["penalty"]}
    assert {
        "POST /api/v1/penalty/cases/{case_id}/payments body.fine_fen",
        "POST /api/v1/penalty/cases/{case_id}/payments body.surcharge_fen",
        "POST /api/v1/penalty/cases/{case_id}/decision body.penalty.fine_fen",
        "POST /api/v1/penalty/cases/{case_id}/notice body.statement_working_days",
        "GET /public/penalty/benchmarks query.in_force_on",
    } <= found
    assert any(
        f.startswith("POST /api/v1/penalty/cases/{case_id}/assessment body.base_amounts.") for f in found
    )
    assert "PUT /api/v1/risk/admin/calendar/{year} body.days_off.0" in {str(f) for f in FIELDS["risk"]}
    assert "POST /api/v1/inspection/visits/{visit_id}/rating body.stars" in {
        str(f) for f in FIELDS["inspection"]
    }


@pytest.fixture(scope="module")
async def services(stack: Stack) -> AsyncIterator[dict[str, Running]]:
    async with running_services(stack, SERVICES) as running:
        yield running


async def _send(http: Any, field: Field, url: str, bad: Any) -> Any:
    for headers in CALLERS:
        if field.body is None:
            r = await http.request(field.method, url, params={field.location[1]: bad}, headers=headers)
        else:
            r = await http.request(field.method, url, json=_fill(field.body, bad), headers=headers)
        if r.status_code not in (401, 403):
            return r
    return r


def _refused_at(response: Any, field: Field) -> bool:
    """A 422 whose errors name the field: ``loc`` (FastAPI's validation) or ``field`` (records parsed by hand)."""
    if response.status_code != 422:
        return False
    want = tuple(map(str, field.location))
    for error in response.json().get("errors", []):
        if "loc" in error and tuple(map(str, error["loc"]))[: len(want)] == want:
            return True
        if error.get("field") == ".".join(want[1:]):
            return True
    return False


@ASYNC
@pytest.mark.parametrize(("service", "field", "bad"), CASES)
async def test_a_wrongly_typed_value_is_refused_at_its_field(
    services: dict[str, Running], service: str, field: Field, bad: Any
) -> None:
    async with client(services[service].url) as http:
        answers = [await _send(http, field, url, bad) for url in field.urls]
    assert any(_refused_at(r, field) for r in answers), (
        f"{field} = {bad!r} was not refused at the field: "
        + " | ".join(f"{r.status_code} {r.text[:300]}" for r in answers)
    )


# ----------------------------------------------------------------------------------- documents parsed by hand


def _sample_rule_set() -> dict[str, Any]:
    rule_set = json.loads((ROOT / "data" / "sample" / "credit_rules.json").read_text(encoding="utf-8"))[
        "rule_sets"
    ][0]
    rule_set["id"] = f"types-{uuid.uuid4().hex[:8]}"
    return rule_set  # type: ignore[no-any-return]


@ASYNC
@pytest.mark.parametrize("bad", BAD_INTEGERS)
@pytest.mark.parametrize(
    "where",
    [
        ("classification", "minor_fine_thresholds", 0, "amount_fen"),
        ("review", "window_working_days"),
    ],
)
async def test_rule_set_money_and_counts_are_integers(
    services: dict[str, Running], where: tuple[Any, ...], bad: Any
) -> None:
    rule_set = _sample_rule_set()
    node: Any = rule_set
    for step in where[:-1]:
        node = node[step]
    assert where[-1] in node, f"the sample rule set has no {where}"
    node[where[-1]] = bad
    async with client(services["credit_repair"].url) as http:
        r = await http.post(
            "/api/v1/credit/rule-sets", json={"rule_set": rule_set}, headers=auth("admin", "admin-types")
        )
    assert r.status_code == 400 and r.json()["code"] == "CREDIT_RULESET_INVALID", r.text
    assert ".".join(map(str, where)) in [e["loc"] for e in r.json()["errors"]]


@ASYNC
@pytest.mark.parametrize("bad", BAD_BOOLEANS)
async def test_rule_set_flags_are_booleans(services: dict[str, Running], bad: Any) -> None:
    rule_set = _sample_rule_set()
    rule_set["classification"]["minor_fine_thresholds"][0]["inclusive"] = bad
    async with client(services["credit_repair"].url) as http:
        r = await http.post(
            "/api/v1/credit/rule-sets", json={"rule_set": rule_set}, headers=auth("admin", "admin-types")
        )
    assert r.status_code == 400 and r.json()["code"] == "CREDIT_RULESET_INVALID", r.text
    assert "classification.minor_fine_thresholds.0.inclusive" in [e["loc"] for e in r.json()["errors"]]


@pytest.mark.parametrize("bad", BAD_INTEGERS)
def test_catalogue_money_is_integers(bad: Any) -> None:
    document = json.loads((ROOT / "data" / "sample" / "benchmarks.json").read_text(encoding="utf-8"))
    spoiled = copy.deepcopy(document)
    spoiled["versions"][0]["fine"]["min_fen"] = bad
    cat.parse_json(json.dumps(document))  # the sample itself is fine
    with pytest.raises(cat.CatalogueFormatInvalid, match="min_fen"):
        cat.parse_json(json.dumps(spoiled))


@pytest.mark.parametrize("version", ["1.0", "true", "²", "١", "1x"])
def test_catalogue_csv_version_is_digits(version: str) -> None:
    catalogue = cat.parse_json((ROOT / "data" / "sample" / "benchmarks.json").read_text(encoding="utf-8"))
    first = next(iter(catalogue.items.values())).versions[0]
    rows = list(csv.DictReader(io.StringIO(cat.to_csv([first]))))
    assert rows[0]["version"] == "1"
    rows[0]["version"] = version
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    cat.parse_csv(cat.to_csv([first]))  # unspoiled, the row parses
    with pytest.raises(cat.CatalogueFormatInvalid, match="version"):
        cat.parse_csv(out.getvalue())
