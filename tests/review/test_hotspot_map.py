"""Coordinators see the stored hot spots on a map beside a table that links to the reports."""

from __future__ import annotations

import re

from sqlalchemy import select

from feedback.models import Report
from hotspots.services import HotSpotParams, current_run
from tests.pages import parse_page
from tests.points import PLACE_A, PLACE_B, cluster


def test_map_page_shows_hot_spots_table_and_local_assets(
    client, kommuner, session, create_user, login, create_report_at
):
    vanersborg = kommuner["Vänersborg"]
    cluster(create_report_at, vanersborg, PLACE_A, 8, reasons=["place.dark"], times=["natt"])
    cluster(
        create_report_at,
        vanersborg,
        PLACE_B,
        6,
        reasons=["disorder.drugs"],
        description="<script>alert('x')</script>",
    )
    login(create_user())
    response = client.get("/samordnare/vanersborg/karta")
    assert response.status_code == 200
    page = parse_page(response.data)
    rows = page.select("table.data tbody tr")
    assert [r.select_one("th > a").get_text(strip=True) for r in rows][0] == "Torget"
    first = rows[0].get_text(" ", strip=True)
    assert "8" in first and "Ny" in first and "Belysning saknas" in first and "100 %" in first
    link = rows[0].select_one("a")["href"]
    assert re.fullmatch(r"/samordnare/vanersborg/\?hotspot=\d+", link)
    html = response.get_data(as_text=True)
    assert "<script>alert" not in html
    assert "/vendor/leaflet/leaflet.js" in html and "/vendor/folium/leaflet_heat.min.js" in html
    assert not re.search(r"""(src|href)=["']https?://""", html)
    # The run is stored: a second view loads it instead of computing again.
    run = current_run(session, vanersborg, HotSpotParams())
    assert run is not None
    client.get("/samordnare/vanersborg/karta")
    session.expire_all()
    assert current_run(session, vanersborg, HotSpotParams()).id == run.id


def test_hot_spot_link_filters_the_queue(client, kommuner, create_user, login, create_report_at):
    vanersborg = kommuner["Vänersborg"]
    cluster(create_report_at, vanersborg, PLACE_A, 8)
    outlier = create_report_at(vanersborg, PLACE_B[0], PLACE_B[1], reasons=["disorder.drugs"])
    login(create_user())
    page = parse_page(client.get("/samordnare/vanersborg/karta").data)
    link = page.select_one("table.data tbody tr a")["href"]
    queue = parse_page(client.get(link).data)
    text = queue.get_text(" ", strip=True)
    assert text.count("1487-") >= 8
    assert outlier.registration_number not in text


def test_bad_filters_are_explained(client, kommuner, create_user, login):
    login(create_user())
    response = client.get("/samordnare/vanersborg/karta?radius_m=5&min_reports=x")
    assert response.status_code == 400
    assert "Ange 20–500 meter" in response.get_data(as_text=True)


def test_map_is_staff_only_and_per_kommun(client, kommuner, create_user, login):
    assert client.get("/samordnare/vanersborg/karta").status_code in {302, 303, 401}
    login(create_user(kommun_names=("Arboga",)))
    assert client.get("/samordnare/vanersborg/karta").status_code in {403, 404}


def test_time_of_day_and_status_filters_choose_the_reports_clustered(
    client, kommuner, create_user, login, create_report_at, session
):
    vanersborg = kommuner["Vänersborg"]
    cluster(create_report_at, vanersborg, PLACE_A, 8, times=["natt"])
    cluster(create_report_at, vanersborg, PLACE_B, 7, times=["dag"], reasons=["disorder.drugs"])
    login(create_user())

    def places(**args):
        response = client.get("/samordnare/vanersborg/karta", query_string=args)
        assert response.status_code == 200
        rows = parse_page(response.data).select("table.data tbody tr")
        return {r.select_one("th > a").get_text(strip=True): r for r in rows}

    assert len(places()) == 2
    night = places(time_of_day="natt")
    assert list(night) == ["Torget"] and "100 %" in night["Torget"].get_text()
    assert "Torget" not in places(time_of_day="dag")
    assert places(status="avslutad") == {}
    assert len(places(status="ny")) == 2
    # Each selection is a stored run of its own; the default one is untouched.
    default = current_run(session, kommuner["Vänersborg"], HotSpotParams())
    assert default is not None and "times" not in default.params
    bad = client.get("/samordnare/vanersborg/karta", query_string={"time_of_day": "midnatt"})
    assert bad.status_code == 400


