"""A case's documents: numbered from the department's counter, built by the pure builders of
``domain.documents`` from the case's rows, rendered to HTML at issue time (the templates in
services/penalty/templates, through services.common.documents) and stored; the PDF is rendered on its first
request, off the event loop, and kept.

Numbers are taken in the step's own transaction (行政处罚法 第三十九条 requires 决定书 to be numbered; the
counter row serialises concurrent issues of one department, year and kind: no gaps, no duplicates).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.common import clock, seal
from services.common import documents as rendering
from services.common.dates import cn_date
from services.penalty import repository as repo
from services.penalty.domain import catalogue as cat
from services.penalty.domain import discretion as d
from services.penalty.domain import documents as docs
from services.penalty.domain import payment_code
from services.penalty.domain import procedure as p
from services.penalty.errors import DocumentNotFound
from services.penalty.models import Department, Document, PenaltyCase
from services.penalty.settings import PenaltyContext

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"

Renderable = docs.Document | docs.FilingApproval


def render_html(document: Renderable) -> str:
    """The document as a self-contained HTML page (styles inlined)."""
    return rendering.render_html(TEMPLATES, document.template, doc=document)


def render_pdf(document: Renderable) -> bytes:
    """The document as PDF, Chinese fonts embedded (blocking: requests go through ``pdf``)."""
    return rendering.html_to_pdf(render_html(document), TEMPLATES)


# --------------------------------------------------------------------------------------------------------
# Numbers, storage, reading
# --------------------------------------------------------------------------------------------------------


async def allocate(
    session: AsyncSession, dept: Department, kind: docs.DocumentKind, ctx: PenaltyContext
) -> str:
    """The next number of ``kind`` for the department this year (e.g. 沈市监罚〔2026〕12号)."""
    year = clock.today().year
    seq = await repo.next_document_seq(session, dept_code=dept.code, year=year, kind=kind.value)
    config = docs.NumberingConfig(
        city=ctx.settings.numbering_city, abbreviations={dept.code: dept.abbreviation}
    )
    return docs.document_number(dept.code, year, seq, kind, config)


async def store(
    session: AsyncSession, row: PenaltyCase, built: Built, issued_on: date, ctx: PenaltyContext
) -> Document:
    """Keep the document as issued: its seal area filled with the configured seal image and the electronic
    seal (a signature over its SHA-256; services/common/seal.py)."""
    built = Built(built.kind, built.title, built.number, seal.seal_with_settings(built.html, ctx.settings))
    document = Document(
        id=uuid.uuid4(),
        case_id=row.id,
        kind=built.kind.value,
        number=built.number,
        title=built.title,
        html=built.html,
        issued_on=issued_on,
        created_at=datetime.now(UTC),  # real time, not the service clock: orders a case's documents
    )
    await repo.add_document(session, document)
    return document


async def issue(
    session: AsyncSession, row: PenaltyCase, document: Renderable, issued_on: date, ctx: PenaltyContext
) -> Document:
    """Render a built document and keep it as issued (``store``: sealed)."""
    return await store(session, row, _render(document), issued_on, ctx)


async def decision_document(session: AsyncSession, row: PenaltyCase) -> Document:
    """The case's latest decision (处罚决定书 or 不予行政处罚决定书)."""
    kinds = {docs.DocumentKind.PENALTY_DECISION.value, docs.DocumentKind.NO_PENALTY_DECISION.value}
    found = [x for x in await repo.case_documents(session, row.id) if x.kind in kinds]
    if not found:
        raise DocumentNotFound("本案尚未作出决定", detail_en="The case has not been decided yet")
    return found[-1]


async def pdf(session: AsyncSession, *, document: Document, ctx: PenaltyContext) -> tuple[str, bytes]:
    """The PDF, rendered on first request (≈1 s) in a worker thread and cached in the database."""
    stored = await repo.document_pdf(session, document.id)
    if stored is None:
        stored = await rendering.pdf(
            document.html, base_url=TEMPLATES, timeout=ctx.settings.pdf_render_timeout_s
        )
        await repo.store_pdf(session, document.id, stored)
    return document.number, stored


# --------------------------------------------------------------------------------------------------------
# Content: the pure builders fed from the case's rows
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Built:
    kind: docs.DocumentKind
    title: str
    number: str
    html: str


def agency(dept: Department) -> docs.Agency:
    return docs.Agency(dept.name, dept.code, address=dept.address, contact=dept.contact, phone=dept.phone)


def party(row: PenaltyCase) -> docs.PartyInfo:
    kind = p.PartyKind(row.party_kind)
    # Documents can end up published (公示): a person's ID number is printed masked.
    id_text = row.party_uscc if kind is p.PartyKind.ORGANISATION else (row.party_id_masked or "")
    return docs.PartyInfo(
        name=row.party_name,
        kind=kind,
        id_number=id_text or "",
        address=row.party_address,
        legal_representative=row.party_legal_rep,
    )


