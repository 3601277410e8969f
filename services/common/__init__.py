"""The kernel every service shares."""

from services.common.lazy import import_nats

import_nats()  # before any kernel module imports nats (services/common/lazy.py)
