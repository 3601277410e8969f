"""案卷评查 campaigns: create (the draw committed), approve (the sample drawn), record scores and findings,
results per unit, complete (the draw revealed). Who may act is checked in services/risk/deps.py; here what.

辽政办发〔2023〕18号 (seed 004) 二(四)16: 每年至少集中组织一次行政执法案卷评查活动. The sample follows the 双随机
protocol (services/risk/domain/review_sampling.py); the sheet and scoring services/risk/domain/reviews.py.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.common import audit, clock, draws
from services.common.access import Scope
from services.common.auth import Principal
from services.risk import schemas as s
from services.risk import views
from services.risk.domain import review_sampling
from services.risk.domain import reviews as rules
from services.risk.domain.units import UnitRef
from services.risk.errors import (
    ReviewerNotAssigned,
    ReviewFileNotFound,
    ReviewInvalid,
    ReviewOutsideScope,
    ReviewStateConflict,
)
from services.risk.models import ReviewCampaign, ReviewFile
from services.risk.repository import reviews as review_repo
from services.risk.repository import units as unit_repo
from services.risk.use_cases import matters
from services.risk.use_cases.paging import timed_cursor

#: The public source used when the campaign names none (the one inspection's 双随机 draws use).
DEFAULT_PUBLIC_SOURCE = (
    "中国福利彩票双色球在抽取时间之后开奖的第一期开奖号码（红球升序、蓝球在后，以空格分隔）"
)


async def _audit(
    session: AsyncSession, principal: Principal, row: ReviewCampaign, action: str, after: dict[str, Any]
) -> None:
    await audit.append(
        session,
        actor=principal.sub,
        actor_role=principal.role,
        action=f"review.{action}",
        entity_type="review_campaign",
        entity_id=str(row.id),
        after=after,
    )


async def _check_units(session: AsyncSession, principal: Principal, codes: list[str]) -> list[str]:
    """The units exist, and a district supervisor reviews only units of their district; their districts."""
    known = await unit_repo.units_by_code(session, codes)
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise ReviewInvalid(
            f"执法单位{'、'.join(unknown)}不存在",
            detail_en=f"Unknown enforcement units: {', '.join(unknown)}",
            errors=[{"field": "unit_codes", "message": f"执法单位{c}不存在"} for c in unknown],
        )
    districts = sorted({known[c].district_code or UnitRef.of(c).district_code or "" for c in codes} - {""})
    if principal.role == "supervisor" and principal.scope != "city":
        outside = [c for c in codes if (known[c].district_code or "") != principal.scope]
        if outside:
            raise ReviewOutsideScope(
                f"执法单位{'、'.join(outside)}不在本辖区（{principal.scope}）",
                detail_en=f"Units {', '.join(outside)} are outside the district {principal.scope}",
            )
    return districts


async def create(session: AsyncSession, *, principal: Principal, body: s.ReviewCreate) -> s.ReviewRead:
    """A campaign with its scope, sheet and reviewers; the draw's commitment is published at once."""
    units = sorted(set(body.unit_codes))
    if body.period_from > body.period_to:
        raise ReviewInvalid(
            "评查期间的起始日不得晚于截止日",
            detail_en="The period starts after it ends",
            errors=[{"field": "period_to", "message": "截止日早于起始日"}],
        )
    stray = sorted({u for r in body.reviewers for u in r.units} - set(units))
    if stray:
        raise ReviewInvalid(
            f"评查人员分配的单位{'、'.join(stray)}不在评查范围内",
            detail_en=f"Reviewers are assigned to units outside the scope: {', '.join(stray)}",
        )
    if len({r.id for r in body.reviewers}) != len(body.reviewers):
        raise ReviewInvalid("评查人员编号重复", detail_en="A reviewer id appears twice")
    rules.check_reviewers(
        {unit: [(r.id, r.unit_code) for r in body.reviewers if unit in r.units] for unit in units}
    )
    districts = await _check_units(session, principal, units)
    now = clock.now()
    nonce = draws.new_nonce()
    starts_on = body.starts_on or clock.today()
    row = ReviewCampaign(
        id=uuid.uuid4(),
        title=body.title.strip(),
        year=starts_on.year,
        unit_codes=units,
        district_codes=districts,
        item_codes=sorted(set(body.item_codes)),
        period_from=body.period_from,
        period_to=body.period_to,
        sample_size=body.sample_size,
        sheet=(body.sheet or rules.DEFAULT_SHEET).model_dump(mode="json"),
        reviewers=[r.model_dump(mode="json") for r in body.reviewers],
        status="committed",
        starts_on=starts_on,
        created_by=principal.sub,
        created_at=now,
        nonce=nonce,
        commitment=draws.commitment(nonce),
        public_source=body.public_source or DEFAULT_PUBLIC_SOURCE,
        draw_at=max(body.draw_at or now, now),
        algorithm=review_sampling.ALGORITHM,
    )
    session.add(row)
    await session.flush()
    await _audit(session, principal, row, "created", {"title": row.title, "commitment": row.commitment})
    return views.review_read(row, 0, 0)


