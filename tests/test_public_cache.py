"""The public page's map data come from a cache, fresh after every change, per language."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event

import db
from app import create_app
from tests.conftest import VANERSBORG_TORGET
from tests.pages import parse_page

LAT, LON = VANERSBORG_TORGET


def cell_total(response) -> int:
    page = parse_page(response.data)
    return sum(int(r.select("td")[1].get_text()) for r in page.select("details table tbody tr"))


@pytest.fixture
def report_queries(app):
    """Counts the statements that read the report table."""
    seen: list[str] = []

    def note(_conn, _cursor, statement, *_args):
        if "FROM report" in statement:
            seen.append(statement)

    engine = db.get_engine(app)
    event.listen(engine, "before_cursor_execute", note)
    yield seen
    event.remove(engine, "before_cursor_execute", note)


def test_a_second_visit_reads_no_report_and_a_new_report_shows_at_once(
    client, kommuner, create_report_at, report_queries
):
    vbg = kommuner["Vänersborg"]
    for _ in range(5):
        create_report_at(vbg, LAT, LON)
    assert cell_total(client.get("/k/vanersborg/loften")) == 5
    report_queries.clear()
    assert cell_total(client.get("/k/vanersborg/loften")) == 5
    assert report_queries == []
    create_report_at(vbg, LAT, LON)  # committed outside any request
    assert cell_total(client.get("/k/vanersborg/loften")) == 6


def test_reports_changed_gives_the_kommun_a_new_generation(app, kommuner):
    from core.cache import generation
    from feedback.signals import reports_changed

    vbg, arboga = kommuner["Vänersborg"], kommuner["Arboga"]
    with app.app_context():
        before, other = generation(vbg.id), generation(arboga.id)
        reports_changed.send(app, kommun_id=vbg.id)
        assert generation(vbg.id) != before
        assert generation(arboga.id) == other


def test_each_language_and_request_gets_its_own_map_text_and_nonce(
    client, kommuner, create_report_at
):
    for _ in range(5):
        create_report_at(kommuner["Vänersborg"], LAT, LON)
    swedish = client.get("/k/vanersborg/loften")
    english = client.get("/k/vanersborg/loften?lang=en")
    assert "Otrygga platser (rutor" in swedish.get_data(as_text=True)
    assert "Otrygga platser (rutor" not in english.get_data(as_text=True)
    assert "Unsafe places (250 m squares)" in english.get_data(as_text=True)
    again = client.get("/k/vanersborg/loften")  # a cache hit
    for response in (swedish, again):
        nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"])[1]
        html = response.get_data(as_text=True)
        assert f'nonce="{nonce}"' in html and "tk-nonce-placeholder" not in html


def test_public_page_is_rate_limited_per_address(app, client, kommuner):
    app.config["PUBLIC_PAGE_RATE_LIMIT"] = "2 per minute"
    assert client.get("/k/vanersborg/loften").status_code == 200
    assert client.get("/k/vanersborg/loften").status_code == 200
    assert client.get("/k/vanersborg/loften").status_code == 429
    other = {"REMOTE_ADDR": "127.0.0.9"}
    assert client.get("/k/vanersborg/loften", environ_overrides=other).status_code == 200


def test_redis_in_production_simple_cache_embedded(migrated_url, tmp_path):
    def cache_type(**config):
        app = create_app(
            {"DATABASE_URL": migrated_url, "SECRET_KEY": "x", "HOTSPOTS_RECOMPUTE": "off"} | config
        )
        db.get_engine(app).dispose()
        return app.config["CACHE_TYPE"], app.config.get("CACHE_REDIS_URL")

    assert cache_type() == ("SimpleCache", None)
    url = "redis://127.0.0.1:6379/0"
    assert cache_type(RATELIMIT_STORAGE_URI=url) == ("RedisCache", url)
    assert cache_type(REDIS_URL=url) == ("RedisCache", url)
