"""Folium maps that load nothing from a third party.

folium links Leaflet, jQuery and its plugins from CDNs. :func:`localize` rewrites every
element's links to URLs the app serves itself (given by the caller, so this module needs no
Flask), and refuses to render an element whose library the app does not serve.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import folium
from branca.element import Element, Figure

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
    m = folium.Map(location=location, zoom_start=zoom_start, tiles=None, **options)
    folium.TileLayer(tiles=tile_url, attr=attribution, name="Karta", max_zoom=19).add_to(m)
    return m


def components(m: folium.Map) -> dict[str, str]:
    """The rendered header, body and script of a map, to embed in our own page layout."""
    root = m.get_root()
    assert isinstance(root, Figure)
    root.render()
    return {
        "header": root.header.render(),
        "html": root.html.render(),
        "script": root.script.render(),
    }
