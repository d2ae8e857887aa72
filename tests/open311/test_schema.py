"""Schemathesis against the served OpenAPI document: no 500s, every answer as documented."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select

from feedback.models import Report
from open311.keys import create_key
from privacy.public import public_id

LAT, LON = 58.38065, 12.32265  # Vänersborg, Torget
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def steer(case, key: str) -> None:  # type: ignore[no-untyped-def]
    """Give most cases a real key and kommun, so the rules behind them are explored too."""
    for params in (case.query, case.body):
        if not isinstance(params, dict):
            continue
        if len(str(params.get("api_key", ""))) % 3 != 1:
            params["api_key"] = key
        if len(str(params.get("jurisdiction_id", ""))) % 3 != 1:
            params["jurisdiction_id"] = "1487"
        if "lat" in params and len(str(params["lat"])) % 2:
            params["lat"], params["long"] = LAT, LON
        if "service_code" in params and len(str(params["service_code"])) % 2:
            params["service_code"] = "place.dark"


@pytest.mark.slow
def test_the_api_keeps_to_its_schema(app, kommuner, session):
    _record, key = create_key(session, "Schemathesis", kommun=kommuner["Vänersborg"], staff=True)
    session.commit()
    app.config["OPEN311_POST_RATE_LIMIT"] = "100000 per minute"
    app.config["OPEN311_GET_RATE_LIMIT"] = "100000 per minute"
    schema = schemathesis.openapi.from_wsgi("/open311/v2/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 7
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
        def check(case):  # type: ignore[no-untyped-def]
            steer(case, key)
            case.call_and_validate(checks=CHECKS)

        check()


def test_answers_to_good_requests_match_the_schema(app, kommuner, session):
    _record, key = create_key(session, "Schemathesis", kommun=kommuner["Vänersborg"], staff=True)
    session.commit()
    schema = schemathesis.openapi.from_wsgi("/open311/v2/openapi.json", app)
    posted = (
        schema["/requests.{format}"]["POST"]
        .Case(
            path_parameters={"format": "json"},
            body={
                "api_key": key,
                "jurisdiction_id": "1487",
                "service_code": "place.dark",
                "lat": LAT,
                "long": LON,
                "description": "Mörkt",
                "attribute[times][]": ["kvall", "natt"],
            },
            media_type="application/x-www-form-urlencoded",
        )
        .call_and_validate(checks=CHECKS)
    )
    assert posted.status_code == 201
    number = posted.json()[0]["service_request_id"]
    app.config["PUBLIC_MIN_CELL_REPORTS"] = 1  # so that the public reads it too
    with app.test_request_context():
        public = public_id(kommuner["Vänersborg"], session.scalar(select(Report.public_token)))
    for fmt in ("json", "xml"):
        for api_key, request_id in ((key, number), (None, public)):
            query = {"jurisdiction_id": "1487"} | ({"api_key": api_key} if api_key else {})
            one = schema["/requests/{service_request_id}.{format}"]["GET"].Case(
                path_parameters={"service_request_id": request_id, "format": fmt}, query=query
            )
            assert one.call_and_validate(checks=CHECKS).status_code == 200
        listed = schema["/requests.{format}"]["GET"].Case(
            path_parameters={"format": fmt}, query={"jurisdiction_id": "1487"}
        )
        assert listed.call_and_validate(checks=CHECKS).status_code == 200
    for path, parameters in (
        ("/services/{service_code}.{format}", {"service_code": "place.dark"}),
        ("/tokens/{token}.{format}", {"token": posted.json()[0]["token"]}),
    ):
        case = schema[path]["GET"].Case(
            path_parameters=parameters | {"format": "json"}, query={"jurisdiction_id": "1487"}
        )
        assert case.call_and_validate(checks=CHECKS).status_code == 200
