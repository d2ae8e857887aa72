"""Samverkansöverenskommelser as their own records; a promise links to its agreement

Revision ID: 0016_samverkansoverenskommelse
Revises: 0015
Create Date: 2026-12-01 01:30:00
"""

import sqlalchemy as sa
from alembic import op

import db

revision = "0016_samverkansoverenskommelse"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agreement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kommun_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("parties", sa.Text(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=True),
        sa.Column("document_url", sa.String(length=500), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_at", db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["kommun_id"], ["kommun.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_agreement_kommun_id", "agreement", ["kommun_id"])
    with op.batch_alter_table("promise", schema=None) as batch_op:
        batch_op.add_column(sa.Column("agreement_id", sa.Integer(), nullable=True))
        batch_op.create_index("ix_promise_agreement_id", ["agreement_id"])
        batch_op.create_foreign_key(
            "fk_promise_agreement_id", "agreement", ["agreement_id"], ["id"], ondelete="SET NULL"
        )


def downgrade() -> None:
    with op.batch_alter_table("promise", schema=None) as batch_op:
        batch_op.drop_constraint("fk_promise_agreement_id", type_="foreignkey")
        batch_op.drop_index("ix_promise_agreement_id")
        batch_op.drop_column("agreement_id")
    op.drop_index("ix_agreement_kommun_id", table_name="agreement")
    op.drop_table("agreement")
