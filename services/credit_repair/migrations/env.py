"""Alembic environment of the credit_repair service."""

from services.common.migrations_env import run
from services.credit_repair.models import metadata

run(metadata, "credit_repair")