async def list_reviews(session: AsyncSession, scope: Scope, *, after: Any, limit: int) -> list[s.ReviewRead]:
    rows = await review_repo.list_campaigns(session, scope, after=timed_cursor(after), limit=limit)
    counts = await review_repo.progress(session, [r.id for r in rows])
    return [views.review_read(r, *counts.get(r.id, (0, 0))) for r in rows]


async def get_review(session: AsyncSession, row: ReviewCampaign) -> s.ReviewRead:
    return views.review_read(row, *(await review_repo.progress(session, [row.id])).get(row.id, (0, 0)))


async def approve(
    session: AsyncSession, *, principal: Principal, row: ReviewCampaign, public_value: str
) -> s.ReviewRead:
    """The draw: the pool snapshotted and hashed, the seed mixed with the public value, files drawn per unit."""
    if row.status != "committed":
        raise ReviewStateConflict("该评查活动已抽取案卷", detail_en="The campaign's files are drawn already")
    now = clock.now()
    if now < row.draw_at:
        raise ReviewStateConflict(
            f"公布的抽取时间为{row.draw_at.astimezone(clock.CHINA):%Y-%m-%d %H:%M}，尚未到时",
            detail_en=f"The draw is published for {row.draw_at.isoformat()}; that time has not come",
        )
    cases = await review_repo.pool(
        session,
        units=row.unit_codes,
        items=row.item_codes,
        period_from=row.period_from,
        period_to=row.period_to,
    )
    files = [review_sampling.PoolFile(c.unit_code or "", c.case_id) for c in cases]
    if not files:
        raise ReviewInvalid(
            "评查范围内没有已作出处罚决定的案卷",
            detail_en="No decided case falls within the campaign's scope",
        )
    snapshot = review_sampling.pool_snapshot(row.unit_codes, files, row.sample_size)
    pool_hash, seed = review_sampling.seed_of(row.nonce, snapshot, public_value)
    drawn = review_sampling.draw(files, row.sample_size, seed=seed)
    by_id = {c.case_id: c for c in cases}
    await review_repo.insert_files(
        session,
        [
            {
                "id": uuid.uuid4(),
                "campaign_id": row.id,
                "unit_code": d.unit_code,
                "case_id": d.case_id,
                "decision_no": by_id[d.case_id].decision_no,
                "item_code": by_id[d.case_id].benchmark_code,
                "decided_on": by_id[d.case_id].decided_on,
                "rank": d.rank,
                "rank_key": d.rank_key,
            }
            for d in drawn
        ],
    )
    row.status, row.public_value, row.pool_snapshot = "drawn", public_value.strip(), snapshot
    row.pool_hash, row.seed, row.drawn_at, row.drawn_by = pool_hash, seed, now, principal.sub
    await session.flush()
    await _audit(
        session,
        principal,
        row,
        "drawn",
        {"public_value": row.public_value, "pool_hash": pool_hash, "files": len(drawn)},
    )
    return views.review_read(row, 0, len(drawn))


