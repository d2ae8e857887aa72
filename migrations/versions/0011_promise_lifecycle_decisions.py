"""Promises record the decisions of their year: ended early, evaluated, archived

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 00:45:00

The phase (draft, signed, running, ended, evaluated, archived) is computed from these
dates, the status and the period, in the kommun's local days (promises.lifecycle).
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("promise", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ended_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("evaluated_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("archived_on", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("evaluation_summary", sa.Text(), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("promise", schema=None) as batch_op:
        batch_op.drop_column("evaluation_summary")
        batch_op.drop_column("archived_on")
        batch_op.drop_column("evaluated_on")
        batch_op.drop_column("ended_on")
