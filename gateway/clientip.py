"""The client address and rate-limit key of a caller: the kernel's ``services.common.clientip`` (moved there so
the risk service's public complaint form counts callers the same way, issue #14)."""

from services.common.clientip import ClientAddress, IPNetwork, bucket_key, parse_networks

__all__ = ["ClientAddress", "IPNetwork", "bucket_key", "parse_networks"]
