"""One report in a quiet place changes nothing anyone can see without logging in.

Walks every public endpoint of app.url_map (pages, JSON, GeoJSON in the map, the Atom feed,
Open311 reads with and without a client key) and compares what they answer before and after
a report is added to, or taken from, a 250 m cell holding fewer than PUBLIC_MIN_CELL_REPORTS
(k) reports. Volatile bits (CSP nonces, the map's generated element ids, the form's one-time
submission id) are blanked first; each URL is asked by a first-time visitor.
A new public endpoint must be given URLs here, or the walk fails.

Finally a report in a busy cell must change what the map shows, so the walk is known to see.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, timedelta

import pytest

from feedback.models import Report
from geo.projection import SWEREF99TM, plane
from open311.keys import create_key
from promises.models import FocusArea, FollowUp, Promise
from surveys.models import WalkStop
from tests.helpers import VANERSBORG_TORGET, square_around
from tests.routes import PUBLIC_BLUEPRINTS, PUBLIC_ENDPOINTS

K = 5
# Files served from disk, whatever the database holds.
FILES = {"static", "vendor.vendor"}


def cell_points(lat: float, lon: float) -> list[tuple[float, float]]:
    """Points well inside the 250 m SWEREF 99 TM cell that holds (lat, lon)."""
    sweref = plane(SWEREF99TM)
    x, y = sweref.to_metres([lat], [lon])
    cx, cy = (math.floor(x[0] / 250) + 0.5) * 250, (math.floor(y[0] / 250) + 0.5) * 250
    offsets = [(-60, -40), (50, 30), (0, 70), (-80, 60), (70, -70), (20, -20), (-30, 90)]
    lats, lons = sweref.to_wgs84([cx + dx for dx, _ in offsets], [cy + dy for _, dy in offsets])
    return [(round(float(a), 6), round(float(b), 6)) for a, b in zip(lats, lons, strict=True)]


BUSY = cell_points(*VANERSBORG_TORGET)
QUIET = cell_points(58.3600, 12.2900)


@pytest.fixture
def town(app, kommuner, session, create_report_at, create_dialogue):
    """A kommun with a busy cell, a quiet one, a signed promise and a published walk."""
    app.config["PUBLIC_MIN_CELL_REPORTS"] = K
    app.config["NEARBY_RATE_LIMIT"] = "100000 per minute"
    app.config["OPEN311_GET_RATE_LIMIT"] = "100000 per minute"
    vanersborg = kommuner["Vänersborg"]
    past = datetime.now(UTC) - timedelta(days=20)
    busy = [
        create_report_at(
            vanersborg, lat, lon, reasons=["place.dark"], created_at=past, submission_id=f"b{i}"
        )
        for i, (lat, lon) in enumerate(BUSY[:K])
    ]
    busy[0].status = "avslutad"
    quiet = [
        create_report_at(vanersborg, lat, lon, reasons=["place.dark"], created_at=past)
        for lat, lon in QUIET[: K - 2]
    ]
    promise = Promise(
        kommun_id=vanersborg.id,
        title="Tryggare kvällar vid Torget",
        lokalpolisomrade="Vänersborg",
        starts_on=date(2026, 1, 1),
        ends_on=date(2027, 12, 31),
        status="undertecknat",
        summary="Bättre belysning och fler vuxna ute.",
    )
    promise.focus_areas.append(
        FocusArea(title="Torget", polygon=square_around(*VANERSBORG_TORGET, 0.002))
    )
    session.add(promise)
    session.flush()
    session.add(
        FollowUp(
            promise_id=promise.id,
            period_start=date(2026, 1, 1),
            done_on=date(2026, 3, 1),
            text="Ny belysning uppsatt.",
        )
    )
    walk = create_dialogue(vanersborg, "trygghetsvandring", published_at=past)
    session.add(WalkStop(session_id=walk.id, number=1, place="Tunneln", action="Mer ljus"))
    _record, client_key = create_key(session, "Trygghetsappen")
    session.commit()
    return {
        "kommun": vanersborg,
        "busy": busy,
        "quiet": quiet,
        "walk": walk,
        "promise": promise,
        "key": client_key,
        "past": past,
    }


def urls(client, town) -> dict[str, list[str]]:
    """Every public GET endpoint with the URLs the walk asks, by endpoint."""
    busy = town["busy"][1]
    token = f"/open311/v2/tokens/{busy.submission_id}.json?jurisdiction_id=1487"
    busy_id = client.get(f"{token}&api_key={town['key']}").get_json()[0]["service_request_id"]
    receipt = busy.receipt_code
    nara = "/api/k/vanersborg/nara?lat={}&lon={}"
    o311 = "/open311/v2"
    lists = [
        "",
        "&service_code=place.dark",
        "&service_code=disorder.drugs",
        "&status=open",
        "&status=closed",
        f"&start_date={(town['past'] - timedelta(days=3)).isoformat().replace('+00:00', 'Z')}",
        f"&api_key={town['key']}",
        "&page_size=2&page=2",
    ]
    return {
        "health.healthz": ["/healthz"],
        "feedback.index": ["/"],
        "feedback.choose_kommun": ["/k/?kommun=vanersborg"],
        "feedback.new_report": ["/k/vanersborg/", "/k/vanersborg/?lang=en"],
        "feedback.nearby": [nara.format(*p) for p in (*QUIET, BUSY[0], BUSY[6])],
        # The receipt code only in a POST; old links with a code move on at once.
        "feedback.receipt": ["/kvitto"],
        "feedback.receipt_by_code": [f"/kvitto/{receipt}"],
        "feedback.status_lookup": ["/status"],
        "feedback.status": ["/status/mitt-forslag"],
        "feedback.status_by_code": [f"/status/{receipt}"],
        "feedback.own_report": ["/status/mitt-forslag.json"],
        "feedback.own_report_by_code": [f"/status/{receipt}/mitt-forslag.json"],
        "accounts.login": ["/inloggning"],
        "accounts.accept": ["/inbjudan/not-a-token"],
        "public_promises.page": ["/k/vanersborg/loften", "/k/vanersborg/loften?lang=ar"],
        "public_promises.promise_page": [f"/k/vanersborg/loften/{town['promise'].id}"],
        "public_promises.follow": [f"/k/vanersborg/loften/{town['promise'].id}/folj"],
        "public_promises.follow_sent": [f"/k/vanersborg/loften/{town['promise'].id}/folj/skickat"],
        "resident_mail.unsubscribe": ["/epost/avregistrera/not-a-token"],
        "resident_mail.questionnaire": ["/epost/enkat/not-a-token"],
        "resident_mail.confirm_subscription": ["/epost/folj/not-a-token"],
        "public_promises.feed": ["/k/vanersborg/loften/flode.atom"],
        # An uploaded PDF, and only once published (tests/promises/test_agreement_document.py).
        "public_promises.agreement_document": ["/k/vanersborg/overenskommelser/999/dokument"],
        "public_walks.protocol": [f"/k/vanersborg/trygghetsvandringar/{town['walk'].id}"],
        "public_walks.protocol_pdf": [
            f"/k/vanersborg/trygghetsvandringar/{town['walk'].id}/protokoll.pdf"
        ],
        "open311.discovery": [f"{o311}/discovery.json", f"{o311}/discovery.xml"],
        "open311.services": [f"{o311}/services.json?jurisdiction_id=1487"],
        "open311.service_definition": [f"{o311}/services/place.dark.xml?jurisdiction_id=1487"],
        "open311.list_requests": [
            f"{o311}/requests.{fmt}?jurisdiction_id=1487{query}"
            for fmt in ("json", "xml")
            for query in lists
        ],
        "open311.show_request": [
            f"{o311}/requests/{busy_id}.json?jurisdiction_id=1487",
            f"{o311}/requests/{busy.registration_number}.xml?jurisdiction_id=1487",
        ],
        "open311.token": [token, f"{token}&api_key={town['key']}"],
        "open311.openapi_document": [f"{o311}/openapi.json"],
    }


VOLATILE = [
    (re.compile(rb"nonce-[A-Za-z0-9+/=_-]+"), b"nonce-N"),
    (re.compile(rb'nonce="[^"]*"'), b'nonce="N"'),
    (re.compile(rb"_[0-9a-f]{32}(?![0-9a-f])"), b"_ID"),  # folium's generated element ids
    (re.compile(rb'name="submission_id" type="hidden" value="[0-9a-f]+"'), b"SUBMISSION"),
]
HEADERS = ("Content-Type", "X-Total-Count", "Link", "Content-Disposition", "Location")


def seen(client, walk: dict[str, list[str]]) -> dict[str, tuple[object, ...]]:
    """What each URL answers to a first-time visitor, volatile bits blanked."""
    answers = {}
    for url in (u for group in walk.values() for u in group):
        response = client.application.test_client().get(url)
        body = response.data
        for pattern, blank in VOLATILE:
            body = pattern.sub(blank, body)
        headers = tuple(response.headers.get(h) for h in HEADERS)
        answers[url] = (response.status_code, headers, body)
    return answers


def differences(before, after) -> list[str]:
    return [url for url in before if before[url] != after[url]]


def test_the_walk_covers_every_public_endpoint(app, client, town):
    walk = urls(client, town)
    public = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods
        and (rule.endpoint.split(".")[0] in PUBLIC_BLUEPRINTS or rule.endpoint in PUBLIC_ENDPOINTS)
    }
    assert public - FILES == set(walk), "give the new public endpoint URLs in urls()"
    answers = seen(client, walk)
    refused = {url for url, (status, _headers, _body) in answers.items() if status >= 400}
    assert refused == {
        "/inbjudan/not-a-token",
        "/epost/avregistrera/not-a-token",
        "/epost/enkat/not-a-token",
        "/epost/folj/not-a-token",
        walk["open311.show_request"][1],  # a registration number: staff keys only
        walk["public_promises.agreement_document"][0],  # none published here
    }


def test_a_report_in_a_quiet_place_changes_nothing_public(client, town, create_report_at):
    walk = urls(client, town)
    before = seen(client, walk)
    # Someone reports a rare reason in the quiet cell, inside the public year.
    added = create_report_at(
        town["kommun"],
        *QUIET[K - 2],
        reasons=["disorder.drugs"],
        created_at=town["past"],
        submission_id="added",
    )
    assert differences(before, seen(client, walk)) == []

    # Asked about by the id its poster got, or by its registration number, it answers as an
    # id that never existed does.
    token = f"/open311/v2/tokens/added.json?jurisdiction_id=1487&api_key={town['key']}"
    for request_id, never in (
        (client.get(token).get_json()[0]["service_request_id"], "1487-aaaaaaaaaaaaaaaa"),
        (added.registration_number, "1487-1999-000000"),
    ):
        url = "/open311/v2/requests/{}.json?jurisdiction_id=1487"
        answer = client.get(url.format(request_id))
        assert answer.status_code == 404
        assert answer.data.replace(request_id.encode(), b"ID") == client.get(
            url.format(never)
        ).data.replace(never.encode(), b"ID")


def test_a_report_taken_from_a_quiet_place_changes_nothing_public(client, town, session):
    walk = urls(client, town)
    before = seen(client, walk)
    erased = session.get(Report, town["quiet"][0].id)
    erased.erasure_requested_at = datetime.now(UTC)
    hidden = session.get(Report, town["quiet"][1].id)
    hidden.hidden = True
    session.commit()
    assert differences(before, seen(client, walk)) == []


def test_the_walk_sees_a_change_where_the_public_may_see_one(client, town, create_report_at):
    """A sixth report in the busy cell shows on the map: the walk is not blind."""
    walk = urls(client, town)
    before = seen(client, walk)
    create_report_at(town["kommun"], *BUSY[K], reasons=["place.dark"], created_at=town["past"])
    changed = differences(before, seen(client, walk))
    assert "/k/vanersborg/loften" in changed
    assert any(url.startswith("/api/k/vanersborg/nara") for url in changed)
    assert any(url.startswith("/open311/v2/requests.json") for url in changed)
    # Another resident's receipt pages stay as they were.
    assert not any(url.startswith(("/status/", "/kvitto/")) for url in changed)
