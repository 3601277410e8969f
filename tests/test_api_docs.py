"""The API guides (docs/api.md, docs/api/*.md) stay true to the code: what the app and integration teams build
against names only routes, error codes, events and roles that exist, and its example requests are valid.

Fast: no service is started. The routes and request schemas are the gateway's merged OpenAPI document (built
as tests/test_openapi_document.py does), the codes docs/errors.md's registry (``zhifa.docs.error_docs``), the
events docs/asyncapi.json's. The flows themselves are run by tests/e2e/test_api_docs_flows.py.
"""

from __future__ import annotations

import copy
import functools
import importlib
import json
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import jsonschema

from services.common.auth import ROLES
from services.common.registry import SERVICES

ROOT = Path(__file__).resolve().parent.parent
GUIDES = [ROOT / "docs" / "api.md", *sorted((ROOT / "docs" / "api").glob("*.md"))]
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
# the service prefixes `/api/v1/<prefix>/...` stands for (docs/api.md, "Checking the event spine")
PREFIXES = ("inspection", "penalty", "credit", "risk")


# --- reading the guides ---------------------------------------------------------------------------------


@dataclass
class Block:
    guide: Path
    line: int  # of the first line inside the fence
    lang: str
    lines: list[str]


@dataclass
class Request:
    guide: Path
    line: int
    method: str
    target: str  # as written: path, maybe a query
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""
    status: int | None = None
    answer: str = ""

    @property
    def where(self) -> str:
        return f"{self.guide.relative_to(ROOT)}:{self.line}"


def blocks(guide: Path) -> list[Block]:
    out: list[Block] = []
    current: Block | None = None
    for number, line in enumerate(guide.read_text().splitlines(), 1):
        if line.startswith("```"):
            if current is None:
                current = Block(guide, number + 1, line[3:].strip(), [])
            else:
                out.append(current)
                current = None
        elif current is not None:
            current.lines.append(line)
    assert current is None, f"{guide}: unclosed code block"
    return out


def prose(guide: Path) -> list[tuple[int, str]]:
    """The lines outside code blocks."""
    out, inside = [], False
    for number, line in enumerate(guide.read_text().splitlines(), 1):
        if line.startswith("```"):
            inside = not inside
        elif not inside:
            out.append((number, line))
    return out


_REQUEST_LINE = re.compile(rf"^({'|'.join(METHODS)})\s+(/\S+)(.*)$")
# an answer: `→ 201 {...}`, `HTTP/1.1 201 Created`, or a status alone at the start of a line (`201`, `202 Accepted`)
_ANSWER = re.compile(r"^\s*(?:(?:→|->)\s*|HTTP/1\.1\s+)?([1-5]\d\d)(?![\d,.])(?:\s+[A-Z][a-z]+)*\s*(.*)$")
_INLINE_ANSWER = re.compile(r"(?:→|->)\s*([1-5]\d\d)\b")
_HEADER = re.compile(r"^([A-Za-z][A-Za-z0-9-]*):\s")


def requests(block: Block) -> list[Request]:
    """The requests of an ``http`` block: a request line (with the body after the path, or the role), headers, a
    body, then ``→ <status> <answer>``. A ``#`` line is a comment."""
    out: list[Request] = []
    current: Request | None = None
    part = "headers"
    for offset, line in enumerate(block.lines):
        match = _REQUEST_LINE.match(line)
        if match:
            current = Request(block.guide, block.line + offset, match[1], match[2])
            out.append(current)
            rest = match[3]
            inline = _INLINE_ANSWER.search(rest)
            if inline:
                current.status = int(inline[1])
            part = "headers"
            if "{" in rest or "[" in rest.lstrip()[:1]:
                at = min(i for i in (rest.find("{"), rest.find("[")) if i >= 0)
                current.body, part = rest[at:] + "\n", "body"
            continue
        if current is None or line.lstrip().startswith("#"):
            continue
        answer = _ANSWER.match(line)
        if answer and part != "answer":
            current.status, current.answer, part = int(answer[1]), answer[2], "answer"
        elif part == "answer":
            current.answer += "\n" + line
        elif part == "headers" and _HEADER.match(line):
            name, _, value = line.partition(":")
            current.headers[name.strip()] = value.strip()
        elif line.strip():
            part = "body"
            current.body += line + "\n"
    return out


