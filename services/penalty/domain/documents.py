"""Content of the penalty documents (执法文书), built as pure data ready for a template.

Documents: 立案审批表, 行政处罚告知书, 行政处罚听证告知书, 行政处罚决定书, 不予行政处罚决定书. Their structure follows
行政处罚法 第四十四条 (notice), 第五十二条 (on-the-spot decision), 第五十九条 (decision) and the usual national and
Liaoning model texts: header (agency, title, number), the party, facts, evidence, basis and benchmark, reasons
(说理), the decision, how and by when to perform it, remedies, signature and date.

Numbers: ``沈<部门简称><文书代字>〔<年>〕<序号>号``, e.g. 沈市监罚〔2026〕123号 (GB/T 9704 uses the hexagonal
brackets 〔〕). The department abbreviation and the document word are configuration (``NumberingConfig``); the
sequence number is allocated by the service, per department, document kind and year.

Money is integer fen, rendered as yuan with two decimals (services.common.money.format_yuan) and in Chinese
capitals (大写) by ``rmb_capital``, which follows the rules for writing amounts on payment documents
(中国人民银行《支付结算办法》附件《正确填写票据和结算凭证的基本规定》): 壹贰叁肆伍陆柒捌玖拾佰仟万亿, 元角分,
整 after 元 (and after 角 when there is no 分), one 零 for a run of zeros inside the number, 零 after 元 when
the 元 digit is zero and 角 or 分 follow, and 壹拾 rather than 拾 for a leading ten.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType

from services.common.dates import cn_date
from services.common.errors import BadRequest
from services.common.money import format_yuan
from services.penalty.domain.chinese_money import money_text as money_text  # 大写 amounts, re-exported
from services.penalty.domain.chinese_money import rmb_capital as rmb_capital
from services.penalty.domain.errors import InvalidDocumentNumber, UnknownDepartment
from services.penalty.domain.procedure import (
    RESTRICTIONS,
    PartyKind,
    Penalty,
    PenaltyKind,
    kind_order,
    months_text,
)

LAW = "《中华人民共和国行政处罚法》"

# '2026年9月30日' (GB/T 9704-2012 7.3.5.1: Arabic numerals, no leading zeros): the kernel's cn_date. The name
# stays because the service's document code (outside the domain) calls ``documents.date_text``.
date_text = cn_date


# --------------------------------------------------------------------------------------------------------
# Document numbers
# --------------------------------------------------------------------------------------------------------


class DocumentKind(enum.StrEnum):
    FILING_APPROVAL = "filing_approval"  # 立案审批表
    PENALTY_NOTICE = "penalty_notice"  # 行政处罚告知书
    HEARING_NOTICE = "hearing_notice"  # 行政处罚听证告知书
    PENALTY_DECISION = "penalty_decision"  # 行政处罚决定书
    NO_PENALTY_DECISION = "no_penalty_decision"  # 不予行政处罚决定书
    # after the decision (issue #17): domain.enforcement_documents
    PAYMENT_PLAN_DECISION = "payment_plan_decision"  # 延期（分期）缴纳罚款决定书 (第六十六条第二款)
    ENFORCEMENT_REMINDER = "enforcement_reminder"  # 催告书 (行政强制法 第三十五条)
    COURT_APPLICATION = "court_application"  # 强制执行申请书 (行政强制法 第五十五条)
    ENFORCEMENT_DECISION = "enforcement_decision"  # 行政强制执行决定书 (行政强制法 第三十七条)


DOCUMENT_TITLES: Mapping[DocumentKind, str] = MappingProxyType(
    {
        DocumentKind.FILING_APPROVAL: "立案审批表",
        DocumentKind.PENALTY_NOTICE: "行政处罚告知书",
        DocumentKind.HEARING_NOTICE: "行政处罚听证告知书",
        DocumentKind.PENALTY_DECISION: "行政处罚决定书",
        DocumentKind.NO_PENALTY_DECISION: "不予行政处罚决定书",
        DocumentKind.PAYMENT_PLAN_DECISION: "延期（分期）缴纳罚款决定书",
        DocumentKind.ENFORCEMENT_REMINDER: "催告书",
        DocumentKind.COURT_APPLICATION: "强制执行申请书",
        DocumentKind.ENFORCEMENT_DECISION: "行政强制执行决定书",
    }
)

# 文书代字. 罚 for decisions is the form in SPEC (沈市监罚〔2026〕123号); 不罚 for not-penalised decisions.
DEFAULT_DOCUMENT_WORDS: Mapping[DocumentKind, str] = MappingProxyType(
    {
        DocumentKind.FILING_APPROVAL: "立",
        DocumentKind.PENALTY_NOTICE: "罚告",
        DocumentKind.HEARING_NOTICE: "听告",
        DocumentKind.PENALTY_DECISION: "罚",
        DocumentKind.NO_PENALTY_DECISION: "不罚",
        DocumentKind.PAYMENT_PLAN_DECISION: "缓缴",
        DocumentKind.ENFORCEMENT_REMINDER: "催",
        DocumentKind.COURT_APPLICATION: "强申",
        DocumentKind.ENFORCEMENT_DECISION: "强执",
    }
)

# Department code -> 简称 used in document numbers. Illustrative defaults for Shenyang's municipal
# enforcement departments; each deployment sets the registered abbreviations in the penalty settings.
DEFAULT_DEPT_ABBREVIATIONS: Mapping[str, str] = MappingProxyType(
    {
        "SJ": "市监",  # 沈阳市市场监督管理局
        "ST": "环",  # 沈阳市生态环境局 (the sample data's code)
        "HJ": "环",  # 沈阳市生态环境局 (older code)
        "CG": "城管",  # 沈阳市城市管理综合行政执法局
        "YJ": "应急",  # 沈阳市应急管理局
        "JT": "交",  # 沈阳市交通运输局
        "WJ": "卫",  # 沈阳市卫生健康委员会
        "WH": "文旅",  # 沈阳市文化旅游和广播电视局
        "ZJ": "建",  # 沈阳市城乡建设局
        "XF": "消",  # 沈阳市消防救援支队
    }
)


@dataclass(frozen=True, slots=True)
class NumberingConfig:
    city: str = "沈"
    abbreviations: Mapping[str, str] = field(default_factory=lambda: DEFAULT_DEPT_ABBREVIATIONS)
    words: Mapping[DocumentKind, str] = field(default_factory=lambda: DEFAULT_DOCUMENT_WORDS)


DEFAULT_NUMBERING = NumberingConfig()


@dataclass(frozen=True, slots=True)
class DocumentNumber:
    prefix: str  # city + department abbreviation, e.g. 沈市监
    word: str  # 罚, 不罚, 罚告, ...
    year: int
    sequence: int

    def __str__(self) -> str:
        return f"{self.prefix}{self.word}〔{self.year}〕{self.sequence}号"


def document_number(
    dept_code: str,
    year: int,
    sequence: int,
    kind: DocumentKind = DocumentKind.PENALTY_DECISION,
    config: NumberingConfig = DEFAULT_NUMBERING,
) -> str:
    """'沈市监罚〔2026〕123号' for department SJ, 2026, number 123."""
    if sequence < 1:
        raise InvalidDocumentNumber("文书序号须为正整数")
    if not 1949 <= year <= 9999:
        raise InvalidDocumentNumber(f"年份{year}不合理")
    abbreviation = config.abbreviations.get(dept_code)
    if not abbreviation:
        raise UnknownDepartment(f"部门代码{dept_code}未配置文书编号简称", extra={"dept_code": dept_code})
    return str(DocumentNumber(config.city + abbreviation, config.words[kind], year, sequence))


_NUMBER_RE = re.compile(r"^(?P<head>.+?)〔(?P<year>\d{4})〕(?P<seq>[1-9]\d*)号$")


def parse_document_number(text: str, config: NumberingConfig = DEFAULT_NUMBERING) -> DocumentNumber:
    """Split a number produced by ``document_number``; the longest configured word wins (不罚 before 罚)."""
    match = _NUMBER_RE.match(text.strip())
    if not match:
        raise InvalidDocumentNumber(f"文书编号「{text}」格式不正确，应为如 沈市监罚〔2026〕123号")
    head = match["head"]
    for word in sorted(set(config.words.values()), key=len, reverse=True):
        if head.endswith(word) and len(head) > len(word):
            prefix = head[: -len(word)]
            if prefix.startswith(config.city):
                return DocumentNumber(prefix, word, int(match["year"]), int(match["seq"]))
    raise InvalidDocumentNumber(f"文书编号「{text}」的机关代字或文书代字无法识别")


# --------------------------------------------------------------------------------------------------------
# Building blocks
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Agency:
    name: str  # 沈阳市市场监督管理局
    dept_code: str
    address: str = ""
    contact: str = ""
    phone: str = ""


@dataclass(frozen=True, slots=True)
class PartyInfo:
    name: str
    kind: PartyKind
    id_number: str  # 统一社会信用代码 or 居民身份证号 (masked unless the reader may see it)
    address: str
    legal_representative: str = ""  # organisations: 法定代表人（负责人）
    phone: str = ""

    @property
    def you(self) -> str:
        return "你单位" if self.kind is PartyKind.ORGANISATION else "你"

    def lines(self) -> tuple[tuple[str, str], ...]:
        if self.kind is PartyKind.ORGANISATION:
            rows = [
                ("当事人", self.name),
                ("统一社会信用代码", self.id_number),
                ("住所", self.address),
                ("法定代表人（负责人）", self.legal_representative),
            ]
        else:
            rows = [("当事人", self.name), ("身份证件号码", self.id_number), ("住址", self.address)]
        if self.phone:
            rows.append(("联系电话", self.phone))
        return tuple((label, value) for label, value in rows if value)


@dataclass(frozen=True, slots=True)
class Officer:
    name: str
    cert_no: str  # 执法证号


@dataclass(frozen=True, slots=True)
class Provision:
    """A cited provision: 《中华人民共和国广告法》第五十五条第一款."""

    law: str  # without book-title marks: 中华人民共和国广告法
    article: str  # 第五十五条第一款
    text: str = ""

    def cite(self) -> str:
        return f"《{self.law}》{self.article}"


def cite_all(provisions: Sequence[Provision]) -> str:
    """'《A》第一条、《B》第二条'."""
    return "、".join(p.cite() for p in provisions)


@dataclass(frozen=True, slots=True)
class BenchmarkRef:
    code: str  # SY-SJ-0123
    version: int
    item_name: str  # the violation as named in the benchmark
    tier: str  # 从轻 / 一般 / ...
    range_text: str  # "20,000.00元至50,000.00元"
    source: str = ""  # the published benchmark document, e.g. 《沈阳市市场监督管理行政处罚裁量基准》

    def sentence(self) -> str:
        src = f"{self.source}" if self.source else "本机关公布的行政处罚裁量基准"
        return (
            f"本案适用{src}第{self.code}项（第{self.version}版）「{self.item_name}」，"
            f"属于「{self.tier}」情形，对应罚款幅度为{self.range_text}。"
        )


@dataclass(frozen=True, slots=True)
class RemedyBodies:
    reconsideration_body: str  # 沈阳市人民政府 (行政复议法 第二十四条)
    court: str  # 沈阳市和平区人民法院


@dataclass(frozen=True, slots=True)
class PaymentChannel:
    bank: str  # 指定的银行
    account_name: str = ""
    account_no: str = ""
    electronic: bool = True  # 电子支付系统 (第六十七条第三款)
    payment_code: str = ""  # 缴款码 of this decision (``payment_code``)


@dataclass(frozen=True, slots=True)
class ConfiscatedItem:
    """没收非法财物: one item, with its quantity and value, listed on the 决定书."""

    name: str
    quantity: str  # with its unit: 30袋
    value_fen: int


def confiscated_section(items: Sequence[ConfiscatedItem]) -> Section:
    """没收财物清单: each item's name, quantity and value, then the total value (money_text: figures and 大写)."""
    lines = tuple(f"{i.name}，数量：{i.quantity}，价值：人民币{format_yuan(i.value_fen)}元" for i in items)
    total = sum(i.value_fen for i in items)
    return Section(
        "没收财物清单",
        (f"本机关依法没收下列非法财物，共{len(items)}项，合计价值{money_text(total)}：",),
        items=lines,
    )


