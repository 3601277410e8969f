"""Who is calling: the client's address behind trusted proxies, and the key its rate limit is counted under (the
gateway's per-address limits on /public, and the risk service's public complaint form).

Behind the Ingress every connection comes from an Ingress controller pod. The controller appends the address
it saw to ``X-Forwarded-For``; anything to the left of that was written by the client and proves nothing.
So the address is read from the right: skip the hops that are trusted proxies
(``ZHIFA_GATEWAY_TRUSTED_PROXIES``, CIDRs), and the first address that is not one is the client. A peer that
is not a trusted proxy is the client itself, whatever its headers say.

IPv6 clients are counted by their /64: one subscriber line holds a whole /64 and can rotate addresses in it
at will (RFC 4941), so a per-address bucket would be no limit at all.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(text: str) -> tuple[IPNetwork, ...]:
    """``"10.0.0.0/8, 127.0.0.1"`` -> networks; ValueError on a malformed entry (refused at start-up)."""
    return tuple(ipaddress.ip_network(part.strip(), strict=False) for part in text.split(",") if part.strip())


class ClientAddress:
    """Resolves the client address of a request from its peer and ``X-Forwarded-For``."""

    def __init__(self, trusted: tuple[IPNetwork, ...]) -> None:
        self.trusted = trusted
        self._is_trusted = lru_cache(maxsize=4096)(self._check)

    def _check(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in net for net in self.trusted)

    def resolve(self, peer: str, forwarded_for: bytes | None) -> str:
        """The client's address: ``peer`` unless it is a trusted proxy, then the rightmost untrusted hop."""
        if not self.trusted or not forwarded_for or not self._is_trusted(peer):
            return peer
        hops = [h.strip() for h in forwarded_for.decode("latin-1").split(",")]
        client = peer
        for hop in reversed(hops):
            if not _valid(hop):
                break  # garbage only a client could have written: the hop to its right is the last we know
            client = hop
            if not self._is_trusted(hop):
                break
        return client


def _valid(address: str) -> bool:
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return False
    return True


def bucket_key(address: str) -> str:
    """The rate-limit key of an anonymous caller: the IPv4 address, or the IPv6 /64."""
    if ":" not in address:
        return f"ip:{address}"
    try:
        ip = ipaddress.IPv6Address(address)
    except ValueError:
        return f"ip:{address}"
    if ip.ipv4_mapped is not None:  # ::ffff:203.0.113.7 is an IPv4 client
        return f"ip:{ip.ipv4_mapped}"
    network = ipaddress.IPv6Network(f"{ip}/64", strict=False)
    return f"ip6:{network.network_address}/64"
