"""FastAPI's field adapters are built when first used (services/common/lazy.py ``defer_route_adapters``).

A service's routes are declared at import and built again, with the app's prefixes and dependencies, when
their router is first matched; the adapters of the declared routes served no request, and built at import
they were 2.1 MiB of penalty's RSS after ``create_app()`` (docs/benchmarks.md, "Idle memory per process").
"""

from __future__ import annotations

import pytest
from fastapi.utils import create_model_field
from pydantic import BaseModel, Field

import services.common  # noqa: F401  (the kernel package defers the adapters)
from services.common.registry import SERVICES
from tests.support.interpreter import fresh_report

PROBE = """
import gc, importlib, json, sys
from fastapi._compat import v2
app = importlib.import_module(f"services.{sys.argv[1]}.app").create_app()
fields = [o for o in gc.get_objects() if isinstance(o, v2.ModelField)]
print(json.dumps([len(fields), sum("_type_adapter" in f.__dict__ for f in fields)]))
"""


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_create_app_builds_no_field_adapter(service: str) -> None:
    fields, built = fresh_report(PROBE, service)
    # every route declares some fields (penalty 250 or so); before, each had its adapter built at once
    assert fields > 40
    assert built == 0


class Item(BaseModel):
    code: str = Field(min_length=2)
    fen: int = Field(ge=0)


def test_a_deferred_field_accepts_refuses_and_writes_as_fastapi_built_it() -> None:
    field = create_model_field(name="items", type_=list[Item], mode="serialization")
    assert "_type_adapter" not in field.__dict__
    value, errors = field.validate([{"code": "AB", "fen": "12"}], loc=("body",))
    assert errors == [] and value == [Item(code="AB", fen=12)]
    assert field.serialize_json(value) == b'[{"code":"AB","fen":12}]'
    _, refused = field.validate([{"code": "A", "fen": -1}], loc=("body",))
    assert [(e["loc"], e["type"]) for e in refused] == [
        (("body", 0, "code"), "string_too_short"),
        (("body", 0, "fen"), "greater_than_equal"),
    ]
    assert "_type_adapter" in field.__dict__  # built once, kept


def test_other_missing_attributes_are_still_missing() -> None:
    field = create_model_field(name="size", type_=int)
    assert not hasattr(field, "not_an_attribute")
    assert field.validate("20")[0] == 20


WARM = """
import gc, importlib, json, sys
from pydantic import BaseModel
from fastapi._compat import v2
from services.common import lazy
svc, body, response = sys.argv[1:4]
app = importlib.import_module(f"services.{svc}.app").create_app()
schemas = importlib.import_module(f"services.{svc}.schemas")
def built():
    return sum("_type_adapter" in o.__dict__ for o in gc.get_objects() if isinstance(o, v2.ModelField))
before = [built(), getattr(schemas, body).__pydantic_complete__, getattr(schemas, response).__pydantic_complete__]
warmed = lazy.warm_hot_routes(app)
after = [built(), getattr(schemas, body).__pydantic_complete__, getattr(schemas, response).__pydantic_complete__]
print(json.dumps([warmed, before, after, lazy.warm_hot_routes(app)]))
"""


@pytest.mark.parametrize(
    ("service", "body", "response", "fields"),
    [
        # POST /benchmarks/{code}/assess: body, response and the path's code, as declared and as included;
        # the session, principal and context dependencies read no field
        ("penalty", "AssessRequest", "AssessmentRead", 6),
        # POST /visits/check-in: body and response, as declared and as included
        ("inspection", "CheckIn", "CheckInRead", 4),
    ],
)
def test_start_up_builds_what_the_first_hot_request_would(
    service: str, body: str, response: str, fields: int
) -> None:
    warmed, before, after, again = fresh_report(WARM, service, body, response)
    assert warmed == 1 and again == 1
    assert before == [0, False, False]
    # only the hot route's own fields: the other routes of its router keep theirs for their first request
    assert after == [fields, True, True]
