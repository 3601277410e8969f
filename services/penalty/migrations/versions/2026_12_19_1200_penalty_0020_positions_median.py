"""The consistency report's "district positions against the city's" reads only the districts off their city's
median (issue #16 item 6): at 5,000,000 enterprises the whole province's query scanned all of
``decided_positions`` (112,887 rows on 10,077 pages: each row carries its district's sorted positions, a few
hundred bytes, for the four columns the report reads) and joined it to ``decided_position_city`` (1,008 rows
on 1,018 pages, each with its 101 counts) to keep 4,520 rows: 0.20 s of the report's 0.25 s.
docs/benchmarks/province-plans.md has the plans.

- ``ix_decided_positions_median`` (item, tier, median) INCLUDE (district, n): per (item, tier) the districts
  below and above the city's median by more than the margin are two ranges of it, read from the index alone
  (services/penalty/repository/consistency.py). It replaces ``ix_decided_positions_district`` (district): a
  district's flagged rows are found through the same ranges, filtered by district (at 5 M: 6,071 buffers, 7.8
  ms warm, against the district index's 1,222 buffers and 2.7 ms), or by the primary key per (item, tier).
- ``ix_decided_position_city_report`` (item, tier) INCLUDE (n, median): the city's medians without the counts.

The index answers alone where the table's pages are all-visible (after VACUUM; autovacuum keeps most of them
so: a decision rewrites one row of each table). The price is on the write path: a decision's update of its
district's and its group's row changes ``median`` (and ``n``), now in an index, so the update is no longer HOT.
Nothing to back-fill: the indexes are built from the rows there.

Revision ID: penalty_0020_positions_median
Revises: penalty_0019_consistency_medians
Create Date: 2026-12-19
"""

from collections.abc import Sequence

from alembic import op

revision: str = "penalty_0020_positions_median"
down_revision: str | None = "penalty_0019_consistency_medians"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_decided_positions_median",
        "decided_positions",
        ["benchmark_code", "tier", "median"],
        postgresql_include=["district_code", "n"],
    )
    op.drop_index("ix_decided_positions_district", table_name="decided_positions")
    op.create_index(
        "ix_decided_position_city_report",
        "decided_position_city",
        ["benchmark_code", "tier"],
        postgresql_include=["n", "median"],
    )


def downgrade() -> None:
    op.drop_index("ix_decided_position_city_report", table_name="decided_position_city")
    op.create_index("ix_decided_positions_district", "decided_positions", ["district_code"])
    op.drop_index("ix_decided_positions_median", table_name="decided_positions")
