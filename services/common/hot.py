"""A route whose common request skips FastAPI's generic request handling (issue #16: inspection's check-in,
item 1, and penalty's what-if assessment, item 3).

The route is declared like any other — its OpenAPI operation, response model, roles (``x-zhifa-roles``) and
so the authorisation matrices are FastAPI's, unchanged; only the request handler FastAPI builds for it is
wrapped. On the common request — a body of content type ``application/json`` that orjson parses and the
route's own body model accepts (validated as FastAPI validates it: ``validate_python``, ``from_attributes``),
with path parameters the route's own fields accept (FastAPI's ``request_params_to_args``) —
the wrapper calls ``fast(request, body)``, which runs the route's dependencies itself in the order the
endpoint declares them and calls the same use case, and serialises the reply with the route's response field
(the same ``dump_json`` FastAPI uses: the same bytes), or, when ``fast`` returns a ``Response`` (as the route's
own endpoint does), sends that. Every other request — no or another content type, a body
orjson or the model refuses, any request while the app has ``dependency_overrides`` — is FastAPI's own handler's, so every refusal (422 and its field errors, 401,
403) stays byte-identical.

It saves the dependency resolution (signature introspection, a dict of values per request), the second
validation of the reply and the response-class dispatch: tens of microseconds per request on the hot path.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import orjson
from fastapi.dependencies.utils import request_params_to_args
from fastapi.routing import APIRoute
from pydantic import BaseModel, TypeAdapter, ValidationError
from starlette.requests import Request
from starlette.responses import Response

JSON = "application/json"
Fast = Callable[[Request, Any], Awaitable[BaseModel | Response]]


def _json_body(request: Request) -> bool:
    """True when FastAPI would read the body as JSON of exactly ``application/json`` (parameters aside)."""
    content_type = request.headers.get("content-type")
    return content_type is not None and content_type.split(";", 1)[0].strip().lower() == JSON


class HotAPIRoute(APIRoute):
    """Every hot route's class: the kernel's dispatcher (services/common/dispatch.py) serves these without FastAPI's
    route scan."""


def hot_route(body: type[BaseModel], fast: Fast) -> type[APIRoute]:
    """An APIRoute class for one route whose JSON body is ``body``, its common request served by ``fast``."""
    adapter: TypeAdapter[BaseModel] = TypeAdapter(body)

    class HotRoute(HotAPIRoute):
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            generic = super().get_route_handler()
            field, status = self.response_field, self.status_code or 200  # FastAPI's default is 200
            path_fields = self.dependant.path_params
            assert field is not None, "a hot route declares its response model"
            # path values recur (a benchmark code, a sample id): FastAPI's verdict on each is kept (bounded)
            path_ok: dict[tuple[tuple[str, Any], ...], bool] = {}

            def valid_path(params: dict[str, Any]) -> bool:
                if not path_fields:
                    return True
                key = tuple(params.items())
                verdict = path_ok.get(key)
                if verdict is None:
                    verdict = not request_params_to_args(path_fields, params)[1]
                    if len(path_ok) >= 4096:
                        path_ok.clear()
                    path_ok[key] = verdict
                return verdict

            async def handler(request: Request) -> Response:
                parsed = None
                # dependency_overrides (tests) are FastAPI's to apply: the fast path calls the real ones
                if (
                    _json_body(request)
                    and not request.app.dependency_overrides
                    and valid_path(request.path_params)
                ):
                    try:
                        parsed = adapter.validate_python(
                            orjson.loads(await request.body()), from_attributes=True
                        )
                    except (orjson.JSONDecodeError, ValidationError):
                        parsed = None  # FastAPI's handler words the refusal
                if parsed is None:
                    return await generic(request)
                result = await fast(request, parsed)
                if isinstance(result, Response):
                    return result
                return Response(content=field.serialize_json(result), status_code=status, media_type=JSON)

            return handler

    return HotRoute
