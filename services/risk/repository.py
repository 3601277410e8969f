"""Every query of the risk service."""

from __future__ import annotations
