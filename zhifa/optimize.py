"""Every ``zhifa serve`` process runs its libraries' code optimized (``python -OO``) and the platform's own code
as written.

``-OO`` compiles code without docstrings and ``assert`` statements. Every module a process imports keeps its
docstrings as constants of its code objects: SQLAlchemy's, pydantic's, FastAPI's, Starlette's, nats-py's and
the standard library's are ~5 MiB of every service process (docs/benchmarks.md, "Idle memory per process").
The platform's own packages (:data:`OWN`) are loaded unoptimized all the same: FastAPI takes a route's
description from its endpoint's docstring and pydantic a schema's from its model's (the OpenAPI documents stay
byte for byte the same), and their ``assert`` statements stay. Libraries run with ``-OO`` as Python documents
it (``sys.flags.optimize`` is 2): they keep their checks in ``if``s; an ``assert`` is theirs to drop.

:func:`relaunch` makes the process ``python -OO`` (it replaces itself, same pid, before importing anything
else); :func:`keep_own_code` then loads :data:`OWN` from their unoptimized ``.pyc`` files (``compileall -o 0
-o 2`` writes both kinds in the image, deploy/Dockerfile).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from importlib.abc import MetaPathFinder
from importlib.machinery import ModuleSpec, SourceFileLoader
from types import CodeType, ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing_extensions import Buffer

#: The platform's own top-level packages: loaded unoptimized in an optimized process.
OWN = ("services", "gateway", "zhifa")
OPTIMIZE = 2  # python -OO
_SUFFIX = f".opt-{OPTIMIZE}.pyc"


def relaunch() -> None:
    """Replace this process with the same command line run by ``python -OO`` (same pid and environment), unless
    it runs optimized already (``-O``, ``-OO`` or ``PYTHONOPTIMIZE``: left as chosen). Returns only then."""
    if sys.flags.optimize == 0:
        os.execv(sys.executable, [sys.executable, "-OO", *sys.orig_argv[1:]])


def keep_own_code() -> None:
    """Load the modules of :data:`OWN` not imported yet unoptimized: their docstrings and asserts kept."""
    if sys.flags.optimize and not any(isinstance(f, _OwnCode) for f in sys.meta_path):
        sys.meta_path.insert(0, _OwnCode())


def _unoptimized(path: str) -> str:
    """The unoptimized ``.pyc`` of an optimized one's path; any other path as it is."""
    return path[: -len(_SUFFIX)] + ".pyc" if path.endswith(_SUFFIX) else path


class _OwnLoader(SourceFileLoader):
    """A source file compiled and cached as without ``-O``: the cache path the import system asks for (an
    optimized ``.pyc``) is read and written as the unoptimized one."""

    def source_to_code(  # type: ignore[override]
        self, data: bytes | str, path: str, *, _optimize: int = -1
    ) -> CodeType:
        return compile(data, path, "exec", dont_inherit=True, optimize=0)

    def get_data(self, path: str) -> bytes:
        return super().get_data(_unoptimized(path))

    def set_data(self, path: str, data: Buffer, *, _mode: int = 0o666) -> None:
        super().set_data(_unoptimized(path), data, _mode=_mode)


class _OwnCode(MetaPathFinder):
    """Finds a module of :data:`OWN` with the other finders and loads it with :class:`_OwnLoader`."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if fullname.partition(".")[0] not in OWN:
            return None
        for finder in sys.meta_path:
            find = getattr(finder, "find_spec", None)
            if finder is self or find is None:
                continue
            spec: ModuleSpec | None = find(fullname, path, target)
            if spec is not None:
                break
        else:
            return None
        loader = spec.loader
        if type(loader) is SourceFileLoader:
            spec.loader = _OwnLoader(loader.name, loader.path)
            spec.cached = spec.cached and _unoptimized(spec.cached)
        return spec
