"""Events published by the risk service (红黄蓝预警, 企业信用风险分类)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from services.common.events import Event, contract

RiskClass = Literal["A", "B", "C", "D"]


@contract
class WarningIssued(Event):
    TYPE = "risk.warning.issued"
    warning_id: uuid.UUID
    quarter: str  # e.g. 2026Q3
    unit_code: str
    domain: str | None
    # "none" (added by the risk service): a unit that is only lit (亮灯) is warned without a colour.
    colour: Literal["red", "yellow", "blue", "none"]
    lit: bool  # 亮灯: litigation losses above the city average
    reasons: list[str]
    # None: pending until the year's holiday arrangement is entered (never guessed; the fourth quarter's report
    # is published in January): risk.rectification.deadline_set carries the date once it is computed.
    rectification_due_on: date | None
    issued_at: datetime

    def subject_id(self) -> str:
        return str(self.warning_id)


@contract
class RectificationDeadlineSet(Event):
    """A rectification's pending deadline computed once its year's holiday arrangement was entered: the warning's
    first deadline, or a reopening's (``reopened``). Subject: the warning id, as risk.warning.issued's."""

    TYPE = "risk.rectification.deadline_set"
    warning_id: uuid.UUID
    unit_code: str
    quarter: str  # e.g. 2026Q4
    due_on: date
    reopened: bool

    def subject_id(self) -> str:
        return str(self.warning_id)


@contract
class EnterpriseClassified(Event):
    TYPE = "risk.enterprise.classified"
    uscc: str
    risk_class: RiskClass
    previous_class: RiskClass | None
    score: int
    reasons: list[str]
    classified_at: datetime
    revision: int

    def subject_id(self) -> str:
        return self.uscc


# --------------------------------------------------------------------------------------------------- complaints (issue #14)


@contract
class ComplaintReceived(Event):
    """The justice bureau received a complaint about enforcement (投诉举报); subject: the complaint id.
    ``complainant_uscc`` is None for an anonymous or public complaint."""

    TYPE = "risk.complaint.received"
    complaint_id: uuid.UUID
    ack_no: str
    source: Literal["enterprise", "public", "rating", "contact_point"]
    unit_code: str
    category: str
    complainant_uscc: str | None
    due_on: date | None  # None: pending until the year's holiday arrangement is entered (never guessed)
    received_at: datetime

    def subject_id(self) -> str:
        return str(self.complaint_id)


@contract
class ComplaintAnswered(Event):
    """The bureau answered the complainant (答复): the finding and whether it was referred to 纪检监察."""

    TYPE = "risk.complaint.answered"
    complaint_id: uuid.UUID
    ack_no: str
    unit_code: str
    complainant_uscc: str | None
    finding: Literal["substantiated", "partly_substantiated", "unsubstantiated"]
    referred_to_discipline: bool
    answered_at: datetime

    def subject_id(self) -> str:
        return str(self.complaint_id)


# --------------------------------------------------------------------------------------------------- supervision matters
# A supervisor's matter (个案监督: 监督意见书, 纠错通知书, 提级办理) on a penalty case, an inspection visit or a 12345 lead,
# opened and closed. The service that owns the target keeps it open while the matter is (penalty: a case with an
# open matter cannot close). The subject is the target's id, so one target's events stay in order. ``due_on`` is
# None while the deadline waits for a year's holiday arrangement (never guessed; risk computes it when the year
# is entered): a consumer must not need it to keep the target open.


@contract
class SupervisionMatterOpened(Event):
    TYPE = "risk.supervision.matter_opened"
    matter_id: uuid.UUID
    kind: Literal["opinion", "correction", "escalation"]
    target_kind: Literal["case", "visit", "lead"]
    target_id: uuid.UUID
    unit_code: str
    due_on: date | None
    document_no: str
    opened_at: datetime

    def subject_id(self) -> str:
        return str(self.target_id)


@contract
class SupervisionMatterClosed(Event):
    TYPE = "risk.supervision.matter_closed"
    matter_id: uuid.UUID
    kind: Literal["opinion", "correction", "escalation"]
    target_kind: Literal["case", "visit", "lead"]
    target_id: uuid.UUID
    unit_code: str
    due_on: date | None
    document_no: str
    closed_at: datetime

    def subject_id(self) -> str:
        return str(self.target_id)


@contract
class SupervisionMatterDeadlineSet(Event):
    """A matter's deadline was set after its opening: computed once the year's holiday arrangement was entered,
    or set anew when the supervisor rejected the unit's answer and reopened the matter (``reopened``; ``due_on``
    null while that new deadline is pending). ``answered``: the unit had already answered (nothing left to ask
    of it)."""

    TYPE = "risk.supervision.matter_deadline_set"
    matter_id: uuid.UUID
    kind: Literal["opinion", "correction", "escalation"]
    target_kind: Literal["case", "visit", "lead"]
    target_id: uuid.UUID
    unit_code: str
    due_on: date | None
    document_no: str
    answered: bool
    reopened: bool = False

    def subject_id(self) -> str:
        return str(self.target_id)
