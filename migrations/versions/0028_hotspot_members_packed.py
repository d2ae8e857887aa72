"""A hot spot's member report ids packed as bytes instead of a JSON list

At a million reports a town-wide hot spot holds hundreds of thousands of ids: as JSON text
they took most of a recompute's memory and time to write. hotspots.models.pack_ids: the ids
ascending, as differences, zlib-compressed.

Revision ID: 0028_hotspot_members_packed
Revises: 0027_report_day_rollups
Create Date: 2026-12-01 06:30:00
"""

import json
import zlib

import numpy as np
import sqlalchemy as sa
from alembic import op

revision = "0028_hotspot_members_packed"
down_revision = "0027_report_day_rollups"
branch_labels = None
depends_on = None

hotspot = sa.table(
    "hotspot",
    sa.column("id", sa.Integer),
    sa.column("report_ids", sa.JSON),
    sa.column("members", sa.LargeBinary),
)


def _pack(ids: list[int]) -> bytes:
    ordered = np.unique(np.asarray(ids, dtype=np.int64))
    return zlib.compress(np.diff(ordered, prepend=np.int64(0)).astype("<i8").tobytes(), 1)


def _unpack(packed: bytes | None) -> list[int]:
    if not packed:
        return []
    steps = np.frombuffer(zlib.decompress(packed), dtype="<i8")
    return [int(i) for i in np.cumsum(steps)]


def _drop(column: str) -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"ALTER TABLE hotspot DROP COLUMN {column}")  # SQLite 3.35+
    else:
        op.drop_column("hotspot", column)


def upgrade() -> None:
    op.add_column("hotspot", sa.Column("members", sa.LargeBinary(), nullable=True))
    conn = op.get_bind()
    rows = conn.execute(sa.select(hotspot.c.id, hotspot.c.report_ids)).all()
    for spot_id, ids in rows:
        ids = json.loads(ids) if isinstance(ids, str) else ids
        conn.execute(
            hotspot.update().where(hotspot.c.id == spot_id).values(members=_pack(ids or []))
        )
    _drop("report_ids")


def downgrade() -> None:
    op.add_column("hotspot", sa.Column("report_ids", sa.JSON(), nullable=True))
    conn = op.get_bind()
    for spot_id, packed in conn.execute(sa.select(hotspot.c.id, hotspot.c.members)).all():
        conn.execute(
            hotspot.update().where(hotspot.c.id == spot_id).values(report_ids=_unpack(packed))
        )
    _drop("members")
