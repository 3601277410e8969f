"""What every topic of the penalty use cases needs: the audit entry of an action and a configured
department."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.common import audit as audit_chain
from services.common.auth import Principal
from services.common.masking import mask_ric
from services.penalty import repository as repo
from services.penalty import schemas as s
from services.penalty.errors import DepartmentNotConfigured
from services.penalty.models import Department


def party_columns(party: s.PartyIn) -> dict[str, Any]:
    """The party's columns of a case row, the same whether an officer files the case or it is imported."""
    return {
        "party_kind": party.kind.value,
        "party_name": party.name,
        "party_uscc": party.uscc,
        "party_id_number": party.id_number,
        # schemas.RIC admitted only valid numbers, so masking cannot refuse one here
        "party_id_masked": mask_ric(party.id_number) if party.id_number else None,
        "party_address": party.address,
        "party_legal_rep": party.legal_representative,
    }


async def audit(
    session: AsyncSession,
    principal: Principal,
    *,
    action: str,
    entity_type: str,
    entity_id: str,
    before: Any,
    after: Any,
) -> None:
    """Append ``action`` by ``principal`` to the service's audit chain."""
    await audit_chain.append(
        session,
        actor=principal.sub,
        actor_role=principal.role,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        before=before,
        after=after,
    )


async def department(session: AsyncSession, code: str) -> Department:
    """The department's names and channels its documents print; refused until an administrator set them."""
    dept = await repo.department(session, code)
    if dept is None:
        raise DepartmentNotConfigured(
            f"部门 {code} 的名称、文书简称等信息未配置，请管理员先行配置",
            detail_en=f"Department {code} has no name, document abbreviation and so on yet: an administrator "
            "must configure it first",
            extra={"dept_code": code},
        )
    return dept
