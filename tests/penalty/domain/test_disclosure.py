"""行政执法公示 rules (domain.disclosure), worked by hand on the statutory calendar."""

from __future__ import annotations

from datetime import date

from services.common.workdays import WorkingDayCalendar
from services.penalty.domain import disclosure as dis
from services.penalty.domain.procedure.vocabulary import DecisionOutcome, PartyKind, ProcedureKind

CAL = WorkingDayCalendar()
PERSON_ID = "11010519491231002X"  # a valid 居民身份证号 (GB 11643 check digit X)


class TestDeadline:
    def test_general_procedure_penalty_seven_working_days(self) -> None:
        rule = dis.rule_for(ProcedureKind.GENERAL, DecisionOutcome.PENALTY)
        assert rule is dis.Rule.GENERAL_PENALTY
        # Mon 2026-11-16 + 7 working days: 17, 18, 19, 20, 23, 24, 25 → Wed 11-25
        assert dis.due_on(date(2026, 11, 16), rule, CAL) == date(2026, 11, 25)

    def test_simple_procedure_penalty_seven_working_days_outside_the_target(self) -> None:
        # seed 003 三（三）3: every 行政处罚 decision within 7 working days; the 100% target (三（三）任务) counts
        # general-procedure ones only
        rule = dis.rule_for(ProcedureKind.SIMPLE, DecisionOutcome.PENALTY)
        assert rule is dis.Rule.SIMPLE_PENALTY
        # Mon 2026-11-16 + 7 working days: 17, 18, 19, 20, 23, 24, 25 → Wed 11-25
        assert dis.due_on(date(2026, 11, 16), rule, CAL) == date(2026, 11, 25)

    def test_other_decisions_twenty_working_days(self) -> None:
        rule = dis.rule_for(ProcedureKind.GENERAL, DecisionOutcome.NO_PENALTY)
        assert rule is dis.Rule.OTHER
        # 11-17..20 (4), 23..27 (9), 11-30..12-04 (14), 12-07..11 (19), Mon 12-14 (20)
        assert dis.due_on(date(2026, 11, 16), rule, CAL) == date(2026, 12, 14)

    def test_year_not_entered_is_unknown_then_computed(self) -> None:
        # Thu 2026-12-24, 20 working days reach into 2027, which the package does not cover
        assert dis.due_on(date(2026, 12, 24), dis.Rule.OTHER, CAL) is None
        entered = WorkingDayCalendar({date(2027, 1, 1): False}, covered_years=[2027])
        # 12-25 (1), 12-28..31 (5), 01-01 holiday, 01-04..08 (10), 11..15 (15), 18..22 (20) → Fri 2027-01-22
        assert dis.due_on(date(2026, 12, 24), dis.Rule.OTHER, entered) == date(2027, 1, 22)

    def test_withdrawal_three_working_days(self) -> None:
        # 行政处罚法 第四十八条第二款 + 第八十五条: Fri 2026-11-20 → 23, 24, 25 → Wed 11-25
        assert dis.withdraw_by(date(2026, 11, 20), CAL) == date(2026, 11, 25)


class TestPublicRecord:
    def test_organisation_named_in_full(self) -> None:
        party = dis.public_party(PartyKind.ORGANISATION, "沈阳东陵客运有限公司", "91210100MACQTKPQ79", None)
        assert (party.name, party.uscc, party.id_masked) == (
            "沈阳东陵客运有限公司",
            "91210100MACQTKPQ79",
            None,
        )

    def test_person_masked_everywhere(self) -> None:
        party = dis.public_party(PartyKind.INDIVIDUAL, "张伟", None, PERSON_ID)
        assert (party.name, party.uscc, party.id_masked) == ("张*", None, "1101**********002X")
        facts = f"当事人张伟（身份证号{PERSON_ID}）在中街销售无标签食品。"
        assert (
            dis.masked_text(facts, PartyKind.INDIVIDUAL, "张伟", PERSON_ID)
            == "当事人张*（身份证号1101**********002X）在中街销售无标签食品。"
        )

    def test_invalid_id_number_is_never_published(self) -> None:
        assert dis.public_party(PartyKind.INDIVIDUAL, "李四", None, "123").id_masked is None


class TestTimeliness:
    DUE = date(2026, 11, 25)

    def test_last_day_is_on_time(self) -> None:
        t = dis.timeliness(dis.Status.PUBLISHED, self.DUE, self.DUE, date(2026, 12, 1))
        assert t is dis.Timeliness.ON_TIME

    def test_day_after_is_late(self) -> None:
        t = dis.timeliness(dis.Status.PUBLISHED, self.DUE, date(2026, 11, 26), date(2026, 12, 1))
        assert t is dis.Timeliness.LATE

    def test_unpublished(self) -> None:
        assert dis.timeliness(dis.Status.PENDING, self.DUE, None, self.DUE) is dis.Timeliness.PENDING
        assert (
            dis.timeliness(dis.Status.PENDING, self.DUE, None, date(2026, 11, 26)) is dis.Timeliness.OVERDUE
        )
        assert dis.timeliness(dis.Status.EXEMPT, self.DUE, None, date(2027, 1, 1)) is dis.Timeliness.NOT_DUE
        assert dis.timeliness(dis.Status.PENDING, None, None, self.DUE) is dis.Timeliness.UNKNOWN

    def test_rate(self) -> None:
        # 3 on time of 4 due = 0.75; nothing due: no rate
        assert dis.rate(3, 4) == 0.75
        assert dis.rate(0, 0) is None

    def test_grounds_cite_the_regulation(self) -> None:
        assert dis.Ground.STATE_SECRET.article.endswith("第十四条")
        assert dis.Ground.TRADE_SECRET.article.endswith("第十五条")
        assert dis.Ground.PERSONAL_PRIVACY.label == "个人隐私"
