"""Folium maps that load nothing from a third party.

folium links Leaflet, jQuery and its plugins from CDNs. :func:`localize` rewrites every
element's links to URLs the app serves itself (given by the caller, so this module needs no
Flask), and refuses to render an element whose library the app does not serve.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import folium
    from branca.element import Element

# folium (with branca) is imported where a map is drawn, not with this module: it was a tenth
# of the app's start-up, paid by every process (the job worker, each `flask` command) that
# never draws one.

GeoJSONDict = dict[str, Any]

# folium's resource names -> our asset keys (see core.assets.vendor_urls).
ASSET_KEYS: dict[str, str] = {
    "leaflet": "leaflet_js",
    "leaflet_css": "leaflet_css",
    "jquery": "jquery_js",
    "markerclusterjs": "markercluster_js",
    "markerclustercss": "markercluster_css",
    "markerclusterdefaultcss": "markercluster_default_css",
    "leaflet-heat.js": "heat_js",
}
# Styling extras folium adds to every map that our pages do without.
DROPPABLE: frozenset[str] = frozenset(
    {
        "bootstrap",
        "bootstrap_css",
        "glyphicons_css",
        "awesome_markers",
        "awesome_markers_css",
        "awesome_markers_font_css",
        "awesome_rotate_css",
    }
)


class UnservedAssetError(ValueError):
    """An element needs a browser library the app does not serve."""


def _walk(element: Element) -> Iterator[Element]:
    yield element
    for child in list(element._children.values()):
        yield from _walk(child)


def _local(links: list[tuple[str, str]], assets: Mapping[str, str]) -> list[tuple[str, str]]:
    local = []
    for name, url in links:
        if name in DROPPABLE:
            continue
        key = ASSET_KEYS.get(name)
        if key is None or key not in assets:
            raise UnservedAssetError(f"{name} ({url}) is not served by the app")
        local.append((name, assets[key]))
    return local


def localize(m: folium.Map, assets: Mapping[str, str]) -> folium.Map:
    """Point every JS/CSS link of the map and its layers at the app's own files."""
    for element in _walk(m):
        if hasattr(element, "default_js"):
            element.default_js = _local(list(element.default_js), assets)
        if hasattr(element, "default_css"):
            element.default_css = _local(list(element.default_css), assets)
    return m


def base_map(
    location: tuple[float, float],
    *,
    tile_url: str,
    attribution: str,
    zoom_start: int = 13,
    **options: Any,
) -> folium.Map:
    """A map on the configured tiles; grey underneath when the tiles cannot load.

    Call :func:`localize` after adding layers, before rendering.
    """
    import folium

    m = folium.Map(location=location, zoom_start=zoom_start, tiles=None, **options)
    folium.TileLayer(tiles=tile_url, attr=attribution, name="Karta", max_zoom=19).add_to(m)
    return m


_INLINE_SCRIPT = re.compile(r"<script>")
# folium's page-level meta tags: ours come from our layout. Its viewport tag forbids zooming,
# which people with low vision need (WCAG 1.4.4).
_META = re.compile(r"<meta [^>]*>\s*", re.IGNORECASE)


def components(m: folium.Map, *, nonce: str | None = None) -> dict[str, str]:
    """The rendered header, body and script of a map, to embed in our own page layout.

    With a nonce, the header's inline scripts carry it, for a Content-Security-Policy that
    allows no other inline script (the caller puts it on the script part's own tag).
    """
    from branca.element import Figure

    root = m.get_root()
    assert isinstance(root, Figure)
    root.render()
    header = _META.sub("", root.header.render())
    if nonce is not None:
        header = _INLINE_SCRIPT.sub(f'<script nonce="{nonce}">', header)
    return {
        "header": header,
        "html": root.html.render(),
        "script": root.script.render(),
    }


# Trends are told by colour, by line pattern and by text, never by colour alone.
TREND_STYLE: dict[str, dict[str, Any]] = {
    "new": {"color": "#6a1b9a", "dashArray": "2 6", "fillOpacity": 0.25},
    "growing": {"color": "#b3261e", "dashArray": None, "fillOpacity": 0.35},
    "stable": {"color": "#8a5a00", "dashArray": "10 6", "fillOpacity": 0.2},
    "shrinking": {"color": "#1d4f91", "dashArray": "4 4", "fillOpacity": 0.15},
    "gone": {"color": "#555555", "dashArray": "1 8", "fillOpacity": 0.05},
}


def hotspot_map(
    *,
    centre: tuple[float, float],
    bounds: tuple[tuple[float, float], tuple[float, float]],
    tile_url: str,
    attribution: str,
    boundary: GeoJSONDict,
    hotspots: list[dict[str, Any]],
    heat: list[list[float]],
    points: list[dict[str, Any]],
    labels: dict[str, str],
) -> folium.Map:
    """A coordinator's map: hot-spot polygons by trend, a heat layer and, when few, points.

    hotspots: dicts with polygon (GeoJSON), trend, popup (already escaped HTML).
    heat: [lat, lon, weight] rows, already aggregated (grid cells), so the page's size does
    not grow with the number of reports. points: dicts with lat, lon, popup (escaped HTML).
    labels: translated layer names: boundary, hotspots, heat, points.
    """
    import folium
    from folium.plugins import HeatMap

    m = base_map(centre, tile_url=tile_url, attribution=attribution, zoom_start=13)
    folium.GeoJson(
        boundary,
        name=labels["boundary"],
        style_function=lambda _f: {"color": "#1d4f91", "weight": 2, "fillOpacity": 0.02},
        interactive=False,
    ).add_to(m)
    if heat:
        HeatMap(  # type: ignore[no-untyped-call]
            heat, name=labels["heat"], radius=18, blur=14, min_opacity=0.25
        ).add_to(m)
    spots = folium.FeatureGroup(name=labels["hotspots"])
    for spot in hotspots:
        style = {
            "weight": 3,
            "fillColor": TREND_STYLE[spot["trend"]]["color"],
            **TREND_STYLE[spot["trend"]],
        }
        shape = folium.GeoJson(
            spot["polygon"], style_function=lambda _f, s=style: s, tooltip=spot["tooltip"]
        )
        folium.Popup(spot["popup"], max_width=320).add_to(shape)
        shape.add_to(spots)
    spots.add_to(m)
    if points:
        layer = folium.FeatureGroup(name=labels["points"])
        for p in points:
            folium.CircleMarker(
                (p["lat"], p["lon"]),
                radius=5,
                color="#1b1b1b",
                weight=1,
                fill=True,
                fill_color="#ffbf47",
                fill_opacity=0.9,
                popup=folium.Popup(p["popup"], max_width=280),
            ).add_to(layer)
        layer.add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    m.fit_bounds([list(bounds[0]), list(bounds[1])])
    return m
