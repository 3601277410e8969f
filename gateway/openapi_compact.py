"""The gateway's merged OpenAPI document made smaller without losing what a client or a reader needs (issue #15
item 6: at most 500 KB; docs/api.md "The OpenAPI documents", where the bytes went before and after).

Every step is generic: it names no route, so an operation added tomorrow is compacted the same way.

- **nullable**: ``anyOf: [{type: string}, {type: null}]`` is written ``type: [string, null]`` (JSON Schema
  2020-12, OpenAPI 3.1; the same set of values) when the other branch is a type and nothing else. One with
  constraints (``format: uuid``, ``maxLength``, an enum, a ``$ref``) stays a union: schemathesis' coverage
  phase generated ``""`` for ``type: [string, null], format: uuid``, a value the schema refuses;
- **titles** that only repeat a component's name (``PenaltyCaseRead`` titled ``CaseRead``,
  ``InspectionPage_ItemRead_`` titled ``Page[ItemRead]``), and FastAPI's generated titles of inline schemas
  (``Response Inspection.Listappraisals``), are left out;
- **summaries** that FastAPI generated from the function's name (``Decision View`` of
  ``penalty.decisionView``) are left out: the operation id says it (Swagger UI and ReDoc show it instead);
- **security** equal to the document's own (``bearer``) is inherited, not repeated on every operation;
  ``/public`` operations keep ``security: []``;
- **parameters** and **responses** used by several operations alike (the ``cursor`` and ``limit`` of every
  list, a ``case_id``, the ``200`` answering a ``PenaltyCaseRead``) are written once in ``components`` and
  referenced; ``required: false``, a parameter's default, is not written;
- **links**: a created object (a ``201`` answer) links to reading it (the ``GET`` operations whose path
  parameters its body carries). The kernel's other links are left out here (each service's own document keeps
  them): an action on an object linked back to reading it (its path is a prefix of the action's), an answer
  linked to every action on what it created or to reading each object it names (a field ``lead_id``, a
  path ``/leads/{lead_id}``); a reader sees the same from the paths and schemathesis infers them;
- **one problem response**: an operation answers ``4XX`` and ``5XX`` with the same ``Problem`` and the same
  examples; here it names one ``default`` response, ``components/responses/Problem`` (every code of
  ``Problem4XX`` and ``Problem5XX``, with its example, and ``Retry-After``), instead of two on every
  operation;
- **descriptions** ``Successful Response`` (FastAPI's of every answer) are written ``OK``;
- **the error catalogue** (``components/examples/<CODE>`` of each code an operation lists in
  ``x-zhifa-error-codes``, referenced by name) keeps ``status`` and ``title`` of each code: the example's name
  is the code, its ``type`` is always ``/errors/<CODE>`` and its ``detail`` only repeated the title. The
  examples that a response shows (the shared ``Problem``'s) stay whole problem documents.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import orjson

from services.common.openapi import FILE_TYPES

METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
# keywords whose value is data, not a schema (an enum's values, a default, an example)
_DATA = ("examples", "example", "default", "const", "enum")
_NULL = {"type": "null"}
_FILES = {media: ext.lstrip(".").title() for ext, media in FILE_TYPES.items()} | {"text/html": "Html"}


def compact(doc: dict[str, Any]) -> dict[str, Any]:
    """The document, compacted in place (see the module's docstring) and returned."""
    doc["components"]["schemas"] = {
        name: _schema(schema, name) for name, schema in doc["components"].get("schemas", {}).items()
    }
    for param in doc["components"].get("parameters", {}).values():
        _parameter(param)
    reads = {op.get("operationId") for _, method, op in operations(doc) if method == "get"}
    for _, _, op in operations(doc):
        _operation(doc, op, reads)
    one_problem_response(doc)
    _share(doc, "parameters", _parameters(doc), lambda p: str(p["name"]))
    _share(doc, "responses", _responses(doc), _response_name)
    _catalogue(doc)
    return doc


def operations(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in doc.get("paths", {}).items():
        for method, op in item.items():
            if method in METHODS:
                yield path, method, op


# ---------------------------------------------------------------------------------------------------- schemas


def fold_nullable(schema: Any) -> Any:
    """The schema with every ``anyOf`` of a bare type (``{type: string}``) and ``null`` written as a type list."""
    if isinstance(schema, list):
        return [fold_nullable(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {}
    for key, value in schema.items():
        if key == "properties" and isinstance(value, dict):
            out[key] = {name: fold_nullable(sub) for name, sub in value.items()}
        else:
            out[key] = value if key in _DATA else fold_nullable(value)
    variants = out.get("anyOf")
    if not (isinstance(variants, list) and len(variants) == 2 and _NULL in variants):
        return out
    other = variants[1] if variants[0] == _NULL else variants[0]
    if not (isinstance(other, dict) and list(other) == ["type"] and isinstance(other["type"], str)):
        return out
    return {"type": [other["type"], "null"], **{k: v for k, v in out.items() if k != "anyOf"}}


def _schema(schema: dict[str, Any], name: str) -> dict[str, Any]:
    folded: dict[str, Any] = fold_nullable(schema)
    title = folded.get("title")
    # pydantic names a generic model's component after its title with the brackets made underscores
    # (``Page[AuditEntryRead]`` → ``Page_AuditEntryRead_``): that title only repeats the name too
    if isinstance(title, str) and name.endswith(re.sub(r"[\[\],]", "_", title)):
        del folded["title"]
    return folded


# ------------------------------------------------------------------------------------------------- operations


def _operation(doc: dict[str, Any], op: dict[str, Any], reads: set[Any]) -> None:
    if op.get("summary") == generated_summary(op.get("operationId", "")):
        del op["summary"]
    if "security" in op and op["security"] == doc.get("security"):
        del op["security"]
    for param in op.get("parameters", []):
        _parameter(param)
    bodies = [op.get("requestBody", {}), *op.get("responses", {}).values()]
    for body in bodies:
        for media in body.get("content", {}).values():
            if isinstance(media.get("schema"), dict):
                media["schema"] = fold_nullable({k: v for k, v in media["schema"].items() if k != "title"})
    for status, response in op.get("responses", {}).items():
        if response.get("description") == "Successful Response":
            response["description"] = "OK"
        links = response.pop("links", {})
        kept = {
            name: link
            for name, link in links.items()
            if status == "201" and link.get("operationId") in reads and not _reads_back(link)
        }
        if kept:
            response["links"] = kept


def _parameter(param: dict[str, Any]) -> None:
    if param.get("required") is False:
        del param["required"]
    if "schema" in param:
        param["schema"] = fold_nullable(param["schema"])


def generated_summary(operation_id: str) -> str:
    """FastAPI's summary of a route whose function is named like the operation id says (``penalty.decisionView``
    -> ``Decision View``)."""
    function = operation_id.rsplit(".", 1)[-1]
    return re.sub(r"(?<!^)(?=[A-Z])", " ", function).title()


def _reads_back(link: dict[str, Any]) -> bool:
    """A link whose every parameter is the request's own path: to the object the request already names."""
    values = list(link.get("parameters", {}).values())
    return bool(values) and all(isinstance(v, str) and v.startswith("$request.path.") for v in values)


PROBLEM_RESPONSES = ("Problem4XX", "Problem5XX")
PROBLEM = "Problem"


def one_problem_response(doc: dict[str, Any]) -> None:
    """Operations answering ``4XX`` with ``Problem4XX`` and ``5XX`` with ``Problem5XX`` name one ``default``
    response instead, ``components/responses/Problem``: both descriptions, every example, every header."""
    responses = doc["components"].get("responses", {})
    if not all(name in responses for name in PROBLEM_RESPONSES):
        return
    pair = {f"{n[-3:]}": {"$ref": f"#/components/responses/{n}"} for n in PROBLEM_RESPONSES}
    merged = False
    for _, _, op in operations(doc):
        answers = op.get("responses", {})
        if all(answers.get(status) == ref for status, ref in pair.items()):
            for status in pair:
                del answers[status]
            answers["default"] = {"$ref": f"#/components/responses/{PROBLEM}"}
            merged = True
    if not merged:
        return
    parts = [responses[name] for name in PROBLEM_RESPONSES]
    shared: dict[str, Any] = {
        "description": "; ".join(p.get("description", "") for p in parts),
        "content": {},
    }
    for part in parts:
        for media, body in part.get("content", {}).items():
            into = shared["content"].setdefault(media, {k: v for k, v in body.items() if k != "examples"})
            into.setdefault("examples", {}).update(body.get("examples", {}))
        shared.setdefault("headers", {}).update(part.get("headers", {}))
    responses[PROBLEM] = shared
    text = orjson.dumps(doc["paths"])
    for name in PROBLEM_RESPONSES:
        if f'"#/components/responses/{name}"'.encode() not in text:
            del responses[name]


# ------------------------------------------------------------------------------------------------ shared parts


def _parameters(doc: dict[str, Any]) -> list[tuple[list[Any], int]]:
    return [
        (op["parameters"], i)
        for _, _, op in operations(doc)
        for i, p in enumerate(op.get("parameters", []))
        if "$ref" not in p
    ]


def _responses(doc: dict[str, Any]) -> list[tuple[dict[str, Any], str]]:
    return [
        (op["responses"], status)
        for _, _, op in operations(doc)
        for status, response in op.get("responses", {}).items()
        if "$ref" not in response
    ]


def _response_name(response: dict[str, Any]) -> str:
    """A shared response is named after the schema it answers (``PenaltyCaseRead``)."""
    for media in response.get("content", {}).values():
        schema = media.get("schema", {})
        ref = schema.get("$ref") or schema.get("items", {}).get("$ref")
        if ref:
            return str(ref).rsplit("/", 1)[1] + ("List" if "items" in schema else "")
    for media in response.get("content", {}):
        return _FILES.get(media, "File")
    return "Response"


def _share(
    doc: dict[str, Any], section: str, places: list[tuple[Any, Any]], name_of: Callable[[Any], str]
) -> None:
    """Objects of ``section`` written alike in several places: once in ``components/<section>``, referenced
    where it saves bytes. A name already taken by other content gets a number (``case_id.2``)."""
    texts = [orjson.dumps(container[key]) for container, key in places]
    counts = Counter(texts)
    components = doc["components"].setdefault(section, {})
    taken = {orjson.dumps(v): k for k, v in components.items()}
    names: dict[bytes, str] = {}
    for text, count in counts.items():
        if text in taken:
            names[text] = taken[text]
            continue
        value = orjson.loads(text)
        base = name = re.sub(r"[^A-Za-z0-9._-]", "_", name_of(value))  # what a component's key may hold
        number = 2
        while name in components:
            name, number = f"{base}.{number}", number + 1
        reference = len(f'{{"$ref":"#/components/{section}/{name}"}}')
        if count * len(text) > count * reference + len(text) + len(name) + 3:
            components[name] = value
            names[text] = name
    for (container, key), text in zip(places, texts, strict=True):
        if text in names:
            container[key] = {"$ref": f"#/components/{section}/{names[text]}"}


def _catalogue(doc: dict[str, Any]) -> None:
    """Examples no response shows (each code of ``x-zhifa-error-codes``) keep status and title."""
    shown = set(re.findall(r'"#/components/examples/([^"]+)"', orjson.dumps(doc).decode()))
    for code, example in doc["components"].get("examples", {}).items():
        value = example.get("value")
        if code not in shown and isinstance(value, dict):
            example["value"] = {k: value[k] for k in ("status", "title") if k in value}
