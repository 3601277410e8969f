"""A service app with and without the hot routes' dispatcher (services/common/dispatch.py), to compare the two."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi.routing import _EffectiveRouteContext
from starlette.routing import Route

from services.common.dispatch import HotDispatch
from services.common.routing import RequestTarget


@contextmanager
def scanned(app: Any) -> Iterator[None]:
    """Within: every request of ``app`` goes through FastAPI's route scan, as before the dispatcher."""
    target = app.router.middleware_stack
    assert isinstance(target, RequestTarget) and isinstance(target.inner, HotDispatch)
    dispatcher = target.inner
    target.inner = dispatcher.inner
    try:
        yield
    finally:
        target.inner = dispatcher


@contextmanager
def scan_tries() -> Iterator[list[str]]:
    """Within: the paths of the routes FastAPI's scan tries, in order (a route at the top level is tried by its
    ``Route.matches``, a route in an included router by its effective context's ``matches``)."""
    tried: list[str] = []
    originals = [(cls, cls.matches) for cls in (Route, _EffectiveRouteContext)]
    for cls, original in originals:

        def matches(self: Any, scope: Any, original: Any = original) -> Any:
            tried.append(self.path)
            return original(self, scope)

        setattr(cls, "matches", matches)  # noqa: B010
    try:
        yield tried
    finally:
        for cls, original in originals:
            setattr(cls, "matches", original)  # noqa: B010