@dataclass(frozen=True, slots=True)
class Section:
    heading: str
    paragraphs: tuple[str, ...] = ()
    items: tuple[str, ...] = ()  # rendered as a numbered list after the paragraphs


@dataclass(frozen=True, slots=True)
class Signature:
    agency_name: str
    date: date
    seal: bool = True  # 行政机关印章 (第五十九条第二款)

    @property
    def date_text(self) -> str:
        return cn_date(self.date)


@dataclass(frozen=True, slots=True)
class Document:
    """A document ready for a template: header, party, body sections, signature."""

    kind: DocumentKind
    title: str
    number: str
    agency: Agency
    party: PartyInfo
    salutation: str  # "当事人：" block or "XX公司：" for letters
    sections: tuple[Section, ...]
    signature: Signature
    footer: tuple[str, ...] = ()

    @property
    def template(self) -> str:
        return f"{self.kind.value}.html"


@dataclass(frozen=True, slots=True)
class FormRow:
    label: str
    value: str
    signer: str = ""  # who signed this row (承办人, 负责人), with the date
    signed_on: date | None = None

    @property
    def signed_text(self) -> str:
        return cn_date(self.signed_on) if self.signed_on else ""


@dataclass(frozen=True, slots=True)
class FilingApproval:
    """立案审批表: a form, rendered as a table."""

    kind: DocumentKind
    title: str
    number: str
    agency: Agency
    party: PartyInfo
    rows: tuple[FormRow, ...]

    @property
    def template(self) -> str:
        return f"{self.kind.value}.html"


