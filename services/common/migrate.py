"""Run a service's Alembic migrations against its own database (``zhifa migrate <service|all>``), and tell
whether a database is at the revision the running code expects (readiness).

Each service has its own Alembic tree (``services/<name>/migrations``) and version table
(``alembic_version_<name>``), so the trees never see each other even if two services share a server.
Concurrent runs (an init container in every pod of a rollout) are serialised by a transaction-scoped
PostgreSQL advisory lock taken before Alembic reads the current revision (services/common/migrations_env.py):
the first run migrates, the others then find the schema at head and do nothing.

Two database roles per service (issue #13): the *owner* runs the migrations and owns every table; the
*service role* (the one in ``ZHIFA_<SERVICE>_DATABASE_URL``, what the running service connects as) gets
DML only, never UPDATE, DELETE or TRUNCATE on the append-only tables (``audit_entry``, ``audit_checkpoint``)
and never a write to the Alembic version table. ``migrate_service`` does both steps; ``provision_roles`` is
what the local stack and the tests run as the superuser to create the two roles and hand the database to
the owner (in production a database administrator does it once, docs/operations.md).
"""

from __future__ import annotations

import ast
import asyncio
import functools
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from services.common.db import asyncpg_url

if (
    TYPE_CHECKING
):  # Alembic (and Mako) cost ~8 MiB: a running service needs only `heads` (docs/architecture.md)
    from alembic.config import Config

SERVICES_DIR = Path(__file__).resolve().parent.parent

SchemaStatus = Literal["current", "behind", "ahead", "missing"]


def alembic_config(service: str, database_url: str) -> Config:
    from alembic.config import Config

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
    from alembic import command

    command.upgrade(alembic_config(service, database_url), revision)


def downgrade(service: str, database_url: str, revision: str = "base") -> None:
    from alembic import command

    command.downgrade(alembic_config(service, database_url), revision)


def lock_key(service: str) -> int:
    """The advisory lock that serialises migrations of one service (a stable 32-bit number)."""
    return zlib.crc32(f"zhifa-migrate:{service}".encode())


def version_table(service: str) -> str:
    return f"alembic_version_{service}"


@functools.cache
def revisions(service: str) -> dict[str, frozenset[str]]:
    """Every revision of the service's tree -> the revisions it follows, read from the migration files'
    ``revision`` and ``down_revision`` assignments without importing Alembic: readiness runs in every service
    process, Alembic only in ``zhifa migrate`` (tests/common/test_lazy_imports.py compares with Alembic)."""
    tree: dict[str, frozenset[str]] = {}
    for path in sorted((SERVICES_DIR / service / "migrations" / "versions").glob("*.py")):
        values: dict[str, object] = {}
        for node in _assignments(path.read_text(encoding="utf-8")):
            target: ast.expr | None = None
            if isinstance(node, ast.AnnAssign) and node.value is not None:
                target, value = node.target, node.value
            elif isinstance(node, ast.Assign) and len(node.targets) == 1:
                target, value = node.targets[0], node.value
            if isinstance(target, ast.Name) and target.id in ("revision", "down_revision"):
                values[target.id] = ast.literal_eval(value)
        if isinstance(values.get("revision"), str):
            down = values.get("down_revision")
            follows = (
                (down,) if isinstance(down, str) else tuple(down) if isinstance(down, tuple | list) else ()
            )
            tree[str(values["revision"])] = frozenset(str(d) for d in follows)
    return tree


_ASSIGNMENT = re.compile(r"(revision|down_revision)\b")


