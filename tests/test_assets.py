"""Browser libraries are served by the app; nothing is fetched from a CDN."""

from __future__ import annotations

from core.assets import vendor_urls
from geo.maps import ASSET_KEYS


def test_every_vendored_file_is_served(app, client):
    with app.test_request_context():
        urls = vendor_urls()
    assert set(ASSET_KEYS.values()) <= set(urls)
    for url in urls.values():
        response = client.get(url, buffered=True)
        assert response.status_code == 200, url
        assert len(response.data) > 500
        response.close()


def test_unknown_vendor_package_is_404(client):
    assert client.get("/vendor/evil/x.js").status_code == 404
    assert client.get("/vendor/leaflet/../../../../etc/passwd").status_code == 404
