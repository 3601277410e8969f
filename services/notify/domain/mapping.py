"""What each event tells whom: a table keyed by the event contract's type, each entry a pure function from
the event to the notifications it makes (recipient, kind, Chinese title and body, a link to the object).

Adding a contract is one entry: ``@notifies(SomeContract)`` below. The consumers (``consumers.py``) declare
one durable consumer per entry of ``MAPPING``, so a new entry is read from its stream from the start.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from services.common.clock import CHINA
from services.common.contracts import credit, inspection, penalty, risk
from services.common.events import Event
from services.notify.domain.recipients import Recipient, unit_code


@dataclass(frozen=True, slots=True)
class Draft:
    """One notification to record: for ``recipient``, of ``kind``, with its texts and link."""

    recipient: Recipient
    kind: str
    title: str
    body: str
    link: str | None = None


E = TypeVar("E", bound=Event)
Rule = Callable[[Any], list[Draft]]

#: contract class -> the rule making its notifications (keyed by class: its TYPE and VERSION identify it)
MAPPING: dict[type[Event], Rule] = {}


def notifies(contract: type[E]) -> Callable[[Callable[[E], list[Draft]]], Callable[[E], list[Draft]]]:
    """Register the rule of ``contract`` in ``MAPPING`` (once)."""

    def register(rule: Callable[[E], list[Draft]]) -> Callable[[E], list[Draft]]:
        if contract in MAPPING:
            raise ValueError(f"{contract.TYPE} mapped twice")
        MAPPING[contract] = rule
        return rule

    return register


def drafts(event: Event) -> list[Draft]:
    """The notifications ``event`` makes (none for a contract the table does not list)."""
    rule = MAPPING.get(type(event))
    return rule(event) if rule is not None else []


def moment(at: datetime) -> str:
    """A time as a Chinese reader expects it, in Beijing time: 2026年12月6日 14:05."""
    local = at.astimezone(CHINA)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def day(on: date) -> str:
    return f"{on.year}年{on.month}月{on.day}日"


def _enterprise(uscc: str | None) -> Recipient | None:
    return Recipient("enterprise", uscc) if uscc else None


# --------------------------------------------------------------------------------------------- inspection

_STARTED = {
    # SPEC §2.3 (2): the officers scanned the enterprise's 企业码 at its door.
    "enterprise_code": ("执法人员已扫码进入检查", "执法人员扫描了贵单位的企业码，于 {at} 开始现场检查"),
    "entry_code": ("现场检查已开始", "贵单位已扫描执法人员出示的检查码，现场检查于 {at} 开始"),
    "emergency": ("紧急检查已开始", "执法人员因紧急情况先行检查（{at}），离开前须扫码补登"),
    "backfilled": ("检查已补录", "系统故障期间的现场检查（{at}）已补录"),
}


@notifies(inspection.VisitStarted)
def visit_started(event: inspection.VisitStarted) -> list[Draft]:
    title, lead = _STARTED[event.mode]
    body = (
        lead.format(at=moment(event.started_at))
        + f"。执法人员执法证号：{'、'.join(event.officer_cert_nos)}；检查事项：{'、'.join(event.item_codes)}。"
        # 行政处罚法 第五十五条: officers show their certificates; the party may refuse officers who do not.
        "请核验执法证件；执法人员不出示执法证件的，贵单位有权拒绝接受检查（《中华人民共和国行政处罚法》第五十五条）。"
    )
    return [
        Draft(
            Recipient("enterprise", event.enterprise_uscc),
            "visit.started",
            title,
            body,
            f"/api/v1/inspection/visits/{event.visit_id}",
        )
    ]


@notifies(inspection.VisitCompleted)
def visit_completed(event: inspection.VisitCompleted) -> list[Draft]:
    items = sum(event.outcomes.values())
    body = f"{moment(event.started_at)} 开始的现场检查已于 {moment(event.completed_at)} 结束，共检查 {items} 项。"
    if event.outcomes.get("violation"):
        body += f"其中 {event.outcomes['violation']} 项发现问题，执法部门将依法处理并告知贵单位。"
    body += "欢迎对本次检查进行评价。"
    return [
        Draft(
            Recipient("enterprise", event.enterprise_uscc),
            "visit.completed",
            "现场检查已结束",
            body,
            f"/api/v1/inspection/visits/{event.visit_id}",
        )
    ]


# ------------------------------------------------------------------------------------------------ penalty


@notifies(penalty.DecisionIssued)
def decision_issued(event: penalty.DecisionIssued) -> list[Draft]:
    recipient = _enterprise(event.party_uscc)
    if recipient is None:
        return []
    body = (
        f"{event.department_name}于{day(event.decided_on)}对贵单位作出行政处罚决定（{event.decision_no}）。"
        # 行政处罚法 第六十一条: the decision is served on the party within seven days when it was not present.
        "行政处罚决定书将依法送达（《中华人民共和国行政处罚法》第六十一条），请注意查收。"
    )
    return [
        Draft(
            recipient,
            "decision.to_serve",
            "行政处罚决定书待送达",
            body,
            f"/api/v1/penalty/cases/{event.case_id}",
        )
    ]


@notifies(penalty.DeadlineMissed)
def deadline_missed(event: penalty.DeadlineMissed) -> list[Draft]:
    names = {
        "decision": "作出决定",
        "delivery": "送达",
        "publication": "公示",
        "payment": "缴纳罚款",
        "hearing": "听证",
    }
    body = f"案件的{names[event.deadline]}期限已于{day(event.due_on)}届满，{day(event.detected_on)}发现逾期，请及时处理。"
    unit = Recipient("department", unit_code(event.department_code, event.district_code))
    return [Draft(unit, "deadline.missed", "办案期限已逾期", body, f"/api/v1/penalty/cases/{event.case_id}")]


# ------------------------------------------------------------------------------------------------- credit


@notifies(credit.NoticeIssued)
def notice_issued(event: credit.NoticeIssued) -> list[Draft]:
    recipient = _enterprise(event.party_uscc)
    if recipient is None:
        return []
    body = (
        f"行政处罚决定书（{event.decision_no}）与信用修复提示书（{event.notice_no}）已同时出具（两书同达）。"
    )
    if event.published and event.publication_starts_on and event.publication_ends_on:
        body += (
            f"该行政处罚信息自{day(event.publication_starts_on)}起公示，至{day(event.publication_ends_on)}止"
        )
        if event.earliest_repair_on:
            body += f"，最早可于{day(event.earliest_repair_on)}申请信用修复"
        body += "。"
    else:
        body += "该行政处罚信息不予公示。"
    return [Draft(recipient, "documents.ready", "两书同达：信用修复提示书已出具", body, event.document_url)]


@notifies(credit.PublicationStarted)
def publication_started(event: credit.PublicationStarted) -> list[Draft]:
    recipient = _enterprise(event.party_uscc)
    if recipient is None:
        return []
    body = f"贵单位的行政处罚信息（{event.credit_class}）自{day(event.starts_on)}起公示，至{day(event.ends_on)}止。"
    if not event.never_early:
        body += f"最早可于{day(event.earliest_repair_on)}申请信用修复。"
    return [Draft(recipient, "credit.published", "信用信息公示通知", body)]


@notifies(credit.PublicationEnded)
def publication_ended(event: credit.PublicationEnded) -> list[Draft]:
    recipient = _enterprise(event.party_uscc)
    if recipient is None:
        return []
    body = f"贵单位的行政处罚信息已于{moment(event.ended_at)}停止公示。"
    return [Draft(recipient, "credit.publication_ended", "信用信息公示已结束", body)]


@notifies(credit.RepairCompleted)
def repair_completed(event: credit.RepairCompleted) -> list[Draft]:
    recipient = _enterprise(event.party_uscc)
    if recipient is None:
        return []
    body = f"贵单位的信用修复申请已于{moment(event.accepted_at)}审核通过，相关行政处罚信息停止公示。"
    return [
        Draft(
            recipient,
            "repair.decided",
            "信用修复申请已通过",
            body,
            f"/api/v1/credit/repairs/{event.repair_id}",
        )
    ]


# --------------------------------------------------------------------------------------------------- risk

_COLOURS = {"red": "红灯", "yellow": "黄灯", "blue": "蓝灯", "none": "无灯"}


@notifies(risk.WarningIssued)
def warning_issued(event: risk.WarningIssued) -> list[Draft]:
    body = f"{event.quarter} 执法风险评估结果：{_COLOURS[event.colour]}"
    if event.lit:
        body += "（行政诉讼败诉率高于全市平均，亮灯）"
    if event.reasons:
        body += f"。原因：{'；'.join(event.reasons)}"
    if (
        event.rectification_due_on is None
    ):  # its working days run into a year whose arrangement is not entered
        body += "。整改期限待节假日安排录入后确定，届时另行通知，请及时整改。"
    else:
        body += f"。请于{day(event.rectification_due_on)}前完成整改。"
    unit = Recipient("department", event.unit_code)
    return [Draft(unit, "risk.warning", f"执法风险预警：{_COLOURS[event.colour]}", body)]


@notifies(risk.RectificationDeadlineSet)
def rectification_deadline_set(event: risk.RectificationDeadlineSet) -> list[Draft]:
    """A warning issued (or its rectification reopened) while the deadline was pending: the unit learns the date
    once the year's arrangement is entered."""
    which = "退回重新整改" if event.reopened else "整改"
    body = (
        f"{event.quarter} 执法风险预警的{which}期限已确定，请于{day(event.due_on)}前完成整改并报送整改措施。"
    )
    return [
        Draft(
            Recipient("department", event.unit_code),
            "risk.warning",
            f"{which}期限已确定",
            body,
            f"/api/v1/risk/rectifications/{event.warning_id}",
        )
    ]


