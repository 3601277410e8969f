"""A decision confirmed illegal or void (确认违法 / 确认无效, 行政处罚法 第四十八条第二款) is recorded as such:
``risk_case.status`` also takes ``confirmed_illegal`` and ``confirmed_void`` (penalty.decision.revoked's
``outcome``), and ``risk_penalty_signal`` leaves them out of the enterprise's score as it leaves a revoked
decision out.

Expand only, safe while the previous release runs: the previous release keeps writing ``revoked`` for every
outcome (the CHECK still allows it), reads the status as plain text (its evidence label is empty for a value it
does not know, its review pool leaves the two out) and scores through the view this migration replaces. The
CHECK is added NOT VALID and validated in the same migration, i.e. in its one transaction: writers to risk_case
wait for the validation's scan (one row per case: seconds at a province's size), as for any CHECK change. The downgrade maps the two back to ``revoked`` (the outcome is lost) and restores the view and the CHECK.

Revision ID: risk_0023_confirmed_outcomes
Revises: risk_0022_evidence_pages
Create Date: 2026-12-19
"""

from collections.abc import Sequence

from alembic import op

revision: str = "risk_0023_confirmed_outcomes"
down_revision: str | None = "risk_0022_evidence_pages"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_VIEW = """
CREATE OR REPLACE VIEW risk_penalty_signal AS
SELECT c.party_uscc AS uscc, c.decided_on, c.tier, c.case_id
FROM risk_case c
WHERE c.status {withdrawn}
  AND c.party_uscc IS NOT NULL
  AND c.decided_on IS NOT NULL
  AND c.tier IN ('aggravated', 'general', 'lenient', 'mitigated')
"""


# risk_0002 named the CHECK through the naming convention (``ck_risk_case_ck_risk_case_status``); this one is
# named as the model names it, by plain SQL, and either is dropped.
NAMES = ("ck_risk_case_ck_risk_case_status", "ck_risk_case_status")


def _check(statuses: str) -> None:
    for name in NAMES:
        op.execute(f"ALTER TABLE risk_case DROP CONSTRAINT IF EXISTS {name}")
    op.execute(
        f"ALTER TABLE risk_case ADD CONSTRAINT ck_risk_case_status CHECK (status IN ({statuses})) NOT VALID"
    )
    op.execute("ALTER TABLE risk_case VALIDATE CONSTRAINT ck_risk_case_status")


def upgrade() -> None:
    _check("'opened', 'issued', 'changed', 'revoked', 'confirmed_illegal', 'confirmed_void'")
    op.execute(_VIEW.format(withdrawn="NOT IN ('revoked', 'confirmed_illegal', 'confirmed_void')"))


def downgrade() -> None:
    op.execute(
        "UPDATE risk_case SET status = 'revoked' WHERE status IN ('confirmed_illegal', 'confirmed_void')"
    )
    op.execute(_VIEW.format(withdrawn="<> 'revoked'"))
    _check("'opened', 'issued', 'changed', 'revoked'")
