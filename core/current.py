"""The objects behind Flask's context proxies, typed."""

from __future__ import annotations

from typing import cast

from flask import Flask, current_app
from werkzeug.local import LocalProxy


def app_object() -> Flask:
    """The application itself, not its proxy: a signal's sender, or an app for later work."""
    return cast("LocalProxy[Flask]", current_app)._get_current_object()
