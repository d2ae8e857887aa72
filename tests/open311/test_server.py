"""The Open311 GeoReport v2 server, used as a client written from the specification would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree

import pytest
from sqlalchemy import func, select

from feedback.models import Report
from tests.open311.client import BASE, LAT, LON, PUBLIC_ID, REGISTRATION_NUMBER, post


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


def test_post_and_read_back_in_json_and_xml(app, client, kommuner, keys, session):
    app.config["PUBLIC_MIN_CELL_REPORTS"] = 2
    response = post(
        client,
        keys["client"],
        **{"attribute[times][]": "kvall", "attribute[unsafe_level]": "3"},
    )
    assert response.status_code == 201, response.data
    answer = response.get_json()[0]
    public, token = answer["service_request_id"], answer["token"]
    stored = session.scalar(select(Report).order_by(Report.id.desc()))
    assert stored.source == "open311" and stored.times_of_day == ["kvall"]
    assert stored.unsafe_level == 3 and stored.reason_codes == ["place.dark"]
    # A client key gets the request's public id, never the sequential registration number.
    assert PUBLIC_ID.fullmatch(public) and public != stored.registration_number
    assert client.get(f"{BASE}/tokens/{token}.json?jurisdiction_id=1487").get_json() == [
        {"service_request_id": public, "token": token}
    ]
    # Alone in its cell, it is not public yet.
    assert client.get(f"{BASE}/requests/{public}.json?jurisdiction_id=1487").status_code == 404

    posted_xml = post(client, keys["client"], fmt="xml")
    assert posted_xml.status_code == 201 and posted_xml.mimetype == "text/xml"
    public_xml = xml(posted_xml).findtext("request/service_request_id")
    one = client.get(f"{BASE}/requests/{public}.json?jurisdiction_id=1487").get_json()
    assert one[0]["service_request_id"] == public
    assert one[0]["status"] == "open" and one[0]["service_code"] == "place.dark"
    read = xml(client.get(f"{BASE}/requests/{public_xml}.xml?jurisdiction_id=1487"))
    assert read.tag == "service_requests"
    assert read.findtext("request/service_request_id") == public_xml
    assert read.findtext("request/status") == "open"

    listed = client.get(f"{BASE}/requests.json?jurisdiction_id=1487").get_json()
    assert {r["service_request_id"] for r in listed} == {public, public_xml}

    # The kommun's staff key reads and posts by registration number.
    staff = f"jurisdiction_id=1487&api_key={keys['staff']}"
    exact = client.get(f"{BASE}/requests/{stored.registration_number}.json?{staff}").get_json()
    assert exact[0]["service_request_id"] == stored.registration_number
    number = post(client, keys["staff"]).get_json()[0]["service_request_id"]
    assert REGISTRATION_NUMBER.fullmatch(number)


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


def test_filters_and_paging(client, kommuner, keys, session):
    for _ in range(5):
        post(client, keys["client"])
    post(client, keys["client"], service_code="disorder.drugs")
    stored = session.scalars(select(Report).order_by(Report.id)).all()
    numbers = [r.registration_number for r in stored]
    stored[0].status = "avslutad"
    stored[1].created_at = datetime.now(UTC) - timedelta(days=200)
    session.commit()
    staff = f"jurisdiction_id=1487&api_key={keys['staff']}"

    def ids(query):
        response = client.get(f"{BASE}/requests.json?{staff}&{query}")
        assert response.status_code == 200, response.data
        return {r["service_request_id"] for r in response.get_json()}

    assert ids("") == set(numbers) - {numbers[1]}  # the last 90 days by default
    assert ids("status=closed") == {numbers[0]}
    assert numbers[0] not in ids("status=open")
    assert ids("service_code=disorder.drugs") == {numbers[5]}
    start = (datetime.now(UTC) - timedelta(days=365)).isoformat()
    assert ids(f"start_date={start}") == set(numbers)
    assert ids(f"service_request_id={numbers[1]},{numbers[2]}") == {numbers[1], numbers[2]}

    first = client.get(f"{BASE}/requests.json?{staff}&page_size=2")
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
        for reader in (staff, "jurisdiction_id=1487"):
            refused = client.get(f"{BASE}/requests.json?{reader}&{bad}")
            assert refused.status_code == 400, bad


def test_erased_hidden_and_other_kommuners_reports_are_not_served(
    app, client, kommuner, keys, session, create_report_at
):
    app.config["PUBLIC_MIN_CELL_REPORTS"] = 1
    public = post(client, keys["client"]).get_json()[0]["service_request_id"]
    report = session.scalar(select(Report))
    staff = f"jurisdiction_id=1487&api_key={keys['staff']}"
    arboga = create_report_at(kommuner["Arboga"], 59.3937, 15.8389)
    assert (
        client.get(f"{BASE}/requests/{arboga.registration_number}.json?{staff}").status_code == 404
    )
    assert client.get(f"{BASE}/requests/{public}.json?jurisdiction_id=1487").status_code == 200
    report.hidden = True
    session.commit()
    assert client.get(f"{BASE}/requests/{public}.json?jurisdiction_id=1487").status_code == 404
    number = report.registration_number
    assert client.get(f"{BASE}/requests/{number}.json?{staff}").status_code == 404


def test_posts_are_rate_limited_per_key(app, client, kommuner, keys):
    app.config["OPEN311_POST_RATE_LIMIT"] = "2 per minute"
    assert [post(client, keys["client"]).status_code for _ in range(2)] == [201, 201]
    limited = post(client, keys["client"], fmt="xml")
    assert limited.status_code == 429 and xml(limited).findtext("error/code") == "429"
    assert post(client, keys["staff"]).status_code == 201  # another key counts on its own


def _form(**fields):
    return {
        "jurisdiction_id": "1487",
        "service_code": "place.dark",
        "lat": str(LAT),
        "long": str(LON),
    } | fields


def test_a_second_key_in_the_query_neither_escapes_the_limit_nor_passes(
    app, client, kommuner, keys, session
):
    """The key in the header was checked while a random one in the query was counted."""
    app.config["OPEN311_POST_RATE_LIMIT"] = "2 per minute"
    header = {"X-Api-Key": keys["client"]}
    two_keys = [
        client.post(f"{BASE}/requests.json?api_key=tk_random{i}", data=_form(), headers=header)
        for i in range(2)
    ]
    assert [r.status_code for r in two_keys] == [400, 400]
    assert "en API-nyckel" in two_keys[0].get_json()[0]["description"]
    assert count(session) == 0
    in_header = [
        client.post(f"{BASE}/requests.json", data=_form(), headers=header).status_code
        for _ in range(3)
    ]
    assert in_header == [201, 201, 429]
    # The same key, wherever it is sent, is the same counter.
    again = client.post(
        f"{BASE}/requests.json?api_key={keys['client']}", data=_form(), headers=header
    )
    assert again.status_code == 429
    assert post(client, keys["client"]).status_code == 429
    assert count(session) == 2


def test_posts_are_rate_limited_per_address_whatever_the_key(app, client, kommuner, keys):
    """Client keys ship inside apps: anyone may hold one, so an address has a limit too."""
    app.config["OPEN311_POST_ADDRESS_RATE_LIMIT"] = "2 per minute"
    assert post(client, keys["client"]).status_code == 201
    assert post(client, keys["staff"]).status_code == 201
    assert post(client, keys["staff"]).status_code == 429
    elsewhere = client.post(
        f"{BASE}/requests.json",
        data=_form(api_key=keys["staff"]),
        environ_base={"REMOTE_ADDR": "192.0.2.7"},
    )
    assert elsewhere.status_code == 201


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
