"""Which refused entries (扫码入企被拒) count against the inspecting unit, and how often.

A refusal is a signal of 乱检查 only when it says something about the officers. Those that are the caller's own
doing do not count: anyone holding a phone can repeat them at will (one enterprise re-posting its used code 51
times once turned a unit red). And refusals count once per *attempt*: an entry code presented again is the same
attempt by the officers who were given it. docs/risk-model.md §2 ("Refused entries") states the rule.

Since events carry the producer's judgement (``counts_against_unit``, ``attempt_ref``), this module only
supplies the rule for events written before those fields existed, by the refusal code.
"""

from __future__ import annotations

import uuid

# Refusal codes that are the caller's own doing (inspection's EntryRefused subclasses with
# counts_against_unit = False): a code that does not verify, a used code presented again by the enterprise
# that used it (the enterprise is checked first, so nobody else gets CODE_USED), an enterprise code replaced
# by a newer one.
CALLERS_OWN_DOING = frozenset(
    {"CODE_INVALID", "CODE_USED", "ENTERPRISE_CODE_INVALID", "ENTERPRISE_CODE_REVOKED"}
)


def counts_against_unit(code: str, stated: bool | None) -> bool:
    """The producer's judgement when the event carries one, else the rule by code."""
    if stated is not None:
        return stated
    return code not in CALLERS_OWN_DOING


def attempt(refusal_id: uuid.UUID, attempt_ref: str | None) -> str:
    """The key that makes refusals of one attempt count once (an event without one is its own attempt)."""
    return f"attempt:{attempt_ref}" if attempt_ref else str(refusal_id)
