"""Forwarding to a felanmälan system, against a small Open311 server on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from flask import Flask, jsonify, request
from sqlalchemy import select

from feedback.models import Report
from open311 import forward
from open311.models import Forwarding, ForwardTarget
from tests.servers import serving

LAT, LON = 58.38065, 12.32265
KEY = "felanmalan-nyckel"


@dataclass
class Felanmalan:
    """A GeoReport v2 back end: records posts, answers as told, reports statuses."""

    url: str = ""
    posts: list[dict[str, Any]] = field(default_factory=list)
    fail_next: list[int] = field(default_factory=list)  # status codes for the next posts
    tokens_only: bool = False
    statuses: dict[str, tuple[str, str]] = field(default_factory=dict)

    def app(self) -> Flask:
        app = Flask("felanmalan")

        @app.post("/open311/v2/requests.json")
        def post():  # type: ignore[no-untyped-def]
            if self.fail_next:
                code = self.fail_next.pop(0)
                return jsonify([{"code": code, "description": "nope"}]), code
            if request.form.get("api_key") != KEY:
                return jsonify([{"code": 403, "description": "bad key"}]), 403
            self.posts.append(request.form.to_dict())
            number = f"FM-{len(self.posts)}"
            self.statuses[number] = ("open", "Mottagen")
            if self.tokens_only:
                return jsonify([{"token": f"tok-{number}"}])
            return jsonify([{"service_request_id": number, "service_notice": ""}])

        @app.get("/open311/v2/tokens/<token>.json")
        def token(token: str):  # type: ignore[no-untyped-def]
            return jsonify([{"service_request_id": token.removeprefix("tok-"), "token": token}])

        @app.get("/open311/v2/requests.json")
        def requests():  # type: ignore[no-untyped-def]
            wanted = request.args.get("service_request_id", "").split(",")
            return jsonify(
                [
                    {"service_request_id": n, "status": s, "status_notes": notes}
                    for n, (s, notes) in self.statuses.items()
                    if n in wanted
                ]
            )

        return app


@pytest.fixture
def felanmalan() -> Iterator[Felanmalan]:
    fake = Felanmalan()
    with serving(fake.app()) as server:
        fake.url = f"http://127.0.0.1:{server.server_port}/open311/v2"
        yield fake


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5) as client:
        yield client


@pytest.fixture
def target(kommuner, session, felanmalan):
    target = ForwardTarget(
        kommun=kommuner["Vänersborg"],
        name="Felanmälan Vänersborg",
        endpoint=felanmalan.url,
        api_key=KEY,
        jurisdiction_id="vanersborg.se",
        service_map={"place.broken_light": "GATLJUS", "damage.graffiti": "KLOTTER"},
        since=datetime.now(UTC) - timedelta(minutes=1),
    )
    session.add(target)
    session.commit()
    return target


def _forwarding(session, report) -> Forwarding:
    session.expire_all()
    return session.scalar(select(Forwarding).where(Forwarding.report_id == report.id))


def test_a_mapped_report_is_forwarded_retried_and_synced(
    kommuner, session, create_report_at, target, felanmalan, http
):
    lamp = create_report_at(
        kommuner["Vänersborg"],
        LAT,
        LON,
        reasons=["place.broken_light"],
        description="Lampan är trasig, ring mig på 070-123 45 67",
        email="boende@exempel.se",
    )
    create_report_at(kommuner["Vänersborg"], LAT, LON, reasons=["place.dark"])  # not mapped
    now = datetime.now(UTC)

    felanmalan.fail_next = [503]  # the back end is down at first
    first = forward.run(session, http, now)
    assert (first.queued, first.sent, first.retrying) == (1, 0, 1)
    waiting = _forwarding(session, lamp)
    assert waiting.state == "queued" and waiting.attempts == 1
    assert waiting.next_attempt_at == now + timedelta(minutes=1)
    assert "503" in waiting.last_error

    assert forward.run(session, http, now + timedelta(seconds=30)).sent == 0  # not due yet
    second = forward.run(session, http, now + timedelta(minutes=2))
    assert second.sent == 1 and second.queued == 0
    sent = _forwarding(session, lamp)
    assert sent.state == "sent" and sent.remote_id == "FM-1" and sent.attempts == 2
    posted = felanmalan.posts[0]
    assert posted["service_code"] == "GATLJUS" and posted["jurisdiction_id"] == "vanersborg.se"
    assert posted["description"] == "Lampan är trasig, ring mig på [telefonnummer]"
    assert float(posted["lat"]) == pytest.approx(LAT) and float(posted["long"]) == pytest.approx(
        LON
    )
    assert "boende@exempel.se" not in str(posted) and "email" not in posted
    report = session.get(Report, lamp.id)
    assert report.status == "vidarebefordrad" and report.forwarded_to == "felanmalan"

    felanmalan.statuses["FM-1"] = ("closed", "Lampan är bytt")
    third = forward.run(session, http, now + timedelta(minutes=3))
    assert third.synced == 1 and third.sent == 0
    synced = _forwarding(session, lamp)
    assert synced.remote_status == "closed" and synced.remote_status_notes == "Lampan är bytt"
    assert len(felanmalan.posts) == 1  # sent once, never again


def test_refusals_fail_at_once_and_tokens_are_resolved(
    kommuner, session, create_report_at, target, felanmalan, http
):
    refused = create_report_at(kommuner["Vänersborg"], LAT, LON, reasons=["damage.graffiti"])
    felanmalan.fail_next = [400]
    now = datetime.now(UTC)
    result = forward.run(session, http, now)
    assert result.failed == 1 and _forwarding(session, refused).state == "failed"
    assert forward.run(session, http, now + timedelta(hours=1)).sent == 0  # left for an admin

    forward.retry(_forwarding(session, refused), now)
    session.commit()
    felanmalan.tokens_only = True
    again = forward.run(session, http, now + timedelta(hours=1))
    assert again.sent == 1 and again.synced == 1
    item = _forwarding(session, refused)
    assert item.remote_token == "tok-FM-1" and item.remote_id == "FM-1"
    assert item.remote_status == "open"


def test_back_off_grows_and_gives_up(kommuner, session, create_report_at, target, http):
    assert [forward.backoff(n) for n in (1, 2, 3)] == [timedelta(minutes=m) for m in (1, 2, 4)]
    assert forward.backoff(30) == timedelta(hours=6)
    target.endpoint = "http://127.0.0.1:9/open311/v2"  # nothing listens there
    session.commit()
    report = create_report_at(kommuner["Vänersborg"], LAT, LON, reasons=["place.broken_light"])
    moment = datetime.now(UTC)
    for _ in range(forward.MAX_ATTEMPTS):
        forward.run(session, http, moment)
        moment += timedelta(hours=7)
    item = _forwarding(session, report)
    assert item.state == "failed" and item.attempts == forward.MAX_ATTEMPTS
    assert "ConnectError" in item.last_error


def test_residents_never_wait_for_felanmalan(client, kommuner, session, target):
    target.endpoint = "http://127.0.0.1:9/open311/v2"
    session.commit()
    response = client.post(
        "/k/vanersborg/",
        data={
            "kind": "otrygg",
            "lat": str(LAT),
            "lon": str(LON),
            "reasons": "place.broken_light",
            "submission_id": "a" * 32,
        },
    )
    assert response.status_code == 303  # stored; forwarding is the timer's job
    assert session.scalars(select(Forwarding)).all() == []


def test_forward_command(runner, kommuner, session, create_report_at, target, felanmalan):
    create_report_at(kommuner["Vänersborg"], LAT, LON, reasons=["place.broken_light"])
    old = create_report_at(kommuner["Vänersborg"], LAT, LON, reasons=["place.broken_light"])
    old.created_at = target.since - timedelta(days=1)  # from before the target existed
    session.commit()
    result = runner.invoke(args=["open311", "forward"])
    assert result.exit_code == 0, result.output
    assert "queued 1, sent 1" in result.output
    assert len(felanmalan.posts) == 1
