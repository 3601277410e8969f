"""Document numbers, Chinese capital amounts and document content (rendering: tests/penalty/test_documents_rendering.py)."""

from __future__ import annotations

from datetime import date

import pytest

from services.common.errors import DomainError
from services.penalty.domain import documents as d
from services.penalty.domain import payment_code as pc
from services.penalty.domain.procedure import PartyKind, Penalty
from services.penalty.domain.procedure import PenaltyKind as K

YUAN = 100


class TestCapitalAmounts:
    """Examples from 《正确填写票据和结算凭证的基本规定》 and hand-written ones."""

    @pytest.mark.parametrize(
        ("fen", "expected"),
        [
            (50_000 * YUAN, "伍万元整"),  # 5万元
            (1_680_32, "壹仟陆佰捌拾元零叁角贰分"),  # ¥1,680.32 (元位 0, 角位 not 0)
            (16 * YUAN, "壹拾陆元整"),  # ¥16: 壹拾, never a bare 拾
            (325_04, "叁佰贰拾伍元零肆分"),  # ¥325.04: 角 is 0, 分 is not -> 零
            (16_409_02, "壹万陆仟肆佰零玖元零贰分"),  # ¥16,409.02
            (107_000_53, "壹拾万零柒仟元零伍角叁分"),  # ¥107,000.53 (one 零 at each gap)
            (100_500 * YUAN, "壹拾万零伍佰元整"),  # 千位 0 between 万 and 佰 -> 零
            (1_000_100 * YUAN, "壹佰万零壹佰元整"),
            (10_000_001 * YUAN, "壹仟万零壹元整"),
            (100_010_000 * YUAN, "壹亿零壹万元整"),
            (100_000_000 * YUAN, "壹亿元整"),  # empty 万 group: no 万
            (3_000 * YUAN, "叁仟元整"),
            (200 * YUAN, "贰佰元整"),
            (50, "伍角整"),
            (5, "伍分"),
            (1_10, "壹元壹角整"),
            (10_01, "壹拾元零壹分"),
            (0, "零元整"),
        ],
    )
    def test_examples(self, fen: int, expected: str) -> None:
        assert d.rmb_capital(fen) == expected

    def test_negative_refused(self) -> None:
        with pytest.raises(ValueError):
            d.rmb_capital(-1)

    def test_money_text(self) -> None:
        assert d.money_text(50_000 * YUAN) == "人民币50,000.00元（大写：伍万元整）"

    def test_date_text(self) -> None:
        assert d.date_text(date(2026, 9, 3)) == "2026年9月3日"


class TestDocumentNumbers:
    def test_decision_number(self) -> None:
        assert d.document_number("SJ", 2026, 123) == "沈市监罚〔2026〕123号"

    def test_no_penalty_and_other_kinds(self) -> None:
        assert d.document_number("SJ", 2026, 4, d.DocumentKind.NO_PENALTY_DECISION) == "沈市监不罚〔2026〕4号"
        assert d.document_number("CG", 2026, 9, d.DocumentKind.PENALTY_NOTICE) == "沈城管罚告〔2026〕9号"

    def test_configured_abbreviations(self) -> None:
        config = d.NumberingConfig(abbreviations={"X1": "和市监"})
        assert d.document_number("X1", 2027, 1, config=config) == "沈和市监罚〔2027〕1号"

    def test_unknown_department(self) -> None:
        with pytest.raises(d.UnknownDepartment) as exc:
            d.document_number("ZZ", 2026, 1)
        assert exc.value.code == "DOCUMENT_UNKNOWN_DEPARTMENT"

    def test_sequence_must_be_positive(self) -> None:
        with pytest.raises(d.InvalidDocumentNumber):
            d.document_number("SJ", 2026, 0)

    def test_parse_prefers_the_longer_word(self) -> None:
        assert d.parse_document_number("沈市监不罚〔2026〕4号") == d.DocumentNumber("沈市监", "不罚", 2026, 4)
        assert d.parse_document_number("沈市监罚〔2026〕123号") == d.DocumentNumber("沈市监", "罚", 2026, 123)

    @pytest.mark.parametrize(
        "text", ["沈市监罚[2026]123号", "沈市监罚〔26〕1号", "沈市监罚〔2026〕0号", "市监罚〔2026〕1号"]
    )
    def test_parse_refuses_malformed(self, text: str) -> None:
        with pytest.raises(d.InvalidDocumentNumber):
            d.parse_document_number(text)


