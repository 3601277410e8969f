"""Use cases of the inspection service: repository + domain + outbox. Never commits (the edge does)."""

from __future__ import annotations
