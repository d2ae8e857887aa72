"""Serve third-party browser libraries from their PyPI packages, never from a CDN."""

from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path

import xstatic.pkg.jquery
import xstatic.pkg.leaflet
import xstatic.pkg.leaflet_markercluster
from flask import Blueprint, Flask, abort, send_from_directory, url_for
from werkzeug.wrappers import Response


def _package_dir(name: str) -> Path:
    spec = find_spec(name)
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError(name)
    return Path(spec.origin).parent


VENDOR_DIRS: dict[str, Path] = {
    "leaflet": Path(xstatic.pkg.leaflet.BASE_DIR),
    "markercluster": Path(xstatic.pkg.leaflet_markercluster.BASE_DIR),
    "jquery": Path(xstatic.pkg.jquery.BASE_DIR),
    # folium ships the Leaflet.heat plugin it uses for heat layers (found without importing
    # folium, which only the pages that draw a map need).
    "folium": _package_dir("folium") / "templates",
}

bp = Blueprint("vendor", __name__, url_prefix="/vendor")


@bp.get("/<package>/<path:filename>")
def vendor(package: str, filename: str) -> Response:
    """Serve a file of a vendored browser library (cached for a day)."""
    directory = VENDOR_DIRS.get(package)
    if directory is None:
        abort(404)
    return send_from_directory(directory, filename, max_age=86400)


def vendor_urls() -> dict[str, str]:
    """URLs of the browser libraries, for templates and folium maps."""
    return {
        "leaflet_js": url_for("vendor.vendor", package="leaflet", filename="leaflet.js"),
        "leaflet_css": url_for("vendor.vendor", package="leaflet", filename="leaflet.css"),
        "jquery_js": url_for("vendor.vendor", package="jquery", filename="jquery.min.js"),
        "markercluster_js": url_for(
            "vendor.vendor", package="markercluster", filename="leaflet.markercluster.js"
        ),
        "markercluster_css": url_for(
            "vendor.vendor", package="markercluster", filename="MarkerCluster.css"
        ),
        "markercluster_default_css": url_for(
            "vendor.vendor", package="markercluster", filename="MarkerCluster.Default.css"
        ),
        "heat_js": url_for("vendor.vendor", package="folium", filename="leaflet_heat.min.js"),
    }


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.context_processor(lambda: {"vendor": vendor_urls()})
