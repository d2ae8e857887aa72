"""The client's real address behind reverse proxies (werkzeug's ProxyFix).

With TRUSTED_PROXIES = n > 0 the app believes the last n entries of X-Forwarded-For (and
X-Forwarded-Proto), which those n proxies appended; anything a client wrote there itself lies
before them and is ignored. With 0 the headers are ignored: request.remote_addr, on which every
rate limit is keyed, is the address of the connection.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def init_app(app: Flask) -> None:
    trusted = int(app.config["TRUSTED_PROXIES"])
    if trusted < 0:
        raise ValueError("TRUSTED_PROXIES must be 0 or more")
    if trusted:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=trusted, x_proto=trusted)  # type: ignore[method-assign]
