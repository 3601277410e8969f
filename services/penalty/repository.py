"""Every query of the penalty service."""

from __future__ import annotations
