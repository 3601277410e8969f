"""行政执法公示 of decisions: which decisions are published and by when, what the public record says (masked),
the lawful exceptions, withdrawal after revocation or change, and how a publication is judged on time.

* Deadlines (沈法治办发〔2020〕7号 三（三）3): 行政处罚 decisions within 7 working days of the decision, other
  enforcement decisions within 20; 三（三）任务 sets the target of 100% for general-procedure penalty decisions.
  Issue 13 gives simple-procedure decisions 20 working days; the seed does not: a 当场 fine is a 行政处罚
  decision, so it gets the 7 (and stays outside the 100% target, which names general-procedure ones).
  This service's "other" decisions are its 不予行政处罚决定: 20 working days. Working days are the statutory calendar's
  (services.common.workdays); a deadline in a year whose arrangement is not entered yet is unknown (None)
  until it is, never guessed.
* Exceptions (《中华人民共和国政府信息公开条例》(2019年修订) 第十四条: 国家秘密 and information whose
  disclosure endangers national, public or economic security or social stability; 第十五条: 商业秘密 and
  个人隐私 whose disclosure would harm a third party, unless the third party agrees or the public interest
  requires it; 行政处罚法 第五十条: the body keeps them confidential). The regulation's text is not in the
  shared legal folder: the articles are cited from the 2019 revision and should be checked against it.
* Withdrawal (行政处罚法 第四十八条第二款): a published decision that is revoked or changed is withdrawn within
  three days — working days by 第八十五条 (domain.deadlines.publication_withdrawal_deadline) — with the
  reason made public.
* Masking: the same rules as the credit service's publications (services.common.masking): a natural person's
  name and 居民身份证号 are masked, also where they occur in the facts; organisations are named in full.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date

from services.common import masking
from services.common.workdays import CalendarNotCovered
from services.penalty.domain import deadlines
from services.penalty.domain.deadlines import WorkingDays
from services.penalty.domain.procedure.vocabulary import DecisionOutcome, PartyKind, ProcedureKind

SEED = "《沈阳市进一步规范行政执法程序行政裁量权工作方案》（沈法治办发〔2020〕7号）三（三）"
GENERAL_PENALTY_WORKING_DAYS = deadlines.PUBLICATION_WORKING_DAYS  # seed 003 三（三）3: 7 个工作日
OTHER_WORKING_DAYS = 20  # seed 003 三（三）3: 其他执法决定 20 个工作日
WITHDRAWAL_ARTICLE = "《中华人民共和国行政处罚法》第四十八条第二款、第八十五条"
REGULATION = "《中华人民共和国政府信息公开条例》"


class Rule(enum.StrEnum):
    """Which deadline a decision's publication has."""

    GENERAL_PENALTY = "general_penalty"  # 一般程序行政处罚决定: 7 working days, counted for the 100% target
    SIMPLE_PENALTY = "simple_penalty"  # 当场 (简易程序) 行政处罚决定: 7 working days, outside the target
    OTHER = "other"  # 不予行政处罚决定 (其他执法决定): 20 working days

    @property
    def working_days(self) -> int:
        return OTHER_WORKING_DAYS if self is Rule.OTHER else GENERAL_PENALTY_WORKING_DAYS


class Ground(enum.StrEnum):
    """The lawful grounds for not publishing (政府信息公开条例 第十四条、第十五条)."""

    STATE_SECRET = "state_secret"
    TRADE_SECRET = "trade_secret"
    PERSONAL_PRIVACY = "personal_privacy"

    @property
    def label(self) -> str:
        return {"state_secret": "国家秘密", "trade_secret": "商业秘密", "personal_privacy": "个人隐私"}[
            self.value
        ]

    @property
    def article(self) -> str:
        return f"{REGULATION}第十四条" if self is Ground.STATE_SECRET else f"{REGULATION}第十五条"


class Status(enum.StrEnum):
    PENDING = "pending"  # to be published (at delivery)
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"  # published, then withdrawn after revocation or change (第四十八条第二款)
    EXEMPT = "exempt"  # not published: a lawful exception is recorded (withdrawn if it had been published)
    SUPERSEDED = "superseded"  # revoked or changed before it was published: nothing to publish any more


def rule_for(procedure: ProcedureKind, outcome: DecisionOutcome) -> Rule:
    """The publication deadline's rule for a decision (seed 003 三（三）3)."""
    if outcome is not DecisionOutcome.PENALTY:
        return Rule.OTHER
    return Rule.GENERAL_PENALTY if procedure is ProcedureKind.GENERAL else Rule.SIMPLE_PENALTY


def due_on(decided_on: date, rule: Rule, calendar: WorkingDays) -> date | None:
    """Last day to publish: ``rule.working_days`` working days after the decision; None while the calendar
    does not cover the year the deadline falls in (computed again once the arrangement is entered)."""
    try:
        return calendar.add_working_days(decided_on, rule.working_days)
    except CalendarNotCovered:
        return None


def withdraw_by(effective_on: date, calendar: WorkingDays) -> date | None:
    """Last day to withdraw after a revocation or change effective on ``effective_on`` (第四十八条第二款)."""
    try:
        return deadlines.publication_withdrawal_deadline(effective_on, calendar)
    except CalendarNotCovered:
        return None


@dataclass(frozen=True, slots=True)
class PublicParty:
    kind: PartyKind
    name: str  # an organisation's name; a person's masked
    uscc: str | None
    id_masked: str | None  # a person's 居民身份证号, masked


def public_party(kind: PartyKind, name: str, uscc: str | None, id_number: str | None) -> PublicParty:
    """The party as the public record shows it: organisations named, persons masked."""
    if kind is PartyKind.ORGANISATION:
        return PublicParty(kind, name.strip(), uscc, None)
    return PublicParty(kind, masking.mask_name(name) or "*", None, _masked_ric(id_number))


def _masked_ric(id_number: str | None) -> str | None:
    if not id_number:
        return None
    try:
        return masking.mask_ric(id_number)
    except ValueError:
        return None  # not a valid number: never published, not even masked


def masked_text(text: str, kind: PartyKind, name: str, id_number: str | None) -> str:
    """``text`` with a natural person's full name and identity number replaced by their masked forms."""
    if kind is PartyKind.ORGANISATION:
        return text
    if id_number:
        text = text.replace(id_number, _masked_ric(id_number) or "*" * len(id_number))
    name = name.strip()
    if name:
        text = text.replace(name, masking.mask_name(name))
    return text


class Timeliness(enum.StrEnum):
    ON_TIME = "on_time"
    LATE = "late"  # published after its deadline
    OVERDUE = "overdue"  # not published and its deadline has passed
    PENDING = "pending"  # not published, deadline not passed
    UNKNOWN = "unknown"  # deadline unknown (calendar not entered)
    NOT_DUE = "not_due"  # a lawful exception, or superseded before publication


def timeliness(status: Status, due: date | None, published_on: date | None, today: date) -> Timeliness:
    """How a publication stands against its deadline on ``today``. Publishing on the last day is on time."""
    if status in (Status.EXEMPT, Status.SUPERSEDED) and published_on is None:
        return Timeliness.NOT_DUE
    if due is None:
        return Timeliness.UNKNOWN
    if published_on is not None:
        return Timeliness.ON_TIME if published_on <= due else Timeliness.LATE
    return Timeliness.OVERDUE if today > due else Timeliness.PENDING


def rate(on_time: int, due: int) -> float | None:
    """Publication rate: published on time / due (None when nothing is due)."""
    return None if due == 0 else round(on_time / due, 4)