AGENCY = d.Agency(
    "沈阳市市场监督管理局", "SJ", address="沈阳市和平区某路1号", contact="张三", phone="024-12345678"
)
ORG = d.PartyInfo(
    "沈阳某某食品有限公司", PartyKind.ORGANISATION, "91210102MA0XXXXXXX", "沈阳市和平区某街2号", "李四"
)
PERSON = d.PartyInfo("王某", PartyKind.INDIVIDUAL, "210102********1234", "沈阳市沈河区某街3号")
BENCHMARK = d.BenchmarkRef(
    "SY-SJ-0123",
    3,
    "经营超过保质期的食品",
    "一般",
    "20,000.00元至50,000.00元",
    "《沈阳市市场监督管理行政处罚裁量基准》",
)
VIOLATED = (d.Provision("中华人民共和国食品安全法", "第三十四条第十项"),)
BASIS = (d.Provision("中华人民共和国食品安全法", "第一百二十四条第一款"),)
REMEDIES = d.RemedyBodies("沈阳市人民政府", "沈阳市和平区人民法院")
BANK = d.PaymentChannel("中国工商银行沈阳分行各营业网点")
FACTS = ("2026年2月，当事人在经营场所销售超过保质期的酸奶12盒。",)
EVIDENCE = ("现场笔录", "询问笔录", "现场照片6张")


def _decision(**overrides: object) -> d.Document:
    values: dict[str, object] = {
        "number": "沈市监罚〔2026〕123号",
        "agency": AGENCY,
        "party": ORG,
        "summary": "经营超过保质期的食品",
        "filed_on": date(2026, 3, 2),
        "facts": FACTS,
        "evidence": EVIDENCE,
        "violated": VIOLATED,
        "penalty_basis": BASIS,
        "benchmark": BENCHMARK,
        "reasons": ("当事人系初次违法，按一般档次裁量。",),
        "defence": ("当事人提出陈述申辩，经复核，理由不成立，不予采纳。",),
        "penalty": Penalty(frozenset({K.WARNING, K.FINE}), fine_fen=50_000 * YUAN),
        "payment": BANK,
        "remedies": REMEDIES,
        "decided_on": date(2026, 9, 30),
    }
    values.update(overrides)
    return d.build_penalty_decision(**values)  # type: ignore[arg-type]


def _text(doc: d.Document) -> str:
    return "\n".join(p for s in doc.sections for p in (s.heading, *s.paragraphs, *s.items))


