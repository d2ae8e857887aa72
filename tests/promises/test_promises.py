"""Medborgarlöften: drafted from the lägesbild, followed up, evaluated and shown in public."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from shapely.geometry import Point, shape
from sqlalchemy import func, select, update

from core.clock import local_today
from feedback.models import Report
from hotspots.services import compute_run
from promises.models import Activity, FocusArea, PlaceFeeling, Promise
from promises.services import evaluate, follow_up_period, periods_of
from tests.helpers import VANERSBORG_TORGET, square_around
from tests.pages import parse_page

LAT, LON = VANERSBORG_TORGET
LONELY = (58.3700, 12.3000)  # four reports here: never on the public map


def _at(session, report, when):
    session.execute(update(Report).where(Report.id == report.id).values(created_at=when))
    session.commit()


@pytest.fixture
def torget_hotspot(kommuner, session, create_report_at):
    vanersborg = kommuner["Vänersborg"]
    for i in range(9):
        create_report_at(vanersborg, LAT + (i % 3) * 0.0001, LON + (i // 3) * 0.0002)
    for _ in range(4):
        create_report_at(vanersborg, *LONELY)
    run = compute_run(session, vanersborg)
    session.commit()
    [spot] = [h for h in run.hotspots if h.name == "Torget"]
    return spot


def test_coordinator_drafts_signs_and_follows_up_a_promise(
    client, kommuner, session, create_user, login, torget_hotspot
):
    coordinator = create_user()
    login(coordinator)
    page = parse_page(client.get("/samordnare/vanersborg/loften").data)
    assert page.select_one(f"input[value='{torget_hotspot.stable_id}']") is not None

    response = client.post(
        "/samordnare/vanersborg/loften",
        data={
            "title": "Tryggare centrum 2026–2027",
            "lokalpolisomrade": "Vänersborg",
            "starts_on": "2026-01-01",
            "ends_on": "2027-12-31",
            "hotspots": [torget_hotspot.stable_id],
        },
    )
    assert response.status_code == 303
    promise = session.scalar(select(Promise))
    assert promise.status == "utkast"
    [focus] = promise.focus_areas
    assert (focus.title, focus.hotspot_stable_id) == ("Torget", torget_hotspot.stable_id)
    base = f"/samordnare/loften/{promise.id}"

    # An activity with two owners, one of them a partner.
    response = client.post(
        f"{base}/aktiviteter",
        data={
            "activity-title": "Bättre belysning vid torget",
            "activity-owners": ["Kommunen"],
            "activity-other_owners": "Vänersborgsbostäder\n",
            "activity-target_on": "2026-10-31",
            "activity-focus": [str(focus.id)],
        },
    )
    assert response.status_code == 303
    session.expire_all()
    [activity] = session.scalar(select(Promise)).activities
    assert activity.owners == ["Kommunen", "Vänersborgsbostäder"]
    assert [f.title for f in activity.focus_areas] == ["Torget"]

    # Two tertial follow-ups: progress moves and the status follows it.
    for day, text, progress in (
        ("2026-04-20", "Inventering av belysningen klar.", 30),
        ("2026-08-25", "Nya armaturer monterade på torget.", 100),
    ):
        response = client.post(
            f"{base}/uppfoljning",
            data={
                "follow-activity": str(activity.id),
                "follow-done_on": day,
                "follow-text": text,
                "follow-progress": str(progress),
            },
        )
        assert response.status_code == 303
    session.expire_all()
    activity = session.get(Activity, activity.id)
    assert (activity.progress, activity.status) == (100, "klar")
    periods = sorted(f.period_start for f in activity.follow_ups)
    assert periods == [date(2026, 1, 1), date(2026, 5, 1)]

    # Signing needs signatories and a date; the error says so and keeps what was typed.
    details = {
        "details-title": "Tryggare centrum 2026–2027",
        "details-lokalpolisomrade": "Vänersborg",
        "details-starts_on": "2026-01-01",
        "details-ends_on": "2027-12-31",
        "details-status": "undertecknat",
        "details-summary": "Vi gör torget tryggare på kvällen.",
        "details-cadence_months": "4",
    }
    refused = client.post(f"{base}/uppgifter", data=details)
    assert refused.status_code == 400
    text = parse_page(refused.data).select_one("#error-summary").get_text()
    assert "minst en undertecknare" in text and "när löftet undertecknades" in text
    assert "Vi gör torget tryggare" in refused.get_data(as_text=True)
    details |= {
        "details-signatories": "Anna Andersson, kommunstyrelsens ordförande\nLokalpolisområdeschef",
        "details-signed_on": "2026-01-15",
    }
    assert client.post(f"{base}/uppgifter", data=details).status_code == 303

    # A drawn area as a second place, and a bad one explained.
    area = {
        "focus-theme": "trafik",
        "focus-title": "Storgatan",
        "focus-area": "58.37,12.31,58.375,12.32",
    }
    assert client.post(f"{base}/fokus", data=area).status_code == 303
    bad = client.post(f"{base}/fokus", data=area | {"focus-area": "58.37,12.31"})
    assert bad.status_code == 400 and "fyra decimaltal" in bad.get_data(as_text=True)
    session.expire_all()
    street = session.scalar(select(FocusArea).where(FocusArea.title == "Storgatan"))
    assert shape(street.polygon).bounds == pytest.approx((12.31, 58.37, 12.32, 58.375))

    show = parse_page(client.get(base).data)
    row = show.select("section[aria-labelledby=eval-title] tbody tr")[0]
    assert "Torget" in row.get_text() and "9 förslag, Ny" in row.get_text()

    report = client.get(f"{base}/rapport?period=2026-05-01")
    assert report.status_code == 200
    assert "Nya armaturer monterade" in report.get_data(as_text=True)
    assert "Inventering" not in report.get_data(as_text=True)  # the earlier tertial's

    # The public page: the promise, its progress, the follow-up, and the feed.
    client.post("/utloggning")
    public = client.get("/k/vanersborg/loften")
    assert public.status_code == 200
    page = parse_page(public.data)
    article = page.select_one(f"#promise-{promise.id}")
    assert "Tryggare centrum" in article.get_text() and "Anna Andersson" in article.get_text()
    assert article.select_one("progress")["value"] == "100"
    assert "Vänersborgsbostäder" in article.get_text()
    assert "Nya armaturer monterade" in article.get_text()
    assert page.select_one("a[href='/k/vanersborg/']") is not None
    feed = client.get("/k/vanersborg/loften/flode.atom")
    assert feed.mimetype == "application/atom+xml"
    assert feed.get_data(as_text=True).count("<entry>") == 2


def test_drafts_are_not_public(client, kommuner, session):
    session.add(
        Promise(
            kommun_id=kommuner["Vänersborg"].id,
            title="Hemligt utkast",
            lokalpolisomrade="V",
            starts_on=date(2026, 1, 1),
            ends_on=date(2026, 12, 31),
        )
    )
    session.commit()
    page = client.get("/k/vanersborg/loften").get_data(as_text=True)
    assert "Hemligt utkast" not in page and "inget undertecknat medborgarlöfte" in page
    assert (
        client.get("/k/vanersborg/loften/flode.atom").get_data(as_text=True).count("<entry>") == 0
    )


def test_public_map_never_shows_a_cell_with_fewer_than_k_reports(
    client, app, kommuner, torget_hotspot
):
    html = client.get("/k/vanersborg/loften").get_data(as_text=True)
    page = parse_page(html)
    # The cells are listed beside the map; the torget's nine are there, the four are not.
    counts = [int(row.select("td")[1].get_text()) for row in page.select("details table tbody tr")]
    assert counts and all(n >= 5 for n in counts) and sum(counts) == 9
    assert f"{LONELY[0]:.4f}" not in html
    # No pins and no free text: the map holds polygons only.
    assert "L.marker" not in html and "circleMarker" not in html
    app.config["PUBLIC_MIN_CELL_REPORTS"] = 4
    lowered = parse_page(client.get("/k/vanersborg/loften").data)
    assert (
        sum(int(r.select("td")[1].get_text()) for r in lowered.select("details table tbody tr"))
        == 13
    )


def test_feeling_answers_count_in_the_evaluation(client, kommuner, session, torget_hotspot):
    promise = _signed_promise(session, kommuner["Vänersborg"], torget_hotspot.polygon)
    focus = promise.focus_areas[0]
    url = f"/k/vanersborg/loften/plats/{focus.id}"
    for answer in ("tryggare", "tryggare", "som_forut"):
        assert client.post(url, data={f"f{focus.id}-answer": answer}).status_code == 303
    bad = client.post(url, data={f"f{focus.id}-answer": "kanske"})
    assert bad.status_code == 400 and "Välj ett av svaren" in bad.get_data(as_text=True)
    assert session.scalar(select(func.count(PlaceFeeling.id))) == 3
    assert client.post("/k/vanersborg/loften/plats/9999", data={}).status_code == 404
    assert client.post(f"/k/arboga/loften/plats/{focus.id}", data={}).status_code == 404
    [place] = evaluate(session, promise, local_today())
    assert place.feelings == {"tryggare": 2, "som_forut": 1} and place.feelings_n == 3


def _signed_promise(session, kommun, polygon, starts_on=date(2026, 3, 1)):
    promise = Promise(
        kommun_id=kommun.id,
        title="Löftet",
        lokalpolisomrade="V",
        status="undertecknat",
        starts_on=starts_on,
        ends_on=date(2026, 12, 31),
        signed_on=starts_on,
        signatories="A",
    )
    promise.focus_areas.append(FocusArea(title="Platsen", theme="centrummiljo", polygon=polygon))
    session.add(promise)
    session.commit()
    return promise


def test_evaluation_matches_a_hand_computed_fixture(kommuner, session, create_report_at):
    """Start 1 March; today 30 April: 61 days after, so the 61 days before (30 Dec–28 Feb)."""
    vanersborg = kommuner["Vänersborg"]
    square = square_around(LAT, LON, 0.001)
    promise = _signed_promise(session, vanersborg, square)
    local = lambda y, m, d: datetime(y, m, d, 12, 0, tzinfo=UTC)  # noqa: E731
    inside = [
        (local(2025, 12, 30), "otrygg"),  # first day of "before"
        (local(2026, 1, 15), "otrygg"),
        (local(2026, 2, 28), "otrygg"),
        (local(2026, 2, 1), "trygg"),
        (local(2026, 3, 1), "otrygg"),  # first day of "after"
        (local(2026, 4, 10), "trygg"),
        (local(2026, 4, 20), "trygg"),
        (local(2026, 4, 30), "otrygg"),  # today
        (local(2025, 12, 29), "otrygg"),  # one day too early: not counted
        (local(2026, 5, 1), "otrygg"),  # after today: not counted
    ]
    for when, kind in inside:
        reasons = ["positive.lighting"] if kind == "trygg" else ["place.dark"]
        _at(session, create_report_at(vanersborg, LAT, LON, kind=kind, reasons=reasons), when)
    outside = create_report_at(vanersborg, LAT + 0.01, LON)
    _at(session, outside, local(2026, 3, 5))
    hidden = create_report_at(vanersborg, LAT, LON)
    _at(session, hidden, local(2026, 3, 5))
    session.execute(update(Report).where(Report.id == hidden.id).values(hidden=True))
    session.commit()

    [place] = evaluate(session, promise, date(2026, 4, 30))
    assert (place.before.first, place.before.last) == (date(2025, 12, 30), date(2026, 2, 28))
    assert (place.after.first, place.after.last) == (date(2026, 3, 1), date(2026, 4, 30))
    assert (place.before.otrygg, place.before.trygg) == (3, 1)
    assert (place.after.otrygg, place.after.trygg) == (2, 2)
    assert place.change == -1
    assert place.before.trygg_share == pytest.approx(1 / 4) and place.before.n == 4
    assert place.after.trygg_share == pytest.approx(2 / 4) and place.after.n == 4
    assert shape(square).contains(Point(LON, LAT))


def test_follow_up_periods_are_tertials_by_default(kommuner):
    promise = Promise(
        kommun_id=kommuner["Vänersborg"].id,
        title="x",
        lokalpolisomrade="x",
        starts_on=date(2026, 2, 15),
        ends_on=date(2027, 6, 30),
        cadence_months=4,
    )
    assert follow_up_period(promise, date(2026, 8, 31)) == date(2026, 5, 1)
    assert periods_of(promise, date(2030, 1, 1)) == [
        date(2026, 1, 1),
        date(2026, 5, 1),
        date(2026, 9, 1),
        date(2027, 1, 1),
        date(2027, 5, 1),
    ]
    assert periods_of(promise, date(2026, 6, 1)) == [date(2026, 1, 1), date(2026, 5, 1)]


def test_bad_promise_input_is_explained_and_kept(client, kommuner, create_user, login, session):
    login(create_user())
    response = client.post(
        "/samordnare/vanersborg/loften",
        data={
            "title": "",
            "lokalpolisomrade": "V",
            "starts_on": "2026-05-01",
            "ends_on": "2026-01-01",
            "hotspots": ["hs-forged"],
        },
    )
    assert response.status_code == 400
    summary = parse_page(response.data).select_one("#error-summary").get_text()
    assert "Ge löftet ett namn" in summary and "sluta efter" in summary
    assert "finns inte längre i lägesbilden" in summary
    assert session.scalar(select(Promise)) is None
    assert "V" in parse_page(response.data).select_one("#lokalpolisomrade")["value"]
