"""Request and response models of the inspection HTTP API (the contract with the app and integrations)."""

from __future__ import annotations
