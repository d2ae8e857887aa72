"""The lägesbild's counts by the event's time read one index, not every report of the kommun

Since 0019 a report is counted at coalesce(occurred_at, created_at), which the created_at
index cannot serve: at a million reports every lägesbild scanned the kommun's rows. This
index holds that expression after kommun_id, then every column the counts filter and group
on (and both times, so it covers the queries on SQLite and PostgreSQL alike).

Revision ID: 0022_scale_counted_index
Revises: 0021_promise_dialogue_link
Create Date: 2026-12-01 04:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0022_scale_counted_index"
down_revision = "0021_promise_dialogue_link"
branch_labels = None
depends_on = None

COLUMNS = (
    "kind",
    "hidden",
    "merged_into_id",
    "erasure_requested_at",
    "source",
    "status",
    "at_day",
    "at_evening",
    "at_night",
    "lat",
    "lon",
    "occurred_at",
    "created_at",
)


def upgrade() -> None:
    op.create_index(
        "ix_report_kommun_counted_cover",
        "report",
        [
            sa.text("kommun_id"),
            sa.text("coalesce(occurred_at, created_at)"),
            *(sa.text(c) for c in COLUMNS),
        ],
    )


def downgrade() -> None:
    op.drop_index("ix_report_kommun_counted_cover", table_name="report")
