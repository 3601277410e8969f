"""Use cases of the risk service: repository + domain + outbox. Never commits (the edge does)."""

from __future__ import annotations
