"""The residents' page of a kommun's medborgarlöften, its Atom feed, and "känns det tryggare?".

The map shows grid cells with at least PUBLIC_MIN_CELL_REPORTS reports (default 5) and
nothing else: no pins, no free text, no cell that could single out a few residents.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from html import escape

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.wrappers import Response as BaseResponse

from accounts.security import limiter
from core.assets import vendor_urls
from core.cache import per_kommun
from core.headers import csp_nonce
from db import get_session
from feedback.aggregates import cell_counts
from geo.cells import cells_from_counts
from geo.maps import base_map, components, localize
from kommun.models import Kommun
from kommun.services import kommun_by_slug
from promises.models import FocusArea, PlaceFeeling
from promises.public_forms import FeelingForm
from promises.services import promises_of
from review.periods import LOCAL_ZONE
from surveys.public import published_walks

bp = Blueprint("public_promises", __name__, url_prefix="/k")

CELL_M = 250.0
MAP_DAYS = 365
NONCE_MARK = "tk-nonce-placeholder"


def _kommun(slug: str) -> Kommun:
    kommun = kommun_by_slug(get_session(), slug)
    if kommun is None:
        abort(404)
    return kommun


def public_cells(kommun: Kommun, now: datetime) -> list[tuple[int, dict[str, object]]]:
    """(count, polygon) of the cells the public may see: the past year's unsafe places.

    Counted in SQL on the reports' stored 250 m grid key: no report is loaded.
    """
    minimum = int(current_app.config["PUBLIC_MIN_CELL_REPORTS"])
    counts = cell_counts(get_session(), kommun, now - timedelta(days=MAP_DAYS), now, minimum)
    cells = cells_from_counts(counts)
    return [(c.count, c.polygon) for c in cells]


@per_kommun("public-map")
def public_map(
    kommun: Kommun, min_cell: int
) -> tuple[list[tuple[int, dict[str, object]]], dict[str, str]]:
    """The public cells and the map drawn from them, cached per kommun, language and k.

    The map's inline scripts carry NONCE_MARK; the page puts its own nonce in its place.
    """
    cells = public_cells(kommun, datetime.now(UTC))
    return cells, _map(kommun, cells, nonce=NONCE_MARK)


def _map(kommun: Kommun, cells: list[tuple[int, dict[str, object]]], nonce: str) -> dict[str, str]:
    import folium

    config = current_app.config
    fmap = base_map(
        ((kommun.min_lat + kommun.max_lat) / 2, (kommun.min_lon + kommun.max_lon) / 2),
        tile_url=config["TILE_URL"],
        attribution=config["TILE_ATTRIBUTION"],
        zoom_start=12,
    )
    folium.GeoJson(
        kommun.boundary_geojson,
        name=_("Kommungräns"),
        style_function=lambda _f: {"color": "#1d4f91", "weight": 2, "fillOpacity": 0.02},
        interactive=False,
    ).add_to(fmap)
    peak = max([n for n, _p in cells] + [1])
    features = [
        {
            "type": "Feature",
            "geometry": polygon,
            "properties": {
                "label": escape(ngettext("%(num)d förslag", "%(num)d förslag", n)),
                "share": round(n / peak, 3),
            },
        }
        for n, polygon in cells
    ]
    if features:
        folium.GeoJson(
            {"type": "FeatureCollection", "features": features},
            name=_("Otrygga platser (rutor om 250 m)"),
            style_function=lambda f: {
                "color": "#7a1a12",
                "weight": 1,
                "fillColor": "#b3261e",
                "fillOpacity": 0.15 + 0.55 * f["properties"]["share"],
            },
            tooltip=folium.GeoJsonTooltip(fields=["label"], labels=False),
        ).add_to(fmap)
        lats = [p[1] for _n, poly in cells for p in poly["coordinates"][0]]  # type: ignore[index]
        lons = [p[0] for _n, poly in cells for p in poly["coordinates"][0]]  # type: ignore[index]
        fmap.fit_bounds([[min(lats), min(lons)], [max(lats), max(lons)]])
    else:
        fmap.fit_bounds([[kommun.min_lat, kommun.min_lon], [kommun.max_lat, kommun.max_lon]])
    folium.LayerControl(collapsed=False).add_to(fmap)
    return components(localize(fmap, vendor_urls()), nonce=nonce)


def _page(kommun: Kommun, forms: dict[int, FeelingForm] | None = None, status: int = 200):  # type: ignore[no-untyped-def]
    session = get_session()
    promises = promises_of(session, kommun, public=True)
    current = [p for p in promises if p.status == "undertecknat"]
    earlier = [p for p in promises if p.status == "avslutat"]
    forms = forms or {}
    for promise in current:
        for focus in promise.focus_areas:
            if focus.is_place and focus.id not in forms:
                forms[focus.id] = FeelingForm(prefix=f"f{focus.id}", formdata=None)
    cells, map_parts = public_map(kommun, int(current_app.config["PUBLIC_MIN_CELL_REPORTS"]))
    nonce = csp_nonce()
    return render_template(
        "public/promises.html",
        kommun=kommun,
        current=current,
        earlier=earlier,
        forms=forms,
        cells=cells,
        min_cell=current_app.config["PUBLIC_MIN_CELL_REPORTS"],
        map_parts={part: html.replace(NONCE_MARK, nonce) for part, html in map_parts.items()},
        walks=published_walks(kommun),
    ), status


@bp.get("/<slug>/loften")
@limiter.limit(lambda: current_app.config["PUBLIC_PAGE_RATE_LIMIT"])
def page(slug: str) -> tuple[str, int]:
    """The kommun's promises in plain Swedish, with progress and an aggregated map."""
    return _page(_kommun(slug))  # type: ignore[no-any-return]


