"""Migration 0014 turns the owner names activities had into the kommun's organisations."""

from __future__ import annotations

from sqlalchemy import text

import db


def test_owner_names_become_organisations_in_their_order(tmp_path):
    engine = db.make_engine("sqlite:///" + str(tmp_path / "owners.sqlite"))
    db.upgrade(engine, "0016_samverkansoverenskommelse")
    now = "2026-01-01 00:00:00.000000"
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO kommun (id, code, name, slug, boundary_geojson, min_lat, min_lon, "
                "max_lat, max_lon, active, created_at) VALUES (1, '1487', 'Vänersborg', "
                "'vanersborg', '{}', 58, 12, 59, 13, 1, :now)"
            ),
            {"now": now},
        )
        conn.execute(
            text(
                "INSERT INTO promise (id, kommun_id, title, lokalpolisomrade, starts_on, ends_on, "
                "status, signatories, summary, cadence_months, created_at, evaluation_summary) "
                "VALUES (1, 1, 'Torpa', 'Östra Fyrbodal', '2023-01-01', '2024-12-31', "
                "'undertecknat', '', '', 4, :now, '')"
            ),
            {"now": now},
        )
        for activity_id, owners in (
            (1, '["Kommunen", "ABVB"]'),
            (2, '["ABVB", "abvb", "Polisen"]'),
        ):
            conn.execute(
                text(
                    "INSERT INTO activity (id, promise_id, title, description, owners, status, "
                    "progress) VALUES (:id, 1, 'Aktivitet', '', :owners, 'planerad', 0)"
                ),
                {"id": activity_id, "owners": owners},
            )
    db.upgrade(engine)
    with engine.connect() as conn:
        names = conn.execute(text("SELECT name FROM organisation ORDER BY id")).scalars().all()
        owners = conn.execute(
            text(
                "SELECT a.activity_id, o.name FROM activity_owner a JOIN organisation o "
                "ON o.id = a.organisation_id ORDER BY a.activity_id, a.position"
            )
        ).all()
    engine.dispose()
    assert names == ["Kommunen", "ABVB", "Polisen"]
    assert [tuple(r) for r in owners] == [
        (1, "Kommunen"),
        (1, "ABVB"),
        (2, "ABVB"),
        (2, "Polisen"),
    ]
