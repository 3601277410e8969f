"""What each event tells whom (services/notify/domain/mapping.py): one entry per contract type, the
recipient taken from the event, Chinese texts with the facts and the article they rest on."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest

from services.common.contracts import credit, inspection, penalty, risk
from services.notify.domain import mapping
from services.notify.domain.recipients import Recipient
from tests.notify.helpers import USCC_A, visit_started
from tests.support.contracts import decision_issued


def test_the_table_is_keyed_by_contract_and_refuses_a_second_entry() -> None:
    assert {c.TYPE for c in mapping.MAPPING} >= {
        "inspection.visit.started",
        "inspection.visit.completed",
        "penalty.decision.issued",
        "credit.notice.issued",
        "credit.publication.started",
        "credit.repair.completed",
        "risk.warning.issued",
    }
    with pytest.raises(ValueError, match="mapped twice"):
        mapping.notifies(inspection.VisitStarted)(lambda e: [])
    # a contract the table does not list makes no notification
    refused = inspection.EntryRefused(
        refusal_id=uuid.uuid4(),
        code="CODE_USED",
        task_id=None,
        enterprise_uscc=USCC_A,
        department_code="SJ",
        district_code="210102",
        officer_cert_nos=[],
        detail="",
        refused_at=datetime(2026, 12, 6, tzinfo=UTC),
    )
    assert mapping.drafts(refused) == []


def test_officers_scanning_the_enterprise_code_tell_the_enterprise_at_beijing_time() -> None:
    # 06:05 UTC is 14:05 in Beijing (UTC+8)
    event = visit_started(USCC_A, at=datetime(2026, 12, 6, 6, 5, tzinfo=UTC))
    [draft] = mapping.drafts(event)
    assert draft.recipient == Recipient("enterprise", USCC_A)
    assert draft.title == "执法人员已扫码进入检查" and draft.kind == "visit.started"
    assert draft.body.startswith("执法人员扫描了贵单位的企业码，于 2026年12月6日 14:05 开始现场检查。")
    assert "辽A-0012340、辽A-0012341" in draft.body and "SJ-SP-001" in draft.body
    assert "第五十五条" in draft.body  # the right to refuse officers who do not show their certificates
    assert draft.link == f"/api/v1/inspection/visits/{event.visit_id}"


def test_the_visit_end_counts_the_items_and_the_findings() -> None:
    event = inspection.VisitCompleted(
        visit_id=uuid.uuid4(),
        task_id=uuid.uuid4(),
        task_kind="random",
        enterprise_uscc=USCC_A,
        department_codes=["SJ"],
        district_code="210102",
        mode="entry_code",
        started_at=datetime(2026, 12, 6, 1, 0, tzinfo=UTC),
        completed_at=datetime(2026, 12, 6, 2, 30, tzinfo=UTC),
        outcomes={"compliant": 2, "violation": 1},
    )
    [draft] = mapping.drafts(event)
    # 2 + 1 = 3 items; 01:00 and 02:30 UTC are 09:00 and 10:30 in Beijing
    assert draft.body.startswith(
        "2026年12月6日 09:00 开始的现场检查已于 2026年12月6日 10:30 结束，共检查 3 项。其中 1 项"
    )


def test_a_decision_is_a_document_to_serve_for_an_organisation_only() -> None:
    event = decision_issued(party_uscc=USCC_A, decided_on=date(2026, 12, 4))
    [draft] = mapping.drafts(event)
    assert draft.recipient == Recipient("enterprise", USCC_A) and draft.title == "行政处罚决定书待送达"
    assert draft.body.startswith(
        f"沈阳市市场监督管理局于2026年12月4日对贵单位作出行政处罚决定（{event.decision_no}）。"
    )
    assert "第六十一条" in draft.body
    person = decision_issued(party_uscc=None)
    assert mapping.drafts(person) == []


def test_both_documents_ready_says_when_the_publication_ends_and_repair_opens() -> None:
    event = credit.NoticeIssued(
        notice_id=uuid.uuid4(),
        notice_no="沈市监信修提〔2026〕3号",
        case_id=uuid.uuid4(),
        decision_no="沈市监罚〔2026〕12号",
        party_uscc=USCC_A,
        credit_class="一般",
        published=True,
        publication_starts_on=date(2026, 12, 7),
        earliest_repair_on=date(2027, 3, 7),
        publication_ends_on=date(2029, 12, 7),
        document_url="/api/v1/credit/notices/x/pdf",
        issued_at=datetime(2026, 12, 6, tzinfo=UTC),
    )
    [draft] = mapping.drafts(event)
    assert draft.title == "两书同达：信用修复提示书已出具" and draft.link == "/api/v1/credit/notices/x/pdf"
    assert draft.body == (
        "行政处罚决定书（沈市监罚〔2026〕12号）与信用修复提示书（沈市监信修提〔2026〕3号）已同时出具（两书同达）。"
        "该行政处罚信息自2026年12月7日起公示，至2029年12月7日止，最早可于2027年3月7日申请信用修复。"
    )


def test_a_warning_goes_to_the_unit() -> None:
    event = risk.WarningIssued(
        warning_id=uuid.uuid4(),
        quarter="2026Q3",
        unit_code="SJ-210102",
        domain=None,
        colour="red",
        lit=True,
        reasons=["行政复议纠错率 12%"],
        rectification_due_on=date(2026, 12, 31),
        issued_at=datetime(2026, 12, 6, tzinfo=UTC),
    )
    [draft] = mapping.drafts(event)
    assert draft.recipient == Recipient("department", "SJ-210102") and draft.title == "执法风险预警：红灯"
    assert draft.body.endswith("原因：行政复议纠错率 12%。请于2026年12月31日前完成整改。")


def test_a_warning_whose_deadline_is_pending_says_so_instead_of_a_date() -> None:
    # 2026Q4 published on Tue 2027-01-05: red, 15 working days, all in 2027, whose arrangement is not entered
    event = risk.WarningIssued(
        warning_id=uuid.uuid4(),
        quarter="2026Q4",
        unit_code="SJ-210104",
        domain=None,
        colour="red",
        lit=False,
        reasons=["行政复议纠错 6 件"],
        rectification_due_on=None,
        issued_at=datetime(2027, 1, 5, 2, 0, tzinfo=UTC),
    )
    [draft] = mapping.drafts(event)
    assert draft.recipient == Recipient("department", "SJ-210104")
    assert draft.body.endswith(
        "原因：行政复议纠错 6 件。整改期限待节假日安排录入后确定，届时另行通知，请及时整改。"
    )
    assert "None" not in draft.body and "前完成整改" not in draft.body


def test_a_pending_rectification_deadline_computed_tells_the_unit_the_date() -> None:
    warning = uuid.uuid4()
    # issued Tue 2027-01-05, red 15 working days; 2027 entered with 元旦 (Fri 01-01) off: Wed 06 (1) … Tue 26 (15)
    first = risk.RectificationDeadlineSet(
        warning_id=warning, unit_code="SJ-210104", quarter="2026Q4", due_on=date(2027, 1, 26), reopened=False
    )
    [draft] = mapping.drafts(first)
    assert draft.recipient == Recipient("department", "SJ-210104") and draft.kind == "risk.warning"
    assert draft.title == "整改期限已确定"
    assert draft.body == "2026Q4 执法风险预警的整改期限已确定，请于2027年1月26日前完成整改并报送整改措施。"
    assert draft.link == f"/api/v1/risk/rectifications/{warning}"
    # reopened Mon 2026-12-21 with 10 working days: … Thu 31 (8), 01-01 off, Mon 01-04 (9), Tue 01-05 (10)
    [again] = mapping.drafts(first.model_copy(update={"due_on": date(2027, 1, 5), "reopened": True}))
    assert again.title == "退回重新整改期限已确定"
    assert "退回重新整改期限已确定，请于2027年1月5日前完成整改" in again.body


def test_a_missed_deadline_goes_to_the_unit_of_the_case() -> None:
    event = penalty.DeadlineMissed(
        case_id=uuid.uuid4(),
        department_code="SJ",
        district_code="210102",
        deadline="delivery",
        due_on=date(2026, 12, 1),
        detected_on=date(2026, 12, 2),
    )
    [draft] = mapping.drafts(event)
    assert draft.recipient == Recipient("department", "SJ-210102")
    assert draft.body == "案件的送达期限已于2026年12月1日届满，2026年12月2日发现逾期，请及时处理。"


def test_a_supervision_matter_tells_the_unit_its_deadline() -> None:
    matter = uuid.uuid4()
    event = risk.SupervisionMatterOpened(
        matter_id=matter,
        kind="correction",
        target_kind="case",
        target_id=uuid.uuid4(),
        unit_code="SJ-210102",
        due_on=date(2026, 12, 18),
        document_no="沈司纠错〔2026〕3号",
        opened_at=datetime(2026, 12, 6, 2, 0, tzinfo=UTC),
    )
    [draft] = mapping.drafts(event)
    assert draft.recipient == Recipient("department", "SJ-210102")
    assert draft.title == "监督事项：纠错通知书"
    assert "沈司纠错〔2026〕3号" in draft.body and "2026年12月18日前答复" in draft.body
    assert draft.link == f"/api/v1/risk/supervision/matters/{matter}"


def test_a_supervision_matter_whose_deadline_is_pending_says_so() -> None:
    event = risk.SupervisionMatterOpened(
        matter_id=uuid.uuid4(),
        kind="opinion",
        target_kind="visit",
        target_id=uuid.uuid4(),
        unit_code="SJ-210102",
        due_on=None,  # opened on 2026-12-21, the working days run into 2027, not entered yet
        document_no="沈司监意〔2026〕9号",
        opened_at=datetime(2026, 12, 21, 2, 0, tzinfo=UTC),
    )
    [draft] = mapping.drafts(event)
    assert "答复截止日期待法定节假日安排录入后确定" in draft.body and "前答复" not in draft.body


def test_a_pending_matter_deadline_computed_tells_the_unit_the_date_unless_it_has_answered() -> None:
    matter = uuid.uuid4()
    fields: dict[str, Any] = {
        "matter_id": matter,
        "kind": "opinion",
        "target_kind": "case",
        "target_id": uuid.uuid4(),
        "unit_code": "SJ-210102",
        # opened Mon 2026-12-21 with 10 working days, computed when 2027 was entered (元旦 Fri 01-01 off)
        "due_on": date(2027, 1, 5),
        "document_no": "沈司监意〔2026〕9号",
    }
    [draft] = mapping.drafts(risk.SupervisionMatterDeadlineSet(**fields, answered=False))
    assert draft.recipient == Recipient("department", "SJ-210102")
    assert draft.title == "监督事项答复期限：监督意见书" and draft.kind == "risk.supervision.matter"
    assert "沈司监意〔2026〕9号" in draft.body and "请于2027年1月5日前答复" in draft.body
    assert draft.link == f"/api/v1/risk/supervision/matters/{matter}"
    assert mapping.drafts(risk.SupervisionMatterDeadlineSet(**fields, answered=True)) == []


def test_a_reopened_matter_tells_the_unit_to_answer_again_by_the_new_date_or_that_it_is_pending() -> None:
    fields: dict[str, Any] = {
        "matter_id": uuid.uuid4(),
        "kind": "correction",
        "target_kind": "case",
        "target_id": uuid.uuid4(),
        "unit_code": "SJ-210102",
        "document_no": "沈司纠错〔2026〕3号",
        "answered": False,
        "reopened": True,
    }
    # reopened Tue 2026-12-01 with 5 working days: Wed 02, Thu 03, Fri 04, Mon 07, Tue 08
    [draft] = mapping.drafts(risk.SupervisionMatterDeadlineSet(**fields, due_on=date(2026, 12, 8)))
    assert draft.title == "监督事项退回重新答复：纠错通知书"
    assert "沈司纠错〔2026〕3号" in draft.body and "答复已被退回" in draft.body
    assert "请于2026年12月8日前重新答复" in draft.body
    [pending] = mapping.drafts(risk.SupervisionMatterDeadlineSet(**fields, due_on=None))
    assert "重新答复的期限待定" in pending.body and "前重新答复" not in pending.body


def test_an_answered_complaint_tells_the_enterprise_that_filed_it_and_nobody_for_an_anonymous_one() -> None:
    answered = risk.ComplaintAnswered(
        complaint_id=uuid.uuid4(),
        ack_no="TS-2026-000007",
        unit_code="SJ-210102",
        complainant_uscc=USCC_A,
        finding="substantiated",
        referred_to_discipline=True,
        answered_at=datetime(2026, 12, 6, 2, 0, tzinfo=UTC),
    )
    [draft] = mapping.drafts(answered)
    assert draft.recipient == Recipient("enterprise", USCC_A) and draft.title == "投诉已答复"
    assert "TS-2026-000007" in draft.body and "属实" in draft.body and "纪检监察" in draft.body
    assert mapping.drafts(answered.model_copy(update={"complainant_uscc": None})) == []
