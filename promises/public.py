"""The residents' page of a kommun's medborgarlöften, its Atom feed, and "känns det tryggare?".

The map shows grid cells with at least PUBLIC_MIN_CELL_REPORTS reports (default 5) and
nothing else: no pins, no free text, no cell that could single out a few residents. The
cells come from privacy.public, the k-rule every public answer goes through.
"""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape

from feedgen.entry import FeedEntry
from feedgen.feed import FeedGenerator
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from accounts.security import limiter
from core.assets import vendor_urls
from core.cache import per_kommun
from core.clock import LOCAL_ZONE, local_today
from core.headers import csp_nonce
from core.text import xml_safe
from db import get_session
from geo.maps import base_map, components, localize
from kommun.models import Kommun
from kommun.services import kommun_by_slug
from privacy.public import map_cells
from promises.attachments import send_document
from promises.indicators import focus_results
from promises.lifecycle import CURRENT, EARLIER, asks_feeling, last_day, phase
from promises.models import Agreement, FocusArea, FollowUp, PlaceFeeling, Promise
from promises.public_forms import FeelingForm
from promises.services import promises_of

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
    """(count, polygon) of the cells the public may see: the past year's unsafe places."""
    return [(c.count, c.polygon) for c in map_cells(get_session(), kommun, now)]


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
    today = local_today()
    current = [p for p in promises if phase(p, today) in CURRENT]
    earlier = [p for p in promises if phase(p, today) in EARLIER]
    forms = forms or {}
    for promise in current:
        if not asks_feeling(promise, today):
            continue
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
        phases={p.id: phase(p, today) for p in promises},
        forms=forms,
        cells=cells,
        min_cell=current_app.config["PUBLIC_MIN_CELL_REPORTS"],
        map_parts={part: html.replace(NONCE_MARK, nonce) for part, html in map_parts.items()},
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
        or not asks_feeling(focus.promise, local_today())
        or not focus.is_place
    ):
        abort(404)
    form = FeelingForm(prefix=f"f{focus.id}")
    if not form.validate():
        return _page(kommun, {focus.id: form}, 400)  # type: ignore[no-any-return]
    session.add(PlaceFeeling(focus_area_id=focus.id, answer=form.answer.data))
    flash(_("Tack! Ditt svar räknas in i uppföljningen av löftet."), "success")
    return redirect(url_for("public_promises.page", slug=kommun.slug) + f"#focus-{focus.id}", 303)


@bp.get("/<slug>/loften/<int:promise_id>")
def promise_page(slug: str, promise_id: int) -> str:
    """One promise at its lasting address: activities, every follow-up, the evaluation."""
    kommun = _kommun(slug)
    promise = get_session().get(Promise, promise_id)
    if promise is None or promise.kommun_id != kommun.id or not promise.is_public:
        abort(404)
    today = local_today()
    return render_template(
        "public/promise.html",
        kommun=kommun,
        promise=promise,
        phase=phase(promise, today),
        last=last_day(promise),
        results=focus_results(get_session(), promise, today) if promise.evaluated_on else [],
        min_k=int(current_app.config["PUBLIC_MIN_CELL_REPORTS"]),
    )


@bp.get("/<slug>/overenskommelser/<int:agreement_id>/dokument")
def agreement_document(slug: str, agreement_id: int) -> BaseResponse:
    """A samverkansöverenskommelse's signed PDF, once staff have published it."""
    kommun = _kommun(slug)
    agreement = get_session().get(Agreement, agreement_id)
    if agreement is None or agreement.kommun_id != kommun.id or not agreement.document_public:
        abort(404)
    return send_document(agreement)


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
        default=datetime(2020, 1, 1, tzinfo=UTC),
    )
    page_url = url_for("public_promises.page", slug=kommun.slug, _external=True)
    atom = FeedGenerator()
    atom.id(page_url)
    atom.title(xml_safe(_("Medborgarlöften i %(kommun)s: uppföljning", kommun=kommun.name)))
    atom.link(href=page_url, rel="alternate", type="text/html")
    # The feed's own address as built here, never as requested (a query string is not ours).
    atom.link(
        href=url_for("public_promises.feed", slug=kommun.slug, _external=True),
        rel="self",
        type="application/atom+xml",
    )
    atom.language("sv")
    atom.generator("Tryggkartan")
    atom.author(name=xml_safe(kommun.name))
    atom.updated(updated.astimezone(LOCAL_ZONE))
    for promise, entry in reversed(entries):  # feedgen puts the last added first
        _feed_entry(atom.add_entry(), page_url, promise, entry)
    return Response(atom.atom_str(pretty=True), mimetype="application/atom+xml")


def _feed_entry(item: FeedEntry, page_url: str, promise: Promise, entry: FollowUp) -> None:
    what = entry.activity.title if entry.activity else _("löftet som helhet")
    item.id(f"{page_url}#follow-up-{entry.id}")
    item.title(xml_safe(f"{promise.title}: {what} ({format_date(entry.done_on, 'd MMMM yyyy')})"))
    item.link(href=f"{page_url}#promise-{promise.id}", rel="alternate", type="text/html")
    created = entry.created_at.astimezone(LOCAL_ZONE)
    item.updated(created)
    item.published(created)
    text = entry.text
    if entry.progress is not None:
        text += " (" + _("%(p)d %% klart", p=entry.progress) + ")"
    item.content(xml_safe(text), type="text")