# --------------------------------------------------------------------------------------------------------
# Penalty wording
# --------------------------------------------------------------------------------------------------------


def penalty_items(penalty: Penalty) -> tuple[str, ...]:
    """One line per kind, money in figures and capitals: ('警告', '罚款人民币50,000.00元（大写：伍万元整）')."""
    items: list[str] = []
    for kind in sorted(penalty.kinds, key=kind_order):
        if kind is PenaltyKind.FINE:
            items.append(f"罚款{money_text(penalty.fine_fen)}")
        elif kind is PenaltyKind.CONFISCATE_GAINS and penalty.confiscation_fen:
            items.append(f"没收违法所得{money_text(penalty.confiscation_fen)}")
        elif kind in RESTRICTIONS and penalty.restriction_months is not None:
            # the term counts from the decision (食品安全法 第一百三十五条 "自处罚决定作出之日起五年内")
            items.append(f"{kind.label}，期限{months_text(penalty.restriction_months)}")
        else:
            items.append(kind.label)
    if penalty.terms:
        items.append(penalty.terms)
    return tuple(items)


def refund_section(penalty: Penalty, illegal_gains_fen: int) -> Section:
    """The illegal gains not confiscated because they are to be returned, with the reason (第二十八条第二款)."""
    kept = penalty.confiscation_fen if PenaltyKind.CONFISCATE_GAINS in penalty.kinds else 0
    text = f"当事人违法所得{money_text(illegal_gains_fen)}，其中{money_text(illegal_gains_fen - kept)}依法应当退赔，"
    return Section(
        "违法所得的退赔", (f"{text}不予没收（{LAW}第二十八条第二款）。退赔理由：{penalty.refund_reason}",)
    )


