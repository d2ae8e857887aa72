"""The lägesbild page: a kommun's figures for a week, month, tertial or year, printable."""

from __future__ import annotations

from dataclasses import fields
from datetime import date
from typing import Any

from flask import render_template, request
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
from geo.sketch import sketch
from kommun.models import Kommun
from promises.public_forms import FEELING_LABELS
from review.lagesbild import Lagesbild, build
from review.periods import Period, period_for
from review.statuses import TREND_LABELS, TREND_SYMBOLS
from review.views import _kommun, bp

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


@per_kommun("lagesbild")
def _figures(kommun: Kommun, kind: str, first: date) -> dict[str, Any]:
    """The lägesbild's figures, cached until the kommun's data change (core.cache)."""
    picture = build(get_session(), kommun, period_for(kind, first))
    return {f.name: getattr(picture, f.name) for f in fields(picture) if f.name != "kommun"}


@bp.get("/<slug>/lagesbild")
def lagesbild(slug: str) -> tuple[str, int]:
    """The lägesbild for a period beside the previous one: for the EST meeting or the council."""
    kommun = _kommun()
    form = PeriodForm(formdata=request.args)
    valid = form.validate()
    kind = form.kind.data if valid and form.kind.data else "tertial"
    day: date = (form.day.data if valid else None) or local_today()
    period = period_for(kind, day)
    picture = Lagesbild(kommun=kommun, **_figures(kommun, kind, period.first))
    spots = picture.hotspots
    drawing = None
    if kommun.boundary_geojson:
        drawing = sketch(
            kommun.boundary_geojson,
            [s.polygon for s in spots],
            width=640,
            focus=bool(spots),
        )
    peak = max([c for _f, _l2, c, _p in picture.series] + [1])
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