_CURL_URL = re.compile(r"""["']?\$\{?\w+\}?(/(?:api/v1|public)/[^"'\s]*)""")


def curls(block: Block) -> list[Request]:
    """``curl`` commands (a continuation ``\\`` joins lines): -X or GET (POST with -d), the URL, the -d body."""
    out: list[Request] = []
    text = "\n".join(block.lines)
    for match in re.finditer(r"^\s*curl\b((?:.*\\\n)*.*)$", text, re.M):
        command = match[1]
        url = _CURL_URL.search(command)
        if not url:
            continue
        body = re.search(r"""-d\s+'([^']*)'""", command)
        method = re.search(r"-X\s+([A-Z]+)", command)
        line = block.line + text[: match.start()].count("\n")
        request = Request(
            block.guide,
            line,
            method[1] if method else ("POST" if body else "GET"),
            url[1],
            {},
            body[1] if body else "",
        )
        # the answer is shown as comments: `... # {"marked":3}` on the line, or `# ...` lines below it
        inline = re.search(r"\s#\s(.*)$", command.rsplit("\n", 1)[-1])
        below = re.match(r"((?:\s*#.*(?:\n|$))*)", text[match.end() + 1 :])
        shown = ([inline[1]] if inline else []) + [
            re.sub(r"^\s*# ?", "", comment) for comment in (below[1] if below else "").splitlines()
        ]
        request.answer = "\n".join(shown)
        out.append(request)
    return out


def all_requests() -> list[Request]:
    out: list[Request] = []
    for guide in GUIDES:
        for block in blocks(guide):
            out.extend(requests(block) if block.lang in ("http", "") else [])
            out.extend(curls(block))
    return out


_ROUTE = re.compile(rf"\b({'|'.join(METHODS)})\s+(/(?:api/v1|public)/[^\s`)\"'|,;]*)")


def named_routes() -> list[tuple[str, int, str, str]]:
    """Every ``METHOD /api/v1/...`` or ``METHOD /public/...`` of the guides, in prose, tables or code."""
    out = []
    for guide in GUIDES:
        for number, line in enumerate(guide.read_text().splitlines(), 1):
            for match in _ROUTE.finditer(line):
                out.append((f"{guide.relative_to(ROOT)}:{number}", number, match[1], match[2]))
    for guide in GUIDES:
        for block in blocks(guide):
            out += [(r.where, r.line, r.method, r.target) for r in curls(block)]
    return out


_RELATIVE = re.compile(
    rf"\b({'|'.join(METHODS)})\s+(/(?!api/|public/|auth/|openapi\.json)[a-z][^\s`)\"'|,;>]*)"
)
# A guide names most of its routes relative to its service (`POST /visits/scan`): under one of these prefixes.
RELATIVE_TO = {
    "api.md": ("/api/v1/inspection", "/api/v1/penalty", "/api/v1/credit", "/api/v1/risk"),
    "inspection.md": ("/api/v1/inspection", "/public/inspection"),
    "penalty.md": ("/api/v1/penalty", "/public/penalty"),
    "credit_repair.md": ("/api/v1/credit", "/public/credit"),
    "risk.md": ("/api/v1/risk", "/public/risk"),
    "supervision.md": ("/api/v1/risk", "/public/risk"),
    "notifications.md": ("/api/v1/notifications", "/api/v1/webhooks"),
}


def relative_routes() -> list[tuple[str, str, str, tuple[str, ...]]]:
    out = []
    for guide in GUIDES:
        for number, line in enumerate(guide.read_text().splitlines(), 1):
            for match in _RELATIVE.finditer(line):
                out.append(
                    (f"{guide.relative_to(ROOT)}:{number}", match[1], match[2], RELATIVE_TO[guide.name])
                )
    return out


# --- the code -------------------------------------------------------------------------------------------


@functools.cache
def merged_document() -> dict[str, Any]:
    from gateway.openapi import merge_openapi
    from tests.support.stack import settings_for

    docs = {}
    for service in SERVICES:
        module = importlib.import_module(f"services.{service}.app")
        docs[service] = module.create_app(settings_for(service), role="api").openapi()
    return merge_openapi(copy.deepcopy(docs))


