"""Problem details in the users' language (issue #11 item 19): validation and library messages are translated,
English details keep the specifics the Chinese ones carry, and every error code is catalogued."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator

import pytest

from tests.support.stack import Running, Stack, auth, client, running_service, token

CJK = re.compile(r"[\u4e00-\u9fff]")
EN = {"Accept-Language": "en"}
ITEMS = "/api/v1/inspection/items"


@pytest.fixture(scope="module")
async def service(stack: Stack) -> AsyncIterator[Running]:
    db = await stack.anew_database("inspection")
    async with running_service("inspection", database_url=db, nats_url="nats://127.0.0.1:1") as svc:
        yield svc


BAD_ITEM = {
    "code": "SJ-SP-001",
    "name": "x",  # string_too_short: at least 2
    "dept_code": "sj",  # string_pattern_mismatch
    "level": "town",  # literal_error
    "key_area": "maybe",  # bool_parsing
    "legal_basis": [],  # too_short: at least 1 item
    "effective_from": "soon",  # date_from_datetime_parsing
    "colour": "red",  # extra_forbidden
}


def by_field(body: dict[str, object]) -> dict[str, str]:
    return {".".join(e["loc"][1:]): e["message"] for e in body["errors"]}  # type: ignore[attr-defined, index]


class TestValidationMessages:
    async def test_every_message_is_chinese_and_keeps_its_bounds(self, service: Running) -> None:
        async with client(service.url, headers=auth("admin")) as http:
            r = await http.post(ITEMS, json=BAD_ITEM)
        assert r.status_code == 422
        messages = by_field(r.json())
        assert set(messages) >= {
            "name",
            "dept_code",
            "level",
            "key_area",
            "legal_basis",
            "effective_from",
            "colour",
        }
        for field, message in messages.items():
            assert CJK.search(message), f"{field}: {message!r} is not Chinese"
        assert "1" in messages["legal_basis"] and "项" in messages["legal_basis"]  # was "List should have..."
        assert "2" in messages["name"] and "字符" in messages["name"]
        assert "'city'" in messages["level"] and "'district'" in messages["level"]
        assert CJK.search(r.json()["detail"])

    async def test_query_parameters(self, service: Running) -> None:
        async with client(service.url, headers=auth("admin")) as http:
            word = await http.get("/api/v1/inspection/officers", params={"limit": "十"})
            huge = await http.get("/api/v1/inspection/officers", params={"limit": "100000"})
        assert by_field(word.json()) == {"limit": "应为整数"}
        (message,) = by_field(huge.json()).values()
        assert CJK.search(message) and "200" in message  # the page size is at most 200

    async def test_bulk_import_rows_are_translated_too(self, service: Running) -> None:
        async with client(service.url, headers=auth("admin")) as http:
            r = await http.post(f"{ITEMS}/bulk", json=[{k: v for k, v in BAD_ITEM.items() if k != "colour"}])
        assert r.status_code == 422 and r.json()["code"] == "IMPORT_INVALID"
        messages = {".".join(e["loc"]): e["message"] for e in r.json()["errors"]}
        assert all(CJK.search(m) for m in messages.values()), messages
        assert "1" in messages["legal_basis"] and CJK.search(r.json()["detail"])

    async def test_english_on_request(self, service: Running) -> None:
        async with client(service.url, headers={**auth("admin"), **EN}) as http:
            r = await http.post(ITEMS, json=BAD_ITEM)
        messages = by_field(r.json())
        assert messages["legal_basis"] == "List should have at least 1 item after validation, not 0"
        assert not any(CJK.search(m) for m in messages.values())


class TestLibraryMessages:
    async def test_a_malformed_token(self, service: Running) -> None:
        async with client(service.url) as http:
            zh = await http.get(ITEMS, headers={"Authorization": "Bearer not-a-token"})
            en = await http.get(ITEMS, headers={"Authorization": "Bearer not-a-token", **EN})
        assert zh.json()["code"] == en.json()["code"] == "TOKEN_INVALID"
        assert zh.json()["detail"] == "访问令牌格式错误"
        assert en.json()["detail"] == "The token is malformed"  # was PyJWT's "Not enough segments"

    async def test_a_token_for_another_audience(self, service: Running) -> None:
        import jwt

        from services.common.devtokens import dev_signing_key

        key, kid = dev_signing_key()
        claims = jwt.decode(token("admin"), options={"verify_signature": False})
        forged = jwt.encode({**claims, "aud": "elsewhere"}, key, algorithm="EdDSA", headers={"kid": kid})
        async with client(service.url, headers={"Authorization": f"Bearer {forged}", **EN}) as http:
            r = await http.get(ITEMS)
        assert r.json()["detail"] == "The token was issued for another audience (aud)"

    async def test_the_role_gate(self, service: Running) -> None:
        async with client(service.url) as http:
            zh = await http.post(ITEMS, json={}, headers=auth("enterprise"))
            en = await http.post(ITEMS, json={}, headers={**auth("enterprise"), **EN})
        assert zh.status_code == en.status_code == 403
        assert zh.json()["detail"] == "角色 enterprise（企业）无权执行此操作；允许的角色：admin（管理员）"
        # was "role enterprise not in ('admin',)"
        assert en.json()["detail"] == "Role enterprise may not do this; allowed: admin"

    async def test_method_not_allowed_is_translated(self, service: Running) -> None:
        async with client(service.url, headers=auth("admin")) as http:
            r = await http.delete(ITEMS)
        # was "Method Not Allowed"; the routing step names the method and what the path does serve
        assert r.status_code == 405 and r.json()["detail"] == "该路径不支持 DELETE 方法；允许：GET, POST"
        assert r.headers["allow"] == "GET, POST"


class TestEnglishKeepsTheSpecifics:
    async def test_a_service_error_without_an_english_text(self, service: Running) -> None:
        task_id = uuid.uuid4()
        async with client(service.url, headers={**auth("admin"), **EN}) as http:
            r = await http.get(f"/api/v1/inspection/tasks/{task_id}")
        assert r.status_code == 404
        assert str(task_id) in r.json()["detail"]  # was the bare title "Task not found"
        assert not CJK.search(r.json()["title"])

    async def test_kernel_errors(self, service: Running) -> None:
        async with client(service.url, headers={**auth("admin"), **EN}) as http:
            missing = await http.post("/api/v1/inspection/admin/dead-letters/987654/retry", json={})
            outside = await http.put(
                "/api/v1/inspection/admin/calendar/2027",
                json={"source": "国办发明电〔2026〕1号", "days_off": ["2026-10-01"]},
            )
        assert missing.json()["code"] == "DEAD_LETTER_NOT_FOUND" and "987654" in missing.json()["detail"]
        assert not CJK.search(missing.json()["detail"])
        assert outside.json()["code"] == "CALENDAR_DATE_OUTSIDE_YEAR"
        assert "2026-10-01" in outside.json()["detail"] and "2027" in outside.json()["detail"]


class TestEnglishDetailRule:
    """problems.english_detail: the English text is used when it keeps every number of the Chinese one."""

    def test_an_english_text_with_the_numbers_is_used(self) -> None:
        from services.common.errors import BadRequest
        from services.common.problems import english_detail

        exc = BadRequest("罚款 5000 元超过上限 3000 元", detail_en="The fine of 5000 yuan exceeds 3000 yuan")
        assert english_detail(exc) == "The fine of 5000 yuan exceeds 3000 yuan"

    def test_an_english_text_missing_a_number_gets_the_chinese_one(self) -> None:
        from services.common.errors import BadRequest
        from services.common.problems import english_detail

        exc = BadRequest("执法证 辽A-0012345 已于2026-05-01暂扣", detail_en="Certificate suspended")
        assert english_detail(exc) == "Certificate suspended (执法证 辽A-0012345 已于2026-05-01暂扣)"

    def test_no_english_text_gets_the_title_and_the_chinese_detail(self) -> None:
        from services.common.errors import BadRequest
        from services.common.problems import english_detail

        exc = BadRequest("承办的执法人员不得少于两人（行政处罚法 第四十二条第一款）")
        assert (
            english_detail(exc) == "Bad request (承办的执法人员不得少于两人（行政处罚法 第四十二条第一款）)"
        )
        assert english_detail(BadRequest()) == "Bad request"


class TestDerivedDayOutOfRange:
    """A day the request did not give but that is derived from it (a deadline, a publication's end) can pass
    the years the platform stores (1900–2199) while every day in the request is inside them; the database's
    ``*_in_range`` CHECK (services/common/date_bounds.py) refuses it. That is bad input, 422 INVALID_DATA with
    a Chinese detail, not the 409 CONFLICT every other constraint means ("conflicts with existing data").
    To bring it about through a route, the kernel's calendar constraint is narrowed for the test to the years
    before 2050, so that a 2060 holiday the API accepts plays the derived day."""

    async def test_a_refused_day_is_422_not_409(self, service: Running) -> None:
        from tests.support.date_bounds import execute

        url = service.settings.database_url
        name = "ck_calendar_override_day_in_range"
        await execute(
            url,
            f"ALTER TABLE calendar_override DROP CONSTRAINT {name}",
            f"ALTER TABLE calendar_override ADD CONSTRAINT {name} CHECK (day < '2050-01-01')",
        )
        year = {"source": "国办发明电〔2059〕1号", "days_off": ["2060-01-02"]}
        calendar = "/api/v1/inspection/admin/calendar/2060"
        try:
            async with client(service.url, headers=auth("admin")) as http:
                zh = await http.put(calendar, json=year)
                en = await http.put(calendar, json=year, headers=EN)
                stored = await http.get(calendar)
        finally:
            await execute(
                url,
                f"ALTER TABLE calendar_override DROP CONSTRAINT {name}",
                f"ALTER TABLE calendar_override ADD CONSTRAINT {name}"
                " CHECK (day BETWEEN '1900-01-01' AND '2199-12-31')",
            )
        assert zh.status_code == 422, zh.text
        assert zh.json()["code"] == "INVALID_DATA", zh.text
        assert zh.json()["detail"] == "由请求推算出的日期超出可保存的范围（1900-01-01 至 2199-12-31）"
        assert en.status_code == 422 and "1900-01-01..2199-12-31" in en.json()["detail"]
        assert stored.status_code == 404 or stored.json()["days_off"] == [], (
            stored.text
        )  # nothing half-written
