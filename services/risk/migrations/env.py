"""Alembic environment of the risk service."""

from services.common.migrations_env import run
from services.risk.models import metadata

run(metadata, "risk")