@functools.cache
def error_statuses() -> dict[str, set[int | str]]:
    from zhifa.docs import error_docs

    out: dict[str, set[int | str]] = {}
    for doc in error_docs():
        out.setdefault(doc.code, set()).add(doc.status)
    return out


@functools.cache
def event_types() -> frozenset[str]:
    doc = json.loads((ROOT / "docs" / "asyncapi.json").read_text())
    return frozenset(channel["address"] for channel in doc["channels"].values())


_PLACEHOLDER = re.compile(r"^(\{[^}/]+\}|<[^>/]+>|:\w+|\$\{?\w+\}?|.*….*|\.\.\.)$")
_PARAM = re.compile(r"\{[^}/]+\}")


def path_of(target: str) -> str:
    """The path a guide names, without its query and its optional ``[...]`` parts."""
    path = re.sub(r"\[[^\]]*\]", "", target).split("?")[0].split("#")[0]
    return path.rstrip(".:")


def segment_matches(written: str, declared: str) -> bool:
    if "{" in declared:
        pattern = (
            "^"
            + "".join(
                "[^/]+" if _PARAM.fullmatch(part) else re.escape(part)
                for part in re.split(r"(\{[^}/]+\})", declared)
            )
            + "$"
        )
        # `{id}.pdf` as written, or a literal value (a UUID, `SY-SJ-0004`, `2026Q3`)
        return bool(re.match(pattern, written)) or bool(_PLACEHOLDER.match(written))
    return written == declared and not _PLACEHOLDER.match(written)


def _parameter(operation: dict[str, Any], name: str, where: str = "path") -> dict[str, Any] | None:
    root = merged_document()["components"]
    for parameter in operation.get("parameters", []):
        if "$ref" in parameter:
            parameter = root["parameters"][parameter["$ref"].rsplit("/", 1)[1]]
        if parameter["name"] == name and parameter["in"] == where:
            return parameter.get("schema", {})  # type: ignore[no-any-return]
    return None


def value_fits(value: str, schema: dict[str, Any]) -> bool:
    """A literal value written for a path parameter (`reconsideration` for `{kind}`, `2026Q3` for `{quarter}`) is
    one the parameter admits."""
    root = merged_document()
    kinds = json.dumps(schema)
    candidate: Any = value
    if '"integer"' in kinds and value.lstrip("-").isdigit():
        candidate = int(value)
    elif '"boolean"' in kinds and value in ("true", "false"):
        candidate = value == "true"
    validator = jsonschema.Draft202012Validator(
        {**schema, "components": root["components"]}, format_checker=jsonschema.FormatChecker()
    )
    return bool(validator.is_valid(candidate))


def find_route(method: str, path: str) -> tuple[str, dict[str, Any]] | None:
    """The operation of the merged document a written ``method path`` is, or None."""
    written = path.strip("/").split("/")
    for declared, operations in merged_document()["paths"].items():
        parts = declared.strip("/").split("/")
        if len(parts) != len(written) or method.lower() not in operations:
            continue
        if not all(map(segment_matches, written, parts)):
            continue
        operation = operations[method.lower()]
        values = [
            (part[1:-1], value)
            for value, part in zip(written, parts, strict=True)
            if _PARAM.fullmatch(part) and not _PLACEHOLDER.match(value)
        ]
        if all(value_fits(value, _parameter(operation, name) or {}) for name, value in values):
            return declared, operation
    return None


def expand(path: str) -> list[str]:
    return [path.replace("<prefix>", prefix) for prefix in PREFIXES] if "<prefix>" in path else [path]


# --- the tests ------------------------------------------------------------------------------------------

# Written on purpose as a family, not a route (the lines around them name each member).
FAMILIES = {
    "/api/v1/penalty/cases/{id}/<step>",  # penalty.md §3: each step's own route is in the table below it
    "/api/v1/risk/intake/<kind>/bulk",  # risk.md: complaints/litigation/reconsideration, each named
}


def test_every_route_a_guide_names_exists_with_its_method() -> None:
    seen, missing = 0, []
    for where, _, method, target in named_routes():
        path = path_of(target)
        if path in FAMILIES:
            continue
        for one in expand(path):
            seen += 1
            if find_route(method, one) is None:
                missing.append(f"{where}: {method} {one}")
    assert seen > 150  # the guides name some 190 routes
    assert missing == []


