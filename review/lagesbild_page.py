"""The lägesbild page: a kommun's figures for a week, month, tertial or year, printable."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from datetime import date
from typing import Any

import numpy as np
from flask import current_app, render_template, request
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from core.cache import per_kommun
from core.clock import local_today, now
from core.forms import BaseForm
from db import get_session
from feedback import reasons as taxonomy
from geo.maps import TREND_STYLE
from geo.projection import plane
from geo.sketch import Sketch, sketch
from kommun.models import Kommun, Landmark
from promises.public_forms import FEELING_LABELS
from review.blueprint import bp, current_kommun
from review.lagesbild import Lagesbild, build
from review.periods import Period, period_for
from review.statuses import TREND_LABELS, TREND_SYMBOLS

KIND_LABELS = {
    "week": _l("Vecka"),
    "month": _l("Månad"),
    "tertial": _l("Tertial"),
    "year": _l("År"),
}


class PeriodForm(BaseForm):
    class Meta:
        csrf = False  # a GET form that changes nothing

    kind = SelectField(
        _l("Period"),
        choices=[SelectChoice(k, label) for k, label in KIND_LABELS.items()],
        default="tertial",
    )
    day = DateField(
        _l("Som innehåller dagen"),
        validators=[Optional()],
        description=_l("Tom: dagens datum."),
    )


def period_label(period: Period) -> str:
    if period.kind == "week":
        return _("Vecka %(n)d %(year)d", n=period.number, year=period.first.isocalendar().year)
    if period.kind == "month":
        return format_date(period.first, "LLLL yyyy").capitalize()
    if period.kind == "tertial":
        return _("Tertial %(n)d %(year)d", n=period.number, year=period.first.year)
    return _("År %(year)d", year=period.first.year)


def period_span(period: Period) -> str:
    return _(
        "%(first)s – %(last)s",
        first=format_date(period.first, "d MMMM yyyy"),
        last=format_date(period.last, "d MMMM yyyy"),
    )


@dataclass(frozen=True)
class PlaceName:
    """A landmark's dot and its name beside it, in the sketch's pixels."""

    x: float
    y: float
    name: str
    label_x: float
    label_y: float


_PATH_START = re.compile(r"M(-?[\d.]+),(-?[\d.]+)")
LABEL_PX_PER_CHAR = 6.2  # 11 px text: a generous width per letter, so names do not touch
LABEL_HEIGHT_PX = 13.0
MARKER_RADIUS_PX = 12.0  # the numbered circle of a hot spot (see the template)

Box = tuple[float, float, float, float]


def _overlaps(box: Box, other: Box) -> bool:
    return not (box[2] < other[0] or other[2] < box[0] or box[3] < other[1] or other[3] < box[1])


def place_names(
    drawing: Sketch, frame: dict[str, Any], landmarks: list[Landmark]
) -> list[PlaceName]:
    """The landmarks that fit on the sketch, each name clear of the others and of the
    hot spots' numbered markers: right of the dot, else left, below or above it.

    The sketch is true to scale in SWEREF 99 TM, north up: the frame's first vertex and the
    scale bar's pixels per metre place any other point on it.
    """
    start = _PATH_START.match(drawing.paths[0])
    ring = next(iter(_first_ring(frame)), None)
    if start is None or ring is None or not landmarks:
        return []
    sweref = plane(3006)
    px_per_m = drawing.scale_px / drawing.scale_m
    ref_e, ref_n = sweref.to_metres(np.array([ring[0][1]]), np.array([ring[0][0]]))
    e, n = sweref.to_metres(
        np.array([lm.lat for lm in landmarks]), np.array([lm.lon for lm in landmarks])
    )
    xs = float(start.group(1)) + (e - ref_e[0]) * px_per_m
    ys = float(start.group(2)) - (n - ref_n[0]) * px_per_m
    r = MARKER_RADIUS_PX
    taken: list[Box] = [(cx - r, cy - r, cx + r, cy + r) for cx, cy in drawing.labels]
    placed: list[PlaceName] = []
    for landmark, x, y in sorted(zip(landmarks, xs, ys, strict=True), key=lambda t: t[0].name):
        x, y = float(x), float(y)
        if not (0 <= x <= drawing.width and 0 <= y <= drawing.height):
            continue
        width = len(landmark.name) * LABEL_PX_PER_CHAR
        # Where the name's left end and baseline may go, in order of preference.
        spots = [
            (x + 5, y - 3),
            (x + r + 3, y + 4),
            (x - 5 - width, y - 3),
            (x - width / 2, y + r + LABEL_HEIGHT_PX),
            (x - width / 2, y - r - 3),
        ]
        for left, baseline in spots:
            box = (left - 1, baseline - LABEL_HEIGHT_PX + 2, left + width + 1, baseline + 3)
            inside = box[0] >= 0 and box[2] <= drawing.width and box[1] >= 0
            if inside and box[3] <= drawing.height and not any(_overlaps(box, t) for t in taken):
                taken.append(box)
                placed.append(
                    PlaceName(
                        round(x, 1), round(y, 1), landmark.name, round(left, 1), round(baseline, 1)
                    )
                )
                break
    return placed


def _first_ring(geometry: dict[str, Any]) -> list[list[list[float]]]:
    if geometry.get("type") == "Polygon":
        return list(geometry["coordinates"][:1])
    if geometry.get("type") == "MultiPolygon":
        return [polygon[0] for polygon in geometry["coordinates"][:1]]
    return []


def _waiting_lifetime(figures: dict[str, Any]) -> int | None:
    """A page still waiting for its hot spots lives as long as a request for them does."""
    from hotspots.worker import request_interval_s

    if not figures.get("hotspots_pending"):
        return None
    return max(int(request_interval_s(current_app)), 1)


@per_kommun("lagesbild", timeout_of=_waiting_lifetime)
def _figures(kommun: Kommun, kind: str, first: date) -> dict[str, Any]:
    """The lägesbild's figures, cached until the kommun's data change (core.cache)."""
    picture = build(get_session(), kommun, period_for(kind, first))
    return {f.name: getattr(picture, f.name) for f in fields(picture) if f.name != "kommun"}


@bp.get("/<slug>/lagesbild")
def lagesbild(slug: str) -> tuple[str, int]:
    """The lägesbild for a period beside the previous one: for the EST meeting or the council."""
    kommun = current_kommun()
    form = PeriodForm(formdata=request.args)
    valid = form.validate()
    kind = form.kind.data if valid and form.kind.data else "tertial"
    day: date = (form.day.data if valid else None) or local_today()
    period = period_for(kind, day)
    picture = Lagesbild(kommun=kommun, **_figures(kommun, kind, period.first))
    spots = picture.hotspots
    drawing, names = None, []
    if kommun.boundary_geojson:
        drawing = sketch(
            kommun.boundary_geojson,
            [s.polygon for s in spots],
            width=640,
            focus=bool(spots),
        )
        active = [lm for lm in kommun.landmarks if lm.active]
        names = place_names(drawing, kommun.boundary_geojson, active)
    peak = max([max(c, p) for _f, _l2, c, p in picture.series] + [1])
    reason_peak = max([f.current for _c, f in picture.reasons] + [1])
    return render_template(
        "review/lagesbild.html",
        kommun=kommun,
        form=form,
        picture=picture,
        period_label=period_label,
        period_span=period_span,
        reason_label=taxonomy.label,
        drawing=drawing,
        place_names=names,
        today=local_today(),
        series_peak=peak,
        reason_peak=reason_peak,
        kind_labels=KIND_LABELS,
        trend_labels=TREND_LABELS,
        feeling_labels=FEELING_LABELS,
        trend_symbols=TREND_SYMBOLS,
        trend_style=TREND_STYLE,
        is_current=period.contains(local_today()),
        generated_at=now(),
    ), (200 if valid else 400)
