"""The assessment engine: from the facts of a case and a benchmark item's versions to a reasoned proposal.

``assess(facts, versions, config=..., today=...)`` is a pure, deterministic function. It applies, in order:

1. version selection, 从旧兼从轻 (行政处罚法 第三十七条): ``engine.choose_version``;
2. on the version chosen (twice, on both versions, when 第三十七条 compares them), the steps of
   ``evaluation.PIPELINE``, each a function named after its rule: limitation (第三十六条); minors
   (第三十条); capacity (第三十一条); no fault (第三十三条第二款); mandatory no penalty (第三十三条第一款 first
   sentence, and the item's 不予处罚清单); the statutory escalations (情节严重 / 拒不改正) and items whose
   provision only orders correction unless the party refuses; 首违不罚 (第三十三条第一款 second sentence),
   where the item allows it; the statutory fine range (formula, brackets, base fallback); the circumstances
   (第三十二条 and the lists, then the aggravating ones) and the tier (减轻 / 从轻 / 一般 / 从重); the tier's
   part of the range and a suggested amount; the kinds proposed (第二十八条第二款);
3. the procedure, ``flags.PIPELINE``: simple procedure (第五十一条), hearing (第六十三条), legal review
   (第五十八条), collective discussion (第五十七条第二款), economic impact assessment (jurisdiction rule),
   and the 不予实施行政强制措施清单 note.

Every rule applied leaves an :class:`Step` with a Chinese sentence and its citations, ready to print as 说理.

Modules: ``facts``, ``config``, ``result`` (the data), ``wording``, ``ranges``, ``fines`` (helpers),
``evaluation`` and ``flags`` (the pipelines), ``engine`` (``assess``). Import the package:
``from services.penalty.domain import discretion as d``.

Definitions this package commits to (documented here because the law leaves them to the implementer):

* **Lighter** (for 从旧兼从轻): both versions are evaluated on the same facts and compared by
  :meth:`Evaluation.severity_key` — first the outcome (no penalty < 首违不罚 may apply < penalty), then the
  heaviest kind proposed (警告 < 通报批评 < 罚款/没收 < 暂扣 < 限制生产经营/降低资质 < 责令停产停业/限制从业
  < 吊销 < 责令关闭 < 拘留), then the suggested fine, then the tier range's upper and lower bounds. The newer
  version applies only if it is strictly lighter; on a tie the version in force at the violation applies.
* **Tier ranges** partition the statutory range [L, H] in integer fen without overlap: 从轻 [L, b1),
  一般 [b1, b2), 从重 [b2, H], with b = L + ⌊(H − L) × share⌋ (printed “X元以上不满Y元”). A range narrower
  than one yuan is not split (every tier is the whole range).
* **减轻**: below the legal minimum, [⌈L × floor⌉, L) in fen (floor from :class:`TierSplit`, default 0);
  where there is no legal minimum (处X元以下), a lighter kind (警告/通报批评) if the item allows one,
  otherwise the 从轻 tier.
* **Suggested amount**: the midpoint of the tier range rounded half up to whole yuan; if that falls outside
  the tier range, the nearest whole-yuan amount inside it; if the range holds no whole yuan, the midpoint
  rounded down to the fen. Multiples are exact: the legal minimum is rounded up and the maximum down to the
  fen, so the range never leaves the law's.
* **Limitation** counts by 民法典 第二百零一条、第二百零二条: the period starts the day after the violation
  (or its end) and its last day is the same calendar day two or five years later (the month's last day if
  there is none). Art. 36 asks whether the violation was *discovered* (发现) within the period, so the
  discovery date is compared, not the decision date; without a discovery date the decision date is used
  (which can only err in the party's favour) and the explanation says so.
* **Tier from circumstances**: a circumstance the law makes mandatory (第三十二条, 第三十条 for 14–18) gives
  从轻, or 减轻 with a second mitigating circumstance (or the item's 减轻处罚清单) and nothing aggravating;
  aggravating circumstances cannot override it. Circumstances that only permit mitigation (第三十一条 limited
  capacity, the 从轻/减轻 lists) give 从轻 (or 减轻 for the list) and offset aggravation to 一般. Otherwise an
  aggravating circumstance gives 从重. Serious harm counts as aggravating; so do 情节严重 and 拒不改正 where the
  punishing provision sets no heavier consequence of its own (where it does, that consequence applies instead).
* **Age** follows the reading of 周岁 used in criminal law: a person has completed fourteen years from the
  day after the fourteenth birthday.
"""

from __future__ import annotations

from services.penalty.domain.discretion.config import DEFAULT_CONFIG, AssessmentConfig
from services.penalty.domain.discretion.engine import assess
from services.penalty.domain.discretion.facts import (
    CORRECTION_ORDER,
    HARM_ORDER,
    Aggravation,
    Capacity,
    Correction,
    Facts,
    Harm,
    Mitigation,
    completed_years,
)
from services.penalty.domain.discretion.flags import hearing_reasons, simple_procedure_allowed
from services.penalty.domain.discretion.ranges import range_text, split_range, suggest_amount
from services.penalty.domain.discretion.result import (
    Assessment,
    Citation,
    FenRange,
    Limitation,
    Outcome,
    PenaltyProposal,
    Step,
)
from services.penalty.domain.discretion.wording import LAW
from services.penalty.domain.errors import (
    BaseAmountNegative,
    BaseAmountRequired,
    BenchmarkVersionsMixed,
    DatesInconsistent,
    FactsInvalid,
    NoBenchmarkVersion,
    NoVersionInForce,
    PartyTypeNotApplicable,
    PersonFactsInvalid,
    ViolationAfterDecision,
    ViolationDateInFuture,
)

__all__ = [
    "CORRECTION_ORDER",
    "DEFAULT_CONFIG",
    "HARM_ORDER",
    "LAW",
    "Aggravation",
    "Assessment",
    "AssessmentConfig",
    "BaseAmountNegative",
    "BaseAmountRequired",
    "BenchmarkVersionsMixed",
    "Capacity",
    "Citation",
    "Correction",
    "DatesInconsistent",
    "Facts",
    "FactsInvalid",
    "FenRange",
    "Harm",
    "Limitation",
    "Mitigation",
    "NoBenchmarkVersion",
    "NoVersionInForce",
    "Outcome",
    "PartyTypeNotApplicable",
    "PenaltyProposal",
    "PersonFactsInvalid",
    "Step",
    "ViolationAfterDecision",
    "ViolationDateInFuture",
    "assess",
    "completed_years",
    "hearing_reasons",
    "range_text",
    "simple_procedure_allowed",
    "split_range",
    "suggest_amount",
]
