"""A promise names the medborgardialoger it was built on

Revision ID: 0021_promise_dialogue_link
Revises: 0020_promise_agreement_document
Create Date: 2026-12-01 04:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0021_promise_dialogue_link"
down_revision = "0020_promise_agreement_document"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "promise_dialogue",
        sa.Column("promise_id", sa.Integer(), nullable=False),
        sa.Column("dialogue_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["promise_id"], ["promise.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["dialogue_id"], ["dialogue_session.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("promise_id", "dialogue_id"),
    )
    op.create_index(
        "ix_promise_dialogue_dialogue_id", "promise_dialogue", ["dialogue_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_promise_dialogue_dialogue_id", table_name="promise_dialogue")
    op.drop_table("promise_dialogue")
