"""The catalogue of discretion benchmarks (裁量基准): drafting, approval, publication, import and export, and
the published snapshot every assessment reads (行政处罚法 第三十四条: 裁量基准应当向社会公布)."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.common import clock
from services.common.auth import Principal
from services.common.pagination import Page, cursor_int, cursor_text, cursor_tuple, decode_cursor, page_of
from services.penalty import repository as repo
from services.penalty import schemas as s
from services.penalty import views
from services.penalty.domain import catalogue as cat
from services.penalty.domain import discretion as d
from services.penalty.errors import (
    BenchmarkImmutable,
    BenchmarkSelfApproval,
    BenchmarkStatusInvalid,
    BenchmarkVersionNotFound,
)
from services.penalty.models import BenchmarkVersionRow
from services.penalty.settings import CatalogueSnapshot, PenaltyContext
from services.penalty.use_cases.common import audit

# --------------------------------------------------------------------------------------------------------
# The published snapshot
# --------------------------------------------------------------------------------------------------------


def version_of_row(row: BenchmarkVersionRow) -> cat.BenchmarkVersion:
    data = dict(row.body)
    data["status"] = row.status
    data["effective_to"] = row.effective_to.isoformat() if row.effective_to else None
    return cat.version_from_dict(data)


async def snapshot(session: AsyncSession, ctx: PenaltyContext) -> CatalogueSnapshot:
    """The published catalogue, parsed once per catalogue revision. Each use costs one indexed read of the
    revision counter; a publication anywhere bumps it, so every process reloads on its next use."""
    cache = ctx.catalogue
    revision = await repo.catalogue_revision(session)
    current = cache.current
    if current is not None and current.revision == revision:
        return current
    async with cache.lock:
        current = cache.current
        if current is not None and current.revision == revision:
            return current
        state = await repo.catalogue_state(session)
        rows = await repo.published_versions(session)
        grouped: dict[str, list[cat.BenchmarkVersion]] = {}
        for row in rows:
            grouped.setdefault(row.code, []).append(version_of_row(row))
        split = state.meta.get("tier_split") if isinstance(state.meta, dict) else None
        loaded = CatalogueSnapshot(
            revision=state.revision,
            meta=dict(state.meta),
            versions={code: tuple(vs) for code, vs in grouped.items()},
            config=ctx.settings.engine_config(split if isinstance(split, dict) else None),
        )
        cache.current = loaded
        return loaded


# Publications made by this process (install, publish, metadata), so that ``published_snapshot`` rereads the
# revision at once after one here instead of waiting out its recheck interval.
_bumps = [0]


async def _bump(session: AsyncSession, *, meta: dict[str, Any] | None = None) -> int:
    _bumps[0] += 1
    return await repo.bump_catalogue(session, meta=meta)


#: A session, or what opens the request's session when called (``deps.SessionOpenerDep``): a what-if that
#: finds its snapshot fresh never opens one, so the edge has no transaction to commit or session to close.
SessionSource = AsyncSession | Callable[[], AsyncSession]


async def published_snapshot(session: SessionSource, ctx: PenaltyContext) -> CatalogueSnapshot:
    """The snapshot for a what-if assessment (nothing stored): the revision is reread at most every
    ``catalogue_recheck_seconds`` (setting; 0 rereads on every call, as ``snapshot``), and at once after a
    publication by this process; between rereads no database round trip at all, and no session opened. A
    publication by another process is seen within the interval (the assessment a case records always uses
    ``snapshot``)."""
    cache = ctx.catalogue
    current, bumps, now = cache.current, _bumps[0], time.monotonic()
    fresh = now - cache.checked_at < ctx.settings.catalogue_recheck_seconds
    if current is not None and cache.checked_bumps == bumps and (fresh or cache.checking):
        return current  # fresh enough, or another request is rereading it right now
    cache.checking = True
    try:
        loaded = await snapshot(session if isinstance(session, AsyncSession) else session(), ctx)
    finally:
        cache.checking = False
    cache.checked_at, cache.checked_bumps = now, bumps
    return loaded


# --------------------------------------------------------------------------------------------------------
# Drafting, approval, publication
# --------------------------------------------------------------------------------------------------------


def _canonical(v: cat.BenchmarkVersion) -> dict[str, Any]:
    data = cat.version_to_dict(v)
    data.pop("status", None)
    data.pop("effective_to", None)
    return data


def _validate_code(rows: Sequence[BenchmarkVersionRow], replaced: Mapping[int, cat.BenchmarkVersion]) -> None:
    versions = [replaced.get(r.version) or version_of_row(r) for r in rows]
    versions += [v for n, v in replaced.items() if n not in {r.version for r in rows}]
    cat.validate_versions(versions)


def _new_row(version: cat.BenchmarkVersion, *, status: str, actor: str) -> BenchmarkVersionRow:
    """A version row as its drafter (and, for an installed catalogue, approver and publisher) left it."""
    now = clock.now()
    return BenchmarkVersionRow(
        code=version.code,
        version=version.version,
        status=status,
        effective_from=version.effective_from,
        effective_to=version.effective_to,
        department_code=version.department_code,
        domain=version.domain,
        violation_name=version.violation_name,
        approving_document=version.approving_document,
        body=cat.version_to_dict(version),
        drafted_by=actor,
        drafted_at=now,
        approved_by=actor if status != "draft" else None,
        approved_at=now if status != "draft" else None,
        published_by=actor if status == "published" else None,
        published_at=now if status == "published" else None,
    )


async def _replace_draft(
    session: AsyncSession,
    *,
    principal: Principal,
    existing: BenchmarkVersionRow,
    version: cat.BenchmarkVersion,
) -> BenchmarkVersionRow:
    before = existing.body
    body = cat.version_to_dict(version)
    existing.body = body
    existing.effective_from = version.effective_from
    existing.effective_to = version.effective_to
    existing.department_code = version.department_code
    existing.domain = version.domain
    existing.violation_name = version.violation_name
    existing.approving_document = version.approving_document
    existing.drafted_by = principal.sub
    existing.drafted_at = clock.now()
    await session.flush()
    await audit(
        session,
        principal,
        action="benchmark.draft.replaced",
        entity_type="benchmark_version",
        entity_id=f"{version.code}/{version.version}",
        before=before,
        after=body,
    )
    return existing


async def draft_version(
    session: AsyncSession, *, principal: Principal, data: Mapping[str, Any]
) -> tuple[BenchmarkVersionRow, str]:
    """Add a draft version (or replace a draft of the same number); returns the row and what happened."""
    version = cat.version_from_dict({**data, "status": "draft"})
    cat.validate_version(version)
    await repo.lock_code(session, version.code)
    rows = await repo.versions_of(session, version.code, lock=True)
    existing = next((r for r in rows if r.version == version.version), None)
    if existing is not None:
        if existing.status != "draft":
            if _canonical(version_of_row(existing)) == _canonical(version):
                return existing, "unchanged"
            done, done_en = ("公布", "published") if existing.status == "published" else ("审核", "approved")
            raise BenchmarkImmutable(
                f"{version.code}第{version.version}版已{done}，不得修改；请起草新的版本",
                detail_en=f"Version {version.version} of {version.code} is {done_en} and cannot be changed; "
                "draft a new version",
                extra={"code": version.code, "version": version.version},
            )
        _validate_code(rows, {version.version: version})
        return await _replace_draft(session, principal=principal, existing=existing, version=version), (
            "replaced_draft"
        )
    _validate_code(rows, {version.version: version})
    row = _new_row(version, status="draft", actor=principal.sub)
    await repo.add_version(session, row)
    await audit(
        session,
        principal,
        action="benchmark.drafted",
        entity_type="benchmark_version",
        entity_id=f"{version.code}/{version.version}",
        before=None,
        after=row.body,
    )
    return row, "drafted"


async def import_catalogue(
    session: AsyncSession, *, principal: Principal, text: str, fmt: str
) -> s.ImportResultRead:
    """Import a JSON or CSV file as drafts. Versions already approved or published must be unchanged."""
    if fmt == "json":
        versions: Sequence[cat.BenchmarkVersion] = cat.parse_json(text).all_versions()
    else:
        items = cat.parse_csv(text)
        versions = [v for code in sorted(items) for v in items[code].versions]
    result = s.ImportResultRead(drafted=[], unchanged=[], replaced_drafts=[], catalogue_revision=0)
    for version in versions:
        _, outcome = await draft_version(session, principal=principal, data=cat.version_to_dict(version))
        label = f"{version.code}/{version.version}"
        {"drafted": result.drafted, "unchanged": result.unchanged, "replaced_draft": result.replaced_drafts}[
            outcome
        ].append(label)
    result.catalogue_revision = await repo.catalogue_revision(session)
    return result


async def install_catalogue(session: AsyncSession, *, catalogue: cat.Catalogue, actor: str) -> int:
    """Install a whole catalogue with its files' statuses, as a jurisdiction's first load (sample data, a
    migration from another system); versions already present are left alone. Returns the number added."""
    added = 0
    for version in catalogue.all_versions():
        rows = await repo.versions_of(session, version.code)
        if any(r.version == version.version for r in rows):
            continue
        await repo.add_version(session, _new_row(version, status=version.status.value, actor=actor))
        added += 1
    state = await repo.catalogue_state(session, lock=True)
    meta = {k: v for k, v in catalogue.metadata.items() if k != "format"}
    if added or state.meta != meta:
        await _bump(session, meta=meta)
    return added


async def _version_row(
    session: AsyncSession, code: str, number: int
) -> tuple[BenchmarkVersionRow, Sequence[BenchmarkVersionRow]]:
    await repo.lock_code(session, code)
    rows = await repo.versions_of(session, code, lock=True)
    row = next((r for r in rows if r.version == number), None)
    if row is None:
        raise BenchmarkVersionNotFound(
            f"裁量基准{code}第{number}版不存在",
            detail_en=f"Version {number} of benchmark {code} does not exist",
        )
    return row, rows


def _with_predecessors_closed(
    rows: Sequence[BenchmarkVersionRow], candidate: cat.BenchmarkVersion
) -> dict[int, cat.BenchmarkVersion]:
    """Published open-ended versions that start earlier end the day before the candidate starts
    (自新版施行之日起, 旧版同时废止)."""
    replaced: dict[int, cat.BenchmarkVersion] = {candidate.version: candidate}
    for r in rows:
        if (
            r.version != candidate.version
            and r.status == "published"
            and r.effective_to is None
            and r.effective_from < candidate.effective_from
        ):
            replaced[r.version] = replace(
                version_of_row(r), effective_to=candidate.effective_from - timedelta(days=1)
            )
    return replaced


async def approve_version(
    session: AsyncSession, *, principal: Principal, code: str, number: int
) -> BenchmarkVersionRow:
    """审核: a draft becomes approved; the drafter cannot approve their own draft."""
    row, rows = await _version_row(session, code, number)
    if row.status != "draft":
        raise BenchmarkStatusInvalid(
            f"{code}第{number}版当前状态为{row.status}，只有草稿可以审核",
            detail_en=f"Version {number} of {code} is {row.status}: only a draft can be approved",
        )
    if row.drafted_by == principal.sub:
        raise BenchmarkSelfApproval(
            f"{code}第{number}版由{principal.sub}起草，须由其他人员审核",
            detail_en=f"Version {number} of {code} was drafted by {principal.sub}: someone else must approve it",
        )
    candidate = replace(version_of_row(row), status=cat.Status.APPROVED)
    _validate_code(rows, _with_predecessors_closed(rows, candidate))
    row.status = "approved"
    row.approved_by = principal.sub
    row.approved_at = clock.now()
    await session.flush()
    await audit(
        session,
        principal,
        action="benchmark.approved",
        entity_type="benchmark_version",
        entity_id=f"{code}/{number}",
        before={"status": "draft"},
        after={"status": "approved"},
    )
    return row


async def publish_version(
    session: AsyncSession, *, principal: Principal, code: str, number: int
) -> BenchmarkVersionRow:
    """公布 (行政处罚法 第三十四条: 裁量基准应当向社会公布). From now on the version is immutable."""
    row, rows = await _version_row(session, code, number)
    if row.status != "approved":
        raise BenchmarkStatusInvalid(
            f"{code}第{number}版当前状态为{row.status}，须经审核后方可公布",
            detail_en=f"Version {number} of {code} is {row.status}: it must be approved before publication",
        )
    candidate = replace(version_of_row(row), status=cat.Status.PUBLISHED)
    replaced = _with_predecessors_closed(rows, candidate)
    _validate_code(rows, replaced)
    closed = []
    for r in rows:
        if r.version != number and r.version in replaced:
            r.effective_to = replaced[r.version].effective_to
            closed.append(f"{code}/{r.version}")
    row.status = "published"
    row.published_by = principal.sub
    row.published_at = clock.now()
    await session.flush()
    revision = await _bump(session)
    await audit(
        session,
        principal,
        action="benchmark.published",
        entity_type="benchmark_version",
        entity_id=f"{code}/{number}",
        before={"status": "approved"},
        after={"status": "published", "closed": closed, "catalogue_revision": revision},
    )
    return row


async def delete_draft(session: AsyncSession, *, principal: Principal, code: str, number: int) -> None:
    row, _ = await _version_row(session, code, number)
    if row.status != "draft":
        raise BenchmarkStatusInvalid(
            f"{code}第{number}版已{row.status}，不得删除",
            detail_en=f"Version {number} of {code} is {row.status} and cannot be deleted",
        )
    body = row.body
    await session.delete(row)
    await session.flush()
    await audit(
        session,
        principal,
        action="benchmark.draft.deleted",
        entity_type="benchmark_version",
        entity_id=f"{code}/{number}",
        before=body,
        after=None,
    )


# --------------------------------------------------------------------------------------------------------
# Metadata, reading, export
# --------------------------------------------------------------------------------------------------------


async def set_catalogue_meta(
    session: AsyncSession, *, principal: Principal, body: s.CatalogueMetaIn, ctx: PenaltyContext
) -> s.CatalogueMetaRead:
    """Set the catalogue's title, jurisdiction and tier split (jurisdiction configuration, SPEC §3.1)."""
    meta: dict[str, Any] = {"title": body.title, "jurisdiction": body.jurisdiction, "note": body.note}
    if body.tier_split is not None:
        cat.TierSplit.from_mapping(body.tier_split)
        ctx.settings.engine_config(body.tier_split)
        meta["tier_split"] = body.tier_split
    state = await repo.catalogue_state(session, lock=True)
    before = dict(state.meta)
    revision = await _bump(session, meta=meta)
    await audit(
        session,
        principal,
        action="catalogue.meta.set",
        entity_type="catalogue",
        entity_id="1",
        before=before,
        after=meta,
    )
    return s.CatalogueMetaRead(revision=revision, meta=meta)


