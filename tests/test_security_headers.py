"""Security headers: a nonce-based Content-Security-Policy and the usual protections."""

from __future__ import annotations

import re

from core.headers import tile_origin
from hotspots.services import compute_run
from tests.helpers import VANERSBORG_TORGET
from tests.pages import parse_page

LAT, LON = VANERSBORG_TORGET


def _nonce(response):
    match = re.search(
        r"script-src 'self' 'nonce-([^']+)'", response.headers["Content-Security-Policy"]
    )
    assert match, response.headers["Content-Security-Policy"]
    return match.group(1)


def _inline_scripts(response):
    return [
        s
        for s in parse_page(response.data).select("script")
        if not s.get("src") and s.get("type") != "application/json"
    ]


def test_every_inline_script_carries_this_requests_nonce(
    client, kommuner, create_user, login, create_report_at, session
):
    vanersborg = kommuner["Vänersborg"]
    for i in range(7):
        create_report_at(vanersborg, LAT + i * 0.0001, LON)
    compute_run(session, vanersborg)
    session.commit()
    public = client.get("/k/vanersborg/loften")
    login(create_user())
    pages = [public, client.get("/samordnare/vanersborg/karta"), client.get("/k/vanersborg/")]
    nonces = set()
    for response in pages:
        nonce = _nonce(response)
        nonces.add(nonce)
        for script in _inline_scripts(response):
            assert script.get("nonce") == nonce, str(script)[:200]
        html = response.get_data(as_text=True)
        assert not re.search(r"\son(click|load|error|change|submit)=", html)
        assert "user-scalable=no" not in html  # people must be able to zoom
    assert len(nonces) == len(pages)  # a new nonce on every response
    assert _inline_scripts(pages[1])  # the map's script is inline, so the test means something


def test_protective_headers(client, kommuner, app):
    response = client.get("/k/vanersborg/")
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    assert "img-src 'self' data: http://127.0.0.1:9" in csp  # the configured tiles
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers
    secure = client.get("/k/vanersborg/", base_url="https://tryggkartan.example")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "Content-Security-Policy" not in client.get("/healthz").headers


def test_tile_origin():
    assert tile_origin("https://tile.openstreetmap.org/{z}/{x}/{y}.png") == (
        "https://tile.openstreetmap.org"
    )
    assert tile_origin("https://{s}.tiles.example.se:8443/{z}/{x}/{y}.png") == (
        "https://*.tiles.example.se:8443"
    )
    assert tile_origin("/tiles/{z}/{x}/{y}.png") == ""
