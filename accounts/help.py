"""A help page for staff: the words of the staff pages in plain Swedish, with today's settings."""

from __future__ import annotations

import inspect

from flask import Blueprint, render_template
from werkzeug.wrappers import Response

from accounts.access import require_role
from accounts.models import ROLES
from geo.tracking import match_hotspots
from hotspots.services import HotSpotParams
from privacy.public import WINDOW_DAYS, min_reports

bp = Blueprint("help", __name__, url_prefix="/personal/hjalp")


@bp.before_request
def guard() -> Response | None:
    return require_role(*ROLES)


def trend_change() -> float:
    """The share a hot spot must grow or shrink by to be called growing or shrinking."""
    return float(inspect.signature(match_hotspots).parameters["change"].default)


@bp.get("/")
def coordinators() -> str:
    """Hot spot, trend, index, the k rule and what residents see, in plain words."""
    return render_template(
        "help/coordinators.html",
        params=HotSpotParams(),
        k=min_reports(),
        public_window_days=WINDOW_DAYS,
        trend_change=trend_change(),
    )