def performance_paragraphs(penalty: Penalty, channel: PaymentChannel) -> tuple[str, ...]:
    """履行方式和期限 (第五十九条第一款第四项; 第六十七条第三款; 第七十二条第一款; 行政强制法 第四十五条第一款)."""
    if penalty.fine_fen <= 0 and penalty.confiscation_fen <= 0:  # nothing to pay
        return ("当事人应当自收到本决定书之日起自觉履行本决定。",)
    where = f"到{channel.bank}"
    if channel.account_name or channel.account_no:
        where += f"（户名：{channel.account_name}；账号：{channel.account_no}）"
    how = f"{where}缴纳，或者通过电子支付系统缴纳" if channel.electronic else f"{where}缴纳"
    code = f"缴款时请填写缴款码{channel.payment_code}。" if channel.payment_code else ""
    return (
        f"当事人应当自收到本决定书之日起十五日内，持本决定书{how}（{LAW}第六十七条第三款）。{code}",
        f"当事人到期不缴纳罚款的，本机关可以依据{LAW}第七十二条第一款第一项的规定，每日按罚款数额的百分之三"
        "加处罚款，加处罚款的数额不超出罚款的数额；并可以依法申请人民法院强制执行（同条第一款第四项）。",
        "当事人确有经济困难，需要延期或者分期缴纳罚款的，可以向本机关提出书面申请，经批准后可以暂缓或者"
        f"分期缴纳（{LAW}第六十六条第二款）。",
    )


