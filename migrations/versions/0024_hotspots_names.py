"""Coordinators name hot spots; the name follows the place's stable id from run to run

Revision ID: 0024_hotspots_names
Revises: 0023_coord_search_police_area
Create Date: 2026-12-01 04:00:00
"""

import sqlalchemy as sa
from alembic import op

import db

revision = "0024_hotspots_names"
down_revision = "0023_coord_search_police_area"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hotspot_name",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kommun_id", sa.Integer(), nullable=False),
        sa.Column("stable_id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("named_by_id", sa.Integer(), nullable=True),
        sa.Column("named_at", db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["kommun_id"],
            ["kommun.id"],
            name=op.f("fk_hotspot_name_kommun_id_kommun"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["named_by_id"],
            ["staff_user.id"],
            name=op.f("fk_hotspot_name_named_by_id_staff_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hotspot_name")),
        sa.UniqueConstraint("kommun_id", "stable_id", name=op.f("uq_hotspot_name_kommun_id")),
    )


def downgrade() -> None:
    op.drop_table("hotspot_name")
