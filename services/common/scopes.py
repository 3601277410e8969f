"""What each integration client may do (SPEC §1.5): scopes granted per ``client`` claim, checked by the service.

The ``integration`` role only says "a municipal system"; the token's ``client`` claim says which one. A role
gate alone would let any of them call any integration endpoint (the 12345 hotline recording a fine payment),
so every integration endpoint names the scope it needs and the platform setting ``ZHIFA_INTEGRATION_SCOPES``
grants scopes per client. A client that is not in the map has no scope; a scope name the platform does not
know is refused at start-up, so a typo cannot silently grant or deny. Other roles are unaffected: their
access is the role gate and the object-level rules.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from services.common.auth import Principal
from services.common.errors import Forbidden

PAYMENTS_RECORD = "penalty.payments.record"
RECONSIDERATION_INTAKE = "risk.intake.reconsideration"
LITIGATION_INTAKE = "risk.intake.litigation"
COMPLAINT_INTAKE = "risk.intake.complaint"
CREDIT_FEED_READ = "credit.feed.read"
CASES_IMPORT = "penalty.cases.import"

# Every scope, with what it lets a client do (Chinese, for the refusal; English for Accept-Language: en).
SCOPES: dict[str, tuple[str, str]] = {
    PAYMENTS_RECORD: ("报送罚款缴纳", "report fine payments"),
    RECONSIDERATION_INTAKE: ("报送行政复议结果", "send reconsideration outcomes"),
    LITIGATION_INTAKE: ("报送行政诉讼结果", "send litigation outcomes"),
    COMPLAINT_INTAKE: ("报送12345投诉线索", "send 12345 complaint leads"),
    CREDIT_FEED_READ: ("读取信用公示变动", "read the credit publication feed"),
    CASES_IMPORT: ("导入原办案系统的案件", "import cases from a former case system"),
}

# The clients of SPEC §1.5 and the payment platform (财政非税收入收缴 system), each with what it is for.
DEFAULT_CLIENT_SCOPES: dict[str, list[str]] = {
    "payment": [PAYMENTS_RECORD],
    "12345": [COMPLAINT_INTAKE],
    "court": [LITIGATION_INTAKE],
    "reconsideration": [RECONSIDERATION_INTAKE],
    "creditchina": [CREDIT_FEED_READ],
    # a department's former case system (办案系统), moving its cases in
    "case-migration": [CASES_IMPORT],
}


class ClientScopeForbidden(Forbidden):
    code = "CLIENT_SCOPE_FORBIDDEN"
    title = "该接入方无权执行此操作"
    title_en = "This integration client may not do this"


def validate_grants(grants: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """The grants as given, or ValueError naming the scopes the platform does not know."""
    unknown = sorted({s for scopes in grants.values() for s in scopes if s not in SCOPES})
    if unknown:
        raise ValueError(f"unknown integration scopes {unknown}; known: {sorted(SCOPES)}")
    return {client: list(scopes) for client, scopes in grants.items()}


def allows(principal: Principal, scope: str, grants: Mapping[str, Sequence[str]]) -> bool:
    """Whether an integration principal's client holds ``scope`` (other roles: not a question of scopes)."""
    if principal.role != "integration":
        return True
    return principal.client is not None and scope in grants.get(principal.client, ())


def require(
    principal: Principal,
    scope: str,
    grants: Mapping[str, Sequence[str]],
    *,
    error: type[Forbidden] = ClientScopeForbidden,
) -> Principal:
    """The principal, or ``error`` (403) when it is an integration client without ``scope``."""
    if allows(principal, scope, grants):
        return principal
    zh, en = SCOPES[scope]
    raise error(
        f"接入方“{principal.client}”未被授予“{zh}”权限（{scope}）",
        detail_en=f"client {principal.client!r} is not granted {scope} ({en})",
        extra={"client": principal.client, "scope": scope},
    )
