"""Security headers on every response, and a per-request nonce for the few inline scripts.

The Content-Security-Policy allows scripts from the app itself and inline scripts that carry
this request's nonce (the folium map scripts), nothing else; images from the app and the
configured tile server. Pages may not be framed.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from flask import Flask, g, request
from werkzeug.wrappers import Response


def csp_nonce() -> str:
    """This request's nonce (made on first use)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    nonce: str = g.csp_nonce
    return nonce


def tile_origin(tile_url: str) -> str:
    """The origin of a tile URL template, subdomain placeholders as a wildcard."""
    parts = urlsplit(tile_url.replace("{s}.", "__sub__."))
    host = (parts.hostname or "").replace("__sub__", "*")
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}" if parts.scheme and host else ""


def policy(app: Flask, nonce: str) -> str:
    tiles = tile_origin(app.config["TILE_URL"])
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            # Leaflet positions tiles and markers with style attributes.
            "style-src 'self' 'unsafe-inline'",
            f"img-src 'self' data: {tiles}".strip(),
            "connect-src 'self'",
            "font-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def add_headers(response: Response) -> Response:
    from flask import current_app

    headers = response.headers
    if response.mimetype == "text/html":
        headers.setdefault("Content-Security-Policy", policy(current_app, csp_nonce()))
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    # Receipt codes live in URLs: never send them to another site.
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(self)")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


def init_app(app: Flask) -> None:
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.after_request(add_headers)