def test_every_route_named_relative_to_its_service_exists() -> None:
    routes, missing = relative_routes(), []
    assert len(routes) > 60
    for where, method, target, prefixes in routes:
        path = path_of(target)
        if not any(find_route(method, prefix + path) for prefix in prefixes):
            missing.append(f"{where}: {method} {path}")
    assert missing == []


def query_problems(method: str, target: str) -> list[str]:
    """The query parameters a guide writes (`?state=due|overdue&limit=50`) are the operation's, and each value
    written (not a placeholder) is one it admits."""
    route = find_route(method, path_of(target))
    query = re.sub(r"\[|\]", "", target).partition("?")[2]
    if route is None or not query:
        return []
    problems = []
    for pair in query.split("&"):
        name, _, value = pair.partition("=")
        schema = _parameter(route[1], name, "query")
        if schema is None:
            problems.append(f"no query parameter {name!r}")
            continue
        for one in value.split("|"):
            written = (
                bool(one) and not _PLACEHOLDER.match(one) and not re.fullmatch(r"[A-Z-]+|<.*|.*…|\.\.\.", one)
            )
            if written and not value_fits(unquote(one), schema):
                problems.append(f"{name}={one} is not a value of {name}")
    return problems


def test_every_query_a_guide_writes_is_the_routes() -> None:
    wrong = []
    for where, _, method, target in named_routes():
        wrong += [f"{where}: {method} {target}: {p}" for p in query_problems(method, target)]
    for where, method, target, prefixes in relative_routes():
        for prefix in prefixes:
            if find_route(method, prefix + path_of(target)):
                wrong += [f"{where}: {method} {target}: {p}" for p in query_problems(method, prefix + target)]
                break
    assert wrong == []


def test_the_route_parser_catches_a_renamed_route() -> None:
    assert find_route("POST", "/api/v1/penalty/cases/{id}/decision") is not None
    assert find_route("POST", "/api/v1/penalty/cases/<id>/decision") is not None
    assert find_route("POST", "/api/v1/penalty/cases/:id/decision") is not None
    assert find_route("POST", f"/api/v1/penalty/cases/{uuid.uuid4()}/decision") is not None
    assert find_route("POST", "/api/v1/penalty/cases/{id}/decisions") is None
    assert find_route("PATCH", "/api/v1/penalty/cases/{id}/decision") is None
    # a value written for a parameter is one it admits
    assert find_route("POST", "/api/v1/risk/intake/litigation") is not None
    assert find_route("POST", "/api/v1/risk/intake/appeals") is None
    assert find_route("GET", "/api/v1/risk/reports/2026Q3") is not None
    assert find_route("GET", "/api/v1/risk/reports/2026-Q3") is None
    # a placeholder stands for a value, never for a fixed segment
    assert find_route("POST", "/api/v1/penalty/{x}/{id}/decision") is None


_STATUS_CODE = re.compile(r"\b([45]\d\d)\b[*\s]*`?([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*)\b`?")
_BARE_CODE = re.compile(r"`([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)`")
# UPPER_SNAKE in backticks that is not an error code: Python names, an environment variable
NOT_CODES = {"FIRST_DAY", "LAST_DAY", "LC_ALL", "END_EVENT_NAMESPACE"}
# Not problems: the codes of one bad line of an NDJSON upload, in its error report (risk.md, "Bulk uploads")
LINE_CODE_MODULES = ("services/risk/domain/intake.py", "services/risk/use_cases/uploads.py")


@functools.cache
def line_codes() -> frozenset[str]:
    return frozenset(
        code
        for module in LINE_CODE_MODULES
        for code in re.findall(r'"(INTAKE_[A-Z_]+)"', (ROOT / module).read_text())
    )


def codes_with_status() -> list[tuple[str, int, str]]:
    """``404 CASE_NOT_FOUND`` (backticks and bold allowed), and the rows of the guides' code tables
    (`| `CODE`, `OTHER` | 409 | title |`)."""
    out = []
    for guide in GUIDES:
        for number, line in enumerate(guide.read_text().splitlines(), 1):
            where = f"{guide.relative_to(ROOT)}:{number}"
            for match in _STATUS_CODE.finditer(line):
                if len(match[2]) >= 4 and match[2] not in ("HTTP", *METHODS):
                    out.append((where, int(match[1]), match[2]))
            if line.startswith("|"):
                cells = [cell.strip() for cell in line.strip("|").split("|")]
                statuses = [int(cell) for cell in cells if re.fullmatch(r"[45]\d\d", cell)]
                if len(statuses) == 1:
                    before = cells[: cells.index(str(statuses[0]))]
                    out += [
                        (where, statuses[0], code) for cell in before for code in _BARE_CODE.findall(cell)
                    ]
    return out


