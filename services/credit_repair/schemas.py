"""Request and response models of the credit_repair HTTP API (the contract with the app and integrations)."""

from __future__ import annotations
