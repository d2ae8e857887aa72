"""The coordinators' hot-spot map at 10k, 100k and 1M reports, against FastMarkerCluster.

    .venv/bin/python -m bench.map_size [--sizes 10000,100000,1000000] [--timeout 180]

For each size: a fresh SQLite database holding that many reports in Vänersborg (the demo
town's real incident pattern, resampled with 30 m jitter, spread over the past year), its
stored hot-spot run, and the app on loopback. Real Chromium (Debian's package) logs in as a
coordinator and opens the map page. Printed per size:

- bytes the page itself sends: the HTML with its inline map script, plus the app's own CSS
  and JS; the vendor libraries (Leaflet, markercluster, heat; cached for a day) aside;
- seconds from navigation start until the hot spots and the heat layer are drawn;
- the same two figures for folium's `FastMarkerCluster` of the same points, on the same
  Leaflet files served by the app, and the ratios.

Targets (issue "Coordinators' workspace"): at 1M at most 1 MB and 1.5 s, and at least 20x
smaller than FastMarkerCluster.
"""

from __future__ import annotations

import argparse
import logging
import os
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import folium
import numpy as np
from folium.plugins import FastMarkerCluster
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

import db
from app import create_app
from core.assets import vendor_urls
from demo import generate_reports, load_places
from feedback.models import Report, ReportReason
from geo.cells import cell_keys
from geo.maps import localize
from geo.projection import plane
from hotspots.services import compute_run
from kommun.models import Kommun

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]
KOMMUN = "Vänersborg"
PASSWORD = "bänkmärke-lösenord-2026"
CHUNK = 20_000
# Drawn: the hot-spot polygons (SVG paths) and the heat layer's canvas.
OURS_DRAWN = (
    "document.querySelector('.leaflet-overlay-pane path') !== null"
    " && document.querySelector('canvas.leaflet-heatmap-layer') !== null"
)
FMC_DRAWN = "document.querySelector('.leaflet-marker-pane .leaflet-marker-icon') !== null"


def seed(session: Session, kommun: Kommun, n: int, rng: np.random.Generator) -> None:
    """Replace the kommun's reports by n resampled from the demo pattern."""
    base = session.execute(
        select(Report.id, Report.lat, Report.lon).where(Report.kommun_id == kommun.id)
    ).all()
    reasons: dict[int, str] = {}
    for report_id, code in session.execute(select(ReportReason.report_id, ReportReason.code)):
        reasons.setdefault(report_id, code)
    session.execute(delete(ReportReason))
    session.execute(delete(Report))
    ids = np.array([b[0] for b in base])
    sweref = plane(3006)
    x, y = sweref.to_metres([b[1] for b in base], [b[2] for b in base])
    pick = rng.integers(0, len(base), n)
    lat, lon = sweref.to_wgs84(x[pick] + rng.normal(0, 30, n), y[pick] + rng.normal(0, 30, n))
    cells = cell_keys(lat, lon)
    now = datetime.now(UTC)
    age_s = rng.uniform(0, 360 * 86400, n)
    codes = [reasons.get(int(ids[pick[i]]), "place.dark") for i in range(n)]
    for start in range(0, n, CHUNK):
        stop = min(n, start + CHUNK)
        rows = [
            {
                "id": i + 1,
                "kommun_id": kommun.id,
                "receipt_code": f"B{i:015d}",
                "lat": float(lat[i]),
                "lon": float(lon[i]),
                "cell_250": int(cells[i]),
                "location_method": "map",
                "at_evening": bool(i % 2),
                "at_night": bool(i % 3 == 0),
                "created_at": now - timedelta(seconds=float(age_s[i])),
                "updated_at": now,
                # Its one reason's code, as intake stores it with the report: left for the
                # reason's trigger to fill, every row would be written twice.
                "service_code": codes[i],
            }
            for i in range(start, stop)
        ]
        session.execute(insert(Report), rows)
        session.execute(
            insert(ReportReason),
            [{"report_id": i + 1, "code": codes[i]} for i in range(start, stop)],
        )
    session.commit()


def fast_marker_cluster_page(app: Any, lat: np.ndarray, lon: np.ndarray) -> str:
    """folium's own answer to many points: every point shipped to the browser."""
    with app.test_request_context():
        assets = vendor_urls()
    m = folium.Map(location=(float(lat.mean()), float(lon.mean())), zoom_start=13, tiles=None)
    folium.TileLayer(tiles=app.config["TILE_URL"], attr="-").add_to(m)
    # Plain Leaflet markers: folium's default icon needs Font Awesome from a CDN.
    plain = "function (row) { return L.marker(new L.LatLng(row[0], row[1])); }"
    FastMarkerCluster(np.column_stack([lat, lon]).tolist(), callback=plain).add_to(m)  # type: ignore[no-untyped-call]
    return localize(m, assets).get_root().render()


