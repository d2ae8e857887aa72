"""Duplicate suggestions: the same place and much the same words, newest first."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from core.clock import now
from review.duplicates import duplicate_candidates, newest_nearby, text_similarity
from tests.helpers import VANERSBORG_TORGET
from tests.pages import parse_page

LAT, LON = VANERSBORG_TORGET
M_LAT = 1 / 111_320  # degrees of latitude per metre


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
    SQLite picks the ids from the place index without reading one (the rows of the few
    hundred picked are loaded after)."""
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("PostgreSQL plans by its statistics (bench.pages measures it at 1M)")
    report = report_at(description="Mörkt vid tunneln")
    statement = newest_nearby(report, 75.0)
    compiled = statement.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
    plan = " ".join(str(row[-1]) for row in session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))
    assert "USING COVERING INDEX ix_report_kommun_place" in plan, plan
