"""Reports carry when the event happened (EST observations), beside when they were received

Revision ID: 0019_report_occurred_at
Revises: 0018_kommun_themes
Create Date: 2026-12-01 02:00:00
"""

import sqlalchemy as sa
from alembic import op

import db

revision = "0019_report_occurred_at"
down_revision = "0018_kommun_themes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.add_column(sa.Column("occurred_at", db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.drop_column("occurred_at")
