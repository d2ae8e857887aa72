"""A samverkansöverenskommelse keeps its signed document as an uploaded PDF

Revision ID: 0020_promise_agreement_document
Revises: 0019_report_occurred_at
Create Date: 2026-12-01 04:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0020_promise_agreement_document"
down_revision = "0019_report_occurred_at"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("agreement", schema=None) as batch_op:
        batch_op.add_column(sa.Column("document_file", sa.String(64), nullable=True))
        batch_op.add_column(sa.Column("document_name", sa.String(200), nullable=True))
        batch_op.add_column(sa.Column("document_size", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("document_public", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("agreement", schema=None) as batch_op:
        batch_op.drop_column("document_public")
        batch_op.drop_column("document_size")
        batch_op.drop_column("document_name")
        batch_op.drop_column("document_file")
