"""The reports-by-place index also answers which of them are the newest of their kind

Revision ID: 0030_report_place_index
Revises: 0029_rollup_insert_at_commit
Create Date: 2026-12-01 15:20:00

A report's page lists the reports at its place that may say the same: the newest few hundred
of its kind inside a box around it, not merged and not a supporter's. With the index on
(kommun_id, lat, lon) alone the database read every row in the box to check the rest and
sort by time: in the densest spot at a million reports, tens of thousands of rows and 171 ms
of the page's 216. With the kind, the two links and the time in the index, it picks the ids
from the index without reading a row (bench.pages). Same leading columns, so every query
that used the old index can use this one; it replaces it rather than adding a second index
that every new report would have to update.
"""

from alembic import op

revision = "0030_report_place_index"
down_revision = "0029_rollup_insert_at_commit"
branch_labels = None
depends_on = None

COLUMNS = ["kommun_id", "lat", "lon", "kind", "merged_into_id", "supports_id", "created_at"]


def upgrade() -> None:
    op.create_index("ix_report_kommun_place", "report", COLUMNS, unique=False)
    op.drop_index("ix_report_kommun_latlon", table_name="report")


def downgrade() -> None:
    op.create_index("ix_report_kommun_latlon", "report", ["kommun_id", "lat", "lon"], unique=False)
    op.drop_index("ix_report_kommun_place", table_name="report")