async def list_files(session: AsyncSession, *, scope: Scope, row: ReviewCampaign) -> list[s.ReviewFileRead]:
    """The drawn files with their scores; an officer sees their own unit's only."""
    unit = scope.department_code if scope.role == "officer" else None
    files = await review_repo.files_of(session, row.id, unit)
    findings = await review_repo.findings_of(session, row.id)
    sheet = rules.ScoringSheet.model_validate(row.sheet)
    return [views.review_file_read(f, sheet, findings) for f in files]


def _assigned(row: ReviewCampaign, reviewer_id: str, unit: str) -> None:
    for r in row.reviewers:
        if r["id"] == reviewer_id and unit in r["units"]:
            return
    raise ReviewerNotAssigned(
        f"评查人员{reviewer_id}未被分配评查{unit}的案卷",
        detail_en=f"Reviewer {reviewer_id} is not assigned to the files of {unit}",
    )


async def record_scores(
    session: AsyncSession,
    *,
    principal: Principal,
    scope: Scope,
    row: ReviewCampaign,
    file_id: uuid.UUID,
    body: s.ScoresWrite,
) -> s.ReviewFileRead:
    """A reviewer's points per dimension and findings for one file (a second record replaces the first
    until the campaign is complete); a finding may open a supervision matter on the case."""
    file = await review_repo.file_of(session, row.id, file_id)
    if file is None:
        raise ReviewFileNotFound.of(file_id)
    if row.status != "drawn":
        raise ReviewStateConflict(
            "评查活动不在评查中，不能录入评分"
            if row.status == "committed"
            else "评查活动已完成，评分不能再改",
            detail_en=f"The campaign is {row.status}: scores cannot be recorded",
        )
    reviewer_id = body.reviewer_id or principal.sub
    _assigned(row, reviewer_id, file.unit_code)
    sheet = rules.ScoringSheet.model_validate(row.sheet)
    total = rules.check_scores(sheet, body.points)
    inputs = [
        rules.FindingInput(
            f.dimension,
            f.severity,
            f.text,
            f.deduction,
            f.open_matter,
            f.matter_grounds,
            f.matter_kind,
            f.matter_deadline_working_days,
        )
        for f in body.findings
    ]
    rules.check_findings(sheet, inputs)
    now = clock.now()
    await review_repo.record_score(
        session,
        file.id,
        {
            "points": dict(body.points),
            "total": total,
            "reviewer_id": reviewer_id,
            "recorded_by": principal.sub,
            "reviewed_at": now,
        },
    )
    await _write_findings(session, principal=principal, scope=scope, file=file, sheet=sheet, inputs=inputs)
    await audit.append(
        session,
        actor=principal.sub,
        actor_role=principal.role,
        action="review.scored",
        entity_type="review_campaign",
        entity_id=str(row.id),
        before={"file_id": str(file.id), "total": file.total, "points": file.points},
        after={"file_id": str(file.id), "total": total, "points": dict(body.points), "findings": len(inputs)},
    )
    fresh = await review_repo.files_of(session, row.id, file.unit_code)
    current = next(f for f in fresh if f.id == file.id)
    return views.review_file_read(current, sheet, await review_repo.findings_of(session, row.id, file.id))


async def _write_findings(
    session: AsyncSession,
    *,
    principal: Principal,
    scope: Scope,
    file: ReviewFile,
    sheet: rules.ScoringSheet,
    inputs: list[rules.FindingInput],
) -> None:
    """The file's findings (replacing those of an earlier record), each asking for a matter opening it."""
    now = clock.now()
    findings: list[dict[str, Any]] = [
        {
            "id": uuid.uuid4(),
            "file_id": file.id,
            "campaign_id": file.campaign_id,
            "case_id": file.case_id,
            "dimension": f.dimension,
            "severity": f.severity,
            "text": f.text.strip(),
            "deduction": f.deduction,
            "created_at": now,
        }
        for f in inputs
    ]
    await review_repo.replace_findings(session, file.id, findings)
    for values, finding in zip(findings, inputs, strict=True):
        if finding.open_matter:
            await request_matter(
                session,
                principal=principal,
                scope=scope,
                finding_id=values["id"],
                file=file,
                sheet=sheet,
                finding=finding,
            )