class TestPenaltyDecision:
    def test_structure_follows_article_59(self) -> None:
        doc = _decision()
        headings = [s.heading for s in doc.sections if s.heading]
        assert headings == [
            "违法事实",
            "证据",
            "处罚依据及裁量基准",
            "理由",
            "陈述、申辩和听证情况",
            "处罚决定",
            "履行方式和期限",
            "救济途径",
        ]
        assert ("当事人", "沈阳某某食品有限公司") in doc.party.lines()
        assert doc.signature.date_text == "2026年9月30日" and doc.signature.seal

    def test_penalty_lines_in_figures_and_capitals(self) -> None:
        (decision,) = [s for s in _decision().sections if s.heading == "处罚决定"]
        assert decision.items == ("警告", "罚款人民币50,000.00元（大写：伍万元整）")

    def test_gains_to_be_returned_are_stated_with_the_reason(self) -> None:
        # 第二十八条第二款 除依法应当退赔的外: gains 8,000.00, 6,000.00 confiscated, 8,000 − 6,000 = 2,000.00 returned
        reason = "其中2,000.00元系消费者预付款，应当退还消费者。"
        penalty = Penalty(
            frozenset({K.FINE, K.CONFISCATE_GAINS}), 30_000 * YUAN, 6_000 * YUAN, refund_reason=reason
        )
        doc = _decision(penalty=penalty, illegal_gains_fen=8_000 * YUAN)
        headings = [s.heading for s in doc.sections]
        assert headings.index("违法所得的退赔") == headings.index("处罚决定") + 1
        [refund] = [s for s in doc.sections if s.heading == "违法所得的退赔"]
        assert refund.paragraphs == (
            "当事人违法所得人民币8,000.00元（大写：捌仟元整），其中人民币2,000.00元（大写：贰仟元整）依法应当退赔，"
            f"不予没收（《中华人民共和国行政处罚法》第二十八条第二款）。退赔理由：{reason}",
        )
        assert "违法所得的退赔" not in [s.heading for s in _decision(illegal_gains_fen=8_000 * YUAN).sections]

    def test_performance_and_remedies(self) -> None:
        text = _text(_decision())
        assert "自收到本决定书之日起十五日内" in text and "中国工商银行沈阳分行各营业网点" in text
        assert "第七十二条第一款第一项" in text and "每日按罚款数额的百分之三加处罚款" in text
        assert "不超出罚款的数额" in text
        assert "六十日内向沈阳市人民政府申请行政复议" in text
        assert "六个月内直接向沈阳市和平区人民法院提起行政诉讼" in text
        assert "不停止执行" in text
        assert "SY-SJ-0123" in text and "「一般」" in text

    def test_on_the_spot_decision_tells_reconsideration_first(self) -> None:
        doc = _decision(
            party=PERSON,
            on_the_spot=True,
            place="沈河区某街3号",
            officers=(d.Officer("张三", "辽A-0012345"), d.Officer("李四", "辽A-0012346")),
            penalty=Penalty(frozenset({K.FINE}), fine_fen=200 * YUAN),
            defence=(),
        )
        text = _text(doc)
        # 行政复议法 第二十三条第一款第一项: reconsideration before litigation for on-the-spot decisions.
        assert "应当自收到本决定书之日起六十日内先向沈阳市人民政府申请行政复议" in text
        assert "第二十三条第一款第一项" in text
        assert "罚款人民币200.00元（大写：贰佰元整）" in text
        assert "辽A-0012345" in text and "沈河区某街3号" in text
        assert "陈述、申辩和听证情况" not in text

    def test_on_the_spot_needs_place_and_officers(self) -> None:
        with pytest.raises(DomainError):
            _decision(on_the_spot=True, place="")

    def test_non_money_penalty_has_no_payment_instructions(self) -> None:
        text = _text(_decision(penalty=Penalty(frozenset({K.WARNING}))))
        assert "十五日内" not in text and "自觉履行" in text

    def test_missing_reasons_refused(self) -> None:
        with pytest.raises(DomainError) as exc:
            _decision(reasons=())
        assert exc.value.code == "DOCUMENT_CONTENT_MISSING"


class TestNotices:
    def _notice(self, **overrides: object) -> d.Document:
        values: dict[str, object] = {
            "number": "沈市监罚告〔2026〕7号",
            "agency": AGENCY,
            "party": ORG,
            "summary": "经营超过保质期的食品",
            "filed_on": date(2026, 3, 2),
            "facts": FACTS,
            "evidence": EVIDENCE,
            "violated": VIOLATED,
            "penalty_basis": BASIS,
            "benchmark": BENCHMARK,
            "reasons": ("当事人系初次违法。",),
            "proposed": Penalty(frozenset({K.FINE}), fine_fen=30_000 * YUAN),
            "statement_working_days": 5,
            "hearing_offered": True,
            "issued_on": date(2026, 3, 9),
        }
        values.update(overrides)
        return d.build_penalty_notice(**values)  # type: ignore[arg-type]

    def test_penalty_notice_states_content_and_rights(self) -> None:
        doc = self._notice(statement_deadline=date(2026, 3, 17), hearing_request_deadline=date(2026, 3, 17))
        text = _text(doc)
        assert doc.salutation == "沈阳某某食品有限公司："
        assert "本机关拟对你单位作出如下行政处罚" in text
        assert "罚款人民币30,000.00元（大写：叁万元整）" in text
        assert "5个工作日内（即2026年3月17日前）" in text
        assert "五个工作日内（即2026年3月17日前）向本机关提出" in text and "第六十四条第一项" in text
        assert "SY-SJ-0123" in text
        assert "联系电话：024-12345678" in doc.footer

    def test_no_hearing_sentence_when_not_offered(self) -> None:
        text = _text(self._notice(hearing_offered=False))
        assert "听证" not in text

    def test_individual_is_addressed_as_you(self) -> None:
        assert "本机关拟对你作出" in _text(self._notice(party=PERSON))

    def test_hearing_notice(self) -> None:
        doc = d.build_hearing_notice(
            number="沈市监听告〔2026〕3号",
            agency=AGENCY,
            party=ORG,
            summary="经营超过保质期的食品",
            proposed=Penalty(frozenset({K.FINE, K.REVOKE_LICENCE}), fine_fen=100_000 * YUAN),
            penalty_basis=BASIS,
            issued_on=date(2026, 3, 9),
            hearing_request_deadline=date(2026, 3, 16),
        )
        text = _text(doc)
        assert doc.title == "行政处罚听证告知书"
        assert "罚款人民币100,000.00元（大写：壹拾万元整）" in text and "吊销许可证件" in text
        assert "五个工作日内（即2026年3月16日前）" in text
        assert "七个工作日前" in text and "回避" in text and "一至二人代理" in text and "不承担" in text