def test_every_code_with_a_status_is_registered_with_that_status() -> None:
    registry = error_statuses()
    found = codes_with_status()
    assert len(found) > 100
    wrong = [
        f"{where}: {status} {code} (registered: {sorted(map(str, registry.get(code, set()))) or 'no'})"
        for where, status, code in found
        if not (registry.get(code, set()) & {status, "—"})
    ]
    assert wrong == []


def test_every_backticked_code_exists() -> None:
    registry = error_statuses()
    unknown = []
    for guide in GUIDES:
        for number, line in enumerate(guide.read_text().splitlines(), 1):
            for code in _BARE_CODE.findall(line):
                if code in NOT_CODES or code.startswith("ZHIFA_") or code in line_codes():
                    continue
                if code not in registry:
                    unknown.append(f"{guide.relative_to(ROOT)}:{number}: {code}")
    assert unknown == []


_EVENT = re.compile(r"`((?:inspection|penalty|credit|risk|notify)\.[a-z_]+\.[a-z_.]+)`")
# dotted names that are scopes of integration clients (docs/api.md), not events
SCOPES = re.compile(r"^[a-z_]+\.[a-z_]+\.(read|record|import|complaint|litigation|reconsideration)$")


@functools.cache
def timeline_types() -> frozenset[str]:
    """A case's timeline events (penalty's domain events, ``GET .../cases/{id}/steps``), not published."""
    from services.penalty.domain.procedure import events

    return frozenset(
        cls.event_type
        for cls in vars(events).values()
        if isinstance(cls, type) and hasattr(cls, "event_type")
    )


@functools.cache
def audit_source() -> str:
    return "\n".join(
        path.read_text() for path in (ROOT / "services").rglob("*.py") if "migrations" not in path.parts
    )


def is_audit_action(name: str) -> bool:
    """An audit action (``action="penalty.case.deadlines_computed"``, or ``f"penalty.follow_up.{status}"``)."""
    source = audit_source()
    return f'"{name}"' in source or f'f"{name.rsplit(".", 1)[0]}.{{' in source


def test_every_event_type_named_is_registered() -> None:
    """Published events are docs/asyncapi.json's; a name the line calls an audit action is one the code
    writes, a name of a case's timeline is a domain event of penalty's."""
    unknown, seen = [], 0
    for guide in GUIDES:
        for number, line in enumerate(guide.read_text().splitlines(), 1):
            for name in _EVENT.findall(line):
                if SCOPES.match(name):
                    continue
                seen += 1
                if name in event_types():
                    continue
                if "audit" in line.lower() and is_audit_action(name):
                    continue
                if "timeline" in line and name in timeline_types():
                    continue
                unknown.append(f"{guide.relative_to(ROOT)}:{number}: {name}")
    assert seen > 20
    assert unknown == []


def role_tables() -> list[tuple[str, list[str]]]:
    """The roles of the "who may do what" tables: the cells of a column headed ``role``."""
    out = []
    for guide in GUIDES:
        column: int | None = None
        for number, line in prose(guide):
            if not line.startswith("|"):
                column = None
                continue
            cells = [cell.strip() for cell in line.strip("|").split("|")]
            if column is None:
                column = cells.index("role") if "role" in cells else -1
            elif column >= 0 and not set(cells[column]) <= set("-: "):
                out.append(
                    (f"{guide.relative_to(ROOT)}:{number}", re.findall(r"^`([a-z_]+)`", cells[column]))
                )
    return out


def test_the_roles_of_who_may_do_what_are_real_roles() -> None:
    tables = role_tables()
    assert len(tables) >= 20
    wrong = [f"{where}: {names}" for where, names in tables if names and not set(names) <= set(ROLES)]
    assert wrong == []


# --- the example requests -------------------------------------------------------------------------------


