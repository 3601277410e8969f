"""The one access rule: the same condition narrows a list and a get, and a foreign object answers 404."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import date
from typing import Annotated, Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI, Query, Request
from pydantic import BaseModel
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.common import access, problems
from services.common.access import Scope, Visibility, scope_for
from services.common.auth import Principal
from services.common.db import create_engine, session_factory, transaction
from services.common.deps import get_principal, load_or_404
from services.common.edge import RequestContext
from services.common.errors import NotFound
from tests.support.stack import Stack

metadata = sa.MetaData()
thing = sa.Table(
    "thing",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("uscc", sa.Text, nullable=False),
    sa.Column("department_code", sa.Text, nullable=False),
    sa.Column("district_code", sa.Text, nullable=False),
    sa.Column("departments", ARRAY(sa.Text), nullable=False),
)
RULE = Visibility(
    uscc=thing.c.uscc,
    department_code=access.in_department(thing.c.department_code),
    district_code=thing.c.district_code,
)
JOINT = Visibility(department_code=access.any_of(thing.c.departments))

A = uuid.UUID(int=1)  # enterprise E1, body SJ-210102 (市场监管, 和平区)
B = uuid.UUID(int=2)  # enterprise E2, department SJ itself, 沈河区
C = uuid.UUID(int=3)  # enterprise E1, department HB (生态环境), 和平区, joint with SJ


@pytest.fixture(scope="module")
async def factory(stack: Stack) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(await stack.anew_database("risk", migrated=False))
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
        await conn.execute(
            thing.insert(),
            [
                {
                    "id": A,
                    "uscc": "E1",
                    "department_code": "SJ-210102",
                    "district_code": "210102",
                    "departments": ["SJ"],
                },
                {
                    "id": B,
                    "uscc": "E2",
                    "department_code": "SJ",
                    "district_code": "210103",
                    "departments": ["SJ"],
                },
                {
                    "id": C,
                    "uscc": "E1",
                    "department_code": "HB",
                    "district_code": "210102",
                    "departments": ["HB", "SJ"],
                },
            ],
        )
    yield session_factory(engine)
    await engine.dispose()


def principal(role: str, **claims: Any) -> Principal:
    return Principal(sub="p", role=role, **claims)  # type: ignore[arg-type]


async def visible(factory: async_sessionmaker[AsyncSession], scope: Scope, rule: Visibility) -> set[int]:
    async with transaction(factory) as session:
        ids = await session.scalars(access.readable(sa.select(thing.c.id), scope, rule))
        return {i.int for i in ids}


class TestScopes:
    def test_admin_and_city_supervisor_see_everything(self) -> None:
        assert scope_for(principal("admin")).everything
        assert scope_for(principal("supervisor", scope="city")).everything

    def test_every_other_caller_is_narrowed_by_one_dimension(self) -> None:
        assert scope_for(principal("supervisor", scope="210102")).narrowing() == ("district_code", "210102")
        assert scope_for(principal("officer", dept_code="SJ")).narrowing() == ("department_code", "SJ")
        assert scope_for(principal("enterprise", uscc="E1")).narrowing() == ("uscc", "E1")
        assert scope_for(principal("integration", client="12345")).narrowing() == ("client", "12345")

    def test_a_token_without_its_claim_sees_nothing_rather_than_everything(self) -> None:
        assert scope_for(principal("officer")).narrowing() == ("department_code", "")


class TestReadable:
    async def test_each_caller_sees_its_slice(self, factory: async_sessionmaker[AsyncSession]) -> None:
        assert await visible(factory, scope_for(principal("admin")), RULE) == {1, 2, 3}
        assert await visible(factory, scope_for(principal("enterprise", uscc="E1")), RULE) == {1, 3}
        # SJ sees its own rows and those of its enforcement bodies (SJ-210102), not HB's.
        assert await visible(factory, scope_for(principal("officer", dept_code="SJ")), RULE) == {1, 2}
        assert await visible(factory, scope_for(principal("supervisor", scope="210103")), RULE) == {2}

    async def test_an_undeclared_dimension_hides_everything(
        self, factory: async_sessionmaker[AsyncSession]
    ) -> None:
        assert await visible(factory, scope_for(principal("integration", client="12345")), RULE) == set()
        assert await visible(factory, scope_for(principal("enterprise", uscc="E1")), JOINT) == set()

    async def test_array_dimension(self, factory: async_sessionmaker[AsyncSession]) -> None:
        assert await visible(factory, scope_for(principal("officer", dept_code="SJ")), JOINT) == {1, 2, 3}
        assert await visible(factory, scope_for(principal("officer", dept_code="HB")), JOINT) == {3}

    async def test_an_empty_claim_matches_no_row(self, factory: async_sessionmaker[AsyncSession]) -> None:
        assert await visible(factory, scope_for(principal("officer")), RULE) == set()


class ThingNotFound(NotFound):
    code = "THING_NOT_FOUND"
    title = "对象不存在"
    title_en = "No such thing"


async def readable_thing(session: AsyncSession, scope: Scope, thing_id: uuid.UUID) -> dict[str, Any] | None:
    row = (
        await session.execute(access.readable(sa.select(thing).where(thing.c.id == thing_id), scope, RULE))
    ).first()
    return dict(row._mapping) if row else None


ThingDep = Annotated[
    dict[str, Any],
    load_or_404(readable_thing, param="thing_id", key=uuid.UUID, missing=lambda key: ThingNotFound(str(key))),
]


class ThingWrite(BaseModel):
    note: int


ThingEditDep = Annotated[
    tuple[dict[str, Any], ThingWrite],
    load_or_404(
        readable_thing,
        param="thing_id",
        key=uuid.UUID,
        missing=lambda key: ThingNotFound(str(key)),
        body=ThingWrite,
    ),
]


ThingOnDep = Annotated[
    tuple[dict[str, Any], dict[str, Any]],
    load_or_404(
        readable_thing,
        param="thing_id",
        key=uuid.UUID,
        missing=lambda key: ThingNotFound(str(key)),
        query={"on": Annotated[date | None, Query(description="a day")]},
    ),
]


class TestLoadOr404:
    @pytest.fixture
    async def http(self, factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[httpx.AsyncClient]:
        app = FastAPI()
        problems.install(app)

        @app.middleware("http")
        async def session_per_request(request: Any, call_next: Any) -> Any:
            request.state.zhifa = RequestContext(factory)
            try:
                return await call_next(request)
            finally:
                await request.state.zhifa.get_session().close()

        @app.get("/things/{thing_id}")
        async def get_thing(found: ThingDep) -> dict[str, str]:
            return {"uscc": found["uscc"]}

        @app.get("/things/{thing_id}/on")
        async def thing_on(step: ThingOnDep) -> dict[str, Any]:
            found, query = step
            return {"uscc": found["uscc"], "on": query["on"]}

        @app.patch("/things/{thing_id}")
        async def edit_thing(edit: ThingEditDep) -> dict[str, Any]:
            found, body = edit
            return {"uscc": found["uscc"], "note": body.note}

        async def fake_principal(request: Request) -> Principal:  # the token path is tested in test_auth
            role, _, claim = request.headers["x-test-principal"].partition(":")
            key = {"enterprise": "uscc", "officer": "dept_code", "supervisor": "scope"}.get(role)
            return principal(role, **({key: claim} if key else {}))

        app.dependency_overrides[get_principal] = fake_principal
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t") as client:
            yield client

    async def test_own_object(self, http: httpx.AsyncClient) -> None:
        r = await http.get(f"/things/{A}", headers={"x-test-principal": "enterprise:E1"})
        assert r.status_code == 200 and r.json() == {"uscc": "E1"}, r.text

    async def test_a_foreign_object_looks_absent(self, http: httpx.AsyncClient) -> None:
        foreign = await http.get(f"/things/{B}", headers={"x-test-principal": "enterprise:E1"})
        absent = await http.get(f"/things/{uuid.uuid4()}", headers={"x-test-principal": "enterprise:E1"})
        assert foreign.status_code == absent.status_code == 404
        assert foreign.json()["code"] == absent.json()["code"] == "THING_NOT_FOUND"

    async def test_the_path_parameter_is_validated(self, http: httpx.AsyncClient) -> None:
        r = await http.get("/things/not-a-uuid", headers={"x-test-principal": "admin:"})
        assert r.status_code == 422

    async def test_a_body_that_does_not_validate_is_422_before_any_lookup(
        self, http: httpx.AsyncClient
    ) -> None:
        """A wrongly typed body is refused at its field whether or not the object exists (the lookup would
        otherwise answer 404 first: dependencies run before the endpoint's own body is validated)."""
        for thing_id in (A, B, uuid.uuid4()):
            r = await http.patch(
                f"/things/{thing_id}", json={"note": "many"}, headers={"x-test-principal": "enterprise:E1"}
            )
            assert r.status_code == 422, r.text
            assert [e["loc"] for e in r.json()["errors"]] == [["body", "note"]]  # once, at its field
        ok = await http.patch(f"/things/{A}", json={"note": 7}, headers={"x-test-principal": "enterprise:E1"})
        assert ok.status_code == 200 and ok.json() == {"uscc": "E1", "note": 7}, ok.text
        foreign = await http.patch(
            f"/things/{B}", json={"note": 7}, headers={"x-test-principal": "enterprise:E1"}
        )
        assert foreign.status_code == 404 and foreign.json()["code"] == "THING_NOT_FOUND"

    async def test_a_query_value_that_does_not_validate_is_422_before_any_lookup(
        self, http: httpx.AsyncClient
    ) -> None:
        """Query parameters handed to the loader are validated with the key: a malformed day is refused at its
        field for an own, a foreign and a missing object alike (the surcharge's ``on`` found this)."""
        for thing_id in (A, B, uuid.uuid4()):
            r = await http.get(
                f"/things/{thing_id}/on?on=someday", headers={"x-test-principal": "enterprise:E1"}
            )
            assert r.status_code == 422, r.text
            assert [e["loc"] for e in r.json()["errors"]] == [["query", "on"]]
        own = await http.get(f"/things/{A}/on?on=2026-12-06", headers={"x-test-principal": "enterprise:E1"})
        assert own.status_code == 200 and own.json() == {"uscc": "E1", "on": "2026-12-06"}, own.text
        default = await http.get(f"/things/{A}/on", headers={"x-test-principal": "enterprise:E1"})
        assert default.status_code == 200 and default.json()["on"] is None, default.text
        foreign = await http.get(
            f"/things/{B}/on?on=2026-12-06", headers={"x-test-principal": "enterprise:E1"}
        )
        assert foreign.status_code == 404 and foreign.json()["code"] == "THING_NOT_FOUND"

    def test_the_body_is_the_request_body_itself(self, http: httpx.AsyncClient) -> None:
        app = http._transport.app  # type: ignore[attr-defined]
        body = app.openapi()["paths"]["/things/{thing_id}"]["patch"]["requestBody"]
        assert body["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ThingWrite"}

    def test_the_schema_names_the_path_parameter(self, http: httpx.AsyncClient) -> None:
        app = http._transport.app  # type: ignore[attr-defined]
        params = app.openapi()["paths"]["/things/{thing_id}"]["get"]["parameters"]
        assert [(p["name"], p["in"], p["schema"]["format"]) for p in params] == [("thing_id", "path", "uuid")]
