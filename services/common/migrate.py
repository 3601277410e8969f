"""Run a service's Alembic migrations against its own database (``zhifa migrate <service|all>``).

Each service has its own Alembic tree (``services/<name>/migrations``) and version table
(``alembic_version_<name>``), so the trees never see each other even if two services share a server.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

SERVICES_DIR = Path(__file__).resolve().parent.parent


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