@bp.post("/<slug>/loften/plats/<int:focus_id>")
@limiter.limit(lambda: current_app.config["FEELING_RATE_LIMIT"])
def feeling(slug: str, focus_id: int) -> BaseResponse | tuple[str, int]:
    """A resident's answer: does it feel safer at this place now?"""
    kommun = _kommun(slug)
    session = get_session()
    focus = session.get(FocusArea, focus_id)
    if (
        focus is None
        or focus.promise.kommun_id != kommun.id
        or focus.promise.status != "undertecknat"
        or not focus.is_place
    ):
        abort(404)
    form = FeelingForm(prefix=f"f{focus.id}")
    if not form.validate():
        return _page(kommun, {focus.id: form}, 400)  # type: ignore[no-any-return]
    session.add(PlaceFeeling(focus_area_id=focus.id, answer=form.answer.data))
    session.commit()
    flash(_("Tack! Ditt svar räknas in i uppföljningen av löftet."), "success")
    return redirect(url_for("public_promises.page", slug=kommun.slug) + f"#focus-{focus.id}", 303)


@bp.get("/<slug>/loften/flode.atom")
def feed(slug: str) -> Response:
    """An Atom feed of the follow-ups of the kommun's public promises."""
    kommun = _kommun(slug)
    promises = promises_of(get_session(), kommun, public=True)
    entries = sorted(
        ((p, f) for p in promises for f in p.follow_ups),
        key=lambda pair: (pair[1].done_on, pair[1].id),
        reverse=True,
    )[:50]
    updated = max(
        (f.created_at for _p, f in entries),
        default=datetime.combine(datetime(2020, 1, 1).date(), time.min, tzinfo=UTC),
    )
    body = render_template(
        "public/feed.atom",
        kommun=kommun,
        entries=entries,
        updated=updated,
        zone=LOCAL_ZONE,
        page_url=url_for("public_promises.page", slug=kommun.slug, _external=True),
        feed_url=request.url,
    )
    return Response(body, mimetype="application/atom+xml")