def provisions(items: Sequence[cat.Provision]) -> tuple[docs.Provision, ...]:
    return tuple(docs.Provision(i.law, f"{i.article}{i.clause}", i.excerpt) for i in items)


def officers(row: PenaltyCase) -> tuple[docs.Officer, ...]:
    names: dict[str, str] = row.details.get("officer_names", {})
    certs: list[str] = row.details.get("officers", [])
    return tuple(docs.Officer(names.get(c) or c, c) for c in certs)


def tier_range_text(assessment: d.Assessment | None, assessed: p.AssessedPenalty) -> str:
    """The tier's range as the engine words it (“X元以上不满Y元” below the top of the legal range)."""
    proposal = assessment.penalty if assessment is not None else None
    if proposal is not None and proposal.tier_range is not None:
        top = proposal.legal_range is None or proposal.tier_range.high >= proposal.legal_range.high
        return d.range_text(proposal.tier_range, closed=top)
    if not assessed.allowed_kinds:
        return "不予处罚"
    if assessed.min_fen is None and assessed.max_fen is None:
        return "不处罚款"
    return assessed.range_text()


def benchmark_ref(
    version: cat.BenchmarkVersion,
    assessed: p.AssessedPenalty,
    source: str,
    assessment: d.Assessment | None = None,
) -> docs.BenchmarkRef:
    return docs.BenchmarkRef(
        code=version.code,
        version=version.version,
        item_name=version.violation_name,
        tier=assessed.tier,
        range_text=tier_range_text(assessment, assessed),
        source=source,
    )


def basis_text(version: cat.BenchmarkVersion) -> str:
    violated = "、".join(x.cite() for x in version.violated)
    punishing = "、".join(x.cite() for x in version.punishing)
    return f"违法依据：{violated}；处罚依据：{punishing}"


# 行政处罚法 第五十七条第一款第三项: 违法事实不能成立的，不予行政处罚 — the ground of a 不予行政处罚决定 the engine
# did not give (its assessment found a violation to be punished).
FACTS_NOT_ESTABLISHED = docs.Provision(d.LAW, "第五十七条第一款第三项")


def no_penalty_basis(assessment: d.Assessment | None) -> tuple[docs.Provision, ...]:
    """The law cited by the engine's no-penalty steps, else 第五十七条第一款第三项 (违法事实不能成立)."""
    rules = {
        "limitation",
        "minor",
        "capacity",
        "no_fault",
        "no_penalty",
        "correction_only",
        "first_violation",
    }
    found: list[docs.Provision] = []
    if assessment is not None and assessment.outcome is not d.Outcome.PENALTY:
        for step in assessment.steps:
            if step.rule not in rules:
                continue
            if step.rule == "limitation" and assessment.outcome is not d.Outcome.LIMITATION_EXPIRED:
                continue
            for c in step.citations:
                if c.law:
                    provision = docs.Provision(c.law, c.article)
                    if provision not in found:
                        found.append(provision)
    return tuple(found) or (FACTS_NOT_ESTABLISHED,)


def _render(document: Renderable) -> Built:
    return Built(document.kind, document.title, document.number, render_html(document))


def filing_approval(
    *,
    number: str,
    dept: Department,
    row: PenaltyCase,
    version: cat.BenchmarkVersion,
    facts_brief: str,
    approver: str,
    filed_on: date,
) -> Built:
    source = {"inspection": "监督检查", "complaint": "投诉举报", "direct": "执法人员发现"}.get(
        row.source, row.source
    )
    return _render(
        docs.build_filing_approval(
            number=number,
            agency=agency(dept),
            party=party(row),
            source=source,
            summary=row.summary,
            facts_brief=facts_brief,
            suspected_provisions=provisions(version.violated),
            officers=officers(row),
            undertaker_opinion="经初步核查，当事人涉嫌违法，符合立案条件，建议立案调查。",
            proposed_on=filed_on,
            approver=approver,
            approval_opinion="同意立案。",
            approved_on=filed_on,
        )
    )


def penalty_notice(
    *,
    number: str,
    dept: Department,
    row: PenaltyCase,
    version: cat.BenchmarkVersion,
    notice: p.NoticeRecord,
    facts: Sequence[str],
    evidence: Sequence[str],
    source: str,
    filed_on: date,
    statement_working_days: int,
    assessment: d.Assessment | None,
) -> Built:
    return _render(
        docs.build_penalty_notice(
            number=number,
            agency=agency(dept),
            party=party(row),
            summary=row.summary,
            filed_on=filed_on,
            facts=facts,
            evidence=evidence,
            violated=provisions(version.violated),
            penalty_basis=provisions(version.punishing),
            benchmark=benchmark_ref(version, notice.assessment, source, assessment),
            reasons=notice.reasons,
            proposed=notice.proposed,
            statement_working_days=statement_working_days,
            hearing_offered=notice.hearing_offered,
            issued_on=notice.served_on,
            statement_deadline=notice.statement_deadline,
            hearing_request_deadline=notice.hearing_request_deadline,
            illegal_gains_fen=notice.assessment.illegal_gains_fen,
        )
    )


