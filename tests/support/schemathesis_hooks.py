"""schemathesis hooks for tests/test_schemathesis.py (loaded through SCHEMATHESIS_HOOKS).

- the xlsx body of ``POST /api/v1/penalty/imports/cases.xlsx`` is the import template or random bytes;
- ``format: uscc`` generates 统一社会信用代码 with a correct check character, so schema-valid requests reach
  the services' logic instead of stopping at the check (python-stdnum computes it, as the services verify it).
- ``positive_data_within_the_schema``: schema-valid data may be refused only for a reason the schema cannot
  state. The built-in ``positive_data_acceptance`` is told that 400 (a business rule, with its code) and 422
  are acceptable answers; this check then looks inside a 422: the service's own code (``INVALID_USCC``,
  ``NUL_CHARACTER``, an invalid period ...) is a rule beyond JSON Schema, but ``VALIDATION_FAILED`` naming a
  pattern, a length, a range, a type or a missing field means the document says less than the server does.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import strategies as st
from stdnum.cn import uscc

from services.penalty.use_cases import import_sheet

_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100-2015: no I, O, S, V, Z


def _with_check_character(body: str) -> str:
    return body + uscc.calc_check_digit(body)


_USCC = st.builds(
    lambda head, division, organisation: _with_check_character(head + division + organisation),
    st.text(_ALPHABET, min_size=2, max_size=2),
    st.text("0123456789", min_size=6, max_size=6),
    st.text(_ALPHABET, min_size=9, max_size=9),
)
schemathesis.openapi.format("uscc", _USCC)

# The penalty case import's spreadsheet body: the real template (its 2024 example row imports), or bytes that
# are no workbook (refused whole, 422 IMPORT_FILE_INVALID).
schemathesis.openapi.media_type(
    import_sheet.MEDIA_TYPE, st.one_of(st.just(import_sheet.template()), st.binary(max_size=2_000))
)

# pydantic error types a JSON Schema keyword can express (type, required, pattern, length, range, enum,
# additionalProperties, format): refusing schema-valid data for one of them is a gap in the document.
SCHEMA_EXPRESSIBLE = frozenset(
    {
        "missing",
        "extra_forbidden",
        "string_type",
        "string_too_short",
        "string_too_long",
        "string_pattern_mismatch",
        "int_type",
        "int_parsing",
        "int_from_float",
        "float_type",
        "float_parsing",
        "bool_type",
        "bool_parsing",
        "greater_than",
        "greater_than_equal",
        "less_than",
        "less_than_equal",
        "multiple_of",
        "too_short",
        "too_long",
        "enum",
        "literal_error",
        "uuid_type",
        "uuid_parsing",
        "date_type",
        "datetime_type",
        "dict_type",
        "list_type",
        "model_type",
        "model_attributes_type",
        "union_tag_invalid",
        "json_type",
    }
)


def _integral_float(case: Any, loc: list[Any]) -> bool:
    """JSON Schema counts 100.0 as an ``integer``; the platform, documented, wants money and counts written as
    integers and refuses it (422 int_type). That refusal is the documented rule, not a gap."""
    if not loc or loc[0] != "body":
        return False
    value = case.body
    for step in loc[1:]:
        try:
            value = value[int(step) if isinstance(value, list) else step]
        except (KeyError, IndexError, TypeError, ValueError):
            return False
    return isinstance(value, float) and value.is_integer()


@schemathesis.check
def positive_data_within_the_schema(ctx: Any, response: Any, case: Any) -> bool | None:
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code != 422:
        return None
    try:
        body = response.json()
    except ValueError:
        raise AssertionError("a 422 without a problem document") from None
    if body.get("code") != "VALIDATION_FAILED":
        return None  # the service's own rule, with its code (docs/errors.md)
    expressible = [
        e
        for e in body.get("errors", [])
        if e.get("type") in SCHEMA_EXPRESSIBLE and not _integral_float(case, e.get("loc", []))
    ]
    if expressible:
        raise AssertionError(
            "Schema-valid data refused for a rule the schema could state (the document says less than the "
            f"server enforces): {expressible}"
        )
    return None
