"""Every query of the inspection service."""

from __future__ import annotations
