"""The queue finds reports by landmark and by words of the text or the address, on indexes

Revision ID: 0020_coord_report_search
Revises: 0019_report_occurred_at
Create Date: 2026-12-01 03:40:00
"""

from alembic import op

revision = "0020_coord_report_search"
down_revision = "0019_report_occurred_at"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.create_index("ix_report_kommun_landmark", ["kommun_id", "landmark_id"])
    if op.get_bind().dialect.name == "postgresql":
        # pg_trgm is a trusted extension: the database's owner may create it.
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.create_index(
            "ix_report_text_trgm",
            "report",
            ["description", "place_description"],
            postgresql_using="gin",
            postgresql_ops={
                "description": "gin_trgm_ops",
                "place_description": "gin_trgm_ops",
            },
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_report_text_trgm", table_name="report")
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.drop_index("ix_report_kommun_landmark")