def json_body(request: Request) -> Any:
    """The body's first JSON value (what follows it on the line is a note). The guide abridges: ``{...}`` or
    ``{ …a note… }`` as a value is a placeholder, ``...``/``…`` as the rest of an object or a list is dropped,
    ``"a" | "b"`` is the first alternative; a ``…`` value is a placeholder (filled by :func:`validate`)."""
    text = request.body.strip()
    text = re.sub(r"\{\s*(?:\.\.\.|…)[^{}]*\}", '"…"', text)
    text = re.sub(r"\[\s*(?:\.\.\.|…)\s*\]", '["…"]', text)
    text = re.sub(r"(?:\.\.\.|…)\s*,\s*", "", text)
    text = re.sub(r",\s*(?:…|\.\.\.)\s*(?=[}\]])", "", text)
    text = re.sub(r'("[^"]*")(?:\s*\|\s*"[^"]*")+', r"\1", text)
    return json.JSONDecoder().raw_decode(text)[0]


def _sample(schema: dict[str, Any], root: dict[str, Any]) -> Any:
    while "$ref" in schema:
        schema = root["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    for branch in schema.get("anyOf", []) + schema.get("oneOf", []):
        if branch.get("type") != "null":
            return _sample(branch, root)
    kind = schema.get("type")
    kind = next((k for k in kind if k != "null"), None) if isinstance(kind, list) else kind
    if "enum" in schema:
        return schema["enum"][0]
    fmt = schema.get("format")
    if kind == "string":
        return {
            "uuid": str(uuid.uuid4()),
            "date": "2026-11-16",
            "date-time": "2026-11-16T09:00:00+08:00",
        }.get(fmt or "", "x" * max(1, schema.get("minLength", 1)))
    return {"integer": 1, "number": 1, "boolean": True, "array": [], "object": {}}.get(kind or "", "x")


def is_placeholder(value: Any) -> bool:
    return isinstance(value, str) and bool(re.fullmatch(r"<[^>]*>|.*….*|\.\.\.|\{[a-z_]+\}|\$\w+", value))


def request_schema(operation: dict[str, Any]) -> dict[str, Any] | None:
    content = operation.get("requestBody", {}).get("content", {})
    return content.get("application/json", {}).get("schema")  # type: ignore[no-any-return]


def validate(body: Any, schema: dict[str, Any], *, abridged: bool = False) -> list[str]:
    """What is wrong with ``body`` (placeholders filled with a valid value of their field's type)."""
    root = merged_document()
    validator = jsonschema.Draft202012Validator(
        {**schema, "components": root["components"]}, format_checker=jsonschema.FormatChecker()
    )
    body = copy.deepcopy(body)
    for _ in range(50):
        errors = [e for e in validator.iter_errors(body) if not (abridged and e.validator == "required")]
        fillable = [e for e in errors if is_placeholder(e.instance) and e.path]
        if not fillable:
            # for a union, the branch that came closest (`'撤销' is not one of ['upheld', 'revoked', ...]`)
            errors = [jsonschema.exceptions.best_match(e.context) or e if e.context else e for e in errors]
            return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors]
        for error in fillable:
            target = body
            *parents, last = list(error.absolute_path)
            for key in parents:
                target = target[key]
            target[last] = _sample(error.schema, root)
    return ["placeholders did not settle"]


def example_requests() -> list[Request]:
    """The requests that show a JSON body."""
    return [
        r
        for r in all_requests()
        if r.method in ("POST", "PUT", "PATCH")
        and r.body.strip()[:1] in ("{", "[")
        and r.headers.get("Content-Type", "application/json").startswith("application/json")
    ]


def test_every_json_request_example_validates_against_its_route() -> None:
    checked, wrong = 0, []
    for request in example_requests():
        route = find_route(request.method, path_of(request.target))
        if route is None:
            continue  # reported by the route test
        schema = request_schema(route[1])
        try:
            body = json_body(request)
        except json.JSONDecodeError as exc:
            wrong.append(f"{request.where}: not JSON ({exc})")
            continue
        if schema is None:
            wrong.append(f"{request.where}: {request.method} {route[0]} takes no JSON body")
            continue
        checked += 1
        # an abridged body (`{..., "correction": ...}`) leaves out required fields on purpose
        abridged = bool(re.search(r"(?:\.\.\.|…)\s*,|,\s*(?:\.\.\.|…)\s*[}\]]", request.body))
        errors = validate(body, schema, abridged=abridged)
        wrong += [f"{request.where}: {request.method} {route[0]}: {e}" for e in errors]
    assert checked > 40
    assert wrong == []