def measure(page: Any, url: str, drawn: str, timeout_s: float) -> tuple[int, float | None]:
    """Bytes of the page and its own assets (vendor aside), and seconds until drawn."""
    sizes: dict[str, int] = {}

    def count(response: Any) -> None:
        if "/vendor/" in response.url or response.request.method != "GET":
            return
        try:
            sizes[response.url] = len(response.body())
        except Exception:  # noqa: BLE001 (a redirect or an aborted tile has no body)
            pass

    page.on("response", count)
    page.goto(url, wait_until="commit")
    try:
        page.wait_for_function(drawn, polling="raf", timeout=timeout_s * 1000)
        seconds: float | None = page.evaluate("performance.now()") / 1000
    except Exception:  # noqa: BLE001 (Playwright's TimeoutError)
        seconds = None
    page.wait_for_load_state("load")
    page.remove_listener("response", count)
    return sum(sizes.values()), seconds


def run_size(n: int, timeout_s: float, browser: Any) -> dict[str, Any]:
    rng = np.random.default_rng(n)
    with tempfile.TemporaryDirectory() as tmp:
        url = "sqlite:///" + str(Path(tmp) / "bench.sqlite")
        engine = db.make_engine(url)
        db.upgrade(engine)
        engine.dispose()
        app = create_app(
            {
                "DATABASE_URL": url,
                "SECRET_KEY": "bench",
                "WTF_CSRF_ENABLED": False,
                "RATELIMIT_ENABLED": False,
                "TILE_URL": "http://127.0.0.1:9/{z}/{x}/{y}.png",
                "HOTSPOTS_RECOMPUTE": "off",
            },
            instance_path=tmp,
        )
        from accounts.services import create_user

        with Session(db.get_engine(app), expire_on_commit=False) as session:
            load_places(session)
            generate_reports(session)
            session.commit()
            kommun = session.scalar(select(Kommun).where(Kommun.name == KOMMUN))
            assert kommun is not None
            began = time.perf_counter()
            seed(session, kommun, n, rng)
            seeded_s = time.perf_counter() - began
            began = time.perf_counter()
            run = compute_run(session, kommun)
            session.commit()
            run_s = time.perf_counter() - began
            spots = len(run.hotspots)
            user = create_user(
                session,
                email="bench@kommun.example",
                name="Bench",
                role="coordinator",
                kommuner=[kommun],
                password=PASSWORD,
            )
            session.commit()
            points = np.asarray(session.execute(select(Report.lat, Report.lon)).all())
            slug = kommun.slug
            email = user.email
        fmc_html = fast_marker_cluster_page(app, points[:, 0], points[:, 1])

        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        base = f"http://127.0.0.1:{server.server_port}"
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="sv-SE")
        try:
            page = context.new_page()
            page.goto(f"{base}/inloggning")
            page.fill("#email", email)
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{base}/samordnare/**")
            # The server's own time for the page, outside the browser.
            began = time.perf_counter()
            context.request.get(f"{base}/samordnare/{slug}/karta")
            server_s = time.perf_counter() - began
            ours = measure(page, f"{base}/samordnare/{slug}/karta", OURS_DRAWN, timeout_s)
            page.close()
            page = context.new_page()
            page.route(
                f"{base}/bench/fastmarkercluster",
                lambda route: route.fulfill(body=fmc_html, content_type="text/html"),
            )
            _, fmc_s = measure(page, f"{base}/bench/fastmarkercluster", FMC_DRAWN, timeout_s)
            # Its whole weight is the one HTML document (the route does not report a body).
            theirs = (len(fmc_html.encode()), fmc_s)
        finally:
            context.close()
            server.shutdown()
            thread.join()
            db.get_engine(app).dispose()
    return {
        "n": n,
        "seeded_s": seeded_s,
        "run_s": run_s,
        "spots": spots,
        "server_s": server_s,
        "ours": ours,
        "theirs": theirs,
    }


def _seconds(value: float | None, timeout_s: float) -> str:
    return f"{value:8.2f}" if value is not None else f"  >{timeout_s:.0f}".rjust(8)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds per render")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    sizes = [int(s) for s in args.sizes.split(",")]
    from playwright.sync_api import sync_playwright

    print("map page of the coordinators vs folium FastMarkerCluster of the same points")
    print(
        f"{'reports':>10} {'hot spots':>9} {'ours KB':>9} {'ours s':>8} {'server s':>8}"
        f" {'FMC KB':>9} {'FMC s':>8} {'smaller':>8} {'faster':>8}"
    )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for n in sizes:
                r = run_size(n, args.timeout, browser)
                (ours_b, ours_s), (fmc_b, fmc_s) = r["ours"], r["theirs"]
                faster = f"{fmc_s / ours_s:7.1f}x" if ours_s and fmc_s else "       -"
                ours_t, fmc_t = _seconds(ours_s, args.timeout), _seconds(fmc_s, args.timeout)
                print(
                    f"{n:>10,} {r['spots']:>9} {ours_b / 1024:>9.1f} {ours_t}"
                    f" {r['server_s']:>8.2f} {fmc_b / 1024:>9.1f} {fmc_t}"
                    f" {fmc_b / ours_b:>7.1f}x {faster}",
                    flush=True,
                )
                print(
                    f"{'':>10} (seeding {r['seeded_s']:.1f} s, stored hot-spot run"
                    f" {r['run_s']:.1f} s: done once in the background, not per page view)",
                    flush=True,
                )
        finally:
            browser.close()
    print("targets at 1,000,000: ours <= 1024 KB and <= 1.5 s, FastMarkerCluster >= 20x larger")


if __name__ == "__main__":
    main()
