"""A report's page finds the newest reports around it per grid cell, not per band of latitude

Revision ID: 0033_report_cell_newest
Revises: 0032_report_service_week
Create Date: 2026-12-02 05:00:00

0030 let the report page pick the newest reports of its kind inside a box around it from the
(kommun_id, lat, lon, kind, merged_into_id, supports_id, created_at) index. The index is
ordered by latitude first: the box's range read every entry in its band of latitude across
the whole kommun, to filter on the longitude and sort by time. In the densest spot at a
million reports that was some tens of thousands of entries, and on PostgreSQL a visit to the
table for each one whose page the visibility map did not yet hold (report page p95 677 ms).

The page now asks each 250 m grid cell the box touches (two to four, by report.cell_250) for
its newest reports of the kind, from an index ordered by time within the cell, and stops at a
few hundred. The place index goes back to (kommun_id, lat, lon): nothing else reads the
columns 0030 added, and every new report updates one index fewer than with both.
"""

from alembic import op

revision = "0033_report_cell_newest"
down_revision = "0032_report_service_week"
branch_labels = None
depends_on = None

PLACE_0030 = ["kommun_id", "lat", "lon", "kind", "merged_into_id", "supports_id", "created_at"]
CELL_NEWEST = [
    "kommun_id",
    "cell_250",
    "kind",
    "created_at",
    "id",
    "lat",
    "lon",
    "merged_into_id",
    "supports_id",
]


def upgrade() -> None:
    op.create_index("ix_report_cell_newest", "report", CELL_NEWEST, unique=False)
    op.create_index("ix_report_kommun_latlon", "report", ["kommun_id", "lat", "lon"], unique=False)
    op.drop_index("ix_report_kommun_place", table_name="report")


def downgrade() -> None:
    op.create_index("ix_report_kommun_place", "report", PLACE_0030, unique=False)
    op.drop_index("ix_report_kommun_latlon", table_name="report")
    op.drop_index("ix_report_cell_newest", table_name="report")