def remedy_paragraphs(bodies: RemedyBodies, *, on_the_spot: bool, penalty: bool = True) -> tuple[str, ...]:
    """救济途径 (第五十九条第一款第五项); a decision not to penalise (``penalty`` false) is "本决定".

    Reconsideration within 60 days (行政复议法 第二十条第一款); litigation within 6 months (行政诉讼法 第四十六条
    第一款), or within 15 days after a reconsideration decision (行政诉讼法 第四十五条). A decision made on the
    spot must first go to reconsideration (行政复议法 第二十三条第一款第一项), and the party must be told so
    (同条第二款). The penalty is not suspended meanwhile (行政处罚法 第七十三条第一款).
    """
    this = "本处罚决定" if penalty else "本决定"
    if on_the_spot:
        first = (
            f"当事人如不服{this}，应当自收到本决定书之日起六十日内先向{bodies.reconsideration_body}申请"
            "行政复议；对行政复议决定不服的，可以自收到行政复议决定书之日起十五日内依法向人民法院提起行政诉讼"
            "（《中华人民共和国行政复议法》第二十条第一款、第二十三条第一款第一项）。"
        )
    else:
        first = (
            f"当事人如不服{this}，可以自收到本决定书之日起六十日内向{bodies.reconsideration_body}申请行政"
            f"复议，也可以自收到本决定书之日起六个月内直接向{bodies.court}提起行政诉讼"
            "（《中华人民共和国行政复议法》第二十条第一款；《中华人民共和国行政诉讼法》第四十六条第一款）。"
        )
    return (
        first,
        f"行政复议或者行政诉讼期间，本处罚决定不停止执行，法律另有规定的除外（{LAW}第七十三条第一款）。",
    )


# --------------------------------------------------------------------------------------------------------
# Builders
# --------------------------------------------------------------------------------------------------------


def _require(value: str | Sequence[object], what: str) -> None:
    empty = not value.strip() if isinstance(value, str) else not value
    if empty:
        raise BadRequest(f"文书缺少{what}", code="DOCUMENT_CONTENT_MISSING", extra={"field": what})


def compose(
    kind: DocumentKind,
    *,
    number: str,
    agency: Agency,
    party: PartyInfo,
    sections: Sequence[Section],
    signed_on: date,
    addressed_to: str | None = None,
    footer: tuple[str, ...] = (),
    title: str | None = None,
) -> Document:
    """The skeleton every document shares: its title (``DOCUMENT_TITLES`` unless ``title``), number, agency and
    party; the salutation (``<addressed_to>：`` for a letter, none for a decision); the body; the agency's
    name, seal and date (行政处罚法 第五十九条第一款第六项、第二款; 行政强制法 第三十七条第二款第五项); the footer."""
    return Document(
        kind=kind,
        title=DOCUMENT_TITLES[kind] if title is None else title,
        number=number,
        agency=agency,
        party=party,
        salutation="" if addressed_to is None else f"{addressed_to}：",
        sections=tuple(sections),
        signature=Signature(agency.name, signed_on),
        footer=footer,
    )


def _require_grounds(
    facts: Sequence[str], violated: Sequence[Provision], basis: Sequence[Provision], reasons: Sequence[str]
) -> None:
    """A notice or decision states its facts, the provisions violated, the penalty's basis and its reasons
    (行政处罚法 第四十四条, 第五十九条第一款第二项、第三项)."""
    for value, what in (
        (facts, "违法事实"),
        (violated, "违法依据"),
        (basis, "处罚依据"),
        (reasons, "理由（说理）"),
    ):
        _require(value, what)


