"""Every query of the credit_repair service."""

from __future__ import annotations
