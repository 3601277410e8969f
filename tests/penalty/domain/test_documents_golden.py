"""Golden (characterisation) test of the case documents: ``golden/documents.jsonl`` records the five documents
built from fixed inputs, the amounts in capitals and the document numbers, as they were before issue #12's
reshape; the test compares byte for byte (test_procedure_golden.py explains the golden files and how to
regenerate them for an intended, reviewed change). The rules are tested with hand-worked examples in
test_documents.py."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from services.common.errors import DomainError
from services.penalty.domain import documents as docs
from services.penalty.domain import procedure as p
from services.penalty.domain.procedure import PenaltyKind as K
from tests.penalty.domain.golden_json import compare
from tests.penalty.domain.test_procedure_golden import fine

AGENCY = docs.Agency("沈阳市市场监督管理局", "SJ", "沈阳市和平区某路1号", "孙某", "024-12345678")
COMPANY = docs.PartyInfo(
    "沈阳某某食品有限公司",
    p.PartyKind.ORGANISATION,
    "91210100MA0000000X",
    "沈阳市和平区某街2号",
    "李某",
    "13800000000",
)
PERSON_INFO = docs.PartyInfo("王某", p.PartyKind.INDIVIDUAL, "2101**********1234", "沈阳市皇姑区某街3号")
OFFICERS = (docs.Officer("张三", "21010001"), docs.Officer("李四", "21010002"))
VIOLATED = (docs.Provision("中华人民共和国食品安全法", "第三十四条第十项"),)
BASIS = (docs.Provision("中华人民共和国食品安全法", "第一百二十四条第一款"),)
BENCHMARK = docs.BenchmarkRef(
    "SY-SJ-0003",
    1,
    "经营超过保质期的食品",
    "一般",
    "50,000.00元至100,000.00元",
    "《沈阳市市场监督管理行政处罚裁量基准》",
)
REMEDIES = docs.RemedyBodies("沈阳市人民政府", "沈阳市和平区人民法院")
CHANNEL = docs.PaymentChannel("中国工商银行沈阳分行", "沈阳市财政局", "0000 1111 2222")


def _documents() -> Iterator[Any]:
    yield docs.build_filing_approval(
        number=docs.document_number("SJ", 2026, 1, docs.DocumentKind.FILING_APPROVAL),
        agency=AGENCY,
        party=COMPANY,
        source="监督检查",
        summary="经营超过保质期的食品",
        facts_brief="执法人员检查发现超过保质期的酸奶12盒。",
        suspected_provisions=VIOLATED,
        officers=OFFICERS,
        undertaker_opinion="建议立案。",
        proposed_on=date(2026, 3, 2),
        approver="王局长",
        approval_opinion="同意立案。",
        approved_on=date(2026, 3, 2),
    )
    for party, hearing in ((COMPANY, True), (PERSON_INFO, False)):
        yield docs.build_penalty_notice(
            number=docs.document_number("SJ", 2026, 7, docs.DocumentKind.PENALTY_NOTICE),
            agency=AGENCY,
            party=party,
            summary="经营超过保质期的食品",
            filed_on=date(2026, 3, 2),
            facts=("当事人销售超过保质期的酸奶12盒。",),
            evidence=("现场笔录", "询问笔录"),
            violated=VIOLATED,
            penalty_basis=BASIS,
            benchmark=BENCHMARK,
            reasons=("初次违法。",),
            proposed=fine(80_000, K.CONFISCATE_GAINS, confiscation=1_234),
            statement_working_days=5,
            hearing_offered=hearing,
            issued_on=date(2026, 3, 10),
            statement_deadline=date(2026, 3, 17) if hearing else None,
            hearing_request_deadline=date(2026, 3, 17) if hearing else None,
        )
    yield docs.build_hearing_notice(
        number=docs.document_number("SJ", 2026, 8, docs.DocumentKind.HEARING_NOTICE),
        agency=AGENCY,
        party=COMPANY,
        summary="经营超过保质期的食品",
        proposed=fine(80_000),
        penalty_basis=BASIS,
        issued_on=date(2026, 3, 10),
        hearing_request_deadline=date(2026, 3, 17),
    )
    for on_the_spot, penalty in (
        (False, fine(80_000, K.WARNING)),
        (True, fine(200)),
        (False, p.Penalty(frozenset({K.WARNING}))),
        # added with restriction_months: a 限制开展生产经营活动 with its term (a new record; the others unchanged)
        (
            False,
            p.Penalty(frozenset({K.FINE, K.RESTRICT_BUSINESS}), fine_fen=8_000_000, restriction_months=18),
        ),
    ):
        yield docs.build_penalty_decision(
            number=docs.document_number("SJ", 2026, 123),
            agency=AGENCY,
            party=PERSON_INFO if on_the_spot else COMPANY,
            summary="经营超过保质期的食品",
            filed_on=date(2026, 3, 2),
            facts=("当事人销售超过保质期的酸奶12盒。",),
            evidence=() if on_the_spot else ("现场笔录",),
            violated=VIOLATED,
            penalty_basis=BASIS,
            benchmark=BENCHMARK,
            reasons=("初次违法。",),
            defence=() if on_the_spot else ("当事人称初次违法，经复核予以考虑。",),
            penalty=penalty,
            payment=CHANNEL if not on_the_spot else docs.PaymentChannel("银行", electronic=False),
            remedies=REMEDIES,
            decided_on=date(2026, 3, 20),
            on_the_spot=on_the_spot,
            place="沈阳市和平区某街2号" if on_the_spot else "",
            officers=OFFICERS if on_the_spot else (),
        )
    yield docs.build_no_penalty_decision(
        number=docs.document_number("SJ", 2026, 3, docs.DocumentKind.NO_PENALTY_DECISION),
        agency=AGENCY,
        party=COMPANY,
        summary="未按规定公示",
        filed_on=date(2026, 3, 2),
        facts=("违法行为轻微并及时改正。",),
        evidence=(),
        violated=VIOLATED,
        no_penalty_basis=(docs.Provision("中华人民共和国行政处罚法", "第三十三条第一款"),),
        reasons=("没有造成危害后果。",),
        education=(),
        remedies=REMEDIES,
        decided_on=date(2026, 3, 5),
    )


def test_documents_match_the_golden_record() -> None:
    records: list[dict[str, Any]] = [{"document": doc, "template": doc.template} for doc in _documents()]
    for fen in (0, 1, 10, 100, 101, 110, 1_000, 10_010, 100_000, 168_032, 5_000_000, 1_000_000_001, 10**17):
        try:
            capital: Any = docs.rmb_capital(fen)
        except ValueError as exc:
            capital = f"ValueError: {exc}"
        records.append(
            {"fen": fen, "capital": capital, "money": docs.money_text(fen) if fen < 10**17 else None}
        )
    for text in (
        "沈市监罚〔2026〕123号",
        "沈市监不罚〔2026〕3号",
        "沈环罚告〔2025〕9号",
        "沈市监〔2026〕1号",
        "x",
    ):
        try:
            parsed: Any = docs.parse_document_number(text)
        except DomainError as exc:
            parsed = exc
        records.append({"number": text, "parsed": parsed})
    for args in (("XX", 2026, 1), ("SJ", 1900, 1), ("SJ", 2026, 0)):
        try:
            number: Any = docs.document_number(*args)  # type: ignore[arg-type]
        except DomainError as exc:
            number = exc
        records.append({"args": args, "number": number})
    compare("documents.jsonl", records)