async def request_matter(
    session: AsyncSession,
    *,
    principal: Principal,
    scope: Scope,
    finding_id: uuid.UUID,
    file: ReviewFile,
    sheet: rules.ScoringSheet,
    finding: rules.FindingInput,
) -> None:
    """A finding that asks for it opens a supervision matter (个案监督, issue #14 item 1) on the file's case,
    through the matters' own use case (its document, deadline, events and audit); the finding keeps the link.
    "以个案纠偏" (seed 000): the review's finding becomes a matter the unit must answer."""
    dimension = sheet.dimension(finding.dimension)
    assert dimension is not None  # check_findings
    deduction = next((d.text for d in dimension.deductions if d.code == finding.deduction), None)
    basis = dimension.basis or "《行政执法监督条例》"
    opened = await matters.open_matter(
        session,
        body=s.MatterWrite(
            kind=finding.matter_kind,
            target_kind="case",
            target_id=file.case_id,
            unit_code=file.unit_code,
            grounds=f"{(finding.matter_grounds or '').strip()}（案卷评查发现：{finding.text.strip()}）",
            legal_basis=f"{basis}（评查标准“{dimension.name}”{f'：{deduction}' if deduction else ''}）",
            requested_action="对案卷评查发现的问题依法纠正或说明理由，并在期限内书面答复",
            deadline_working_days=finding.matter_deadline_working_days,
        ),
        principal=principal,
        scope=scope,
    )
    await review_repo.mark_matter_opened(
        session,
        finding_id,
        {
            "matter_requested": True,
            "matter_grounds": (finding.matter_grounds or "").strip(),
            "matter_requested_by": principal.sub,
            "matter_requested_at": clock.now(),
            "matter_id": opened.id,
            "matter_no": opened.document_no,
        },
    )


async def results(session: AsyncSession, *, scope: Scope, row: ReviewCampaign) -> s.ReviewResultsRead:
    """Per unit: files drawn and reviewed, mean and lowest total, files per grade (an officer: their unit)."""
    sheet = rules.ScoringSheet.model_validate(row.sheet)
    files = await review_repo.files_of(session, row.id)
    units = list(row.unit_codes)
    if scope.role == "officer":
        units = [u for u in units if u == scope.department_code]
    per_unit = rules.unit_results(sheet, units, [(f.unit_code, f.total) for f in files])
    findings = await review_repo.findings_of(session, row.id)
    unit_of = {f.id: f.unit_code for f in files}
    return s.ReviewResultsRead(
        review_id=row.id,
        status=row.status,
        pass_mark=sheet.pass_mark,
        excellent_mark=sheet.excellent_mark,
        reviewed=sum(r.reviewed for r in per_unit),
        total=sum(r.files for r in per_unit),
        units=[views.unit_result_read(r) for r in per_unit],
        matters_opened=sum(1 for f in findings if f.matter_id and unit_of.get(f.file_id) in set(units)),
    )


async def complete(session: AsyncSession, *, principal: Principal, row: ReviewCampaign) -> s.ReviewRead:
    """Every drawn file reviewed: the campaign is complete and its draw revealed (nonce, snapshot, seed)."""
    if row.status != "drawn":
        raise ReviewStateConflict(
            "只有评查中的活动可以办结" if row.status == "committed" else "该评查活动已办结",
            detail_en=f"The campaign is {row.status}: only a drawn campaign is completed",
        )
    reviewed, total = (await review_repo.progress(session, [row.id])).get(row.id, (0, 0))
    if reviewed < total:
        raise ReviewStateConflict(
            f"尚有{total - reviewed}件案卷未评分（已评{reviewed}/{total}件）",
            detail_en=f"{total - reviewed} of {total} files are not scored yet",
            extra={"reviewed": reviewed, "total": total},
        )
    row.status, row.completed_at, row.completed_by = "completed", clock.now(), principal.sub
    await session.flush()
    await _audit(session, principal, row, "completed", {"reviewed": reviewed, "seed": row.seed})
    return views.review_read(row, reviewed, total)
