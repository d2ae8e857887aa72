"""Follow-ups record the activity status they reported

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 00:30:00

With the progress each follow-up already keeps, an activity's state on any day can be
rebuilt from its follow-ups: corrections and deletions recompute it, and period reports
show the state as of the period's end.
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("follow_up", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status", sa.String(length=10), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("follow_up", schema=None) as batch_op:
        batch_op.drop_column("status")
