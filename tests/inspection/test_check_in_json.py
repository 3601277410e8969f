"""The check-in's reply written straight from the visit's columns (``views.check_in_json``, issue #16 item 1) is
byte for byte what FastAPI writes for ``s.CheckInRead`` through the route's response model.

The pure cases put the same columns through both (the models, then ``dump_json`` as the route's response field
does it); the service case checks a real check-in's reply against the model's dump of the same visit read back
through GET /visits/{id}.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import TypeAdapter

from services.common.auth import Principal
from services.inspection import schemas as s
from services.inspection import views
from services.inspection.use_cases.entry import _started_row
from tests.inspection.helpers import API, ENTERPRISE, KEY_AREA_TASK, SJ, SJ_AUXILIARY_ID, Env, check_in
from tests.inspection.helpers import entry_code as issue_code
from tests.support.http import ok
from tests.support.personas import enterprise, officer
from tests.support.stack import client

REPLY = TypeAdapter(s.CheckInRead)
ENTERPRISE_CALLER = Principal(sub="ent-1", role="enterprise", uscc="91210102MA0000000X")


def _values(**changes: Any) -> dict[str, Any]:
    """The columns ``entry._visit_values`` writes for a check-in, as the reply reads them."""
    started = datetime(2026, 12, 7, 6, 5, 4, 321000, tzinfo=UTC)
    values: dict[str, Any] = {
        "visit_id": uuid.UUID("0a1b2c3d-4e5f-4a6b-8c7d-8e9fa0b1c2d3"),
        "task_id": uuid.UUID(int=0xABCDEF),
        "task_kind": "key_area",
        "uscc": "91210102MA0000000X",
        "district_code": "210102",
        "mode": "entry_code",
        "status": "in_progress",
        "started_at": started,
        "recorded_at": started + timedelta(microseconds=7),
        "reason": "",
        "entry_code_id": uuid.UUID(int=5),
        "requested_by_enterprise": False,
        "dept_codes": ["SJ"],
        "cert_nos": ["辽A-0012340", "辽A-0012341"],
        "officers": [
            {"cert_no": "辽A-0012340", "name": "雷悦国", "dept_code": "SJ", "department": "市场监管"},
            {"cert_no": "辽A-0012341", "name": "沈刚悦", "dept_code": "SJ", "department": ""},
        ],
        "accompanying": [
            {"officer_id": "aux-1", "name": "向杰玉", "dept_code": "SJ", "department": "市场监管"}
        ],
        "item_codes": ["SJ-SP-001"],
        "items": [
            {
                "code": "SJ-SP-001",
                "name": "对食品生产经营许可及许可证公示情况的检查",
                "dept_code": "SJ",
                "legal_basis": "《中华人民共和国食品安全法》第三十五条；第一百一十条",
            }
        ],
        "started_by": "ent-1",
        "started_by_role": "enterprise",
        "request_id": "r1",
    }
    values.update(changes)
    return values


def _model_bytes(values: dict[str, Any], name: str | None) -> bytes:
    visit = views.visit_read(_started_row(values), [], name, ENTERPRISE_CALLER)
    return REPLY.dump_json(views.check_in_read(visit))


ODD = 'quote " back \\ slash / tab \t newline \n nul-ish \x01 \x1f del \x7f emoji 🚪 <b>&amp;'
CASES: dict[str, tuple[dict[str, Any], str | None]] = {
    "the common check-in": (_values(), "沈阳广源食品有限公司"),
    "no enterprise name": (_values(), None),
    "whole seconds": (
        _values(started_at=datetime(2026, 1, 1, tzinfo=UTC), recorded_at=datetime(2026, 1, 1, tzinfo=UTC)),
        "x",
    ),
    "a time not in UTC": (
        _values(
            started_at=datetime(2026, 3, 1, 8, 0, 0, 5, tzinfo=timezone(timedelta(hours=8))),
            recorded_at=datetime(2026, 3, 1, 0, 0, 0, 999999, tzinfo=UTC),
        ),
        "x",
    ),
    "nobody accompanying, several items": (
        _values(
            accompanying=[],
            items=[
                {"code": f"SJ-SP-00{n}", "name": f"事项{n}", "dept_code": "SJ", "legal_basis": ""}
                for n in range(1, 4)
            ],
        ),
        "x",
    ),
    "characters JSON escapes": (
        _values(
            reason=ODD,
            officers=[{"cert_no": ODD, "name": ODD, "dept_code": "SJ", "department": ODD}],
            accompanying=[{"officer_id": "a", "name": ODD, "dept_code": "XF"}],  # no department: ""
            items=[{"code": "C", "name": ODD, "dept_code": "SJ", "legal_basis": ODD}],
        ),
        ODD,
    ),
    "emergency and back-filled modes": (_values(mode="emergency"), "x"),
    "back-filled": (_values(mode="backfilled", reason="系统停机"), "x"),
}


@pytest.mark.parametrize(("values", "name"), list(CASES.values()), ids=list(CASES))
def test_the_direct_reply_is_the_models_dump(values: dict[str, Any], name: str | None) -> None:
    assert views.check_in_json(values, name) == _model_bytes(values, name)


def test_the_common_reply_by_hand() -> None:
    """The first fields and the times, worked out by hand (pydantic's form: UTC as Z, microseconds kept)."""
    body = views.check_in_json(_values(), "沈阳广源食品有限公司")
    assert body.startswith(
        b'{"visit":{"visit_id":"0a1b2c3d-4e5f-4a6b-8c7d-8e9fa0b1c2d3",'
        b'"task_id":"00000000-0000-0000-0000-000000abcdef","task_kind":"key_area",'
    )
    assert b'"started_at":"2026-12-07T06:05:04.321000Z","recorded_at":"2026-12-07T06:05:04.321007Z"' in body
    assert b'"outcomes":[],"rating":null,"rating_due_at":null},"rights":[' in body


async def test_a_check_ins_reply_is_the_models_dump_of_the_visit_read_back(env: Env) -> None:
    async with client(env.url) as http:
        body = {
            "task_id": KEY_AREA_TASK,
            "enterprise_uscc": ENTERPRISE,
            "officers": [SJ[1]],
            "accompanying": [SJ_AUXILIARY_ID],
            "item_codes": ["SJ-SP-001"],
        }
        code = ok(await http.post(f"{API}/visits/entry-codes", json=body, headers=officer(SJ[0], "SJ")), 201)
        reply = await check_in(http, code["code"])
        assert reply.status_code == 201 and reply.headers["content-type"] == "application/json"
        visit_id = reply.json()["visit"]["visit_id"]
        read = await http.get(f"{API}/visits/{visit_id}", headers=enterprise(ENTERPRISE))
        assert read.status_code == 200
        plain = ok(await check_in(http, (await issue_code(http, KEY_AREA_TASK))["code"]), 201)
    visit = s.VisitRead.model_validate_json(read.content)
    assert visit.accompanying and visit.officers and visit.items  # every list of the reply is exercised
    expected = REPLY.dump_json(views.check_in_read(visit))
    assert reply.content == expected
    assert int(reply.headers["content-length"]) == len(expected)
    assert plain["visit"]["accompanying"] == []