def build_filing_approval(
    *,
    number: str,
    agency: Agency,
    party: PartyInfo,
    source: str,  # 案件来源: 监督检查 / 投诉举报 / 12345 转办 / 上级交办 ...
    summary: str,  # 案由
    facts_brief: str,  # 简要案情
    suspected_provisions: Sequence[Provision],  # 涉嫌违反的规定
    officers: Sequence[Officer],
    undertaker_opinion: str,
    proposed_on: date,
    approver: str,
    approval_opinion: str,
    approved_on: date,
) -> FilingApproval:
    """立案审批表 (行政处罚法 第五十四条第二款: 符合立案标准的，应当及时立案)."""
    _require(summary, "案由")
    _require(facts_brief, "简要案情")
    _require(suspected_provisions, "涉嫌违反的规定")
    _require(approver, "审批人")
    if len(officers) < 2:
        raise BadRequest(
            "承办的执法人员不得少于两人（行政处罚法 第四十二条第一款）", code="DOCUMENT_OFFICERS"
        )
    officer_text = "、".join(f"{o.name}（执法证号：{o.cert_no}）" for o in officers)
    rows = (
        FormRow("案件来源", source),
        FormRow("案由", summary),
        FormRow("简要案情", facts_brief),
        FormRow("涉嫌违反的规定", cite_all(suspected_provisions)),
        FormRow("承办人", officer_text),
        FormRow(
            "承办人意见",
            undertaker_opinion,
            signer="、".join(o.name for o in officers),
            signed_on=proposed_on,
        ),
        FormRow("负责人审批意见", approval_opinion, signer=approver, signed_on=approved_on),
    )
    return FilingApproval(
        kind=DocumentKind.FILING_APPROVAL,
        title=DOCUMENT_TITLES[DocumentKind.FILING_APPROVAL],
        number=number,
        agency=agency,
        party=party,
        rows=rows,
    )


def _facts_sections(
    facts: Sequence[str],
    evidence: Sequence[str],
    violated: Sequence[Provision],
    subject: str = "当事人",
    facts_heading: str = "违法事实",
) -> tuple[Section, ...]:
    sections = [Section(facts_heading, tuple(facts))]
    if evidence:
        sections.append(Section("证据", ("上述事实，有下列证据证明：",), items=tuple(evidence)))
    if violated:
        sections.append(Section("", (f"{subject}的上述行为违反了{cite_all(violated)}的规定。",)))
    return tuple(sections)


def build_penalty_notice(
    *,
    number: str,
    agency: Agency,
    party: PartyInfo,
    summary: str,
    filed_on: date,
    facts: Sequence[str],
    evidence: Sequence[str],
    violated: Sequence[Provision],
    penalty_basis: Sequence[Provision],
    benchmark: BenchmarkRef,
    reasons: Sequence[str],
    proposed: Penalty,
    statement_working_days: int,
    hearing_offered: bool,
    issued_on: date,
    statement_deadline: date | None = None,
    hearing_request_deadline: date | None = None,
    illegal_gains_fen: int = 0,
) -> Document:
    """行政处罚告知书 (第四十四条): the proposed penalty, its facts, reasons and basis, the party's rights, and
    the illegal gains to be returned with why (第二十八条第二款), so the party may state its case on them too."""
    _require_grounds(facts, violated, penalty_basis, reasons)
    you = party.you
    statement_until = f"（即{cn_date(statement_deadline)}前）" if statement_deadline else ""
    rights = [
        f"根据{LAW}第四十四条、第四十五条的规定，{you}享有陈述、申辩的权利。{you}如对上述拟作出的行政处罚有"
        f"异议，可以自收到本告知书之日起{statement_working_days}个工作日内{statement_until}向本机关提出陈述、"
        f"申辩，并提供相关证据；逾期未提出的，视为放弃陈述、申辩的权利。",
    ]
    where = _where_to_state(agency)
    if where:
        rights.append(where)
    if hearing_offered:
        hearing_until = f"（即{cn_date(hearing_request_deadline)}前）" if hearing_request_deadline else ""
        rights.append(
            f"根据{LAW}第六十三条、第六十四条的规定，{you}有要求举行听证的权利。{you}如要求听证，应当自收到"
            f"本告知书之日起五个工作日内{hearing_until}向本机关提出；逾期未提出的，视为放弃听证权利"
            f"（{LAW}第六十四条第一项、第八十五条）。"
        )
    sections = (
        Section("", (f"本机关于{cn_date(filed_on)}对{you}{summary}一案立案调查。经查：",)),
        *_facts_sections(facts, evidence, violated, subject=you),
        Section(
            "处罚依据及裁量基准",
            (f"依据{cite_all(penalty_basis)}的规定，{benchmark.sentence()}",),
        ),
        Section("理由", tuple(reasons)),
        Section("拟作出的行政处罚", (f"本机关拟对{you}作出如下行政处罚：",), items=penalty_items(proposed)),
        *([refund_section(proposed, illegal_gains_fen)] if proposed.refund_reason.strip() else []),
        Section("当事人的权利", tuple(rights)),
    )
    return compose(
        DocumentKind.PENALTY_NOTICE,
        number=number,
        agency=agency,
        party=party,
        sections=sections,
        signed_on=issued_on,
        addressed_to=party.name,
        footer=_contact_lines(agency),
    )


