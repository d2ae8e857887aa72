"""Focus areas carry an evaluation indicator: baseline, target, result and a conclusion

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 01:00:00

The indicator is what the area is measured by (reports inside its place, the share of
"tryggare" answers, or EST observations of one reason group for a theme without a place);
the result is stored when the evaluation is saved, so the evaluation reads the same later.
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("focus_area", schema=None) as batch_op:
        batch_op.add_column(sa.Column("indicator", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("indicator_group", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("baseline", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("target", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("result", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("conclusion", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("focus_area", schema=None) as batch_op:
        batch_op.drop_column("conclusion")
        batch_op.drop_column("result")
        batch_op.drop_column("target")
        batch_op.drop_column("baseline")
        batch_op.drop_column("indicator_group")
        batch_op.drop_column("indicator")
