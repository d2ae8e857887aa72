"""Folium maps are rendered with the app's own copies of Leaflet and its plugins."""

from __future__ import annotations

import re

import folium
import pytest
from folium.plugins import HeatMap, MarkerCluster

from geo.maps import UnservedAssetError, base_map, components, localize

ASSETS = {
    "leaflet_js": "/vendor/leaflet/leaflet.js",
    "leaflet_css": "/vendor/leaflet/leaflet.css",
    "jquery_js": "/vendor/jquery/jquery.min.js",
    "markercluster_js": "/vendor/markercluster/leaflet.markercluster.js",
    "markercluster_css": "/vendor/markercluster/MarkerCluster.css",
    "markercluster_default_css": "/vendor/markercluster/MarkerCluster.Default.css",
    "heat_js": "/vendor/folium/leaflet_heat.min.js",
}
TILES = "https://tiles.example.se/{z}/{x}/{y}.png"


def test_rendered_map_links_only_local_assets():
    m = base_map((58.38, 12.32), tile_url=TILES, attribution="© test")
    cluster = MarkerCluster().add_to(m)
    folium.CircleMarker((58.38, 12.32), radius=5, popup="<b>x</b>").add_to(cluster)
    HeatMap([[58.38, 12.32, 1.0]]).add_to(m)
    parts = components(localize(m, ASSETS))
    html = parts["header"] + parts["html"] + parts["script"]
    urls = set(re.findall(r"""(?:src|href)=["']([^"']+)""", html))
    assert urls <= set(ASSETS.values())
    assert {"/vendor/leaflet/leaflet.js", "/vendor/folium/leaflet_heat.min.js"} <= urls
    external = re.findall(r"https?://[^\s\"']+", html)
    assert set(external) <= {TILES}


def test_unserved_library_is_refused():
    m = base_map((58.38, 12.32), tile_url=TILES, attribution="© test")
    MarkerCluster().add_to(m)
    with pytest.raises(UnservedAssetError, match="markerclusterjs"):
        localize(m, {k: v for k, v in ASSETS.items() if not k.startswith("markercluster")})
