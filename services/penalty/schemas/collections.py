"""On-the-spot collection of fines (当场收缴, 行政处罚法 第六十八条–第七十一条) in the HTTP contract."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import BaseModel, Field

from services.common.fields import Day, StrictBool
from services.common.money import Fen
from services.penalty.domain import collection as dc
from services.penalty.schemas.base import OptionalText, ShortText, _In


class CollectionIn(_In):
    ground: dc.Ground = Field(
        description="small_fine (第六十八条第一项), hard_to_enforce (第六十八条第二项), remote_area (第六十九条)"
    )
    receipt_no: ShortText = Field(description="财政部门统一制发的专用票据号码 (第七十条)")
    amount_fen: Fen | None = Field(None, description="the fine collected; the fine outstanding when omitted")
    collected_on: Day | None = Field(None, description="defaults to today")
    reason: OptionalText = Field(
        "", description="hard_to_enforce: why later enforcement would be hard; remote_area: the difficulty"
    )
    area: dc.Area | None = Field(None, description="remote_area: 边远 remote, 水上 waterborne, 交通不便")
    party_requested: StrictBool = Field(False, description="remote_area: the party asked to pay on the spot")
    waterborne: StrictBool = Field(False, description="collected on water: hand-over runs from landing")
    landed_on: Day | None = Field(None, description="waterborne: the day of landing (抵岸)")


class LandingIn(_In):
    landed_on: Day = Field(description="抵岸之日 (第七十一条)")


class HandoverIn(_In):
    handed_over_on: Day | None = Field(None, description="defaults to today")
    received_by: ShortText = Field(description="who received the money for the agency")


class BankingIn(_In):
    banked_on: Day | None = Field(None, description="defaults to today")
    bank_receipt_no: ShortText = Field(description="the bank's receipt for the payment in")


class CollectionRead(BaseModel):
    id: uuid.UUID
    case_id: uuid.UUID
    decision_no: str
    department_code: str
    district_code: str
    ground: str
    basis: str = Field(description="the legal basis of collecting on the spot, as recorded")
    area: str | None
    reason: str
    party_requested: bool
    amount_fen: int
    receipt_no: str
    collected_on: date
    collected_by: str
    waterborne: bool
    landed_on: date | None
    handover_due_on: date | None = Field(
        description="2 working days after collection or landing (第七十一条)"
    )
    handed_over_on: date | None
    handed_over_to: str
    banking_due_on: date | None = Field(description="2 working days after the hand-over (第七十一条)")
    banked_on: date | None
    bank_receipt_no: str
    overdue: str | None = Field(description="handover or banking when past its due day and not done")
    late: list[str] = Field(description="stages done after their due day")