def _where_to_state(agency: Agency) -> str:
    """Where and how the party may state its case (第四十四条, 第四十五条): in writing to the agency's address,
    or orally at the agency or by telephone (the agency records it), as the department is configured."""
    ways = []
    if agency.address:
        ways.append(f"书面陈述、申辩材料可以直接送交或者邮寄至本机关（地址：{agency.address}）")
    if agency.phone:
        who = f"，联系人：{agency.contact}" if agency.contact else ""
        ways.append(f"也可以到本机关或者通过电话（{agency.phone}{who}）口头提出，本机关将制作笔录")
    return "；".join(ways) + "。" if ways else ""


def _contact_lines(agency: Agency) -> tuple[str, ...]:
    lines = []
    if agency.address:
        lines.append(f"本机关地址：{agency.address}")
    if agency.contact:
        lines.append(f"联系人：{agency.contact}")
    if agency.phone:
        lines.append(f"联系电话：{agency.phone}")
    return tuple(lines)


def build_hearing_notice(
    *,
    number: str,
    agency: Agency,
    party: PartyInfo,
    summary: str,
    proposed: Penalty,
    penalty_basis: Sequence[Provision],
    issued_on: date,
    hearing_request_deadline: date | None = None,
) -> Document:
    """行政处罚听证告知书 (第六十三条, 第六十四条)."""
    _require(penalty_basis, "处罚依据")
    you = party.you
    until = f"（即{cn_date(hearing_request_deadline)}前）" if hearing_request_deadline else ""
    sections = (
        Section(
            "",
            (f"{you}{summary}一案，本机关依据{cite_all(penalty_basis)}的规定，拟对{you}作出如下行政处罚：",),
            items=penalty_items(proposed),
        ),
        Section(
            "听证权利",
            (
                f"根据{LAW}第六十三条的规定，{you}有权要求举行听证。{you}如要求听证，应当自收到本告知书之日起"
                f"五个工作日内{until}向本机关提出；逾期未提出的，视为放弃听证权利（第六十四条第一项、第八十五条）。",
                "本机关将在举行听证的七个工作日前，通知听证的时间、地点（第六十四条第二项）。",
                "除涉及国家秘密、商业秘密或者个人隐私依法予以保密外，听证公开举行（第六十四条第三项）。",
                f"听证由本机关指定的非本案调查人员主持；{you}认为主持人与本案有直接利害关系的，有权申请回避"
                "（第六十四条第四项）。",
                f"{you}可以亲自参加听证，也可以委托一至二人代理（第六十四条第五项）；无正当理由拒不出席听证或者"
                "未经许可中途退出听证的，视为放弃听证权利（第六十四条第六项）。",
                f"{you}不承担本机关组织听证的费用（第六十三条第二款）。",
            ),
        ),
    )
    return compose(
        DocumentKind.HEARING_NOTICE,
        number=number,
        agency=agency,
        party=party,
        sections=sections,
        signed_on=issued_on,
        addressed_to=party.name,
        footer=_contact_lines(agency),
    )


