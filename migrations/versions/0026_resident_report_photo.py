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


# Plain ALTER TABLE, not batch mode: rebuilding report on SQLite would silently drop the
# expression index ix_report_kommun_counted_cover (0022), which SQLAlchemy cannot reflect.


def upgrade() -> None:
    op.add_column("report", sa.Column("photo", sa.String(length=80), nullable=True))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE report DROP COLUMN photo")  # SQLite 3.35+
    else:
        op.drop_column("report", "photo")
