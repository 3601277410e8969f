"""Tables of the credit_repair service (its own database)."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from services.common.db import make_metadata
from services.common.tables import register_kernel_tables

metadata = make_metadata()
kernel = register_kernel_tables(metadata)


class Base(DeclarativeBase):
    metadata = metadata
