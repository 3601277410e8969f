"""Examiner's cases: the class of each kind of decision and its publication period, worked by hand.

Sources: SPEC §4; seed 000 (沈司办〔2026〕16号 二(二)3: "企业 5 万元以下罚款" are cleaned up, so not published);
国办发〔2025〕22号 and 国家发展改革委令2025年第36号 as quoted in SPEC §4 (轻微 not published; 一般 3 months to 1
year; 严重 1 to 3 years; periods count from the decision document's date); 总局令第45号 第十三条第三款 (a
restriction longer than three years is published for its term) and 第十四条 (never ended early); docs/api/
credit_repair.md §1. "以下" includes the number itself (the usual reading of statutory Chinese: 以上、以下、以内
包括本数), so a fine of exactly 50,000.00 yuan on an organisation is 轻微 and one fen more is 一般.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests.credit_repair.acceptance.cases import FEN, YUAN, decide, publication
from tests.credit_repair.conftest import Credit
from tests.credit_repair.helpers import USCC_A

pytestmark = pytest.mark.asyncio(loop_scope="session")


def assert_unpublished(record: dict[str, Any]) -> None:
    assert record["credit_class"] == "minor", record
    assert record["published"] is False, record
    pub = publication(record)
    assert pub is None or pub.get("active") is False, record


def assert_period(record: dict[str, Any], cls: str, starts: date, earliest: date | None, ends: date) -> None:
    assert record["credit_class"] == cls, record
    assert record["published"] is True, record
    pub = publication(record)
    assert pub is not None, record
    assert (pub["starts_on"], pub["earliest_repair_on"], pub["max_ends_on"]) == (
        str(starts),
        None if earliest is None else str(earliest),
        str(ends),
    ), pub


class TestFineThresholds:
    """Organisation: 轻微 up to and including 50,000.00 yuan (seed 000, 以下 含本数); person: 轻微 below
    5,000.00 yuan (docs/api/credit_repair.md §1, "on a person below 5,000 元")."""

    async def test_organisation_exactly_fifty_thousand_is_minor(self, credit: Credit) -> None:
        _, record = await decide(credit, fine_fen=50_000 * YUAN, decided_on=date(2026, 11, 2))
        assert_unpublished(record)

    async def test_organisation_one_fen_below_is_minor(self, credit: Credit) -> None:
        _, record = await decide(credit, fine_fen=50_000 * YUAN - FEN, decided_on=date(2026, 11, 2))
        assert_unpublished(record)

    async def test_organisation_one_fen_above_is_general(self, credit: Credit) -> None:
        # decided Mon 2026-11-02: minimum 3 months -> 2027-02-02; maximum 1 year -> 2027-11-02
        _, record = await decide(credit, fine_fen=50_000 * YUAN + FEN, decided_on=date(2026, 11, 2))
        assert_period(record, "general", date(2026, 11, 2), date(2027, 2, 2), date(2027, 11, 2))

    async def test_person_one_fen_below_five_thousand_is_minor(self, credit: Credit) -> None:
        _, record = await decide(
            credit,
            party_uscc=None,
            party_name="李四",
            fine_fen=5_000 * YUAN - FEN,
            decided_on=date(2026, 11, 2),
        )
        assert_unpublished(record)

    async def test_person_five_thousand_is_general(self, credit: Credit) -> None:
        _, record = await decide(
            credit, party_uscc=None, party_name="李四", fine_fen=5_000 * YUAN, decided_on=date(2026, 11, 2)
        )
        assert_period(record, "general", date(2026, 11, 2), date(2027, 2, 2), date(2027, 11, 2))


class TestKinds:
    @pytest.mark.parametrize(
        ("kinds", "procedure"),
        [
            (["warning"], "general"),  # 警告
            (["circulated_criticism"], "general"),  # 通报批评
            (["fine"], "simple"),  # 简易程序 (a fine of 80,000 yuan would be 一般 in the general procedure)
        ],
    )
    async def test_minor_kinds_are_not_published(
        self, credit: Credit, kinds: list[str], procedure: str
    ) -> None:
        _, record = await decide(credit, kinds=kinds, procedure=procedure, decided_on=date(2026, 11, 2))
        assert_unpublished(record)

    @pytest.mark.parametrize(
        "kinds", [["suspend_licence"], ["confiscate_illegal_gains"], ["downgrade_qualification"]]
    )
    async def test_general_kinds(self, credit: Credit, kinds: list[str]) -> None:
        # 2026-08-31: minimum 3 months -> 2026-11-30 (November has no 31st: its last day); maximum 2027-08-31
        _, record = await decide(credit, kinds=kinds, decided_on=date(2026, 8, 31))
        assert_period(record, "general", date(2026, 8, 31), date(2026, 11, 30), date(2027, 8, 31))

    async def test_revocation_of_a_licence_is_serious_and_never_early(self, credit: Credit) -> None:
        # 吊销许可证件 by market regulation: 严重, 1 to 3 years, never ended early (总局令第45号 第十四条):
        # 2026-05-10 + 3 years = 2029-05-10, and no earliest repair date.
        _, record = await decide(credit, kinds=["warning", "revoke_licence"], decided_on=date(2026, 5, 10))
        assert_period(record, "serious", date(2026, 5, 10), None, date(2029, 5, 10))

    async def test_marked_serious_by_the_department(self, credit: Credit) -> None:
        # a fine marked serious: 严重, minimum 1 year (2027-05-10), maximum 3 years (2029-05-10)
        _, record = await decide(credit, serious=True, decided_on=date(2026, 5, 10))
        assert_period(record, "serious", date(2026, 5, 10), date(2027, 5, 10), date(2029, 5, 10))


class TestRestrictions:
    """总局令第45号 第十三条第三款: "限制开展生产经营活动、限制从业超过三年的，公示期按照实际限制期限执行"."""

    async def test_five_year_ban_is_published_five_years(self, credit: Credit) -> None:
        _, record = await decide(
            credit, kinds=["employment_ban"], restriction_months=60, decided_on=date(2026, 5, 10)
        )
        assert_period(record, "serious", date(2026, 5, 10), None, date(2031, 5, 10))

    async def test_thirty_seven_months_is_published_thirty_seven_months(self, credit: Credit) -> None:
        # 2026-05-10 + 37 months = 2029-06-10
        _, record = await decide(
            credit, kinds=["restrict_operations"], restriction_months=37, decided_on=date(2026, 5, 10)
        )
        assert_period(record, "serious", date(2026, 5, 10), None, date(2029, 6, 10))

    async def test_three_years_keeps_the_maximum(self, credit: Credit) -> None:
        _, record = await decide(
            credit, kinds=["employment_ban"], restriction_months=36, decided_on=date(2026, 5, 10)
        )
        assert_period(record, "serious", date(2026, 5, 10), None, date(2029, 5, 10))


class TestRuleSetInForce:
    """A record is judged by the rule set in force on its decision date (SPEC §4): the 2023 set (Order 58,
    一般 published up to 36 months in the sample) until 2026-03-31, the 2026 set (一般 at most 1 year) from
    2026-04-01."""

    async def test_decided_on_the_last_day_of_the_old_rules(self, credit: Credit) -> None:
        _, record = await decide(credit, party_uscc=USCC_A, decided_on=date(2026, 3, 31))
        assert record["rule_set_id"] == "sample-credit-2023-05", record
        assert_period(record, "general", date(2026, 3, 31), date(2026, 6, 30), date(2029, 3, 31))

    async def test_decided_on_the_first_day_of_the_new_rules(self, credit: Credit) -> None:
        _, record = await decide(credit, party_uscc=USCC_A, decided_on=date(2026, 4, 1))
        assert record["rule_set_id"] == "shenyang-credit-2026-04", record
        assert_period(record, "general", date(2026, 4, 1), date(2026, 7, 1), date(2027, 4, 1))


class TestIndividualBusiness:
    """Two readings (reported, not changed): seed 000 cleans up "企业 5 万元以下罚款", and a 个体工商户 (a "92" USCC,
    GB 32100-2015 机构类别 2) is not a 企业 (民法典 places it with natural persons); the sample rule set has a 5,000
    yuan threshold for ``individual_business``. But the penalty service's event knows only ``organisation`` and
    ``individual``, so a 个体工商户 is classed as an organisation. This case pins the product's reading: a fine
    of 30,000.00 yuan on 沈阳市和平区中禾化妆品商行 is 轻微 (the other reading: 一般, published)."""

    async def test_classed_as_an_organisation(self, credit: Credit) -> None:
        _, record = await decide(
            credit, party_uscc="92210102MAATEGTJ1H", fine_fen=30_000 * YUAN, decided_on=date(2026, 11, 2)
        )
        assert_unpublished(record)