class TestNoPenaltyDecisionAndFiling:
    def test_no_penalty_decision(self) -> None:
        doc = d.build_no_penalty_decision(
            number="沈市监不罚〔2026〕4号",
            agency=AGENCY,
            party=ORG,
            summary="未按规定公示食品经营许可证",
            filed_on=date(2026, 3, 2),
            facts=("当事人未在经营场所显著位置悬挂食品经营许可证，检查当日即已改正。",),
            evidence=("现场笔录",),
            violated=(d.Provision("中华人民共和国食品安全法", "第一百四十五条"),),
            no_penalty_basis=(d.Provision("中华人民共和国行政处罚法", "第三十三条第一款"),),
            reasons=("初次违法且危害后果轻微并及时改正。",),
            education=("  ", "向当事人讲解了食品经营许可证公示的规定。"),
            remedies=REMEDIES,
            decided_on=date(2026, 3, 6),
        )
        text = _text(doc)
        assert doc.title == "不予行政处罚决定书"
        assert (
            "依据《中华人民共和国行政处罚法》第三十三条第一款的规定，本机关决定对当事人不予行政处罚" in text
        )
        [education] = [s for s in doc.sections if s.heading == "教育"]
        assert education.paragraphs == (  # the sentence, then what was recorded (the blank line dropped)
            "本机关已对当事人进行教育（《中华人民共和国行政处罚法》第三十三条第三款）：",
            "向当事人讲解了食品经营许可证公示的规定。",
        )
        # 不予行政处罚 is no 处罚决定: the party may contest "本决定"
        assert "当事人如不服本决定，可以自收到本决定书之日起六十日内向沈阳市人民政府申请行政复议" in text
        assert "本处罚决定" not in text

    def test_no_education_is_claimed_when_none_was_recorded(self) -> None:
        # 违法事实不能成立 (第五十七条第一款第三项): no education required, none recorded, none printed
        doc = d.build_no_penalty_decision(
            number="沈市监不罚〔2026〕5号",
            agency=AGENCY,
            party=ORG,
            summary="涉嫌销售无标签的预包装食品",
            filed_on=date(2026, 3, 2),
            facts=("经查，涉案食品标签已于检查前粘贴。",),
            evidence=("现场笔录",),
            violated=(d.Provision("中华人民共和国食品安全法", "第六十七条"),),
            no_penalty_basis=(d.Provision("中华人民共和国行政处罚法", "第五十七条第一款第三项"),),
            reasons=("违法事实不能成立。",),
            education=(" ",),
            remedies=REMEDIES,
            decided_on=date(2026, 3, 6),
        )
        assert "教育" not in [s.heading for s in doc.sections]
        assert "进行教育" not in _text(doc) and "第三十三条第三款" not in _text(doc)

    def test_filing_approval_needs_two_officers(self) -> None:
        kwargs: dict[str, object] = {
            "number": "沈市监立〔2026〕11号",
            "agency": AGENCY,
            "party": ORG,
            "source": "12345热线转办",
            "summary": "涉嫌经营超过保质期的食品",
            "facts_brief": "举报人反映当事人销售过期酸奶，执法人员现场核实属实。",
            "suspected_provisions": VIOLATED,
            "officers": (d.Officer("张三", "辽A-0012345"),),
            "undertaker_opinion": "建议立案调查",
            "proposed_on": date(2026, 3, 1),
            "approver": "王局长",
            "approval_opinion": "同意立案",
            "approved_on": date(2026, 3, 2),
        }
        with pytest.raises(DomainError):
            d.build_filing_approval(**kwargs)  # type: ignore[arg-type]
        kwargs["officers"] = (d.Officer("张三", "辽A-0012345"), d.Officer("李四", "辽A-0012346"))
        form = d.build_filing_approval(**kwargs)  # type: ignore[arg-type]
        labels = [r.label for r in form.rows]
        assert labels == [
            "案件来源",
            "案由",
            "简要案情",
            "涉嫌违反的规定",
            "承办人",
            "承办人意见",
            "负责人审批意见",
        ]
        assert form.rows[-1].signed_text == "2026年3月2日"


