"""Hot-spot runs keep their heat layer

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 11:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("hotspot_run") as batch:
        batch.add_column(sa.Column("heat", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("hotspot_run") as batch:
        batch.drop_column("heat")
