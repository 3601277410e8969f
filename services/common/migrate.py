"""Run a service's Alembic migrations against its own database (``zhifa migrate <service|all>``), and tell
whether a database is at the revision the running code expects (readiness).

Each service has its own Alembic tree (``services/<name>/migrations``) and version table
(``alembic_version_<name>``), so the trees never see each other even if two services share a server.
Concurrent runs (an init container in every pod of a rollout) are serialised by a transaction-scoped
PostgreSQL advisory lock taken before Alembic reads the current revision (services/common/migrations_env.py):
the first run migrates, the others then find the schema at head and do nothing.
"""

from __future__ import annotations

import functools
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import AsyncConnection

SERVICES_DIR = Path(__file__).resolve().parent.parent

SchemaStatus = Literal["current", "behind", "ahead", "missing"]


def alembic_config(service: str, database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(SERVICES_DIR / service / "migrations"))
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("version_locations", str(SERVICES_DIR / service / "migrations" / "versions"))
    cfg.set_main_option(
        "file_template", "%%(year)d_%%(month).2d_%%(day).2d_%%(hour).2d%%(minute).2d_%%(rev)s_%%(slug)s"
    )
    cfg.attributes["database_url"] = database_url
    cfg.attributes["service"] = service
    return cfg


def upgrade(service: str, database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(service, database_url), revision)


def downgrade(service: str, database_url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(service, database_url), revision)


def lock_key(service: str) -> int:
    """The advisory lock that serialises migrations of one service (a stable 32-bit number)."""
    return zlib.crc32(f"zhifa-migrate:{service}".encode())


def version_table(service: str) -> str:
    return f"alembic_version_{service}"


@functools.cache
def _script(service: str) -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config(service, ""))


def heads(service: str) -> frozenset[str]:
    """The revisions the code of this service expects the database to be at."""
    return frozenset(_script(service).get_heads())


@dataclass(frozen=True)
class SchemaState:
    status: SchemaStatus
    database: tuple[str, ...]
    code: tuple[str, ...]

    @property
    def ready(self) -> bool:
        return self.status in ("current", "ahead")

    def reason(self, service: str) -> str:
        if self.status == "missing":
            return f"the database has no {version_table(service)}: run `zhifa migrate {service}`"
        if self.status == "behind":
            return (
                f"the database is at {', '.join(self.database)}, the code needs {', '.join(self.code)}: "
                f"run `zhifa migrate {service}`"
            )
        if self.status == "ahead":
            return f"the database is at {', '.join(self.database)}, newer than this code (a later release)"
        return f"the database is at {', '.join(self.code)}"


def compare(service: str, database: set[str] | frozenset[str]) -> SchemaState:
    """The state of a database at these revisions against the code's heads.

    A revision the code does not know was written by a newer release (migrations are expand/contract, so
    the old code still works on it): ahead, and ready, so a rolling update keeps the old pods serving.
    """
    code = heads(service)
    state = SchemaState("current", tuple(sorted(database)), tuple(sorted(code)))
    if not database:
        return SchemaState("missing", (), state.code)
    if set(database) == code:
        return state
    script = _script(service)
    known = {s.revision for s in script.walk_revisions()}
    if not set(database) <= known:
        return SchemaState("ahead", state.database, state.code)
    return SchemaState("behind", state.database, state.code)


async def schema_state(conn: AsyncConnection, service: str) -> SchemaState:
    """Read the database's revision(s) over an open connection and compare them with the code's heads."""
    table = version_table(service)
    exists = await conn.scalar(sa.text("SELECT to_regclass(:table) IS NOT NULL"), {"table": table})
    rows = (await conn.execute(sa.text(f"SELECT version_num FROM {table}"))).scalars().all() if exists else []
    return compare(service, {str(r) for r in rows})
