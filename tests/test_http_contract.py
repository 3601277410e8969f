"""Each service's OpenAPI document says what the server does (issue #11 item 8), in all four services.

- A method a path does not serve is 405 with every method it does serve in ``Allow`` (Starlette listed the
  first matching route's only), also for a literal path beside a template: ``GET /visits/check-in`` was
  routed to ``GET /visits/{visit_id}`` and answered 422.
- ``/public/...`` operations need no token (``security: []``); every other operation names the bearer
  scheme, the roles it admits and, where one is needed, the integration client scope.
- Every operation documents the problem statuses the platform answers, with one ``Problem`` schema.
"""

from __future__ import annotations

import copy
import json
import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from services.common.registry import SERVICES
from tests.support.documents import api_document
from tests.support.stack import Running, Stack, auth, client, running_services

ADMIN = auth("admin", "admin-contract")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


DOCS = {service: api_document(service) for service in SERVICES}  # built once per process


def _sample(doc: dict[str, Any], path: str, operations: dict[str, Any]) -> str:
    """The path with each parameter filled by a value of its schema's shape (the object need not exist)."""
    params = {
        p["name"]: p.get("schema", {})
        for op in operations.values()
        for p in op.get("parameters", [])
        if p.get("in") == "path"
    }
    for name, schema in params.items():
        while "$ref" in schema:
            schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
        value = (
            schema.get("enum", [None])[0]
            or (schema.get("examples") or [None])[0]
            or (2026 if schema.get("type") == "integer" else None)
            or str(uuid.uuid4())
        )
        path = path.replace("{" + name + "}", str(value))
    return path


@pytest.fixture(scope="module")
async def services(stack: Stack) -> AsyncIterator[dict[str, Running]]:
    async with running_services(stack, SERVICES) as running:
        yield running


