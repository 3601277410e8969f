"""The notify service's periodic jobs (services.common.jobs runs them in the worker role)."""

from __future__ import annotations

from services.common.jobs import Periodic

JOBS: list[Periodic] = []
