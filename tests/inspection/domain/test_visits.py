"""Visit lifecycle: modes, emergency and back-fill windows, outcomes, checkout, violation payloads, rating."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from stdnum.cn import uscc as stdnum_uscc

from services.inspection import errors
from services.inspection.domain import visits as v
from services.inspection.domain.entry_rules import Task, TaskStatus
from services.inspection.domain.frequency import TaskKind, enterprise_year
from services.inspection.domain.registry import Catalogue, Enterprise, InspectionItem, LegalRef, Officer
from services.inspection.domain.visits import ItemOutcome, Outcome, VisitMode

USCC = "91210102MA0000001" + stdnum_uscc.calc_check_digit("91210102MA0000001")
ENTERPRISE = Enterprise(USCC, "沈阳市和平区示例餐饮有限公司", "210102", "餐饮服务")
NOW = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)  # 2026-06-01 10:00 Shanghai
SJ1 = Officer("o1", "张伟", "SJ", "辽A-0012345")
SJ2 = Officer("o2", "王芳", "SJ", "辽A-0012346")
ST1 = Officer("o3", "李强", "ST", "辽A-0023001")
ST2 = Officer("o4", "赵敏", "ST", "辽A-0023002")
AUX = Officer("o5", "陈静", "SJ", None, auxiliary=True)
FOOD = InspectionItem(
    "SJ-SP-002",
    "食品经营者进货查验记录检查",
    "SJ",
    (
        LegalRef("食品安全法", "第五十三条", "中华人民共和国食品安全法"),
        LegalRef("食品安全法", "第一百一十条", "中华人民共和国食品安全法"),
    ),
)
STORE = InspectionItem("SJ-SP-003", "食品贮存检查", "SJ", (LegalRef("食品安全法", "第五十四条"),))
WASTE = InspectionItem(
    "ST-GF-002", "危险废物规范化管理检查", "ST", (LegalRef("固体废物污染环境防治法", "第七十八条"),)
)
CATALOGUE = Catalogue([FOOD, STORE, WASTE])
TASK = Task(
    "T1",
    TaskKind.JOINT,
    "SJ",
    frozenset({"SJ", "ST"}),
    frozenset({USCC}),
    NOW - timedelta(days=2),
    "u1",
    status=TaskStatus.APPROVED,
)
EVIDENCE = hashlib.sha256(b"photo-0001.jpg").hexdigest()


def started(mode: VisitMode = VisitMode.ENTRY_CODE, **kw: object) -> v.Visit:
    args: dict[str, object] = {
        "visit_id": "V1",
        "task": TASK,
        "enterprise": ENTERPRISE,
        "officers": [SJ1, SJ2, ST1, ST2, AUX],
        "item_codes": ["SJ-SP-002", "sj-sp-003", "ST-GF-002"],
        "mode": mode,
        "now": NOW,
        "entry_code_id": "C1",
    }
    args.update(kw)
    return v.start_visit(**args)  # type: ignore[arg-type]


def all_recorded(visit: v.Visit) -> v.Visit:
    visit = v.record_outcome(
        visit,
        ItemOutcome(
            "SJ-SP-002", Outcome.VIOLATION, "未查验供货者许可证，进货记录缺失3批次", (EVIDENCE.upper(),)
        ),
        recorded_by="辽A-0012345",
        now=NOW + timedelta(minutes=20),
    )
    visit = v.record_outcome(
        visit,
        ItemOutcome(
            "SJ-SP-003",
            Outcome.ORDERED_TO_CORRECT,
            "冷藏柜温度超标，责令调整",
            correction_deadline=date(2026, 6, 8),
        ),
        recorded_by="辽A-0012346",
        now=NOW + timedelta(minutes=25),
    )
    return v.record_outcome(
        visit,
        ItemOutcome("ST-GF-002", Outcome.COMPLIANT),
        recorded_by="辽A-0023001",
        now=NOW + timedelta(minutes=30),
    )


class TestStart:
    def test_scan_starts_now_and_auxiliary_staff_are_not_officers(self) -> None:
        visit = started()
        assert visit.started_at == NOW and visit.recorded_at == NOW
        assert visit.cert_nos == ("辽A-0012345", "辽A-0012346", "辽A-0023001", "辽A-0023002")
        assert visit.dept_codes == {"SJ", "ST"} and visit.item_codes == (
            "SJ-SP-002",
            "SJ-SP-003",
            "ST-GF-002",
        )
        assert not visit.emergency and not visit.backfilled

    def test_emergency_scanned_before_leaving(self) -> None:
        visit = started(
            VisitMode.EMERGENCY, started_at=NOW - timedelta(hours=3), reason="燃气泄漏险情，先行处置"
        )
        assert visit.emergency and visit.started_at == NOW - timedelta(hours=3) and visit.recorded_at == NOW

    def test_emergency_needs_a_reason_and_a_scan_within_12_hours(self) -> None:
        with pytest.raises(errors.VisitReasonRequired):
            started(VisitMode.EMERGENCY, started_at=NOW - timedelta(hours=1))
        started(VisitMode.EMERGENCY, started_at=NOW - timedelta(hours=12), reason="险情")
        with pytest.raises(errors.EmergencyScanLate):
            started(VisitMode.EMERGENCY, started_at=NOW - timedelta(hours=12, seconds=1), reason="险情")

    def test_backfill_within_ten_days(self) -> None:
        ok = started(VisitMode.BACKFILLED, started_at=NOW - timedelta(days=10), reason="系统故障，工单 #451")
        assert ok.backfilled
        with pytest.raises(errors.BackfillWindowPassed) as err:
            started(VisitMode.BACKFILLED, started_at=NOW - timedelta(days=10, seconds=1), reason="系统故障")
        assert err.value.code == "BACKFILL_WINDOW_PASSED" and err.value.status == 403

    def test_times(self) -> None:
        with pytest.raises(errors.VisitTimeInvalid):
            started(VisitMode.BACKFILLED, reason="x")  # no start time
        with pytest.raises(errors.VisitTimeInvalid):
            started(VisitMode.BACKFILLED, started_at=NOW + timedelta(minutes=1), reason="x")
        with pytest.raises(errors.VisitTimeInvalid):
            started(started_at=NOW - timedelta(hours=1))  # a scanned visit starts at the scan

    def test_emergency_and_backfilled_visits_count_for_frequency(self) -> None:
        visit = started(VisitMode.BACKFILLED, started_at=NOW - timedelta(days=3), reason="系统故障")
        counts = enterprise_year([visit.as_frequency_record()], USCC, 2026)
        assert counts.capped_total == 1 and counts.capped("SJ") == counts.capped("ST") == 1


class TestOutcomes:
    def test_violation_needs_description_and_evidence_hashes(self) -> None:
        visit = started()
        for bad in (
            ItemOutcome("SJ-SP-002", Outcome.VIOLATION, "", (EVIDENCE,)),
            ItemOutcome("SJ-SP-002", Outcome.VIOLATION, "进货记录缺失"),
            ItemOutcome("SJ-SP-002", Outcome.VIOLATION, "进货记录缺失", ("not-a-hash",)),
            ItemOutcome("SJ-SP-002", Outcome.VIOLATION, "进货记录缺失", (EVIDENCE[:63],)),
        ):
            with pytest.raises(errors.InvalidOutcome):
                v.record_outcome(visit, bad, recorded_by="辽A-0012345", now=NOW)

    def test_order_to_correct_needs_a_later_deadline(self) -> None:
        visit = started()
        with pytest.raises(errors.InvalidOutcome):
            v.record_outcome(
                visit,
                ItemOutcome("SJ-SP-003", Outcome.ORDERED_TO_CORRECT, "整改"),
                recorded_by="辽A-0012345",
                now=NOW,
            )
        with pytest.raises(errors.InvalidOutcome) as err:
            v.record_outcome(
                visit,
                ItemOutcome(
                    "SJ-SP-003", Outcome.ORDERED_TO_CORRECT, "整改", correction_deadline=date(2026, 6, 1)
                ),
                recorded_by="辽A-0012345",
                now=NOW,
            )
        assert "2026-06-01" in err.value.detail  # the visit day (Shanghai) is not a deadline

    def test_deadline_only_for_orders_and_education_needs_content(self) -> None:
        visit = started()
        with pytest.raises(errors.InvalidOutcome):
            v.record_outcome(
                visit,
                ItemOutcome("SJ-SP-003", Outcome.COMPLIANT, correction_deadline=date(2026, 7, 1)),
                recorded_by="辽A-0012345",
                now=NOW,
            )
        with pytest.raises(errors.InvalidOutcome):
            v.record_outcome(
                visit, ItemOutcome("SJ-SP-003", Outcome.EDUCATED), recorded_by="辽A-0012345", now=NOW
            )

    def test_item_and_officer_must_belong_to_the_visit(self) -> None:
        visit = started()
        with pytest.raises(errors.ItemNotInVisit):
            v.record_outcome(
                visit, ItemOutcome("SJ-TZ-001", Outcome.COMPLIANT), recorded_by="辽A-0012345", now=NOW
            )
        with pytest.raises(errors.OfficerNotInVisit):
            v.record_outcome(
                visit, ItemOutcome("SJ-SP-002", Outcome.COMPLIANT), recorded_by="辽A-0099999", now=NOW
            )

    def test_recording_again_replaces_and_keeps_item_order(self) -> None:
        visit = all_recorded(started())
        visit = v.record_outcome(
            visit,
            ItemOutcome("SJ-SP-002", Outcome.EDUCATED, "讲解进货查验要求"),
            recorded_by="辽A-0012345",
            now=NOW,
        )
        assert [o.item_code for o in visit.outcomes] == ["SJ-SP-002", "SJ-SP-003", "ST-GF-002"]
        assert visit.outcome_for("SJ-SP-002").outcome is Outcome.EDUCATED  # type: ignore[union-attr]
        assert visit.outcome_counts() == {
            "compliant": 1,
            "violation": 0,
            "ordered_to_correct": 1,
            "educated": 1,
        }


class TestCheckout:
    def test_every_item_needs_an_outcome(self) -> None:
        visit = v.record_outcome(
            started(), ItemOutcome("SJ-SP-002", Outcome.COMPLIANT), recorded_by="辽A-0012345", now=NOW
        )
        with pytest.raises(errors.OutcomesMissing) as err:
            v.checkout(visit, by="辽A-0012345", now=NOW + timedelta(hours=1))
        assert err.value.extra["missing"] == ["SJ-SP-003", "ST-GF-002"] and err.value.status == 409

    def test_checkout_completes_and_freezes(self) -> None:
        done = v.checkout(all_recorded(started()), by="辽A-0012345", now=NOW + timedelta(hours=1))
        assert done.status is v.VisitStatus.COMPLETED and done.completed_at == NOW + timedelta(hours=1)
        with pytest.raises(errors.VisitNotInProgress):
            v.record_outcome(
                done, ItemOutcome("SJ-SP-002", Outcome.COMPLIANT), recorded_by="辽A-0012345", now=NOW
            )
        with pytest.raises(errors.VisitNotInProgress):
            v.checkout(done, by="辽A-0012345", now=NOW + timedelta(hours=2))


class TestViolationPayload:
    def test_payload_content(self) -> None:
        visit = all_recorded(started())
        [payload] = v.violations(visit, ENTERPRISE, CATALOGUE)
        assert payload.key == "V1:SJ-SP-002"
        assert (payload.enterprise_uscc, payload.enterprise_name) == (USCC, "沈阳市和平区示例餐饮有限公司")
        assert (payload.item_code, payload.item_name) == ("SJ-SP-002", "食品经营者进货查验记录检查")
        assert (
            payload.legal_basis
            == "《中华人民共和国食品安全法》第五十三条；《中华人民共和国食品安全法》第一百一十条"
        )
        assert payload.description == "未查验供货者许可证，进货记录缺失3批次"
        assert payload.evidence_hashes == (EVIDENCE,)  # normalised to lower case
        assert payload.officer_cert_nos == ("辽A-0012345", "辽A-0012346")  # the item's department only
        assert (payload.department_code, payload.district_code) == ("SJ", "210102")
        assert payload.found_at == NOW + timedelta(minutes=20)


class TestRating:
    def done(self) -> v.Visit:
        return v.checkout(all_recorded(started()), by="辽A-0012345", now=NOW + timedelta(hours=1))

    def test_rate_within_seven_days(self) -> None:
        done = self.done()
        assert done.completed_at is not None
        rated = v.rate(
            done,
            stars=5,
            tags=["态度好", "规范", "规范"],
            comment="讲解细致",
            now=done.completed_at + timedelta(days=6),
        )
        assert rated.rating is not None
        assert (rated.rating.stars, rated.rating.tags, rated.rating.anonymous) == (
            5,
            ("规范", "态度好"),
            False,
        )
        assert not rated.rating.needs_attention

    def test_window_closes_after_168_hours(self) -> None:
        done = self.done()
        assert v.rating_deadline(done) == NOW + timedelta(hours=1) + timedelta(days=7)
        v.rate(done, stars=3, now=NOW + timedelta(hours=1) + timedelta(days=7) - timedelta(seconds=1))
        with pytest.raises(errors.RatingWindowClosed):
            v.rate(done, stars=3, now=NOW + timedelta(hours=1) + timedelta(days=7))

    def test_once_only_and_only_after_checkout(self) -> None:
        with pytest.raises(errors.VisitNotCompleted):
            v.rate(started(), stars=4, now=NOW)
        rated = v.rate(self.done(), stars=4, now=NOW + timedelta(hours=2))
        with pytest.raises(errors.AlreadyRated):
            v.rate(rated, stars=1, now=NOW + timedelta(hours=3))

    @pytest.mark.parametrize(
        "kw",
        [
            {"stars": 0},
            {"stars": 6},
            {"stars": True},
            {"stars": 3, "tags": ["很好"]},
            {"stars": 3, "comment": "字" * 501},
        ],
    )
    def test_invalid_ratings(self, kw: dict[str, object]) -> None:
        with pytest.raises(errors.InvalidRating):
            v.rate(self.done(), now=NOW + timedelta(hours=2), **kw)  # type: ignore[arg-type]

    def test_serious_tags_need_attention_whatever_the_stars(self) -> None:
        rated = v.rate(self.done(), stars=4, tags=["索要财物"], anonymous=True, now=NOW + timedelta(hours=2))
        assert rated.rating is not None and rated.rating.needs_attention and rated.rating.anonymous
        low = v.rate(self.done(), stars=2, now=NOW + timedelta(hours=2))
        assert low.rating is not None and low.rating.needs_attention

    def test_tag_set_is_fixed(self) -> None:
        assert {"规范", "态度好", "扰企", "索要财物", "推诿"} <= set(v.RATING_TAGS)
        assert set(v.RATING_TAGS) >= v.SERIOUS_TAGS


def test_replace_keeps_visit_frozen() -> None:
    visit = started()
    with pytest.raises(AttributeError):
        visit.status = v.VisitStatus.COMPLETED  # type: ignore[misc]
    assert replace(visit, reason="x").reason == "x"
