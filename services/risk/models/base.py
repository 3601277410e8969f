"""The risk service's metadata and declarative base (the tables: services/risk/models/)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase

from services.common.date_bounds import bounded_metadata
from services.common.tables import register_kernel_tables

metadata = bounded_metadata({"review_campaign": ["draw_at"]})  # in 1900-2199 (risk_0018_date_bounds)
kernel = register_kernel_tables(metadata)


class Base(DeclarativeBase):
    metadata = metadata
    type_annotation_map = {dict[str, Any]: JSONB, list[Any]: JSONB, datetime: sa.DateTime(timezone=True)}


def table_of(model: type[Base]) -> sa.Table:
    """The Core table of a model (for set-based statements; ``Model.__table__`` is only a FromClause to mypy)."""
    return cast(sa.Table, model.__table__)