@pytest.mark.asyncio(loop_scope="session")
@pytest.mark.parametrize("service", list(SERVICES))
async def test_an_undeclared_method_is_405_with_every_allowed_method(
    services: dict[str, Running], service: str
) -> None:
    doc, wrong = DOCS[service], []
    async with client(services[service].url) as http:
        for path, ops in doc["paths"].items():
            declared = {m.upper() for m in ops}
            url = _sample(doc, path, ops)
            for method in sorted(set(METHODS) - declared):
                r = await http.request(method, url, headers=ADMIN)
                allowed = {m.strip() for m in r.headers.get("allow", "").split(",")} - {"HEAD", ""}
                problem = r.headers.get("content-type") == "application/problem+json"
                if (r.status_code, allowed, problem) != (405, declared, True):
                    wrong.append(f"{method} {url}: {r.status_code} Allow={r.headers.get('allow')}")
                elif r.json()["code"] != "METHOD_NOT_ALLOWED":
                    wrong.append(f"{method} {url}: {r.json()['code']}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.asyncio(loop_scope="session")
async def test_get_on_check_in_is_405_not_a_visit_id(services: dict[str, Running]) -> None:
    async with client(services["inspection"].url) as http:
        r = await http.get("/api/v1/inspection/visits/check-in", headers=auth("enterprise", "e"))
        assert (r.status_code, r.headers.get("allow")) == (405, "POST")
        # the template still serves real visit ids
        missing = await http.get(f"/api/v1/inspection/visits/{uuid.uuid4()}", headers=ADMIN)
        assert missing.status_code == 404


@pytest.mark.parametrize("service", list(SERVICES))
def test_public_operations_need_no_token_and_the_others_say_who_may_call(service: str) -> None:
    doc = DOCS[service]
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            where = f"{method.upper()} {path}"
            if path.startswith("/public/"):
                assert op["security"] == [], where
                assert "401" not in op["responses"], where
            else:
                assert op["security"] == [{"bearer": []}], where
                assert op["x-zhifa-roles"], where
                # 401 and 403 are among the shared 4XX (its examples name the token and role codes)
                assert op["responses"]["4XX"] == {"$ref": "#/components/responses/Problem4XX"}, where


def test_the_payment_operation_names_its_roles_and_scope() -> None:
    op = DOCS["penalty"]["paths"]["/api/v1/penalty/cases/{case_id}/payments"]["post"]
    assert op["x-zhifa-roles"] == ["officer", "integration"]
    assert op["x-zhifa-client-scope"] == "penalty.payments.record"
    feed = DOCS["credit_repair"]["paths"]["/api/v1/credit/feed"]["get"]
    assert (feed["x-zhifa-roles"], feed["x-zhifa-client-scope"]) == (
        ["supervisor", "integration", "admin"],
        "credit.feed.read",
    )


@pytest.mark.parametrize("service", list(SERVICES))
def test_every_operation_documents_the_problem_statuses(service: str) -> None:
    """One shared ``Problem`` schema (no inline copy), referenced by the shared responses every operation names:
    ``4XX`` (401/403 among them where a token is read) and ``5XX`` with Retry-After; Idempotency-Key on every
    POST."""
    doc = DOCS[service]
    assert doc["components"]["schemas"]["Problem"]["properties"]["code"]["type"] == "string"
    text = json.dumps(doc)
    # the Problem schema's own text appears once: in components (the router's inline copies are gone)
    assert text.count("stable identifier, see docs/errors.md") == 1, service
    shared = doc["components"]["responses"]
    for name in ("Problem4XX", "Problem5XX"):
        assert "Retry-After" in shared[name]["headers"]
    for response in shared.values():
        assert response["content"]["application/problem+json"]["schema"] == {
            "$ref": "#/components/schemas/Problem"
        }
    assert doc["components"]["parameters"]["IdempotencyKey"]["name"] == "Idempotency-Key"
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            where = f"{method.upper()} {path}"
            assert op["responses"]["4XX"] == {"$ref": "#/components/responses/Problem4XX"}, where
            assert op["responses"]["5XX"] == {"$ref": "#/components/responses/Problem5XX"}, where
            for status, response in op["responses"].items():
                if status[0] in "45":
                    assert set(response) == {"$ref"}, where  # never an inline problem
            if method == "post":
                assert {"$ref": "#/components/parameters/IdempotencyKey"} in op["parameters"], where


def test_a_created_object_links_to_its_operations() -> None:
    created = DOCS["penalty"]["paths"]["/api/v1/penalty/cases"]["post"]["responses"]["201"]["links"]
    read = created["penalty.case"]
    assert read["parameters"] == {"case_id": "$response.body#/id"}
    assert "penalty.recordPayment" in created
    # not to a part of it that exists only later (found by schemathesis: a new case has no decision, 404)
    assert "penalty.decisionView" not in created
    # an action on the case links back to reading it
    notice = DOCS["penalty"]["paths"]["/api/v1/penalty/cases/{case_id}/notice"]["post"]["responses"]["200"]
    assert notice["links"]["penalty.case"]["parameters"] == {"case_id": "$request.path.case_id"}
    # an answer that only mentions a case (a lead's) links to reading it, not to every action on it
    lead = DOCS["penalty"]["paths"]["/api/v1/penalty/leads/{lead_id}"]["get"]["responses"]["200"]["links"]
    assert lead["penalty.case"]["parameters"] == {"case_id": "$response.body#/case_id"}
    assert "penalty.recordPayment" not in lead
    check_in = DOCS["inspection"]["paths"]["/api/v1/inspection/visits/check-in"]["post"]["responses"]["201"]
    assert check_in["links"]["inspection.getVisit"]["parameters"] == {
        "visit_id": "$response.body#/visit/visit_id"
    }


def _parameter(service: str, path: str, method: str, name: str) -> dict[str, Any]:
    op = DOCS[service]["paths"][path][method]
    schema = next(p for p in op["parameters"] if p.get("name") == name)["schema"]
    return next((s for s in schema.get("anyOf", []) if s.get("type") == "string"), schema)  # type: ignore[no-any-return]


def test_the_shapes_the_server_enforces_are_in_the_schema() -> None:
    uscc = _parameter("inspection", "/api/v1/inspection/enterprises/{uscc}", "get", "uscc")
    op = DOCS["inspection"]["paths"]["/api/v1/inspection/enterprises/{uscc}"]["get"]
    described = next(p for p in op["parameters"] if p.get("name") == "uscc")["description"]
    assert uscc["format"] == "uscc" and "check character" in described
    assert re.fullmatch(uscc["pattern"].strip("^$"), "91210100MACQTKPQ79")
    assert not re.search(uscc["pattern"], "91210100MACQTKPQ7O")  # O is not in the alphabet
    for service, path, method in [
        ("risk", "/api/v1/risk/enterprises/{uscc}", "get"),
        ("credit_repair", "/api/v1/credit/records", "get"),
        ("inspection", "/api/v1/inspection/visits", "get"),
    ]:
        assert _parameter(service, path, method, "uscc")["pattern"] == uscc["pattern"], path
    cursor = _parameter("penalty", "/api/v1/penalty/cases", "get", "cursor")
    assert cursor["pattern"] == "^[A-Za-z0-9_-]*$"
    item = _parameter("inspection", "/api/v1/inspection/items/{code}", "get", "code")
    assert item["pattern"] == "^[A-Za-z]{2}-[A-Za-z]{2,3}-[0-9]{3}$"
    quarter = _parameter("risk", "/api/v1/risk/reports/{quarter}", "get", "quarter")
    assert quarter["pattern"] == "^[0-9]{4}[Qq][1-4]$"
    # JSON Schema's \d is ASCII, pydantic's (Rust regex) is Unicode: patterns spell the digits out
    for service, doc in DOCS.items():
        assert "\\d" not in json.dumps(doc), service


@pytest.mark.asyncio(loop_scope="session")
async def test_values_outside_the_documented_shape_are_422(services: dict[str, Running]) -> None:
    async with client(services["penalty"].url) as http:
        r = await http.get("/api/v1/penalty/cases", params={"cursor": "not a cursor!"}, headers=ADMIN)
        assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["query", "cursor"], r.text
        # the alphabet of a cursor, but not one the server issued: a refusal of the value, 400
        r = await http.get("/api/v1/penalty/cases", params={"cursor": "AAAA"}, headers=ADMIN)
        assert r.status_code == 400 and r.json()["code"] == "INVALID_CURSOR", r.text
    async with client(services["risk"].url) as http:
        r = await http.get("/api/v1/risk/reports/٢٠٢٦Q1", headers=ADMIN)
        assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["path", "quarter"], r.text
    async with client(services["inspection"].url) as http:
        r = await http.get("/api/v1/inspection/enterprises/91210100MACQTKPQ7", headers=ADMIN)
        assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["path", "uscc"], r.text
        # the right shape with a wrong check character: the service's own code
        r = await http.get("/api/v1/inspection/enterprises/91210100MACQTKPQ78", headers=ADMIN)
        assert r.status_code == 422 and r.json()["code"] == "INVALID_USCC", r.text
        r = await http.get("/api/v1/inspection/enterprises/91210100macqtkpq79", headers=ADMIN)
        assert r.status_code == 404, r.text  # lower case is read as upper case; no such enterprise here


@pytest.mark.asyncio(loop_scope="session")
@pytest.mark.parametrize(
    ("service", "url"),
    [
        ("inspection", "/api/v1/inspection/officers?dept_code=_%00"),  # found by schemathesis: it was 503
        ("penalty", "/public/penalty/benchmarks/SY%00"),
        ("penalty", "/public/penalty/benchmarks?q=%00"),
        ("credit_repair", "/api/v1/credit/records?status=%00"),
        ("risk", "/api/v1/risk/leads?category=%00"),
    ],
)
async def test_nul_in_the_path_or_query_is_422(services: dict[str, Running], service: str, url: str) -> None:
    async with client(services[service].url) as http:
        r = await http.get(url, headers=ADMIN)
        assert (r.status_code, r.json()["code"]) == (422, "NUL_CHARACTER"), r.text
        r = await http.get(url, headers={**ADMIN, "Accept-Language": "en"})
        assert "NUL character" in r.json()["detail"], r.text


def test_the_gateway_document_keeps_what_each_service_says() -> None:
    """The merged document (what integration teams read at the gateway) keeps each operation's security, roles,
    scope and links, and adds the statuses the gateway itself answers in front of any service."""
    from gateway.app import merge_openapi

    merged = merge_openapi(copy.deepcopy(DOCS))
    assert merged["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    operation_ids = {op["operationId"] for ops in merged["paths"].values() for op in ops.values()}
    text = json.dumps(merged)
    for ref in set(re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', text)):
        assert ref in merged["components"]["schemas"], ref
    shared = merged["components"]["responses"]
    for path, ops in merged["paths"].items():
        for method, op in ops.items():
            where = f"{method.upper()} {path}"
            # the bearer requirement is the document's own, inherited; /public says it needs none
            security = op.get("security", merged["security"])
            assert security == ([] if path.startswith("/public/") else [{"bearer": []}]), where
            # 4XX and 5XX are one shared problem response in the gateway's document (its size budget)
            assert op["responses"]["default"] == {"$ref": "#/components/responses/Problem"}, where
            for response in op["responses"].values():
                response = shared[response["$ref"].rsplit("/", 1)[1]] if "$ref" in response else response
                for link in response.get("links", {}).values():
                    assert link["operationId"] in operation_ids, where
    server = json.dumps(merged["components"]["responses"]["Problem"])
    assert all(code in server for code in ("UPSTREAM_ERROR", "UPSTREAM_UNAVAILABLE", "UPSTREAM_TIMEOUT"))
    for section in ("responses", "examples", "parameters", "headers"):
        for ref in set(re.findall(rf'"\$ref": "#/components/{section}/([^"]+)"', text)):
            assert ref in merged["components"][section], ref
    payments = merged["paths"]["/api/v1/penalty/cases/{case_id}/payments"]["post"]
    assert payments["x-zhifa-client-scope"] == "penalty.payments.record"
    assert merged["info"]["description"].count("Conventions of every operation") == 1
    assert not any("Conventions of every operation" in t["description"] for t in merged["tags"])


@pytest.mark.asyncio(loop_scope="session")
async def test_an_empty_bulk_upload_is_documented_as_such(services: dict[str, Running]) -> None:
    """Found by schemathesis: the bulk body was documented as required, and an empty one answered 200."""
    bulk = DOCS["risk"]["paths"]["/api/v1/risk/intake/{kind}/bulk"]["post"]["requestBody"]
    assert bulk["required"] is False
    async with client(services["risk"].url) as http:
        r = await http.post(
            "/api/v1/risk/intake/reconsideration/bulk",
            headers=auth("integration", "client-reconsideration", client="reconsideration"),
        )
    assert r.status_code == 200 and (r.json()["lines"], r.json()["stored"]) == (0, 0), r.text
