"""Integration event contracts, one module per producing service (SPEC §1.4).

Importing this package registers every contract in ``services.common.events.REGISTRY``.
"""

from services.common.contracts import audit, credit, diagnostics, inspection, notify, penalty, risk

__all__ = ["audit", "credit", "diagnostics", "inspection", "notify", "penalty", "risk"]
