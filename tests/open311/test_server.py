"""The Open311 GeoReport v2 server, used as a client written from the specification would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree

import pytest
from sqlalchemy import func, select

from audit.models import AuditEvent
from feedback.models import Report
from open311.keys import create_key

LAT, LON = 58.38065, 12.32265  # Vänersborg, Torget
BASE = "/open311/v2"


@pytest.fixture
def keys(kommuner, session):
    _client, client_key = create_key(session, "Trygghetsappen")
    _staff, staff_key = create_key(
        session, "Felanmälan Vänersborg", kommun=kommuner["Vänersborg"], staff=True
    )
    _other, arboga_key = create_key(session, "Arboga app", kommun=kommuner["Arboga"])
    session.commit()
    return {"client": client_key, "staff": staff_key, "arboga": arboga_key}


def post(client, key, fmt="json", **fields):
    data = {
        "api_key": key,
        "jurisdiction_id": "1487",
        "service_code": "place.dark",
        "lat": str(LAT),
        "long": str(LON),
        "description": "Mörkt vid busshållplatsen",
    } | fields
    return client.post(
        f"{BASE}/requests.{fmt}", data={k: v for k, v in data.items() if v is not None}
    )


def count(session):
    return session.scalar(select(func.count()).select_from(Report))


def xml(response):
    return ElementTree.fromstring(response.data)


def test_discovery_and_services_in_json_and_xml(client, kommuner):
    discovery = client.get(f"{BASE}/discovery.json").get_json()
    endpoint = discovery["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2")
    assert set(endpoint["formats"]) == {"application/json", "text/xml"}
    assert xml(client.get(f"{BASE}/discovery.xml")).find("endpoints/endpoint/type").text == (
        "production"
    )

    services = client.get(f"{BASE}/services.json?jurisdiction_id=1487").get_json()
    dark = next(s for s in services if s["service_code"] == "place.dark")
    assert dark["service_name"] == "Belysning saknas, mörk plats"
    assert dark["group"] == "Otrygg plats" and dark["metadata"] is True
    assert dark["type"] == "realtime" and "otrygg" in dark["keywords"]

    response = client.get(f"{BASE}/services.xml?jurisdiction_id=vanersborg")
    assert response.mimetype == "text/xml"
    codes = [s.findtext("service_code") for s in xml(response).findall("service")]
    assert codes == [s["service_code"] for s in services]

    english = client.get(
        f"{BASE}/services.json?jurisdiction_id=1487", headers={"Accept-Language": "en"}
    ).get_json()
    assert next(s for s in english if s["service_code"] == "place.dark")["service_name"] == (
        "No lighting, dark place"
    )


def test_service_definition_lists_the_attributes(client, kommuner):
    definition = client.get(f"{BASE}/services/place.dark.json?jurisdiction_id=1487").get_json()
    attributes = {a["code"]: a for a in definition["attributes"]}
    assert attributes["times"]["datatype"] == "multivaluelist"
    assert [v["key"] for v in attributes["times"]["values"]] == ["dag", "kvall", "natt"]
    assert attributes["kind"]["datatype"] == "singlevaluelist"
    assert "unsafe_level" in attributes and "age_band" in attributes
    assert [a["order"] for a in definition["attributes"]] == sorted(
        a["order"] for a in definition["attributes"]
    )
    safe = client.get(f"{BASE}/services/positive.lighting.xml?jurisdiction_id=1487")
    assert "unsafe_level" not in [a.findtext("code") for a in xml(safe).iter("attribute")]
    missing = client.get(f"{BASE}/services/no.such.json?jurisdiction_id=1487")
    assert missing.status_code == 404 and missing.get_json()[0]["code"] == 404


def test_post_and_read_back_in_json_and_xml(client, kommuner, keys, session):
    response = post(
        client,
        keys["client"],
        **{"attribute[times][]": "kvall", "attribute[unsafe_level]": "3"},
    )
    assert response.status_code == 201, response.data
    answer = response.get_json()[0]
    number, token = answer["service_request_id"], answer["token"]
    assert number.startswith("1487-")
    stored = session.scalar(select(Report).where(Report.registration_number == number))
    assert stored.source == "open311" and stored.times_of_day == ["kvall"]
    assert stored.unsafe_level == 3 and stored.reason_codes == ["place.dark"]

    one = client.get(f"{BASE}/requests/{number}.json?jurisdiction_id=1487").get_json()
    assert one[0]["service_request_id"] == number
    assert one[0]["status"] == "open" and one[0]["service_code"] == "place.dark"
    assert client.get(f"{BASE}/tokens/{token}.json?jurisdiction_id=1487").get_json() == [
        {"service_request_id": number, "token": token}
    ]

    posted_xml = post(client, keys["client"], fmt="xml")
    assert posted_xml.status_code == 201 and posted_xml.mimetype == "text/xml"
    number_xml = xml(posted_xml).findtext("request/service_request_id")
    read = xml(client.get(f"{BASE}/requests/{number_xml}.xml?jurisdiction_id=1487"))
    assert read.tag == "service_requests"
    assert read.findtext("request/service_request_id") == number_xml
    assert read.findtext("request/status") == "open"

    listed = client.get(f"{BASE}/requests.json?jurisdiction_id=1487").get_json()
    assert {r["service_request_id"] for r in listed} == {number, number_xml}


def test_a_landmark_by_name_instead_of_coordinates(client, kommuner, keys, session):
    response = post(client, keys["client"], lat=None, long=None, address_string="torget")
    assert response.status_code == 201
    stored = session.scalar(select(Report).order_by(Report.id.desc()))
    assert stored.location_method == "landmark" and stored.landmark.name == "Torget"
    unknown = post(client, keys["client"], lat=None, long=None, address_string="Månen")
    assert unknown.status_code == 400 and "Torget" in unknown.get_json()[0]["description"]


@pytest.mark.parametrize(
    ("fields", "status", "text"),
    [
        ({"api_key": None}, 403, "API-nyckel"),
        ({"api_key": "tk_forged"}, 403, "ogiltig"),
        ({"jurisdiction_id": "9999"}, 404, "9999"),
        ({"service_code": "no.such"}, 400, "no.such"),
        ({"service_code": None}, 400, "service_code"),
        ({"lat": "57.7089", "long": "11.9746"}, 400, "utanför Vänersborg"),
        ({"lat": "NaN", "long": "12.3"}, 400, "kunde inte läsas"),
        ({"lat": None, "long": None}, 400, "lat och long"),
        ({"description": "x" * 4001}, 400, "4000"),
        ({"attribute[kind]": "trygg"}, 400, "otrygga platser"),
        ({"attribute[times][]": "midnatt"}, 400, "dag, kväll eller natt"),
        ({"attribute[unsafe_level]": "9"}, 400, "unsafe_level"),
        ({"attribute[recurring]": "kanske"}, 400, "ja eller nej"),
        ({"email": "a@b.se"}, 400, "samtycket"),
        ({"email": "inte en adress", "attribute[consent]": "ja"}, 400, "e-postadress"),
    ],
)
def test_bad_posts_are_refused_in_the_error_format(
    client, kommuner, keys, session, fields, status, text
):
    for fmt in ("json", "xml"):
        response = post(client, keys["client"], fmt=fmt, **fields)
        assert response.status_code == status, response.data
        if fmt == "json":
            errors = response.get_json()
            assert errors[0]["code"] == status and text in errors[0]["description"]
        else:
            error = xml(response).find("error")
            assert error.findtext("code") == str(status) and text in error.findtext("description")
    assert count(session) == 0


def test_keys_of_another_kommun_and_wrong_bodies(client, kommuner, keys, session):
    assert post(client, keys["arboga"]).status_code == 403
    as_json = client.post(
        f"{BASE}/requests.json", json={"api_key": keys["client"], "service_code": "place.dark"}
    )
    assert as_json.status_code == 400 and as_json.get_json()[0]["code"] == 400
    broken = client.post(
        f"{BASE}/requests.json",
        data=b"api_key=" + keys["client"].encode() + b"&description=%FF%FE",
        content_type="application/x-www-form-urlencoded",
    )
    assert broken.status_code == 400
    no_jurisdiction = post(client, keys["client"], jurisdiction_id=None)
    assert no_jurisdiction.status_code == 400
    assert "jurisdiction_id" in no_jurisdiction.get_json()[0]["description"]
    assert post(client, keys["staff"], jurisdiction_id=None).status_code == 201  # its kommun
    assert count(session) == 1


def test_routing_errors_speak_open311(client, kommuner):
    gone = client.get(f"{BASE}/nothing.xml")
    assert gone.status_code == 404 and xml(gone).findtext("error/code") == "404"
    wrong = client.delete(f"{BASE}/services.json")
    assert wrong.status_code == 405 and wrong.get_json()[0]["code"] == 405
    no_format = client.get(f"{BASE}/services/place.dark")
    assert no_format.status_code == 404


def test_public_reads_show_what_the_public_map_shows(app, client, kommuner, keys, session):
    app.config["PUBLIC_MIN_CELL_REPORTS"] = 3
    numbers = [
        post(client, keys["client"], description="Ring 070-123 45 67").get_json()[0][
            "service_request_id"
        ]
        for _ in range(3)
    ]
    lonely = post(client, keys["client"], lat="58.3600", long="12.2900").get_json()[0][
        "service_request_id"
    ]
    public = {
        r["service_request_id"]: r
        for r in client.get(f"{BASE}/requests.json?jurisdiction_id=1487").get_json()
    }
    crowded = public[numbers[0]]
    assert "description" not in crowded and "address" not in crowded
    assert (crowded["lat"], crowded["long"]) != (LAT, LON)
    assert abs(crowded["lat"] - LAT) < 0.003 and abs(crowded["long"] - LON) < 0.005
    assert "lat" not in public[lonely]  # a cell with fewer than k reports: no place at all

    staff = client.get(
        f"{BASE}/requests.json?jurisdiction_id=1487&api_key={keys['staff']}"
    ).get_json()
    exact = next(r for r in staff if r["service_request_id"] == numbers[0])
    assert (exact["lat"], exact["long"]) == (LAT, LON)
    assert exact["description"] == "Ring [telefonnummer]"
    logged = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "open311.read_exact")
    ).all()
    assert len(logged) == 1 and logged[0].details["client"] == "Felanmälan Vänersborg"
    assert "Ring" not in str(logged[0].details)

    # A staff key of another kommun reads Vänersborg as the public does.
    other = client.get(
        f"{BASE}/requests.json?jurisdiction_id=1487&api_key={keys['arboga']}"
    ).get_json()
    assert all("description" not in r for r in other)


def test_filters_and_paging(client, kommuner, keys, session):
    numbers = [post(client, keys["client"]).get_json()[0]["service_request_id"] for _ in range(5)]
    numbers.append(
        post(client, keys["client"], service_code="disorder.drugs").get_json()[0][
            "service_request_id"
        ]
    )
    closed = session.scalar(select(Report).where(Report.registration_number == numbers[0]))
    closed.status = "avslutad"
    old = session.scalar(select(Report).where(Report.registration_number == numbers[1]))
    old.created_at = datetime.now(UTC) - timedelta(days=200)
    session.commit()

    def ids(query):
        response = client.get(f"{BASE}/requests.json?jurisdiction_id=1487&{query}")
        assert response.status_code == 200, response.data
        return {r["service_request_id"] for r in response.get_json()}

    assert ids("") == set(numbers) - {numbers[1]}  # the last 90 days by default
    assert ids("status=closed") == {numbers[0]}
    assert numbers[0] not in ids("status=open")
    assert ids("service_code=disorder.drugs") == {numbers[5]}
    start = (datetime.now(UTC) - timedelta(days=365)).isoformat()
    assert ids(f"start_date={start}") == set(numbers)
    assert ids(f"service_request_id={numbers[1]},{numbers[2]}") == {numbers[1], numbers[2]}

    first = client.get(f"{BASE}/requests.json?jurisdiction_id=1487&page_size=2")
    assert first.headers["X-Total-Count"] == "5" and len(first.get_json()) == 2
    assert "page=2" in first.headers["Link"]
    pages = [ids(f"page_size=2&page={p}") for p in (1, 2, 3)]
    assert set().union(*pages) == set(numbers) - {numbers[1]}

    for bad in (
        "status=pending",
        "start_date=igår",
        "page=0",
        "page_size=5000",
        "service_code=nope",
        f"start_date={start}&end_date=2000-01-01T00:00:00Z",
    ):
        refused = client.get(f"{BASE}/requests.json?jurisdiction_id=1487&{bad}")
        assert refused.status_code == 400, bad


def test_erased_hidden_and_other_kommuners_reports_are_not_served(
    client, kommuner, keys, session, create_report_at
):
    number = post(client, keys["client"]).get_json()[0]["service_request_id"]
    arboga = create_report_at(kommuner["Arboga"], 59.3937, 15.8389)
    assert (
        client.get(
            f"{BASE}/requests/{arboga.registration_number}.json?jurisdiction_id=1487"
        ).status_code
        == 404
    )
    report = session.scalar(select(Report).where(Report.registration_number == number))
    report.hidden = True
    session.commit()
    assert client.get(f"{BASE}/requests/{number}.json?jurisdiction_id=1487").status_code == 404


def test_posts_are_rate_limited_per_key(app, client, kommuner, keys):
    app.config["OPEN311_POST_RATE_LIMIT"] = "2 per minute"
    assert [post(client, keys["client"]).status_code for _ in range(2)] == [201, 201]
    limited = post(client, keys["client"], fmt="xml")
    assert limited.status_code == 429 and xml(limited).findtext("error/code") == "429"
    assert post(client, keys["staff"]).status_code == 201  # another key counts on its own


def test_cli_issues_lists_and_revokes_keys(runner, client, kommuner, session):
    result = runner.invoke(args=["open311", "create-key", "Partnerwebb", "--kommun", "1487"])
    assert result.exit_code == 0, result.output
    key = result.output.strip()
    assert post(client, key).status_code == 201
    listing = runner.invoke(args=["open311", "list-keys"]).output
    assert "Partnerwebb" in listing and key not in listing
    assert runner.invoke(args=["open311", "revoke-key", key[:10]]).exit_code == 0
    assert post(client, key).status_code == 403
    refused = runner.invoke(args=["open311", "create-key", "X", "--staff"])
    assert refused.exit_code != 0


def test_a_resend_with_an_idempotency_key_stores_once(client, kommuner, keys, session):
    headers = {"Idempotency-Key": "app-7f3a-0001"}
    data = {
        "api_key": keys["client"],
        "jurisdiction_id": "1487",
        "service_code": "place.dark",
        "lat": str(LAT),
        "long": str(LON),
    }
    first = client.post(f"{BASE}/requests.json", data=data, headers=headers)
    again = client.post(f"{BASE}/requests.json", data=data, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json() == first.get_json()
    assert count(session) == 1
    other_key = client.post(
        f"{BASE}/requests.json", data=data | {"api_key": keys["staff"]}, headers=headers
    )
    assert other_key.status_code == 201 and count(session) == 2  # keys are per client
    too_long = client.post(
        f"{BASE}/requests.json", data=data, headers={"Idempotency-Key": "x" * 201}
    )
    assert too_long.status_code == 400 and count(session) == 2