def test_each_hot_spot_says_why_and_a_coordinator_can_rename_it(
    client, kommuner, session, create_user, login, create_report_at
):
    vanersborg = kommuner["Vänersborg"]
    cluster(create_report_at, vanersborg, PLACE_A, 8)
    cluster(create_report_at, vanersborg, PLACE_B, 6)
    login(create_user())
    page = parse_page(client.get("/samordnare/vanersborg/karta?window_days=90").data)
    row = page.select("table.data tbody tr")[0]
    assert re.search(r"8 förslag på 90 dagar, [\d,\s]+× kommunens mediantäthet", row.get_text(" "))
    form = row.select_one("form.inline-rename")
    data = {i["name"]: i.get("value", "") for i in form.select("input")}
    data["name-name"] = "  Torget vid busshållplatsen "
    response = client.post(form["action"], data=data)
    assert response.status_code == 303 and "window_days=90" in response.headers["Location"]
    page = parse_page(client.get("/samordnare/vanersborg/karta?window_days=90").data)
    assert page.select("table.data tbody tr th > a")[0].get_text(strip=True) == (
        "Torget vid busshållplatsen"
    )
    # The name follows the place into the next run.
    from hotspots.services import compute_run

    run = compute_run(session, vanersborg, HotSpotParams(window_days=90))
    session.commit()
    assert run.hotspots[0].name == "Torget vid busshållplatsen"

    data["name-name"] = " "
    response = client.post(form["action"], data=data, follow_redirects=True)
    assert "Skriv ett namn." in response.get_data(as_text=True)


def test_popup_count_equals_the_queue_it_opens(
    client, kommuner, session, create_user, login, create_report_at
):
    vanersborg = kommuner["Vänersborg"]
    cluster(create_report_at, vanersborg, PLACE_A, 8, times=["natt"])
    first = session.scalars(select(Report).order_by(Report.id)).first()
    support = create_report_at(vanersborg, PLACE_A[0], PLACE_A[1], times=["natt"])
    support.source, support.supports_id = "support", first.id
    session.commit()
    login(create_user())
    for query in ("", "?time_of_day=natt", "?reason=place.dark&status=ny"):
        page = parse_page(client.get(f"/samordnare/vanersborg/karta{query}").data)
        html = page.decode()
        rows = page.select("table.data tbody tr")
        assert rows, query
        shown = int(rows[0].select("td")[0].get_text(" ", strip=True).split()[0])
        popups = [int(n) for n in re.findall(r"<strong>[^<]*</strong><br>(\d+) förslag", html)]
        assert shown in popups
        link = rows[0].select_one("a")["href"]
        queue = parse_page(client.get(link).data)
        listed = len(set(re.findall(r"1487-[\w-]+", queue.select_one("main").get_text(" "))))
        assert listed == shown, (query, link)
    # The default view counts nine and shows eight plus the one who feels the same.
    page = parse_page(client.get("/samordnare/vanersborg/karta").data)
    assert "+ 1 känner likadant" in page.select("table.data tbody tr")[0].get_text(" ")


def test_why_gives_a_tenth_only_where_it_matters(app):
    from review.maps import why

    with app.test_request_context():
        assert why(8, 90, 2.46).endswith("2,5× kommunens mediantäthet")
        assert why(37, 365, 1284.7).endswith("1\xa0285× kommunens mediantäthet")
        assert why(8, 90, None) == "8 förslag på 90 dagar"
