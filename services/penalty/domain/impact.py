"""涉企行政执法案件经济影响评估 (economic impact assessment of an enterprise case) as a procedural step.

Sources: seed 000 (沈阳市司法局 沈司办〔2026〕16号): "加强涉企经济影响的事前研判、事中评估和事后保障，出台
《沈阳市涉企行政执法案件经济影响评估实施办法》，规范研判评估对象、内容、程序和结果应用等措施，降低对企业生产
经营的负面影响"; seed 004 (辽政办发〔2023〕18号 9.): "探索建立涉企行政执法案件经济影响评估制度……最大限度
减少行政执法活动对企业正常生产经营带来的不利影响".

Which cases need one is the jurisdiction's configuration (``AssessmentConfig.eia_kinds``, ``eia_fine_fen``:
责令停产停业, 吊销, 责令关闭, large fines); the engine flags the suggestion (``flags.economic_impact``). As
with the hearing (``bridge.flags_for``), the penalty actually decided is checked too: an amount above the
suggestion can cross the threshold the suggestion did not.
"""

from __future__ import annotations

from services.penalty.domain import bridge
from services.penalty.domain import discretion as d
from services.penalty.domain import procedure as p
from services.penalty.domain.discretion.wording import yuan


def reasons_for(
    *, enterprise: bool, penalty: p.Penalty, flagged: tuple[str, ...], config: d.AssessmentConfig
) -> tuple[str, ...]:
    """Why this decision of an enterprise case needs a recorded economic impact assessment (empty: it need
    not): the engine's reasons for the assessed suggestion, and those of the penalty actually decided."""
    if not enterprise:
        return ()
    found = list(flagged)
    kinds = {bridge.catalogue_kind(k) for k in penalty.kinds}
    heavy = sorted(kinds & config.eia_kinds)
    own: list[str] = []
    if heavy:
        own.append(f"拟对企业{'、'.join(k.label for k in heavy)}")
    if p.PenaltyKind.FINE in penalty.kinds and penalty.fine_fen >= config.eia_fine_fen:
        own.append(f"拟对企业罚款{yuan(penalty.fine_fen)}，达到{yuan(config.eia_fine_fen)}")
    found += [r for r in own if r not in found]
    return tuple(found)
