"""Reports keep their 250 m grid cell; indexes for counting per cell and for keyset paging

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 00:50:00

The backfill walks the reports in id order in batches, so it runs in flat memory at a
million reports; the indexes are built after it.
"""

import sqlalchemy as sa
from alembic import op

from geo.cells import cell_keys

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

BATCH = 20_000

report = sa.table(
    "report",
    sa.column("id", sa.Integer),
    sa.column("lat", sa.Float),
    sa.column("lon", sa.Float),
    sa.column("cell_250", sa.BigInteger),
)


def _backfill() -> None:
    conn = op.get_bind()
    last = 0
    while True:
        rows = conn.execute(
            sa.select(report.c.id, report.c.lat, report.c.lon)
            .where(report.c.id > last)
            .order_by(report.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        keys = cell_keys([r.lat for r in rows], [r.lon for r in rows])
        conn.execute(
            report.update()
            .where(report.c.id == sa.bindparam("b_id"))
            .values(cell_250=sa.bindparam("b_cell")),
            [{"b_id": r.id, "b_cell": int(k)} for r, k in zip(rows, keys.tolist(), strict=True)],
        )
        last = rows[-1].id


def upgrade() -> None:
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cell_250", sa.BigInteger(), nullable=True))
    _backfill()
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.create_index(
            "ix_report_kommun_created_cover",
            [
                "kommun_id",
                "created_at",
                "id",
                "kind",
                "hidden",
                "merged_into_id",
                "erasure_requested_at",
                "source",
                "status",
                "at_day",
                "at_evening",
                "at_night",
                "lat",
                "lon",
            ],
            unique=False,
        )
        batch_op.create_index(
            "ix_report_queue_count",
            ["kommun_id", "supports_id", "merged_into_id", "hidden"],
            unique=False,
        )
        batch_op.create_index(
            "ix_report_counted_cell",
            [
                "kommun_id",
                "cell_250",
                "created_at",
                "kind",
                "hidden",
                "merged_into_id",
                "erasure_requested_at",
            ],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.drop_index("ix_report_counted_cell")
        batch_op.drop_index("ix_report_queue_count")
        batch_op.drop_index("ix_report_kommun_created_cover")
        batch_op.drop_column("cell_250")