def hearing_notice(
    *, number: str, dept: Department, row: PenaltyCase, version: cat.BenchmarkVersion, notice: p.NoticeRecord
) -> Built:
    return _render(
        docs.build_hearing_notice(
            number=number,
            agency=agency(dept),
            party=party(row),
            summary=row.summary,
            proposed=notice.proposed,
            penalty_basis=provisions(version.punishing),
            issued_on=notice.served_on,
            hearing_request_deadline=notice.hearing_request_deadline,
        )
    )


def defence_lines(case: p.Case) -> tuple[str, ...]:
    """陈述、申辩和听证情况 from the records of the last notice (第四十五条: 复核, 成立的应当采纳)."""
    notice = case.notice
    if notice is None:
        return ()
    lines: list[str] = []
    for s in case.statements:
        if s.notice_index != notice.index:
            continue
        content = s.content.strip()
        if content[-1:] not in ("。", "！", "？", "；", ".", "!", "?"):
            content += "。"
        line = f"当事人于{cn_date(s.received_on)}提出陈述、申辩：{content}"
        if s.reviewed:
            line += f"经复核，{s.review_opinion}（{'予以采纳' if s.adopted else '不予采纳'}）。"
        lines.append(line)
    for h in case.hearings:
        if h.notice_index != notice.index:
            continue
        if h.outcome is p.HearingOutcome.HELD and h.held_on:
            lines.append(f"本机关于{cn_date(h.held_on)}依法举行听证，听证笔录：{h.transcript_ref}。")
        elif h.outcome is p.HearingOutcome.PARTY_ABSENT:
            lines.append("当事人无正当理由未出席听证，视为放弃听证权利。")
        elif h.withdrawn_on:
            lines.append(f"当事人于{cn_date(h.withdrawn_on)}撤回听证申请。")
    for w in case.waivers:
        if w.notice_index == notice.index:
            waived = "、".join(x for x, on in (("陈述、申辩", w.statement), ("听证", w.hearing)) if on)
            lines.append(f"当事人于{cn_date(w.declared_on)}书面明确放弃{waived}的权利。")
    return tuple(lines)


def penalty_decision(
    *,
    number: str,
    dept: Department,
    row: PenaltyCase,
    version: cat.BenchmarkVersion,
    case: p.Case,
    facts: Sequence[str],
    evidence: Sequence[str],
    defence: Sequence[str] | None,
    source: str,
    place: str,
    assessment: d.Assessment | None,
    confiscated: Sequence[docs.ConfiscatedItem] = (),
) -> Built:
    decision = case.decision
    assert decision is not None and decision.penalty is not None and case.assessment is not None
    on_the_spot = case.procedure is p.ProcedureKind.SIMPLE
    return _render(
        docs.build_penalty_decision(
            number=number,
            agency=agency(dept),
            party=party(row),
            summary=row.summary,
            filed_on=case.filed_on,
            facts=facts,
            evidence=evidence,
            violated=provisions(version.violated),
            penalty_basis=provisions(version.punishing),
            benchmark=benchmark_ref(version, case.assessment, source, assessment),
            reasons=decision.reasons,
            defence=defence if defence is not None else defence_lines(case),
            penalty=decision.penalty,
            payment=docs.PaymentChannel(
                dept.bank,
                dept.account_name,
                dept.account_no,
                payment_code=payment_code.payment_code(
                    row.district_code, decision.decided_on.year, row.id.int
                ),
            ),
            remedies=docs.RemedyBodies(dept.reconsideration_body, dept.court),
            decided_on=decision.decided_on,
            on_the_spot=on_the_spot,
            place=place,
            officers=officers(row) if on_the_spot else (),
            confiscated=confiscated,
            illegal_gains_fen=case.assessment.illegal_gains_fen,
        )
    )


def no_penalty_decision(
    *,
    number: str,
    dept: Department,
    row: PenaltyCase,
    version: cat.BenchmarkVersion,
    case: p.Case,
    facts: Sequence[str],
    evidence: Sequence[str],
    basis: Sequence[docs.Provision],
    education: Sequence[str],
) -> Built:
    decision = case.decision
    assert decision is not None
    return _render(
        docs.build_no_penalty_decision(
            number=number,
            agency=agency(dept),
            party=party(row),
            summary=row.summary,
            filed_on=case.filed_on,
            facts=facts,
            evidence=evidence,
            violated=provisions(version.violated),
            no_penalty_basis=basis,
            reasons=decision.reasons,
            education=education,
            remedies=docs.RemedyBodies(dept.reconsideration_body, dept.court),
            decided_on=decision.decided_on,
        )
    )


def details_list(row: PenaltyCase, key: str) -> list[Any]:
    value = row.details.get(key)
    return list(value) if isinstance(value, list) else []