def test_the_validator_catches_a_renamed_field() -> None:
    route = find_route("POST", "/api/v1/penalty/cases/{id}/delivery")
    assert route is not None
    schema = request_schema(route[1])
    assert schema is not None
    assert validate({"method": "direct", "recipient": "当事人法定代表人"}, schema) == []
    assert validate({"way": "direct", "recipient": "当事人法定代表人"}, schema) != []


# --- the example answers --------------------------------------------------------------------------------


def _deref(schema: Any) -> Any:
    components = merged_document()["components"]
    while isinstance(schema, dict) and "$ref" in schema:
        _, _, section, name = schema["$ref"].split("/")
        schema = components[section][name]
    return schema


def schema_fields(schema: Any, prefix: str = "", depth: int = 0) -> set[str]:
    """Every field path (``visit.officers[].cert_no``) a schema declares; ``x.*`` for a free-form object."""
    schema = _deref(schema)
    out: set[str] = set()
    if depth > 10 or not isinstance(schema, dict):
        return out
    for branch in schema.get("anyOf", []) + schema.get("oneOf", []) + schema.get("allOf", []):
        out |= schema_fields(branch, prefix, depth + 1)
    if "items" in schema:
        out |= schema_fields(schema["items"], prefix.rstrip(".") + "[].", depth + 1)
    for name, sub in schema.get("properties", {}).items():
        out |= {prefix + name, *schema_fields(sub, prefix + name + ".", depth + 1)}
    if schema.get("additionalProperties") not in (None, False) or (
        schema.get("type") == "object" and not schema.get("properties")
    ):
        out.add(prefix + "*")
    return out


def shown_fields(value: Any, prefix: str = "") -> set[str]:
    """Every field path of a JSON value the guide shows (its ``"...": "..."`` left out)."""
    out: set[str] = set()
    if isinstance(value, dict):
        for name, item in value.items():
            if name not in ("...", "…"):
                out |= {prefix + name, *shown_fields(item, prefix + name + ".")}
    elif isinstance(value, list):
        for item in value:
            out |= shown_fields(item, prefix.rstrip(".") + "[].")
    return out


def example_answers() -> list[tuple[Request, int, Any]]:
    """The answers a guide shows with their request: ``→ 201 {...}`` under it, or the next block when that is
    ``HTTP/1.1 201 ...`` (a json block after a request may be something else: a shape, a refusal)."""
    out = []
    for guide in GUIDES:
        chunks = blocks(guide)
        for index, block in enumerate(chunks):
            for request in requests(block) if block.lang in ("http", "") else []:
                status, answer = request.status, request.answer
                following = chunks[index + 1] if index + 1 < len(chunks) else None
                if not answer.strip() and following is not None and not requests(following):
                    http = re.match(r"HTTP/1\.1 (\d{3})[^\n]*\n(.*)", "\n".join(following.lines), re.S)
                    status, answer = (int(http[1]), http[2]) if http else (status, answer)
                start = min((i for i in (answer.find("{"), answer.find("[")) if i >= 0), default=-1)
                if status is None or start < 0:
                    continue
                try:
                    value = json_body(Request(guide, 0, "", "", body=answer[start:]))
                except json.JSONDecodeError:
                    continue
                out.append((request, status, value))
    return out


def test_every_example_answer_shows_only_fields_of_its_routes_answer() -> None:
    checked, wrong = 0, []
    for request, status, value in example_answers():
        route = find_route(request.method, path_of(request.target))
        if route is None:
            continue  # reported by the route test
        response = _deref(route[1]["responses"].get(str(status)))
        if response is None:
            wrong.append(f"{request.where}: {request.method} {route[0]} does not answer {status}")
            continue
        schema = response.get("content", {}).get("application/json", {}).get("schema")
        if schema is None:
            continue
        checked += 1
        declared = schema_fields(schema)
        free = [field[:-1] for field in declared if field.endswith("*")]
        unknown = sorted(
            f for f in shown_fields(value) if f not in declared and not f.startswith(tuple(free))
        )
        if unknown:
            wrong.append(f"{request.where}: {request.method} {route[0]} answers no {unknown}")
    assert checked > 15
    assert wrong == []
