"""Alembic environment of the penalty service."""

from services.common.migrations_env import run
from services.penalty.models import metadata

run(metadata, "penalty")
