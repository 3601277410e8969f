"""The ``zhifa`` command (and ``python -m zhifa``): ``zhifa serve ...`` runs a process without loading the
command-line framework (zhifa/serve.py), its libraries optimized and the platform's code as written
(zhifa/optimize.py); everything else, ``zhifa serve --help`` included, is the typer application of
zhifa/cli.py. Nothing of the platform is imported before a ``zhifa serve`` process has relaunched itself."""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["main"]


def __getattr__(name: str) -> Any:
    """``app``: the typer application (zhifa/cli.py), imported when asked for, not by ``zhifa serve``;
    ``ROLES`` and ``SERVE_TARGETS``: zhifa/serve.py's, imported when asked for (a ``zhifa serve`` process imports
    nothing of the platform before it has relaunched itself)."""
    if name == "app":
        from zhifa.cli import app

        return app
    if name in ("ROLES", "SERVE_TARGETS"):
        from zhifa import serve

        return getattr(serve, name)
    raise AttributeError(name)


def main() -> None:
    args = sys.argv[1:]
    if args[:1] == ["serve"] and not {"-h", "--help"} & set(args):
        from zhifa import optimize

        optimize.relaunch()  # python -OO (the same command line, pid and environment), unless optimized already
        optimize.keep_own_code()
        from zhifa.serve import main as serve

        serve(args[1:])
        return
    from zhifa.cli import main as cli

    cli()


if __name__ == "__main__":
    main()
