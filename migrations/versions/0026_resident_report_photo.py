"""A resident's report may carry one photo: a file name under the instance folder, staff only

Revision ID: 0026_resident_report_photo
Revises: 0025_paper_scan_batch
Create Date: 2026-12-01 04:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0026_resident_report_photo"
down_revision = "0025_paper_scan_batch"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.add_column(sa.Column("photo", sa.String(length=80), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.drop_column("photo")
