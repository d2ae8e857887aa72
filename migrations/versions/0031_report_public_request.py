"""A report keeps its public id and its service: Open311's public reads are answered in SQL

Revision ID: 0031_report_public_request
Revises: 0030_report_place_index
Create Date: 2026-12-01 17:50:00

Open311 without a staff key lists a report when at least k reports of its 250 m cell share its
service (its first reason), under an opaque id. Both were computed for every report of the
year on every call: 37.6 s for one anonymous list at a million reports (SQLite). Now:

- report.public_token: the opaque part of the public id, stored and indexed, so one request
  is found by its id. New reports get a random one. Reports made before keep the id they had
  (an HMAC of the instance's secret key), when the upgrade knows that key (`flask db upgrade`
  does); otherwise they get random ones too.
- report.service_code: the first reason (the least code), kept by triggers on report_reason
  whatever statement changes the reasons.
- ix_report_counted_cell gains the service after the cell: the (cell, service) groups of
  given requests are counted from the index alone. On PostgreSQL it also carries the report
  id, which SQLite's indexes hold anyway: the reasons of a cell's reports are joined from the
  index alone (the public nearby answer at the densest cell of a million reports: 480 ms with
  a scan of the table, 168 ms).
"""

import base64
import hashlib
import hmac
import secrets

import sqlalchemy as sa
from alembic import context, op

revision = "0031_report_public_request"
down_revision = "0030_report_place_index"
branch_labels = None
depends_on = None

BATCH = 20_000

report = sa.table("report", sa.column("id", sa.Integer), sa.column("public_token", sa.String))

OLD_CELL_INDEX = [
    "kommun_id",
    "cell_250",
    "created_at",
    "kind",
    "hidden",
    "merged_into_id",
    "erasure_requested_at",
]
CELL_INDEX = [
    "kommun_id",
    "cell_250",
    "service_code",
    "created_at",
    "kind",
    "hidden",
    "merged_into_id",
    "erasure_requested_at",
]

# The least code of a report's reasons, after a reason of `report_id` came or went.
LEAST = (
    "UPDATE report SET service_code = (SELECT min(code) FROM report_reason"
    " WHERE report_id = {r}.report_id) WHERE id = {r}.report_id"
    " AND service_code IS {distinct} (SELECT min(code) FROM report_reason"
    " WHERE report_id = {r}.report_id)"
)
# A new reason changes the service only when it sorts first (intake sets it already).
FIRST = (
    "UPDATE report SET service_code = NEW.code WHERE id = NEW.report_id"
    " AND (service_code IS NULL OR service_code > NEW.code)"
)


def _token(secret: bytes | None, report_id: int) -> str:
    """The id the report had before (privacy.public's HMAC), or a random one."""
    if secret is None:
        digest = secrets.token_bytes(10)
    else:
        digest = hmac.new(secret, f"public-request:{report_id}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode()[:16].lower()


def _backfill_tokens() -> None:
    raw = context.config.attributes.get("secret_key")
    secret = str(raw).encode() if raw else None
    conn = op.get_bind()
    last = 0
    while True:
        ids = conn.execute(
            sa.select(report.c.id).where(report.c.id > last).order_by(report.c.id).limit(BATCH)
        ).scalars()
        batch = list(ids)
        if not batch:
            return
        conn.execute(
            report.update()
            .where(report.c.id == sa.bindparam("b_id"))
            .values(public_token=sa.bindparam("b_token")),
            [{"b_id": i, "b_token": _token(secret, i)} for i in batch],
        )
        last = batch[-1]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.add_column("report", sa.Column("service_code", sa.String(length=40), nullable=True))
    op.add_column("report", sa.Column("public_token", sa.String(length=16), nullable=True))
    op.execute(
        "UPDATE report SET service_code ="
        " (SELECT min(code) FROM report_reason WHERE report_id = report.id)"
    )
    _backfill_tokens()
    op.create_index("ix_report_public_token", "report", ["public_token"], unique=True)
    op.drop_index("ix_report_counted_cell", table_name="report")
    op.create_index(
        "ix_report_counted_cell", "report", CELL_INDEX, unique=False, postgresql_include=["id"]
    )
    if dialect == "postgresql":
        op.execute(
            "CREATE FUNCTION report_service() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
            f" IF TG_OP = 'INSERT' THEN {FIRST}; RETURN NULL; END IF;"
            f" {LEAST.format(r='OLD', distinct='DISTINCT FROM')};"
            f" IF TG_OP = 'UPDATE' THEN {LEAST.format(r='NEW', distinct='DISTINCT FROM')};"
            " END IF; RETURN NULL; END $$"
        )
        op.execute(
            "CREATE TRIGGER report_service AFTER INSERT OR UPDATE OR DELETE ON report_reason"
            " FOR EACH ROW EXECUTE FUNCTION report_service()"
        )
    else:
        op.execute(
            f"CREATE TRIGGER report_service_insert AFTER INSERT ON report_reason BEGIN {FIRST}; END"
        )
        op.execute(
            "CREATE TRIGGER report_service_delete AFTER DELETE ON report_reason"
            f" BEGIN {LEAST.format(r='OLD', distinct='NOT')}; END"
        )
        op.execute(
            "CREATE TRIGGER report_service_update AFTER UPDATE ON report_reason"
            f" BEGIN {LEAST.format(r='OLD', distinct='NOT')};"
            f" {LEAST.format(r='NEW', distinct='NOT')}; END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER report_service ON report_reason")
        op.execute("DROP FUNCTION report_service()")
    else:
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER report_service_{name}")
    op.drop_index("ix_report_counted_cell", table_name="report")
    op.create_index("ix_report_counted_cell", "report", OLD_CELL_INDEX, unique=False)
    op.drop_index("ix_report_public_token", table_name="report")
    for column in ("public_token", "service_code"):
        if op.get_bind().dialect.name == "sqlite":
            # In place (SQLite 3.35+): a batch copy would rebuild the table and its indexes.
            op.execute(f"ALTER TABLE report DROP COLUMN {column}")
        else:
            op.drop_column("report", column)