def _assignments(text: str) -> Iterator[ast.stmt]:
    """The top-level statements that start with ``revision`` or ``down_revision``, each parsed alone (the
    shortest run of lines that parses): parsing whole migration files left ~1.4 MiB in every service process
    for its first readiness check (docs/benchmarks.md, "Idle memory per process")."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if not _ASSIGNMENT.match(line):
            continue
        for end in range(i + 1, min(i + 40, len(lines)) + 1):
            try:
                yield from ast.parse("\n".join(lines[i:end])).body
            except SyntaxError:
                continue
            break


def heads(service: str) -> frozenset[str]:
    """The revisions the code of this service expects the database to be at (none follows them)."""
    tree = revisions(service)
    followed = {d for downs in tree.values() for d in downs}
    return frozenset(r for r in tree if r not in followed)


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
    if not set(database) <= revisions(service).keys():
        return SchemaState("ahead", state.database, state.code)
    return SchemaState("behind", state.database, state.code)


async def schema_state(conn: AsyncConnection, service: str) -> SchemaState:
    """Read the database's revision(s) over an open connection and compare them with the code's heads."""
    table = version_table(service)
    exists = await conn.scalar(sa.text("SELECT to_regclass(:table) IS NOT NULL"), {"table": table})
    rows = (await conn.execute(sa.text(f"SELECT version_num FROM {table}"))).scalars().all() if exists else []
    return compare(service, {str(r) for r in rows})


# ---------------------------------------------------------------------------------------------------------
# The owner and the service role


def role_of(database_url: str) -> str:
    """The PostgreSQL role a URL connects as."""
    return make_url(asyncpg_url(database_url)).username or ""


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


async def execute_statements(database_url: str, statements: list[str]) -> None:
    """Run ``statements`` in one transaction on a connection of its own."""
    engine = create_async_engine(asyncpg_url(database_url), poolclass=sa.pool.NullPool)
    try:
        async with engine.begin() as conn:
            for statement in statements:
                await conn.execute(sa.text(statement))
    finally:
        await engine.dispose()


async def _append_only_tables(database_url: str) -> list[str]:
    """The tables carrying an ``*_append_only`` trigger (services/common/tables.py create_audit_guard)."""
    engine = create_async_engine(asyncpg_url(database_url), poolclass=sa.pool.NullPool)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                sa.text(
                    "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = 'public' AND t.tgname LIKE '%\\_append\\_only' ORDER BY 1"
                )
            )
            return [str(r[0]) for r in rows]
    finally:
        await engine.dispose()


def grant_service_role(service: str, owner_url: str, service_url: str) -> str | None:
    """As the owner: the service role may read and write every table, but not change or remove a row of an
    append-only table, nor write the version table. Returns the role granted, or None when both URLs
    connect as the same role (one role for both: nothing to grant, nothing protected by privileges)."""
    owner, role = role_of(owner_url), role_of(service_url)
    if not role or role == owner:
        return None
    database = make_url(asyncpg_url(owner_url)).database or ""
    guarded = asyncio.run(_append_only_tables(owner_url))
    r = _ident(role)
    statements = [
        f"GRANT CONNECT, TEMPORARY ON DATABASE {_ident(database)} TO {r}",
        f"GRANT USAGE ON SCHEMA public TO {r}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {r}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {r}",
        f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON {version_table(service)} FROM {r}",
        *(f"REVOKE UPDATE, DELETE, TRUNCATE ON {_ident(t)} FROM {r}" for t in guarded),
    ]
    asyncio.run(execute_statements(owner_url, statements))
    return role


def migrate_service(service: str, service_url: str, owner_url: str | None = None) -> str | None:
    """Migrate as the owner (``owner_url``; the service's own URL when there is no separate owner), then
    grant the service role its privileges. Returns the role granted (None: a single role)."""
    upgrade(service, owner_url or service_url)
    if owner_url is None:
        return None
    return grant_service_role(service, owner_url, service_url)


@dataclass(frozen=True)
class Roles:
    owner_url: str
    service_url: str


def provision_roles(admin_url: str, database: str, owner: str, service_role: str) -> Roles:
    """As a superuser (the local stack, the tests): create the owner and the service role if missing (login
    without password: the embedded server trusts local connections), make the owner own ``database`` and
    whatever its public schema already holds (a database migrated before the roles existed)."""
    o, r = _ident(owner), _ident(service_role)
    cluster = [
        f"DO $$ BEGIN CREATE ROLE {o} LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$",
        f"DO $$ BEGIN CREATE ROLE {r} LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$",
        f"ALTER DATABASE {_ident(database)} OWNER TO {o}",
    ]
    admin_db = str(make_url(asyncpg_url(admin_url)).set(database=database).render_as_string(False))
    asyncio.run(execute_statements(admin_url, cluster))
    handover = f"""
        DO $$
        DECLARE item record;
        BEGIN
            FOR item IN SELECT c.relname, c.relkind FROM pg_class c
                    JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'v', 'm', 'p')
                      AND pg_get_userbyid(c.relowner) <> '{owner.replace("'", "''")}' LOOP
                EXECUTE format('ALTER TABLE %I OWNER TO {o}', item.relname);
            END LOOP;
            FOR item IN SELECT p.oid::regprocedure AS sig FROM pg_proc p
                    JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public' LOOP
                EXECUTE format('ALTER FUNCTION %s OWNER TO {o}', item.sig);
            END LOOP;
            FOR item IN SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
                    WHERE n.nspname = 'public' AND t.typtype = 'e' LOOP
                EXECUTE format('ALTER TYPE %I OWNER TO {o}', item.typname);
            END LOOP;
        END $$
    """
    asyncio.run(execute_statements(admin_db, [handover]))
    url = make_url(asyncpg_url(admin_url)).set(database=database, password=None)
    return Roles(
        owner_url=url.set(username=owner).render_as_string(False),
        service_url=url.set(username=service_role).render_as_string(False),
    )
