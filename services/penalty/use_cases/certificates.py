"""Who may sign: only a certified enforcement officer whose certificate is in force (行政处罚法 第四十二条:
行政处罚应当由具有行政执法资格的执法人员实施), read from inspection's certificate projection."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from services.common import clock
from services.common.auth import Principal
from services.penalty import repository as repo
from services.penalty.errors import CertExpired, CertRevoked, CertSuspended, NotCertified, OfficerRequired


async def check_certificates(session: AsyncSession, cert_nos: Iterable[str], today: date) -> None:
    """A suspended, revoked, expired or auxiliary certificate cannot sign (inspection's projection).

    A certificate the projection has never heard of is allowed: inspection is the registry and announces
    every change, so no record means no adverse one.
    """
    for cert_no in dict.fromkeys(cert_nos):
        cert = await repo.certificate(session, cert_no)
        if cert is None:
            continue
        since = clock.local_date(cert.changed_at).isoformat()
        reason = f"（{cert.reason}）" if cert.reason else ""
        reason_en = f" ({cert.reason})" if cert.reason else ""
        if cert.auxiliary:
            raise NotCertified(
                f"{cert_no} 为执法辅助人员证件，不得从事行政处罚的执法活动",
                detail_en=f"{cert_no} is an auxiliary staff card: its holder may not enforce penalties",
            )
        if cert.status == "suspended":
            raise CertSuspended(
                f"执法证 {cert_no} 已于{since}暂扣{reason}，不得从事行政执法活动",
                detail_en=f"Certificate {cert_no} was suspended on {since}{reason_en}: no enforcement",
            )
        if cert.status == "revoked":
            raise CertRevoked(
                f"执法证 {cert_no} 已于{since}收缴{reason}，不得从事行政执法活动",
                detail_en=f"Certificate {cert_no} was revoked on {since}{reason_en}: no enforcement",
            )
        if cert.status == "expired" or (cert.valid_until is not None and cert.valid_until < today):
            until = cert.valid_until.isoformat() if cert.valid_until else since
            raise CertExpired(
                f"执法证 {cert_no} 有效期至{until}，已过期，不得从事行政执法活动",
                detail_en=f"Certificate {cert_no} was valid until {until} and has expired: no enforcement",
            )


async def officer_signs(session: AsyncSession, principal: Principal, today: date) -> str:
    """The caller's certificate number, when the caller is an officer whose certificate may sign."""
    if principal.role != "officer" or not principal.cert_no:
        raise OfficerRequired("该操作须由持证执法人员办理", detail_en="A certified officer must do this")
    await check_certificates(session, [principal.cert_no], today)
    return principal.cert_no
