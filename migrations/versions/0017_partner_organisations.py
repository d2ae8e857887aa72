"""Partners as organisations with contact people; activity owners become organisations;
ongoing activities (a start, no deadline, no percentage)

Revision ID: 0017_partner_organisations
Revises: 0016_samverkansoverenskommelse
Create Date: 2026-12-01 01:40:00

Each owner name an activity had becomes (or joins) the kommun's organisation of that name,
compared without regard to case, and keeps its place in the activity's list of owners.
"""

import json

import sqlalchemy as sa
from alembic import op

import db

revision = "0017_partner_organisations"
down_revision = "0016_samverkansoverenskommelse"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "organisation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kommun_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False, server_default=""),
        sa.Column("created_at", db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["kommun_id"], ["kommun.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kommun_id", "name"),
    )
    op.create_index("ix_organisation_kommun_id", "organisation", ["kommun_id"])
    op.create_table(
        "contact_person",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_contact_person_organisation_id", "contact_person", ["organisation_id"])
    links = _owners_to_organisations()
    # SQLite rebuilds the table here, so the links are written after it.
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("ongoing", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("starts_on", sa.Date(), nullable=True))
        batch_op.drop_column("owners")
    op.create_table(
        "activity_owner",
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["activity_id"], ["activity.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("activity_id", "organisation_id"),
    )
    op.create_index("ix_activity_owner_organisation_id", "activity_owner", ["organisation_id"])
    if links:
        op.bulk_insert(
            sa.table(
                "activity_owner",
                sa.column("activity_id", sa.Integer),
                sa.column("organisation_id", sa.Integer),
                sa.column("position", sa.Integer),
            ),
            links,
        )


def _owners_to_organisations() -> list[dict[str, int]]:
    """Create the organisations the owner names stand for; return the links to write."""
    bind = op.get_bind()
    organisation = sa.table(
        "organisation",
        sa.column("id", sa.Integer),
        sa.column("kommun_id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("notes", sa.Text),
        sa.column("created_at", db.UTCDateTime(timezone=True)),
    )
    rows = bind.execute(
        sa.text(
            "SELECT activity.id, activity.owners, promise.kommun_id FROM activity "
            "JOIN promise ON promise.id = activity.promise_id ORDER BY activity.id"
        )
    ).all()
    known: dict[tuple[int, str], int] = {}
    links = []
    for activity_id, owners, kommun_id in rows:
        names = json.loads(owners) if isinstance(owners, str) else owners
        seen: set[int] = set()
        for name in names or []:
            name = str(name).strip()[:120]
            if not name:
                continue
            key = (kommun_id, name.casefold())
            if key not in known:
                known[key] = bind.execute(
                    organisation.insert()
                    .values(kommun_id=kommun_id, name=name, notes="", created_at=db.utcnow())
                    .returning(organisation.c.id)
                ).scalar_one()
            if known[key] in seen:
                continue
            seen.add(known[key])
            links.append(
                {"activity_id": activity_id, "organisation_id": known[key], "position": len(seen)}
            )
    return links


def downgrade() -> None:
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owners", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.drop_column("starts_on")
        batch_op.drop_column("ongoing")
    op.drop_index("ix_activity_owner_organisation_id", table_name="activity_owner")
    op.drop_table("activity_owner")
    op.drop_index("ix_contact_person_organisation_id", table_name="contact_person")
    op.drop_table("contact_person")
    op.drop_index("ix_organisation_kommun_id", table_name="organisation")
    op.drop_table("organisation")
