"""The kernel every service shares."""

from services.common.lazy import (
    block_unused,
    defer_model_builds,
    defer_route_adapters,
    import_nats,
    import_uvicorn,
)

import_nats()  # before any kernel module imports nats (services/common/lazy.py)
import_uvicorn()  # without its command line (click, multiprocessing): services/common/lazy.py
block_unused()  # modules no service process needs, e.g. pydantic.v1 (services/common/lazy.py)
defer_model_builds()  # pydantic models built when first used (services/common/lazy.py)
defer_route_adapters()  # FastAPI's field adapters built when first used (services/common/lazy.py)