async def catalogue_meta(session: AsyncSession) -> s.CatalogueMetaRead:
    state = await repo.catalogue_state(session)
    return s.CatalogueMetaRead(revision=state.revision, meta=dict(state.meta))


async def list_published(
    session: AsyncSession,
    *,
    cursor: str | None,
    limit: int,
    department_code: str | None,
    domain: str | None,
    in_force_on: date | None,
    query: str | None,
) -> Page[s.BenchmarkVersionRead]:
    after = decode_cursor(cursor)
    # (code, version): int() of any string, a NUL in the code, a version past bigint were 500s
    key = None if after is None else cursor_tuple(after, cursor_text, cursor_int)
    rows = await repo.list_published_page(
        session,
        after=key,
        limit=limit,
        department_code=department_code,
        domain=domain,
        in_force_on=in_force_on,
        query=query,
    )
    return page_of([views.version_read(r) for r in rows], limit, lambda v: [v.code, v.version])


async def published_item(session: AsyncSession, code: str) -> list[s.BenchmarkVersionRead]:
    rows = [r for r in await repo.versions_of(session, code) if r.status == "published"]
    if not rows:
        raise d.NoBenchmarkVersion(
            f"裁量基准{code}不存在或尚未公布",
            detail_en=f"Benchmark {code} does not exist or is not published",
        )
    return [views.version_read(r) for r in rows]


async def admin_versions(session: AsyncSession, *, status: str | None) -> list[s.BenchmarkAdminRead]:
    return [views.admin_version_read(r) for r in await repo.all_versions(session, status=status)]


async def export_catalogue(session: AsyncSession, *, fmt: str, published_only: bool) -> str:
    rows = await repo.all_versions(session, status="published" if published_only else None)
    versions = [version_of_row(r) for r in rows]
    if fmt == "csv":
        return cat.to_csv(versions)
    state = await repo.catalogue_state(session)
    grouped: dict[str, list[cat.BenchmarkVersion]] = {}
    for v in versions:
        grouped.setdefault(v.code, []).append(v)
    items = {code: cat.BenchmarkItem(code, tuple(vs)) for code, vs in grouped.items()}
    return cat.to_json(cat.Catalogue(metadata=dict(state.meta), items=items))
