"""Kommuner: boundaries loaded from GeoJSON, landmarks that must lie inside them."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from kommun.models import Kommun
from kommun.services import load_landmarks, slugify
from tests.helpers import GOTHENBURG, VANERSBORG_TORGET, shared_data


def test_load_all_290_municipalities(runner, session):
    path = shared_data("swedish_municipalities.geojson")
    result = runner.invoke(args=["kommun", "load", str(path)])
    assert result.exit_code == 0, result.output
    assert "Loaded 290 kommuner." in result.output
    assert len(session.scalars(select(Kommun)).all()) == 290
    tyreso = session.scalar(select(Kommun).where(Kommun.code == "0138"))
    assert tyreso.slug == "tyreso"
    vanersborg = session.scalar(select(Kommun).where(Kommun.code == "1487"))
    assert vanersborg.contains(*VANERSBORG_TORGET)
    assert not vanersborg.contains(*GOTHENBURG)
    # Loading again updates rather than duplicates.
    assert runner.invoke(args=["kommun", "load", str(path), "--only", "1487"]).exit_code == 0
    assert len(session.scalars(select(Kommun)).all()) == 290


def test_load_rejects_what_is_not_a_feature_collection(runner, tmp_path):
    bad = tmp_path / "bad.geojson"
    bad.write_text(json.dumps({"type": "Feature"}))
    result = runner.invoke(args=["kommun", "load", str(bad)])
    assert result.exit_code != 0
    assert "FeatureCollection" in result.output


def test_landmarks_cli_and_boundary_check(runner, kommuner, tmp_path, session):
    places = tmp_path / "places.json"
    places.write_text(
        json.dumps([{"name": "Göteborgs central", "lat": GOTHENBURG[0], "lon": GOTHENBURG[1]}])
    )
    result = runner.invoke(args=["kommun", "landmarks", "1487", str(places)])
    assert result.exit_code != 0
    assert "lies outside Vänersborg" in result.output

    places.write_text(
        json.dumps([{"name": "Ny plats", "lat": VANERSBORG_TORGET[0], "lon": VANERSBORG_TORGET[1]}])
    )
    result = runner.invoke(args=["kommun", "landmarks", "1487", str(places)])
    assert result.exit_code == 0, result.output
    session.expire_all()
    names = [lm.name for lm in session.get(Kommun, kommuner["Vänersborg"].id).landmarks]
    assert "Ny plats" in names


def test_landmark_outside_is_refused_in_code(kommuner, session):
    with pytest.raises(ValueError, match="outside"):
        load_landmarks(session, kommuner["Arboga"], [{"name": "x", "lat": 58.38, "lon": 12.32}])


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Vänersborg", "vanersborg"),
        ("Upplands Väsby", "upplands-vasby"),
        ("Örnsköldsvik", "ornskoldsvik"),
        ("Malung-Sälen", "malung-salen"),
    ],
)
def test_slugify(name, slug):
    assert slugify(name) == slug


def test_a_nul_in_a_kommun_slug_finds_nothing(client, kommuner):
    """PostgreSQL refuses NUL in text: a forged slug finds nothing (404), and a NUL in the
    query is refused as odd text (400, in Open311's error format), never a 500."""
    assert client.get("/k/vanersborg%00/").status_code == 404
    response = client.get("/open311/v2/services.json", query_string={"jurisdiction_id": "\x00"})
    assert response.status_code == 400
    assert response.get_json()[0]["code"] == 400
