"""Printed paper sheets: their ids, numbers, instrument versions and scan readings

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 00:40:00
"""

import sqlalchemy as sa
from alembic import op

import db

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "survey_printed_sheet",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=12), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("sheet_number", sa.Integer(), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("place_names", sa.JSON(), nullable=False),
        sa.Column("printed_at", db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("printed_by_id", sa.Integer(), nullable=True),
        sa.Column("readings", sa.JSON(), nullable=False),
        sa.Column("pending", sa.JSON(), nullable=False),
        sa.Column("scanned_at", db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["printed_by_id"],
            ["staff_user.id"],
            name=op.f("fk_survey_printed_sheet_printed_by_id_staff_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["dialogue_session.id"],
            name=op.f("fk_survey_printed_sheet_session_id_dialogue_session"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["survey_instrument_version.id"],
            name=op.f("fk_survey_printed_sheet_version_id_survey_instrument_version"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_printed_sheet")),
        sa.UniqueConstraint("code", name=op.f("uq_survey_printed_sheet_code")),
        sa.UniqueConstraint(
            "session_id", "sheet_number", name=op.f("uq_survey_printed_sheet_session_id")
        ),
    )
    with op.batch_alter_table("survey_printed_sheet", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_survey_printed_sheet_session_id"), ["session_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("survey_printed_sheet", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_survey_printed_sheet_session_id"))
    op.drop_table("survey_printed_sheet")
