"""Scanned sheets are read by a background job: each upload is a batch with its progress

Revision ID: 0025_paper_scan_batch
Revises: 0024_hotspots_names
Create Date: 2026-12-01 04:00:00
"""

import sqlalchemy as sa
from alembic import op

import db

revision = "0025_paper_scan_batch"
down_revision = "0024_hotspots_names"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "survey_scan_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=8), nullable=False),
        sa.Column("files", sa.Integer(), nullable=False),
        sa.Column("pages_total", sa.Integer(), nullable=True),
        sa.Column("pages_done", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.JSON(), nullable=False),
        sa.Column("created_at", db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["session_id"], ["dialogue_session.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["uploaded_by_id"], ["staff_user.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_survey_scan_batch_session_id", "survey_scan_batch", ["session_id"])


def downgrade() -> None:
    op.drop_index("ix_survey_scan_batch_session_id", table_name="survey_scan_batch")
    op.drop_table("survey_scan_batch")
