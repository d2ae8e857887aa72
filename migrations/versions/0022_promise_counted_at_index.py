"""An index on the moment the lägesbild counts a report at: coalesce(occurred_at, created_at)

Revision ID: 0022_promise_counted_at_index
Revises: 0021_promise_dialogue_link
Create Date: 2026-12-01 04:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0022_promise_counted_at_index"
down_revision = "0021_promise_dialogue_link"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The same expression as Report.counted_at, so SQLite and PostgreSQL match it to the
    # queries' conditions.
    op.create_index(
        "ix_report_kommun_counted_at",
        "report",
        ["kommun_id", sa.text("coalesce(occurred_at, created_at)")],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_report_kommun_counted_at", table_name="report")
