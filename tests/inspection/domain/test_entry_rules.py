"""Every refusal of entry (SPEC §2.3), task approval and the urgent-complaint 24-hour rule."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from stdnum.cn import uscc as stdnum_uscc

from services.inspection import errors
from services.inspection.domain import entry_rules as rules
from services.inspection.domain.entry_rules import DEFAULT_CONFIG, EntryConfig, Task, TaskStatus, check_entry
from services.inspection.domain.frequency import (
    EnterpriseYear,
    FrequencyPolicy,
    QuietWindow,
    TaskKind,
    VisitRecord,
    enterprise_year,
)
from services.inspection.domain.registry import (
    Catalogue,
    Enterprise,
    InspectionItem,
    LegalRef,
    Officer,
    OfficerStatus,
)


def make_uscc(body: str) -> str:
    return body + stdnum_uscc.calc_check_digit(body)


USCC = make_uscc("91210102MA0000001")
OTHER_USCC = make_uscc("91210103MA0000002")
ENTERPRISE = Enterprise(USCC, "沈阳市和平区示例餐饮有限公司", "210102", "餐饮服务")
NOW = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
DAY = date(2026, 6, 1)
VALID = date(2028, 12, 31)

SJ1 = Officer("o1", "张伟", "SJ", "辽A-0012345", valid_until=VALID)
SJ2 = Officer("o2", "王芳", "SJ", "辽A-0012346", valid_until=VALID)
ST1 = Officer("o3", "李强", "ST", "辽A-0023001", valid_until=VALID)
ST2 = Officer("o4", "赵敏", "ST", "辽A-0023002", valid_until=VALID)
AUX = Officer("o5", "陈静", "SJ", None, auxiliary=True)

FOOD = InspectionItem(
    "SJ-SP-002",
    "食品经营者进货查验记录检查",
    "SJ",
    (LegalRef("食品安全法", "第五十三条"),),
    effective_from=date(2025, 1, 1),
    key_area=True,  # food safety: 重点领域, as in data/sample/inspection_items.json
)
LICENCE = InspectionItem(
    "SJ-DJ-001",
    "对营业执照置放及登记事项的检查",
    "SJ",
    (LegalRef("市场主体登记管理条例", "第三十六条"),),
)
DESK = InspectionItem(
    "SJ-GS-001", "企业公示信息抽查", "SJ", (LegalRef("企业信息公示暂行条例", "第十五条"),), on_site=False
)
WASTE = InspectionItem(
    "ST-GF-002",
    "危险废物规范化管理检查",
    "ST",
    (LegalRef("固体废物污染环境防治法", "第七十八条"),),
    key_area=True,
)
RETIRED = InspectionItem(
    "SJ-SP-099",
    "已停止执行的事项",
    "SJ",
    (LegalRef("食品安全法", "第五十四条"),),
    retired_on=date(2026, 1, 1),
)
CATALOGUE = Catalogue([FOOD, DESK, WASTE, RETIRED, LICENCE])

TASK = Task(
    task_id="T-2026-001",
    kind=TaskKind.RANDOM,
    lead_dept="SJ",
    dept_codes=frozenset({"SJ"}),
    enterprises=frozenset({USCC}),
    created_at=NOW - timedelta(days=3),
    created_by="u-creator",
    status=TaskStatus.APPROVED,
    draw_fingerprint="f" * 64,
)
JOINT = replace(
    TASK, task_id="T-2026-002", kind=TaskKind.JOINT, dept_codes=frozenset({"SJ", "ST"}), draw_fingerprint=None
)
NO_VISITS = EnterpriseYear(USCC, 2026)


def check(
    task: Task = TASK,
    officers: list[Officer] | None = None,
    items: list[str] | None = None,
    counts: EnterpriseYear = NO_VISITS,
    risk_class: str | None = None,
    config: EntryConfig = DEFAULT_CONFIG,
    now: datetime = NOW,
    **kw: object,
) -> None:
    check_entry(
        task,
        ENTERPRISE,
        [SJ1, SJ2] if officers is None else officers,
        ["SJ-SP-002"] if items is None else items,
        CATALOGUE,
        counts,
        risk_class,
        config,
        now,
        **kw,  # type: ignore[arg-type]
    )


def refused(code: str, status: int = 403, **kw: object) -> errors.EntryRefused:
    with pytest.raises(errors.EntryRefused) as err:
        check(**kw)  # type: ignore[arg-type]
    assert (err.value.code, err.value.status) == (code, status), err.value.detail
    return err.value


class TestLawfulEntry:
    def test_two_certified_officers_of_the_department(self) -> None:
        check()

    def test_auxiliary_staff_may_accompany_without_counting(self) -> None:
        check(accompanying=[AUX])

    def test_joint_task_with_both_departments_present(self) -> None:
        check(task=JOINT, officers=[SJ1, SJ2, ST1, ST2], items=["SJ-SP-002", "ST-GF-002"])


class TestTask:
    def test_not_approved(self) -> None:
        err = refused("TASK_NOT_APPROVED", task=replace(TASK, status=TaskStatus.PENDING_APPROVAL))
        assert "T-2026-001" in err.detail and "尚未批准" in err.detail

    @pytest.mark.parametrize("status", [TaskStatus.REJECTED, TaskStatus.COMPLETED, TaskStatus.CANCELLED])
    def test_not_active(self, status: TaskStatus) -> None:
        refused("TASK_NOT_APPROVED", task=replace(TASK, status=status))

    def test_outside_the_task_dates(self) -> None:
        refused("TASK_NOT_APPROVED", task=replace(TASK, starts_on=date(2026, 6, 2)))
        refused("TASK_NOT_APPROVED", task=replace(TASK, ends_on=date(2026, 5, 31)))
        check(task=replace(TASK, starts_on=DAY, ends_on=DAY))  # both ends inclusive

    def test_enterprise_not_in_task(self) -> None:
        err = refused("ENTERPRISE_NOT_IN_TASK", task=replace(TASK, enterprises=frozenset({OTHER_USCC})))
        assert USCC in err.detail


URGENT = replace(
    TASK,
    kind=TaskKind.COMPLAINT,
    urgent=True,
    lead_id="12345-2026-000123",
    status=TaskStatus.PENDING_APPROVAL,
    created_at=NOW - timedelta(hours=2),
    draw_fingerprint=None,
)


class TestUrgentComplaint:
    def test_may_enter_before_approval_within_24_hours(self) -> None:
        check(task=URGENT)
        check(task=URGENT, now=URGENT.created_at + timedelta(hours=24))  # exactly at the deadline

    def test_refused_after_24_hours_unapproved_and_flagged(self) -> None:
        later = URGENT.created_at + timedelta(hours=24, seconds=1)
        refused("TASK_NOT_APPROVED", task=URGENT, now=later)
        assert rules.approval_overdue(URGENT, later)
        assert not rules.approval_overdue(URGENT, URGENT.created_at + timedelta(hours=23))

    def test_late_approval_stays_flagged(self) -> None:
        approved = replace(
            URGENT, status=TaskStatus.APPROVED, approved_at=URGENT.created_at + timedelta(hours=30)
        )
        assert rules.approval_overdue(approved, NOW + timedelta(days=2))
        on_time = replace(approved, approved_at=URGENT.created_at + timedelta(hours=5))
        assert not rules.approval_overdue(on_time, NOW + timedelta(days=2))

    def test_non_urgent_tasks_are_never_overdue(self) -> None:
        assert rules.approval_deadline(TASK) is None
        assert not rules.approval_overdue(
            replace(TASK, status=TaskStatus.PENDING_APPROVAL), NOW + timedelta(days=9)
        )


class TestPeople:
    def test_auxiliary_staff_put_forward_as_inspector(self) -> None:
        err = refused("NOT_CERTIFIED", officers=[SJ1, SJ2, AUX])
        assert "陈静" in err.detail and "执法辅助人员" in err.detail

    def test_no_certificate(self) -> None:
        refused("NOT_CERTIFIED", officers=[SJ1, replace(SJ2, cert_no=None)])

    def test_suspended_names_the_certificate_and_date(self) -> None:
        suspended = replace(SJ2, status=OfficerStatus.SUSPENDED, status_since=date(2026, 5, 1))
        err = refused("CERT_SUSPENDED", officers=[SJ1, suspended])
        assert err.detail == "执法证 辽A-0012346（王芳）已于2026-05-01暂扣，不得从事行政检查"
        assert err.extra["cert_no"] == "辽A-0012346"

    def test_revoked(self) -> None:
        refused("CERT_REVOKED", officers=[SJ1, replace(SJ2, status=OfficerStatus.REVOKED, status_since=DAY)])

    def test_expired_by_date(self) -> None:
        err = refused("CERT_EXPIRED", officers=[SJ1, replace(SJ2, valid_until=date(2026, 5, 31))])
        assert "有效期至2026-05-31" in err.detail

    def test_expired_status(self) -> None:
        refused("CERT_EXPIRED", officers=[SJ1, replace(SJ2, status=OfficerStatus.EXPIRED)])

    def test_invalid_certificate_cannot_accompany_either(self) -> None:
        suspended = replace(ST1, dept_code="SJ", status=OfficerStatus.SUSPENDED)
        refused("CERT_SUSPENDED", accompanying=[suspended])

    def test_officer_of_another_department(self) -> None:
        err = refused("OFFICER_OUT_OF_AUTHORITY", officers=[SJ1, SJ2, ST1])
        assert "李强" in err.detail and "生态环境" in err.detail

    def test_too_few_officers(self) -> None:
        err = refused("TOO_FEW_OFFICERS", officers=[SJ1])
        assert "仅1名" in err.detail and "张伟" in err.detail and "第四十二条" in err.detail

    def test_the_same_officer_twice_counts_once(self) -> None:
        refused("TOO_FEW_OFFICERS", officers=[SJ1, SJ1])

    def test_auxiliary_staff_never_count(self) -> None:
        refused("TOO_FEW_OFFICERS", officers=[SJ1], accompanying=[AUX])

    def test_joint_visit_needs_two_officers_of_each_inspecting_department(self) -> None:
        err = refused(
            "TOO_FEW_OFFICERS", task=JOINT, officers=[SJ1, SJ2, ST1], items=["SJ-SP-002", "ST-GF-002"]
        )
        assert err.extra["dept_code"] == "ST"
        relaxed = EntryConfig(min_officers_per_department=1)
        check(task=JOINT, officers=[SJ1, ST1], items=["SJ-SP-002", "ST-GF-002"], config=relaxed)


class TestItems:
    def test_no_items(self) -> None:
        refused("NO_ITEMS", 422, items=["  "])

    def test_not_in_catalogue(self) -> None:
        err = refused("ITEM_NOT_IN_CATALOGUE", items=["SJ-SP-002", "SJ-XX-999"])
        assert "SJ-XX-999" in err.detail

    def test_retired_item_is_no_longer_in_the_catalogue(self) -> None:
        refused("ITEM_NOT_IN_CATALOGUE", items=["SJ-SP-099"])

    def test_desk_review_item_is_no_reason_to_enter(self) -> None:
        refused("ITEM_NOT_ON_SITE", items=["SJ-GS-001"])

    def test_item_outside_the_task(self) -> None:
        task = replace(TASK, item_codes=frozenset({"SJ-SP-001"}))
        refused("ITEM_NOT_IN_TASK", task=task)

    def test_item_of_another_department(self) -> None:
        err = refused("ITEM_OUT_OF_AUTHORITY", items=["ST-GF-002"])
        assert "ST-GF-002" in err.detail and "生态环境" in err.detail

    def test_joint_item_without_that_departments_officers_present(self) -> None:
        refused("ITEM_OUT_OF_AUTHORITY", task=JOINT, officers=[SJ1, SJ2], items=["SJ-SP-002", "ST-GF-002"])


class TestFrequency:
    def test_second_random_visit_by_the_department_this_year(self) -> None:
        earlier = VisitRecord("v1", USCC, NOW - timedelta(days=60), TaskKind.RANDOM, frozenset({"SJ"}))
        err = refused("FREQUENCY_CAP_REACHED", counts=enterprise_year([earlier], USCC, 2026))
        assert err.extra["scope"] == "department" and "市场监管" in err.detail

    def test_a_joint_visit_counted_for_each_department(self) -> None:
        joint = VisitRecord("v1", USCC, NOW - timedelta(days=60), TaskKind.JOINT, frozenset({"SJ", "ST"}))
        refused("FREQUENCY_CAP_REACHED", counts=enterprise_year([joint], USCC, 2026))

    def test_last_years_visit_does_not_count(self) -> None:
        old = VisitRecord(
            "v1", USCC, datetime(2025, 12, 31, 15, 0, tzinfo=UTC), TaskKind.RANDOM, frozenset({"SJ"})
        )
        check(counts=enterprise_year([old], USCC, 2026))

    def test_four_visits_across_departments(self) -> None:
        others = [
            VisitRecord(f"v{n}", USCC, NOW - timedelta(days=n), TaskKind.RANDOM, frozenset({d}))
            for n, d in enumerate(["ST", "YJ", "JT", "CG"], start=1)
        ]
        err = refused("FREQUENCY_CAP_REACHED", counts=enterprise_year(others, USCC, 2026))
        assert err.extra["scope"] == "enterprise" and err.extra["limit"] == 4

    def test_complaint_and_key_area_are_exempt(self) -> None:
        earlier = VisitRecord("v1", USCC, NOW - timedelta(days=60), TaskKind.RANDOM, frozenset({"SJ"}))
        counts = enterprise_year([earlier], USCC, 2026)
        check(task=replace(TASK, kind=TaskKind.COMPLAINT, lead_id="L1"), counts=counts)
        check(task=replace(TASK, kind=TaskKind.KEY_AREA), counts=counts)
        check(task=replace(TASK, requested_by_enterprise=True), counts=counts)

    def test_key_area_task_is_exempt_only_for_key_area_items(self) -> None:
        # 优化营商环境条例 第五十四条: full coverage only for the 重点领域; the licence display item
        # (市场主体登记管理条例 第三十六条) is inspected by 双随机. The SJ cap (1 a year) is used up by the
        # earlier random visit, so a key-area task without a list of items would otherwise carry it in.
        earlier = VisitRecord("v1", USCC, NOW - timedelta(days=60), TaskKind.RANDOM, frozenset({"SJ"}))
        counts = enterprise_year([earlier], USCC, 2026)
        key_area = replace(TASK, kind=TaskKind.KEY_AREA, draw_fingerprint=None)
        check(task=key_area, counts=counts, items=["SJ-SP-002"])
        err = refused("ITEM_NOT_IN_TASK", task=key_area, counts=counts, items=["SJ-DJ-001"])
        assert "SJ-DJ-001" in err.detail and "不是重点领域检查事项" in err.detail
        err = refused("ITEM_NOT_IN_TASK", task=key_area, items=["SJ-SP-002", "SJ-DJ-001"])
        assert err.extra["item_code"] == "SJ-DJ-001"
        # a random task inspects the same item lawfully while the cap allows it
        check(items=["SJ-DJ-001"])

    def test_counts_must_be_for_this_enterprise_and_year(self) -> None:
        with pytest.raises(ValueError):
            check(counts=EnterpriseYear(USCC, 2025))


class TestQuiet:
    def test_a_class_is_quiet_for_joint_tasks_without_a_lead(self) -> None:
        err = refused(
            "QUIET_PERIOD",
            task=JOINT,
            officers=[SJ1, SJ2, ST1, ST2],
            items=["SJ-SP-002", "ST-GF-002"],
            risk_class="A",
        )
        assert "无事不扰" in err.detail

    def test_a_class_random_draw_and_leads_may_enter(self) -> None:
        check(risk_class="A")
        check(task=replace(TASK, kind=TaskKind.COMPLAINT, lead_id="L1"), risk_class="A")

    def test_quiet_window(self) -> None:
        window = QuietWindow(date(2026, 5, 20), date(2026, 6, 19), "新设立企业包容期", USCC)
        refused("QUIET_PERIOD", quiet_windows=[window])

    def test_literal_quiet_rule_is_configurable(self) -> None:
        strict = EntryConfig(frequency=FrequencyPolicy(quiet_allows_random=False))
        refused("QUIET_PERIOD", risk_class="A", config=strict)


class TestOrder:
    def test_task_before_people_before_items_before_frequency(self) -> None:
        pending = replace(TASK, status=TaskStatus.PENDING_APPROVAL)
        refused("TASK_NOT_APPROVED", task=pending, officers=[SJ1], items=["SJ-XX-999"])
        refused("TOO_FEW_OFFICERS", officers=[SJ1], items=["SJ-XX-999"])

    def test_every_refusal_has_a_stable_code_and_chinese_title(self) -> None:
        codes = [cls.code for cls in rules.REFUSALS]
        assert len(codes) == len(set(codes)) == 15
        assert all(cls.status in (403, 409, 422) and cls.title for cls in rules.REFUSALS)


class TestTaskLifecycle:
    def make(self, **kw: object) -> Task:
        args: dict[str, object] = {
            "task_id": "T1",
            "kind": TaskKind.KEY_AREA,
            "lead_dept": "SJ",
            "enterprises": [USCC.lower()],
            "created_at": NOW,
            "created_by": "u1",
        }
        args.update(kw)
        return rules.new_task(**args)  # type: ignore[arg-type]

    def test_new_task_is_pending_and_normalised(self) -> None:
        task = self.make()
        assert task.status is TaskStatus.PENDING_APPROVAL and task.enterprises == {USCC}

    @pytest.mark.parametrize(
        "kw",
        [
            {"kind": TaskKind.JOINT},  # only one department
            {"dept_codes": ["ST"]},  # several departments on a non-joint task
            {"kind": TaskKind.COMPLAINT},  # no lead
            {"urgent": True},  # urgent is for complaints only
            {"kind": TaskKind.RANDOM},  # no published draw
            # drawn enterprises asked for nothing: the flag would lift the caps (优化营商环境条例 第五十四条)
            {"kind": TaskKind.RANDOM, "enterprises": [], "requested_by_enterprise": True},
            {"enterprises": []},
            {"starts_on": date(2026, 6, 2), "ends_on": date(2026, 6, 1)},
            {"item_codes": ["ST-GF-002"], "catalogue": CATALOGUE},  # item of a department not taking part
        ],
    )
    def test_invalid_tasks(self, kw: dict[str, object]) -> None:
        with pytest.raises(errors.InvalidTask):
            self.make(**kw)

    def test_invalid_uscc_in_task(self) -> None:
        with pytest.raises(errors.InvalidUscc):
            self.make(enterprises=["91210102MA00000010"])

    def test_approval_rules(self) -> None:
        task = self.make()
        with pytest.raises(errors.ApprovalNotAllowed):
            rules.approve(task, approver_id="u9", approver_role="officer", approver_dept="SJ", now=NOW)
        with pytest.raises(errors.ApprovalNotAllowed):
            rules.approve(task, approver_id="u9", approver_role="dept_head", approver_dept="ST", now=NOW)
        with pytest.raises(errors.ApprovalNotAllowed):
            rules.approve(task, approver_id="u1", approver_role="supervisor", approver_dept=None, now=NOW)
        approved = rules.approve(
            task, approver_id="u9", approver_role="dept_head", approver_dept="SJ", now=NOW
        )
        assert approved.status is TaskStatus.APPROVED and approved.approved_by == "u9"
        with pytest.raises(errors.TaskStateConflict):
            rules.approve(approved, approver_id="u8", approver_role="supervisor", approver_dept=None, now=NOW)

    def test_rejection_needs_a_reason(self) -> None:
        task = self.make()
        with pytest.raises(errors.InvalidTask):
            rules.reject(task, approver_id="u9", approver_role="supervisor", reason=" ", now=NOW)
        rejected = rules.reject(
            task, approver_id="u9", approver_role="supervisor", reason="检查对象重复", now=NOW
        )
        assert rejected.status is TaskStatus.REJECTED


class TestRandomAssignment:
    def test_the_drawn_group_may_enter(self) -> None:
        rules.check_assignment(TASK, USCC, ["辽A-0012345", "辽A-0012346"], [SJ1, SJ2])

    def test_an_officer_who_was_not_drawn_is_refused(self) -> None:
        other = Officer("o9", "孙丽", "SJ", "辽A-0012399", valid_until=VALID)
        with pytest.raises(errors.OfficerOutOfAuthority) as err:
            rules.check_assignment(TASK, USCC, ["辽A-0012345", "辽A-0012346"], [SJ1, other])
        assert "辽A-0012399" in err.value.detail and err.value.code == "OFFICER_OUT_OF_AUTHORITY"

    def test_other_kinds_have_no_drawn_group(self) -> None:
        rules.check_assignment(JOINT, USCC, [], [SJ1, SJ2, ST1, ST2])


class TestCompleteAndCancel:
    def test_only_an_approved_task_is_completed(self) -> None:
        assert rules.complete(TASK, now=NOW).status is TaskStatus.COMPLETED
        pending = replace(TASK, status=TaskStatus.PENDING_APPROVAL)
        with pytest.raises(errors.TaskStateConflict):
            rules.complete(pending, now=NOW)

    def test_cancel_needs_a_reason_and_a_live_task(self) -> None:
        with pytest.raises(errors.InvalidTask):
            rules.cancel(TASK, reason=" ", now=NOW)
        cancelled = rules.cancel(TASK, reason="企业已注销", now=NOW)
        assert (cancelled.status, cancelled.status_reason) == (TaskStatus.CANCELLED, "企业已注销")
        with pytest.raises(errors.TaskStateConflict):
            rules.cancel(rules.complete(TASK, now=NOW), reason="晚了", now=NOW)
