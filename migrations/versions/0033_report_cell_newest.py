"""A report's page finds the newest reports around it per grid cell, not per band of latitude

Revision ID: 0033_report_cell_newest
Revises: 0032_report_service_week
Create Date: 2026-12-02 05:00:00

0030 let the report page pick the newest reports of its kind inside a box around it from the
(kommun_id, lat, lon, kind, merged_into_id, supports_id, created_at) index. That index is
ordered by latitude first: the box's range read every entry in its band of latitude across
the whole kommun, to filter on the longitude and sort by time, or PostgreSQL's planner chose
a scan by time instead, depending on its statistics. In the densest spot at a million
reports on PostgreSQL the page took 297 ms median, 416 ms p95 on a quiet server.

The page now asks each 250 m grid cell the box touches (two to four, by report.cell_250) for
its newest reports of the kind, from an index ordered by time within the cell, and stops at
a few hundred (95 / 100 ms on the same data). The kind comes after the time, not before it:
with (kommun_id, cell_250, kind) leading, SQLite's planner took this index for the public
"others have reported here" count of a cell (three equal columns against the cell index's
two) and read the cell's rows for the rest (243 to 478 ms at a million reports); the cell
index covers that count.

The place index goes back to (kommun_id, lat, lon): nothing else reads the columns 0030
added, and a new report updates as many indexes as before.
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
    "created_at",
    "id",
    "kind",
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
