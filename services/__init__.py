"""The platform's services and the kernel they share (services/common)."""

# The kernel's process set-up first, whichever module a process imports first (services/common/__init__.py:
# pydantic models built when first used, unused modules kept out; services/common/lazy.py).
import services.common  # noqa: F401
