"""Request and response models of the penalty HTTP API (the contract with the app and integrations)."""

from __future__ import annotations