def build_penalty_decision(
    *,
    number: str,
    agency: Agency,
    party: PartyInfo,
    summary: str,
    filed_on: date,
    facts: Sequence[str],
    evidence: Sequence[str],
    violated: Sequence[Provision],
    penalty_basis: Sequence[Provision],
    benchmark: BenchmarkRef,
    reasons: Sequence[str],
    defence: Sequence[str],
    penalty: Penalty,
    payment: PaymentChannel,
    remedies: RemedyBodies,
    decided_on: date,
    on_the_spot: bool = False,
    place: str = "",
    officers: Sequence[Officer] = (),
    confiscated: Sequence[ConfiscatedItem] = (),
    illegal_gains_fen: int = 0,
) -> Document:
    """行政处罚决定书 (第五十九条; on the spot: 第五十二条第二款, with time, place and the officers); property
    confiscated (没收非法财物, 第九条第三项) is listed item by item with its quantity and value; illegal gains
    not confiscated are stated with the reason they are returned (第二十八条第二款)."""
    _require_grounds(facts, violated, penalty_basis, reasons)
    if on_the_spot:
        _require(place, "作出决定的地点（第五十二条第二款）")
        if not officers:
            raise BadRequest("当场作出的决定须载明执法人员（第五十二条第二款）", code="DOCUMENT_OFFICERS")
        opening = f"{cn_date(decided_on)}，本机关执法人员在{place}依法检查时发现当事人{summary}。经查："
    else:
        opening = f"当事人{summary}一案，本机关于{cn_date(filed_on)}立案调查，现已调查终结。经查："
    defence_lines = tuple(defence) or ("当事人在法定期限内未提出陈述、申辩，未要求听证。",)
    sections: list[Section] = [
        Section("", (opening,)),
        *_facts_sections(facts, evidence, violated),
        Section("处罚依据及裁量基准", (f"依据{cite_all(penalty_basis)}的规定，{benchmark.sentence()}",)),
        Section("理由", tuple(reasons)),
    ]
    if not on_the_spot:
        sections.append(Section("陈述、申辩和听证情况", defence_lines))
    sections += [
        Section("处罚决定", ("本机关决定对当事人作出如下行政处罚：",), items=penalty_items(penalty)),
        *([confiscated_section(confiscated)] if confiscated else []),
        *([refund_section(penalty, illegal_gains_fen)] if penalty.refund_reason.strip() else []),
        Section("履行方式和期限", performance_paragraphs(penalty, payment)),
        Section("救济途径", remedy_paragraphs(remedies, on_the_spot=on_the_spot)),
    ]
    if on_the_spot:
        sections.append(
            Section(
                "执法人员",
                tuple(f"{o.name}（执法证号：{o.cert_no}）　签名：＿＿＿＿＿＿" for o in officers)
                + (f"时间：{cn_date(decided_on)}　地点：{place}", "当事人签收：＿＿＿＿＿＿"),
            )
        )
    return compose(
        DocumentKind.PENALTY_DECISION,
        number=number,
        agency=agency,
        party=party,
        sections=sections,
        signed_on=decided_on,
    )


def education_sections(education: Sequence[str]) -> tuple[Section, ...]:
    """The education given (第三十三条第三款), printed only when recorded: a document claims nothing else."""
    given = tuple(e.strip() for e in education if e.strip())
    if not given:
        return ()
    return (Section("教育", (f"本机关已对当事人进行教育（{LAW}第三十三条第三款）：", *given)),)


def build_no_penalty_decision(
    *,
    number: str,
    agency: Agency,
    party: PartyInfo,
    summary: str,
    filed_on: date,
    facts: Sequence[str],
    evidence: Sequence[str],
    violated: Sequence[Provision],
    no_penalty_basis: Sequence[Provision],
    reasons: Sequence[str],
    education: Sequence[str],
    remedies: RemedyBodies,
    decided_on: date,
) -> Document:
    """不予行政处罚决定书 (第五十七条第一款第二项、第三项; 第三十三条, with the education its third paragraph asks)."""
    for value, what in ((facts, "查明的事实"), (no_penalty_basis, "不予行政处罚的依据"), (reasons, "理由")):
        _require(value, what)
    sections = (
        Section("", (f"当事人{summary}一案，本机关于{cn_date(filed_on)}立案调查，现已调查终结。经查：",)),
        *_facts_sections(facts, evidence, violated, facts_heading="查明的事实"),
        Section("理由", tuple(reasons)),
        Section(
            "决定",
            (f"依据{cite_all(no_penalty_basis)}的规定，本机关决定对当事人不予行政处罚。",),
        ),
        *education_sections(education),
        Section("救济途径", remedy_paragraphs(remedies, on_the_spot=False, penalty=False)[:1]),
    )
    return compose(
        DocumentKind.NO_PENALTY_DECISION,
        number=number,
        agency=agency,
        party=party,
        sections=sections,
        signed_on=decided_on,
    )
