"""The queue finds reports by landmark and words on indexes; police areas lose a doubled prefix

A promise's lokalpolisomrade holds the area's name alone; pages write "lokalpolisområde"
before it, so a stored "Lokalpolisområde Trollhättan-Vänersborg" read twice.

Revision ID: 0023_coord_search_police_area
Revises: 0022_scale_counted_index
Create Date: 2026-12-01 03:40:00
"""

import re

import sqlalchemy as sa
from alembic import op

# The same rule as promises.models.police_area_name (a migration keeps its own copy).
_AREA_PREFIX = re.compile(r"^\s*(?:lokalpolisområde(?:t|ts)?|lpo)\b[\s:,-]*", re.IGNORECASE)

revision = "0023_coord_search_police_area"
down_revision = "0022_scale_counted_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain index operations: batch mode would rebuild report on SQLite and lose the
    # expression index of 0022.
    op.create_index("ix_report_kommun_landmark", "report", ["kommun_id", "landmark_id"])
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

    promise = sa.table("promise", sa.column("id", sa.Integer), sa.column("lokalpolisomrade"))
    bind = op.get_bind()
    for promise_id, area in bind.execute(sa.select(promise.c.id, promise.c.lokalpolisomrade)):
        name = _AREA_PREFIX.sub("", (area or "").strip()).strip()
        if name and name != area:
            bind.execute(
                promise.update().where(promise.c.id == promise_id).values(lokalpolisomrade=name)
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_report_text_trgm", table_name="report")
    op.drop_index("ix_report_kommun_landmark", table_name="report")
