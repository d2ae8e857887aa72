"""Duplicate suggestions: the same place and much the same words, newest first."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from core.clock import now
from feedback.models import Report
from geo.cells import STORED_CELL_M
from geo.projection import SWEREF99TM, plane
from review.duplicates import duplicate_candidates, newest_nearby, text_similarity
from tests.helpers import VANERSBORG_TORGET
from tests.pages import parse_page

LAT, LON = VANERSBORG_TORGET
M_LAT = 1 / 111_320  # degrees of latitude per metre


def _grid_corner_near(lat: float, lon: float) -> tuple[float, float]:
    """The corner of four stored 250 m grid cells nearest a point (lat, lon)."""
    sweref = plane(SWEREF99TM)
    x, y = sweref.to_metres([lat], [lon])
    side = STORED_CELL_M
    clat, clon = sweref.to_wgs84([round(x[0] / side) * side], [round(y[0] / side) * side])
    return float(clat[0]), float(clon[0])


CORNER = _grid_corner_near(LAT, LON)


@pytest.fixture
def report_at(session, kommuner, create_report_at):
    """A Vänersborg report at a distance north of Torget, made some days ago."""

    def make(metres=0.0, days_ago=0, **fields):
        fields.setdefault("created_at", now() - timedelta(days=days_ago))
        return create_report_at(kommuner["Vänersborg"], LAT + metres * M_LAT, LON, **fields)

    return make


def ids(found):
    return [c.report.id for c in found]


def test_similar_words_in_other_forms_count_as_similar():
    a = "Mörkt och läskigt i gångtunneln under järnvägen"
    b = "Gångtunneln är helt mörk på kvällen, läskig"
    assert text_similarity(a, b) >= 0.25
    assert text_similarity(a, "Fortkörning med mopeder på Edsgatan") == 0
    assert text_similarity("", b) == 0


def test_same_place_and_similar_text_newest_first(session, report_at):
    report = report_at(
        description="Mörkt och läskigt i gångtunneln under järnvägen",
        reasons=["place.tunnel", "place.dark"],
    )
    older = report_at(20, days_ago=30, description="Gångtunneln är mörk, lampan är trasig")
    newer = report_at(40, days_ago=2, description="Läskigt i gångtunneln när det är mörkt")
    # Same place, but about something else: not a duplicate.
    report_at(
        10,
        days_ago=1,
        description="Mopeder kör fort över torget varje kväll",
        reasons=["traffic.speeding"],
    )
    # Similar words but across town.
    report_at(900, days_ago=1, description="Mörkt och läskigt i gångtunneln")
    assert ids(duplicate_candidates(session, report)) == [newer.id, older.id]


def test_a_trygg_report_is_never_a_duplicate_of_an_unsafe_one(session, report_at):
    report = report_at(description="Otryggt i parken på kvällen, mörkt bland buskarna")
    report_at(
        5,
        kind="trygg",
        description="Tryggt i parken på kvällen, fin belysning",
        reasons=["positive.lighting"],
    )
    same_kind = report_at(8, description="Parken är mörk på kvällen, buskarna skymmer")
    assert ids(duplicate_candidates(session, report)) == [same_kind.id]


def test_reports_with_little_text_match_on_shared_reasons(session, report_at):
    report = report_at(description="", reasons=["people.intoxicated"])
    same = report_at(15, days_ago=1, description="", reasons=["people.intoxicated", "place.dark"])
    report_at(10, days_ago=1, description="", reasons=["traffic.speeding"])
    found = duplicate_candidates(session, report)
    assert ids(found) == [same.id] and found[0].shared_reasons == ("people.intoxicated",)


def test_landmark_reports_say_same_landmark_not_zero_metres(
    client, create_user, login, session, kommuner, report_at
):
    vbg = kommuner["Vänersborg"]
    torget = next(lm for lm in vbg.landmarks if lm.name == "Torget")
    first = report_at(description="Mycket glaskross på torget på helgerna", days_ago=3)
    second = report_at(description="Glaskross överallt på torget efter helgen")
    pinned = report_at(30, days_ago=1, description="Glaskross vid torget igen")
    for r in (first, second):
        r.location_method, r.landmark_id = "landmark", torget.id
    session.commit()
    found = duplicate_candidates(session, second)
    assert ids(found) == [pinned.id, first.id]
    assert found[1].same_landmark and not found[0].same_landmark

    login(create_user("coordinator", ("Vänersborg",)))
    page = parse_page(client.get(f"/samordnare/rapport/{second.id}").data)
    places = [
        li.select_one(".candidate-place").get_text(strip=True)
        for li in page.select("ul.candidates > li")
    ]
    assert places == ["30 m bort", "samma landmärke: Torget"]
    assert not any(p.startswith("0 m") for p in places)


def test_the_pool_is_bounded_in_a_dense_spot(session, report_at):
    report = report_at(description="Klotter på väggen vid busshållplatsen")
    for i in range(30):
        report_at(i % 7, days_ago=i + 1, description="Klotter på busshållplatsen")
    found = duplicate_candidates(session, report, limit=5)
    assert len(found) == 5
    created = [c.report.created_at for c in found]
    assert created == sorted(created, reverse=True)


def test_the_newest_in_the_box_are_picked_from_the_index_alone(session, report_at):
    """In the densest spot at a million reports the box holds tens of thousands of rows:
    SQLite picks the ids cell by cell from the cell index, in its order, without reading a
    row or sorting a cell (the rows of the few hundred picked are loaded after)."""
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("PostgreSQL plans by its statistics (bench.pages measures it at 1M)")
    report = report_at(description="Mörkt vid tunneln")
    statement = newest_nearby(report, 75.0)
    compiled = statement.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
    plan = [str(row[-1]) for row in session.execute(text(f"EXPLAIN QUERY PLAN {compiled}"))]
    cells = [step for step in plan if "ix_report_cell_newest" in step]
    assert cells and all("COVERING INDEX" in step for step in cells), plan
    # Only the union of the cells' few hundred is sorted, never a cell's reports.
    assert sum("USE TEMP B-TREE FOR ORDER BY" in step for step in plan) <= 1, plan


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.data())
def test_the_cells_give_the_newest_of_the_whole_box(session, kommuner, create_report_at, data):
    """What the cells give is what the box holds, newest first, cut at the pool: reports
    around a point near the corner of four cells, at the box's edges and just outside them,
    of both kinds, merged or a supporter's, at the same instant or not."""
    from review import duplicates

    vanersborg = kommuner["Vänersborg"]
    pool = data.draw(st.integers(3, 12), label="pool")
    lat, lon = CORNER
    here = create_report_at(vanersborg, lat, lon, created_at=now())
    dlat = 75.0 / 111_000.0 * 1.2
    dlon = dlat / math.cos(math.radians(lat))
    made = []
    for _ in range(data.draw(st.integers(0, 40), label="reports")):
        north = data.draw(st.sampled_from([-1.01, -1, -0.5, -0.01, 0.01, 0.3, 1, 1.01]))
        east = data.draw(st.sampled_from([-1.01, -1, -0.2, -0.01, 0.01, 0.7, 1, 1.01]))
        fields = {
            "kind": data.draw(st.sampled_from(["otrygg", "otrygg", "trygg"])),
            "created_at": now() - timedelta(hours=data.draw(st.integers(0, 5))),
        }
        made.append(create_report_at(vanersborg, lat + north * dlat, lon + east * dlon, **fields))
    if made and data.draw(st.booleans(), label="one merged"):
        made[0].merged_into_id = here.id
    if len(made) > 1 and data.draw(st.booleans(), label="one a support"):
        made[1].supports_id = here.id
    session.flush()

    def in_box(other):
        return (
            other.kommun_id == here.kommun_id
            and other.kind == here.kind
            and other.merged_into_id is None
            and other.supports_id is None
            and here.lat - dlat <= other.lat <= here.lat + dlat
            and here.lon - dlon <= other.lon <= here.lon + dlon
        )

    everyone = session.scalars(select(Report).where(Report.id != here.id)).all()
    expected = sorted(filter(in_box, everyone), key=lambda r: (r.created_at, r.id), reverse=True)
    old_pool = duplicates.POOL
    duplicates.POOL = pool
    try:
        found = list(session.scalars(newest_nearby(here, 75.0)))
    finally:
        duplicates.POOL = old_pool
    assert found == [r.id for r in expected[:pool]]
