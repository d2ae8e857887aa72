"""Themes per kommun: rename, hide or add to the built-in list

Revision ID: 0018_kommun_themes
Revises: 0017_partner_organisations
Create Date: 2026-12-01 01:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0018_kommun_themes"
down_revision = "0017_partner_organisations"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kommun_theme",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kommun_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=30), nullable=False),
        sa.Column("label", sa.String(length=80), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["kommun_id"], ["kommun.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kommun_id", "code"),
    )
    op.create_index("ix_kommun_theme_kommun_id", "kommun_theme", ["kommun_id"])


def downgrade() -> None:
    op.drop_index("ix_kommun_theme_kommun_id", table_name="kommun_theme")
    op.drop_table("kommun_theme")
