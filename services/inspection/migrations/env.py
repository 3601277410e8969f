"""Alembic environment of the inspection service."""

from services.common.migrations_env import run
from services.inspection.models import metadata

run(metadata, "inspection")
