"""A resident reports a place on the map and gets a receipt."""

from __future__ import annotations

from sqlalchemy import select

from feedback.models import Report
from tests.helpers import VANERSBORG_TORGET, valid_form
from tests.pages import parse_page


def test_form_offers_map_list_and_taxonomy(client, kommuner):
    page = parse_page(client.get("/k/vanersborg/").data)
    assert page.select_one("h1").get_text(strip=True) == "Trygghetsförslag i Vänersborg"
    assert page.select_one("#map[data-nearby-url]")
    names = [o.get_text(strip=True) for o in page.select("#landmark option")]
    assert "Torget" in names and "Resecentrum" in names
    reasons = {i["value"] for i in page.select("input[name=reasons]")}
    assert {"place.dark", "place.bushes", "disorder.drugs", "traffic.reckless"} <= reasons
    assert page.select_one("input[type=hidden][name=csrf_token]") is None  # CSRF off here


def test_likely_reasons_come_first_and_the_rest_fold_away(client, kommuner, create_report_at):
    for _ in range(5):
        create_report_at(kommuner["Vänersborg"], *VANERSBORG_TORGET, reasons=["place.bushes"])
    page = parse_page(client.get("/k/vanersborg/").data)
    suggested = page.select("#suggested-reasons input[name=reasons]")
    assert [i["value"] for i in suggested] == ["place.bushes"]
    more = page.select_one("details#more-reasons")
    assert not more.has_attr("open")
    assert {i["value"] for i in more.select("input[name=reasons]")} >= {"place.dark"}
    assert not more.select("#reason-place-bushes")  # each reason once on the page

    # A reason chosen from the folded list keeps the list open after a failed submit.
    failed = client.post("/k/vanersborg/", data=valid_form(reasons=["place.dark"], lat=""))
    assert parse_page(failed.data).select_one("details#more-reasons").has_attr("open")


def test_without_public_reasons_every_reason_is_open(client, kommuner):
    page = parse_page(client.get("/k/vanersborg/").data)
    assert page.select_one("#suggested-reasons").has_attr("hidden")
    assert page.select_one("details#more-reasons").has_attr("open")


def test_kommun_by_code_or_slug(client, kommuner):
    assert client.get("/k/1487/").status_code == 200
    assert client.get("/k/vanersborg/").status_code == 200
    assert client.get("/k/atlantis/").status_code == 404


def test_start_page_explains_and_warns(client, kommuner):
    page = parse_page(client.get("/").data)
    text = page.get_text(" ", strip=True)
    assert "Ring 112" in text and "114 14" in text
    assert "anonym" in text
    links = {a["href"] for a in page.select(".kommun-list a")}
    assert {"/k/vanersborg/", "/k/vaggeryd/", "/k/arboga/"} <= links


def test_report_new(client, kommuner, session):
    response = client.post("/k/vanersborg/", data=valid_form())
    assert response.status_code == 303
    report = session.scalar(select(Report))
    assert response.headers["Location"] == "/kvitto"
    assert report.kommun.code == "1487"
    assert report.reason_codes == ["people.youth_groups", "place.dark"]
    assert (report.at_evening, report.at_night, report.at_day) == (True, True, False)
    assert report.on_weekends and not report.on_weekdays
    assert report.unsafe_level == 2
    assert report.status == "ny" and report.source == "online" and report.kind == "otrygg"
    assert report.location_method == "map"
    assert report.registration_number == f"1487-{report.created_at:%Y}-{report.id:06d}"
    assert report.created_at.tzinfo is not None
    # Nothing that identifies the device is stored.
    columns = {c.name for c in Report.__table__.columns}
    assert not columns & {"ip", "ip_address", "user_agent", "remote_addr"}


def test_report_safe_place(client, kommuner, session):
    response = client.post(
        "/k/vanersborg/",
        data=valid_form(kind="trygg", reasons=["positive.lighting", "place.dark"]),
    )
    assert response.status_code == 303
    report = session.scalar(select(Report))
    assert report.kind == "trygg"
    # A reason of the other kind, ticked before switching, is dropped.
    assert report.reason_codes == ["positive.lighting"]
    assert report.unsafe_level is None


def test_how_unsafe_is_not_asked_about_a_safe_place(client, kommuner, session):
    """An answer to "Hur otrygg?" left from before switching to trygg is dropped, not refused."""
    response = client.post(
        "/k/vanersborg/",
        data=valid_form(kind="trygg", reasons=["positive.lighting"], unsafe_level="9"),
    )
    assert response.status_code == 303
    assert session.scalar(select(Report)).unsafe_level is None


def test_report_with_optional_details(client, kommuner, session):
    response = client.post(
        "/k/vanersborg/",
        data=valid_form(age_band="25-34", gender="kvinna", email="a@exempel.se", consent="y"),
    )
    assert response.status_code == 303
    report = session.scalar(select(Report))
    assert (report.age_band, report.gender) == ("25-34", "kvinna")
    assert report.contact_email == "a@exempel.se" and report.contact_consent_at is not None


def test_pin_kept_inside_the_boundary_of_the_right_kommun(client, kommuner, session):
    lat, lon = VANERSBORG_TORGET
    response = client.post("/k/arboga/", data=valid_form())
    assert response.status_code == 400
    assert session.scalar(select(Report)) is None
    assert client.post("/k/vanersborg/", data=valid_form()).status_code == 303


def test_the_likely_reasons_are_counted_again_after_five_minutes(
    client, kommuner, create_report_at, clock
):
    """Counting them reads a year of reports: the form keeps its list for five minutes."""
    vanersborg = kommuner["Vänersborg"]
    for _ in range(5):
        create_report_at(vanersborg, *VANERSBORG_TORGET, reasons=["place.bushes"])

    def suggested() -> list[str]:
        page = parse_page(client.get("/k/vanersborg/").data)
        return [i["value"] for i in page.select("#suggested-reasons input[name=reasons]")]

    assert suggested() == ["place.bushes"]
    for _ in range(6):
        create_report_at(vanersborg, *VANERSBORG_TORGET, reasons=["place.dark"])
    clock.shift(240)
    assert suggested() == ["place.bushes"]
    clock.shift(70)
    assert suggested() == ["place.dark", "place.bushes"]


def test_the_form_never_counts_them_itself(app, client, kommuner, create_report_at, monkeypatch):
    """With a job worker beside it, the form asks for a count once and shows every reason
    until the count is there; then the count."""
    import jobs
    from feedback.suggestions import count_suggestions

    asked = []
    monkeypatch.setattr(jobs, "enqueue", lambda _app, name, *args: asked.append((name, args)))
    vanersborg = kommuner["Vänersborg"]
    for _ in range(5):
        create_report_at(vanersborg, *VANERSBORG_TORGET, reasons=["place.bushes"])
    for _ in range(2):
        page = parse_page(client.get("/k/vanersborg/").data)
        assert page.select_one("#suggested-reasons").has_attr("hidden")
        assert page.select_one("details#more-reasons").has_attr("open")
    assert asked == [("feedback.suggestions", (vanersborg.id,))]
    with app.app_context():
        count_suggestions(app, vanersborg.id)  # what the job worker does
    page = parse_page(client.get("/k/vanersborg/").data)
    assert [i["value"] for i in page.select("#suggested-reasons input[name=reasons]")] == [
        "place.bushes"
    ]