_MATTER_KINDS = {"opinion": "监督意见书", "correction": "纠错通知书", "escalation": "提级办理决定"}
_TARGETS = {"case": "案件", "visit": "检查", "lead": "12345 线索"}


@notifies(risk.SupervisionMatterOpened)
def supervision_matter_opened(event: risk.SupervisionMatterOpened) -> list[Draft]:
    """个案监督 (issue #14): the unit concerned must answer before the deadline."""
    kind = _MATTER_KINDS[event.kind]
    body = f"司法局就本单位{_TARGETS[event.target_kind]}发出{kind}（{event.document_no}），" + (
        f"请于{day(event.due_on)}前答复（采纳并纠正，或说明理由）。"
        if event.due_on is not None
        else "答复截止日期待法定节假日安排录入后确定，请及时答复（采纳并纠正，或说明理由）。"
    )
    unit = Recipient("department", event.unit_code)
    return [
        Draft(
            unit,
            "risk.supervision.matter",
            f"监督事项：{kind}",
            body,
            f"/api/v1/risk/supervision/matters/{event.matter_id}",
        )
    ]


@notifies(risk.SupervisionMatterDeadlineSet)
def supervision_matter_deadline_set(event: risk.SupervisionMatterDeadlineSet) -> list[Draft]:
    """A matter opened while its deadline was pending: the unit learns the date once the year is entered; a
    matter reopened (the unit's answer rejected): the unit answers again, by the new date, or is told that date
    is still to be set. Nothing when the unit has already answered."""
    if event.answered or (event.due_on is None and not event.reopened):
        return []
    kind = _MATTER_KINDS[event.kind]
    about = f"司法局就本单位{_TARGETS[event.target_kind]}发出的{kind}（{event.document_no}）"
    how = "（采纳并纠正，或说明理由）"
    if event.due_on is None:  # reopened into a year not entered yet
        title = "监督事项退回重新答复"
        body = f"{about}，本单位的答复已被退回，重新答复的期限待定（节假日安排未录入），确定后另行通知。"
    elif event.reopened:
        title = "监督事项退回重新答复"
        body = f"{about}，本单位的答复已被退回，请于{day(event.due_on)}前重新答复{how}。"
    else:
        title, body = "监督事项答复期限", f"{about}答复截止日期已确定，请于{day(event.due_on)}前答复{how}。"
    return [
        Draft(
            Recipient("department", event.unit_code),
            "risk.supervision.matter",
            f"{title}：{kind}",
            body,
            f"/api/v1/risk/supervision/matters/{event.matter_id}",
        )
    ]


_FINDINGS = {"substantiated": "属实", "partly_substantiated": "部分属实", "unsubstantiated": "不属实"}


@notifies(risk.ComplaintAnswered)
def complaint_answered(event: risk.ComplaintAnswered) -> list[Draft]:
    """投诉举报 (issue #14): the enterprise that complained reads the bureau's answer (an anonymous or public
    complainant reads it with the 受理编号 and its secret instead)."""
    enterprise = _enterprise(event.complainant_uscc)
    if enterprise is None:
        return []
    body = f"您的投诉（受理编号 {event.ack_no}）已办结，核查结论：{_FINDINGS[event.finding]}。"
    if event.referred_to_discipline:
        body += "相关问题线索已移交纪检监察机关。"
    return [
        Draft(
            enterprise,
            "risk.complaint.answered",
            "投诉已答复",
            body,
            f"/api/v1/risk/complaints/{event.complaint_id}",
        )
    ]