class TestPaymentCode:
    """缴款码 = district (6) + year (4) + case (9) + ISO 7064 MOD 11,10 check digit (1)."""

    def test_check_digit_worked_by_hand(self) -> None:
        # "0": p=10; s=(10+0)%10=0 -> 10; p=20%11=9; c=(11-9)%10=2
        assert pc.iso7064_mod11_10("0") == "2"
        # "12": p=10; d=1: s=1, p=2; d=2: s=4, p=8; c=(11-8)%10=3
        assert pc.iso7064_mod11_10("12") == "3"
        # "21": p=10; d=2: s=2, p=4; d=1: s=5, p=10; c=(11-10)%10=1 (a transposition changes the digit)
        assert pc.iso7064_mod11_10("21") == "1"

    def test_the_code_of_a_decision(self) -> None:
        # district 210102, 2026, case number 1_000_000_123 -> mod 10^9 = 000000123
        code = pc.payment_code("210102", 2026, 1_000_000_123)
        assert code[:19] == "2101022026000000123" and len(code) == 20
        assert code[19] == pc.iso7064_mod11_10(code[:19])
        assert code == pc.payment_code("210102", 2026, 1_000_000_123)  # deterministic
        # every single-digit error is caught: no other digit in any position keeps the check digit
        for i in range(19):
            for digit in "0123456789":
                if digit != code[i]:
                    changed = code[:i] + digit + code[i + 1 : 19]
                    assert pc.iso7064_mod11_10(changed) != code[19], (i, digit)

    def test_the_decision_prints_it_with_the_bank(self) -> None:
        channel = d.PaymentChannel("中国工商银行沈阳分行", payment_code="21010220260000001230")
        text = d.performance_paragraphs(Penalty(frozenset({K.FINE}), 5_000 * YUAN), channel)[0]
        assert "中国工商银行沈阳分行" in text and "缴款码21010220260000001230" in text


class TestWhereToState:
    """行政处罚法 第四十四条, 第四十五条: the 告知书 says where and how the party states its case."""

    def test_the_notice_names_the_address_phone_and_contact(self) -> None:
        agency = d.Agency(
            "沈阳市市场监督管理局", "SJ", address="沈阳市和平区某路1号", contact="孙某", phone="024-12345678"
        )
        text = d._where_to_state(agency)
        assert "邮寄至本机关（地址：沈阳市和平区某路1号）" in text
        assert "电话（024-12345678，联系人：孙某）口头提出" in text
        assert d._where_to_state(d.Agency("沈阳市市场监督管理局", "SJ")) == ""


class TestConfiscatedProperty:
    """没收非法财物 (行政处罚法 第九条第三项) is listed on the 决定书 item by item with quantity and value."""

    def test_each_item_and_the_total(self) -> None:
        items = (
            d.ConfiscatedItem("无标签预包装食品（500克/袋）", "30袋", 30 * 12 * YUAN),  # 30 × 12 元 = 360 元
            d.ConfiscatedItem("电子秤", "1台", 1_250 * YUAN + 50),  # 1,250.50 元
        )
        doc = _decision(
            penalty=Penalty(frozenset({K.FINE, K.CONFISCATE_PROPERTY}), fine_fen=50_000 * YUAN),
            confiscated=items,
        )
        [section] = [s for s in doc.sections if s.heading == "没收财物清单"]
        assert section.items == (
            "无标签预包装食品（500克/袋），数量：30袋，价值：人民币360.00元",
            "电子秤，数量：1台，价值：人民币1,250.50元",
        )
        # total 360.00 + 1,250.50 = 1,610.50 元; the 元 digit is 0 and 角 follows: 零 after 元 (as ¥1,680.32
        # above), no 分: 整 -> 壹仟陆佰壹拾元零伍角整
        assert section.paragraphs == (
            "本机关依法没收下列非法财物，共2项，合计价值人民币1,610.50元（大写：壹仟陆佰壹拾元零伍角整）：",
        )
        headings = [s.heading for s in doc.sections]
        assert headings.index("处罚决定") + 1 == headings.index("没收财物清单")
