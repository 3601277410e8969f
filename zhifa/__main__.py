"""The ``zhifa`` command (and ``python -m zhifa``): ``zhifa serve ...`` runs a process without loading the
command-line framework (zhifa/serve.py); everything else, ``zhifa serve --help`` included, is the typer
application of zhifa/cli.py."""

from __future__ import annotations

import sys
from typing import Any

from zhifa.serve import ROLES, SERVE_TARGETS

__all__ = ["ROLES", "SERVE_TARGETS", "main"]


def __getattr__(name: str) -> Any:
    """``app``: the typer application (zhifa/cli.py), imported when asked for, not by ``zhifa serve``."""
    if name == "app":
        from zhifa.cli import app

        return app
    raise AttributeError(name)


def main() -> None:
    args = sys.argv[1:]
    if args[:1] == ["serve"] and not {"-h", "--help"} & set(args):
        from zhifa.serve import main as serve

        serve(args[1:])
        return
    from zhifa.cli import main as cli

    cli()


if __name__ == "__main__":
    main()
