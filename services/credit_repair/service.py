"""Use cases of the credit_repair service: repository + domain + outbox. Never commits (the edge does)."""

from __future__ import annotations
