"""The coordinators' queue: masked text, filters, sorting and paging."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.clock import local_day, local_today, now
from review.queue import PAGE_SIZE
from tests.helpers import VANERSBORG_TORGET
from tests.pages import parse_page

LAT, LON = VANERSBORG_TORGET


@pytest.fixture
def coordinator(client, create_user, login):
    user = create_user("coordinator", ("Vänersborg",))
    login(user)
    return user


def rows(page):
    return [
        a.get_text(strip=True) for a in page.select("table.queue tbody tr td:nth-of-type(2) > a")
    ]


def queue(client, **params):
    response = client.get("/samordnare/vanersborg/", query_string=params)
    assert response.status_code == 200, response.data[:300]
    return parse_page(response.data)


def test_queue_shows_masked_text_and_flags(client, coordinator, kommuner, create_report_at):
    report = create_report_at(
        kommuner["Vänersborg"], LAT, LON,
        description="Johan Andersson säljer här, ring 070-123 45 67 eller mejla j@exempel.se",
    )  # fmt: skip
    page = queue(client)
    row = page.select_one(f"#row-{report.id}")
    text = row.select_one(".excerpt").get_text(" ", strip=True)
    assert "070-123" not in text and "j@exempel.se" not in text
    assert "[telefonnummer]" in text and "[e-post]" in text
    assert "Kan nämna en person" in text
    assert row.select_one(f"label[for=select-{report.id}]")


def test_queue_lists_only_the_kommuns_reports(client, coordinator, kommuner, create_report_at):
    mine = create_report_at(kommuner["Vänersborg"], LAT, LON)
    arboga = kommuner["Arboga"]
    create_report_at(arboga, *arboga.boundary.representative_point)
    assert rows(queue(client)) == [mine.registration_number]


def test_filters(client, coordinator, kommuner, create_report_at, session):
    vbg = kommuner["Vänersborg"]
    forty_days_ago = now() - timedelta(days=40)
    dark = create_report_at(vbg, LAT, LON, reasons=["place.dark"], times=["natt"])
    drugs = create_report_at(
        vbg, LAT + 0.01, LON, reasons=["disorder.drugs"], times=["kvall"],
        created_at=forty_days_ago, description="Langning vid skolan",
    )  # fmt: skip
    safe = create_report_at(vbg, LAT, LON + 0.01, kind="trygg", reasons=["positive.lighting"])
    walk = create_report_at(vbg, LAT, LON, source="walk")
    support = create_report_at(vbg, LAT, LON)
    support.source, support.supports_id = "support", dark.id
    session.commit()

    everyone = set(rows(queue(client)))
    assert support.registration_number not in everyone
    assert len(everyone) == 4
    assert rows(queue(client, reason="disorder.drugs")) == [drugs.registration_number]
    assert set(rows(queue(client, reason="PLACE"))) == {
        dark.registration_number,
        walk.registration_number,
    }
    assert rows(queue(client, time_of_day="natt")) == [dark.registration_number]
    assert rows(queue(client, kind="trygg")) == [safe.registration_number]
    assert rows(queue(client, source="walk")) == [walk.registration_number]
    assert rows(queue(client, source="support")) == [support.registration_number]
    # The filter speaks of Swedish days (not UTC's): the report's own day finds it.
    old_day = local_day(forty_days_ago)
    assert rows(queue(client, date_from=old_day, date_to=old_day)) == [drugs.registration_number]
    assert drugs.registration_number not in rows(queue(client, date_from=local_today()))
    assert rows(queue(client, q="langning")) == [drugs.registration_number]
    box = f"{LAT + 0.005},{LON - 0.001},{LAT + 0.015},{LON + 0.001}"
    assert rows(queue(client, bbox=box)) == [drugs.registration_number]
    dark.status = "granskad"
    session.commit()
    assert rows(queue(client, status="granskad")) == [dark.registration_number]


def test_search_never_finds_masked_details(client, coordinator, kommuner, create_report_at):
    create_report_at(kommuner["Vänersborg"], LAT, LON, description="Ring 0701234567 nu")
    assert rows(queue(client, q="0701234567")) == []
    assert len(rows(queue(client, q="telefonnummer"))) == 1


def test_bad_filters_are_explained(client, coordinator, kommuner):
    response = client.get("/samordnare/vanersborg/", query_string={"bbox": "norr om torget"})
    assert response.status_code == 400
    page = parse_page(response.data)
    assert "fyra decimaltal" in page.select_one("#error-summary").get_text()


def test_sorting(client, coordinator, kommuner, create_report_at, session):
    vbg = kommuner["Vänersborg"]
    old = create_report_at(vbg, LAT, LON, created_at=now() - timedelta(days=3))
    popular = create_report_at(vbg, LAT, LON, created_at=now() - timedelta(days=2))
    new = create_report_at(vbg, LAT, LON, created_at=now() - timedelta(days=1))
    for _ in range(2):
        fan = create_report_at(vbg, LAT, LON)
        fan.supports_id, fan.source = popular.id, "support"
    session.commit()
    numbers = [old.registration_number, popular.registration_number, new.registration_number]
    assert rows(queue(client)) == numbers[::-1]
    assert rows(queue(client, sort="oldest")) == numbers
    page = queue(client, sort="supporters")
    assert rows(page)[0] == popular.registration_number
    assert page.select_one(f"#row-{popular.id} .supporters").get_text(strip=True) == "2"


def test_hidden_and_merged_are_left_out_unless_asked_for(
    client, coordinator, kommuner, create_report_at, session
):
    vbg = kommuner["Vänersborg"]
    shown = create_report_at(vbg, LAT, LON)
    hidden = create_report_at(vbg, LAT, LON)
    merged = create_report_at(vbg, LAT, LON)
    hidden.hidden, merged.merged_into_id = True, shown.id
    session.commit()
    assert rows(queue(client)) == [shown.registration_number]
    assert hidden.registration_number in rows(queue(client, show_hidden="y"))
    assert merged.registration_number in rows(queue(client, show_merged="y"))


def test_paging(client, coordinator, kommuner, create_report_at):
    vbg = kommuner["Vänersborg"]
    for _ in range(PAGE_SIZE + 3):
        create_report_at(vbg, LAT, LON, description="lampa")
    first = queue(client, q="lampa")
    assert len(rows(first)) == PAGE_SIZE
    next_link = first.select_one(".pager a[rel=next]")["href"]
    assert "q=lampa" in next_link and "page=2" in next_link
    second = parse_page(client.get(next_link).data)
    assert len(rows(second)) == 3
    assert not set(rows(first)) & set(rows(second))


@pytest.mark.parametrize("sort", ["newest", "oldest"])
def test_keyset_links_walk_every_report_once_both_ways(
    client, coordinator, kommuner, create_report_at, monkeypatch, sort
):
    """Next and previous links carry a cursor, not an offset; the last link reaches the end."""
    monkeypatch.setattr("review.queue.PAGE_SIZE", 3)
    vbg = kommuner["Vänersborg"]
    made = [create_report_at(vbg, LAT, LON).registration_number for _ in range(8)]
    expected = made[::-1] if sort == "newest" else made
    page = queue(client, sort=sort)
    seen, pages = [rows(page)], [page]
    while (link := page.select_one(".pager a[rel=next]")) is not None:
        assert "after=" in link["href"] and "sort=" + sort in link["href"]
        page = parse_page(client.get(link["href"]).data)
        seen.append(rows(page))
        pages.append(page)
    assert [r for chunk in seen for r in chunk] == expected
    assert [len(chunk) for chunk in seen] == [3, 3, 2]
    assert "Sida 3 av 3" in page.select_one(".pager").get_text()
    back = parse_page(client.get(page.select_one(".pager a[rel=prev]")["href"]).data)
    assert rows(back) == seen[1] and "Sida 2 av 3" in back.select_one(".pager").get_text()
    last = parse_page(client.get(pages[0].select_one(".pager a[rel=last]")["href"]).data)
    assert rows(last) == seen[2] and "Sida 3 av 3" in last.select_one(".pager").get_text()
    before_last = parse_page(client.get(last.select_one(".pager a[rel=prev]")["href"]).data)
    assert rows(before_last) == seen[1]


def test_an_old_page_number_link_still_works(
    client, coordinator, kommuner, create_report_at, monkeypatch
):
    monkeypatch.setattr("review.queue.PAGE_SIZE", 3)
    vbg = kommuner["Vänersborg"]
    made = [create_report_at(vbg, LAT, LON).registration_number for _ in range(5)]
    assert rows(queue(client, page=2)) == made[::-1][3:]


def test_a_broken_cursor_is_a_clear_error(client, coordinator, kommuner, create_report_at):
    create_report_at(kommuner["Vänersborg"], LAT, LON)
    response = client.get("/samordnare/vanersborg/", query_string={"after": "x'; drop"})
    assert response.status_code == 400
    assert "Länken till sidan är trasig" in parse_page(response.data).get_text()


def _at_landmark(session, kommun, name):
    landmark = next(lm for lm in kommun.landmarks if lm.name == name)
    return landmark


def test_search_finds_what_a_caller_reads_out(
    client, coordinator, kommuner, create_report_at, session
):
    """A resident on the phone gives the receipt code, the diarienummer or its bare number."""
    vbg = kommuner["Vänersborg"]
    wanted = create_report_at(vbg, LAT, LON, description="Mörkt vid busskuren")
    create_report_at(vbg, LAT, LON, description="Mörkt vid busskuren också")
    code = wanted.receipt_display.lower().replace("-", " ")  # read out, typed by ear
    assert rows(queue(client, q=code)) == [wanted.registration_number]
    assert rows(queue(client, q=wanted.receipt_display)) == [wanted.registration_number]
    assert rows(queue(client, q=wanted.registration_number)) == [wanted.registration_number]
    assert rows(queue(client, q=str(wanted.id))) == [wanted.registration_number]


def test_search_finds_landmark_and_address_words(
    client, coordinator, kommuner, create_report_at, session
):
    vbg = kommuner["Vänersborg"]
    onsjo = _at_landmark(session, vbg, "Onsjö")
    at_landmark = create_report_at(
        vbg, onsjo.lat, onsjo.lon, description="Ingen belysning på gångvägen"
    )
    at_landmark.location_method, at_landmark.landmark_id = "landmark", onsjo.id
    on_street = create_report_at(
        vbg, LAT, LON, description="Buskarna skymmer", place_description="Edsgatan 12, vid ICA"
    )
    elsewhere = create_report_at(vbg, LAT, LON, description="Mörk gångväg vid Edsgatan")
    session.commit()
    # The landmark's name in any case, even with å, ä, ö, and words from the address.
    assert rows(queue(client, q="onsjö")) == [at_landmark.registration_number]
    assert rows(queue(client, q="ONSJÖ gångvägen")) == [at_landmark.registration_number]
    assert rows(queue(client, q="edsgatan 12")) == [on_street.registration_number]
    # Every word must be found; words may come from the text or the address.
    assert set(rows(queue(client, q="Edsgatan"))) == {
        on_street.registration_number,
        elsewhere.registration_number,
    }
    assert rows(queue(client, q="buskarna ica")) == [on_street.registration_number]
    assert rows(queue(client, q="100%")) == []


def test_search_keeps_the_other_filters(client, coordinator, kommuner, create_report_at, session):
    vbg = kommuner["Vänersborg"]
    create_report_at(vbg, LAT, LON, description="Glaskross vid Torget")
    closed = create_report_at(vbg, LAT, LON, description="Glaskross vid Torget igen")
    closed.status = "granskad"
    session.commit()
    assert rows(queue(client, q="glaskross", status="granskad")) == [closed.registration_number]
    assert rows(queue(client, q=closed.receipt_display, status="ny")) == []


def test_the_count_is_kept_until_the_kommuns_reports_change(
    app, client, coordinator, kommuner, create_report_at, session
):
    """At a million reports the count was a third of the queue's time: it is kept in the
    cache, and every change to the kommun's reports counts again."""
    from sqlalchemy import event

    import db

    vbg = kommuner["Vänersborg"]
    first = create_report_at(vbg, LAT, LON)
    counts = []

    def note(_conn, _cursor, statement, *_args):
        if statement.lower().startswith("select count(*)"):
            counts.append(statement)

    def total():
        return queue(client).select_one("#result-title").get_text(strip=True)

    engine = db.get_engine(app)
    event.listen(engine, "before_cursor_execute", note)
    try:
        assert total() == "1 förslag"
        counted = len(counts)
        assert total() == "1 förslag" and len(counts) == counted  # from the cache
        create_report_at(vbg, LAT, LON)
        assert total() == "2 förslag"
        first.hidden = True
        session.commit()
        assert total() == "1 förslag"
        # Another kommun's report leaves Vänersborg's count where it was.
        arboga = kommuner["Arboga"]
        create_report_at(arboga, *arboga.boundary.representative_point)
        counted = len(counts)
        assert total() == "1 förslag" and len(counts) == counted
        # A search is counted every time (its words are not kept in a cache key).
        queue(client, q="lampa")
        assert len(counts) > counted
    finally:
        event.remove(engine, "before_cursor_execute", note)
