"""Every event contract a service publishes is registered (``@contract``): consumers parse envelopes through the
registry and docs/asyncapi.json lists it. A contract written without the decorator (as a merge once left
``penalty.collection.overdue``) would be published and then parsed by nobody."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from services.common import contracts
from services.common.events import REGISTRY, Event

#: the per-service families (one contract class per service, registered by the loop that builds them)
FAMILIES = {"audit", "diagnostics"}


def test_every_contract_class_is_registered() -> None:
    registered = set(REGISTRY.all())
    missing = []
    for module_info in pkgutil.iter_modules(contracts.__path__):
        if module_info.name in FAMILIES:
            continue
        module = importlib.import_module(f"{contracts.__name__}.{module_info.name}")
        for name, cls in inspect.getmembers(module, inspect.isclass):
            own = issubclass(cls, Event) and cls.__module__ == module.__name__ and not name.startswith("_")
            if own and cls not in registered:
                missing.append(f"{module.__name__}.{name}")
    assert missing == [], f"contracts without @contract: {missing}"
