"""Use cases of the penalty service: repository + domain + outbox. Never commits (the edge does)."""

from __future__ import annotations
