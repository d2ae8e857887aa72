"""The coordinators' hot-spot map: stored hot spots, an aggregated heat layer, few points."""

from __future__ import annotations

import math
from html import escape
from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response
from wtforms import HiddenField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from accounts.access import staff_user
from audit.services import record
from core.assets import vendor_urls
from core.forms import BaseForm, flash_errors, return_to
from core.headers import csp_nonce
from db import get_session
from feedback import reasons as taxonomy
from feedback.models import SOURCES, STATUSES, Report
from geo.density import HEAT_FULL_AT, heat_cells
from geo.maps import TREND_STYLE, components, hotspot_map, localize
from hotspots.models import HotSpotRecord, HotSpotRun
from hotspots.services import (
    HotSpotParams,
    coordinates_for,
    current_run,
    last_run,
    rename_hotspot,
    reports_for,
)
from hotspots.worker import request_run
from kommun.models import Kommun
from review import statuses
from review.blueprint import bp, current_kommun
from review.statuses import TREND_LABELS, TREND_SYMBOLS

# Raw points are drawn only for selections this small; larger ones stay aggregated.
MAX_POINTS = 300
# The heat layer is a fixed budget of grid cells, whatever the number of reports.
MAX_HEAT_CELLS = 1500


class MapFilterForm(BaseForm):
    class Meta:
        csrf = False  # a GET form that changes nothing

    window_days = SelectField(
        _l("Period"),
        choices=[
            SelectChoice("30", _l("Senaste 30 dagarna")),
            SelectChoice("90", _l("Senaste 90 dagarna")),
            SelectChoice("365", _l("Senaste året")),
        ],
        default="365",
    )
    radius_m = IntegerField(
        _l("Radie i meter"),
        validators=[Optional(), NumberRange(min=20, max=500, message=_l("Ange 20–500 meter."))],
        default=int(HotSpotParams().radius_m),
    )
    min_reports = IntegerField(
        _l("Minsta antal förslag"),
        validators=[Optional(), NumberRange(min=2, max=500, message=_l("Ange 2–500."))],
        default=HotSpotParams().min_reports,
    )
    reason = SelectField(_l("Skäl"), choices=[], default="")
    source = SelectField(_l("Källa"), choices=[], default="")
    time_of_day = SelectField(
        _l("Tid på dygnet"),
        choices=[
            SelectChoice("", _l("Alla tider")),
            SelectChoice("dag", _l("Dag")),
            SelectChoice("kvall", _l("Kväll")),
            SelectChoice("natt", _l("Natt")),
        ],
        default="",
    )
    status = SelectField(_l("Status"), choices=[], default="")

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.reason.choices = [SelectChoice("", _l("Alla skäl"))] + [
            SelectChoice(code, str(reason.label))
            for group in taxonomy.groups(positive=False)
            for code, reason in ((r.code, r) for r in group.reasons)
        ]
        self.source.choices = [SelectChoice("", _l("Alla källor"))] + [
            SelectChoice(s, statuses.source_label(s)) for s in SOURCES
        ]
        self.status.choices = [SelectChoice("", _l("Alla statusar"))] + [
            SelectChoice(s, statuses.staff_status(s)) for s in STATUSES
        ]

    def params(self) -> HotSpotParams:
        defaults = HotSpotParams()
        return HotSpotParams(
            radius_m=float(self.radius_m.data or defaults.radius_m),
            min_reports=int(self.min_reports.data or defaults.min_reports),
            window_days=int(self.window_days.data or 365),
            reasons=(self.reason.data,) if self.reason.data else (),
            sources=(self.source.data,) if self.source.data else (),
            times=(self.time_of_day.data,) if self.time_of_day.data else (),
            statuses=(self.status.data,) if self.status.data else (),
        )


class HotSpotNameForm(BaseForm):
    """A coordinator's name for a place (kept from run to run)."""

    stable_id = HiddenField(validators=[DataRequired(), Length(max=40)])
    name = StringField(
        _l("Namn på platsen"),
        validators=[
            DataRequired(message=_l("Skriv ett namn.")),
            Length(max=120, message=_l("Högst 120 tecken.")),
        ],
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
    )
    return_to = HiddenField()


@bp.post("/<slug>/karta/namn")
def rename(slug: str) -> Response:
    """Give a hot spot a name coordinators recognise; it follows the place from run to run."""
    session = get_session()
    kommun = current_kommun()
    form = HotSpotNameForm(prefix="name")
    back = return_to(form, url_for("review.hotspot_map_page", slug=kommun.slug))
    if not form.validate_on_submit():
        flash_errors(form, labelled=True)
        return redirect(back, code=303)
    if not rename_hotspot(session, kommun, form.stable_id.data, form.name.data, staff_user().id):
        flash(_("Platsen finns inte längre bland de otrygga platserna."), "error")
        return redirect(back, code=303)
    record(session, staff_user(), "hotspot.rename", kommun_id=kommun.id, name=form.name.data)
    flash(_("Platsen heter nu %(name)s.", name=form.name.data))
    return redirect(back, code=303)


@bp.get("/<slug>/karta")
def hotspot_map_page(slug: str) -> tuple[str, int]:
    """Show the kommun's hot spots on a map beside a table of them."""
    session = get_session()
    kommun = current_kommun()
    form = MapFilterForm(formdata=request.args)
    valid = form.validate()
    params = form.params() if valid else HotSpotParams()
    run, pending = stored_run(session, kommun, params)
    # The run holds the count and the heat cells: the page's cost does not grow with the
    # number of reports. Whole reports are loaded only for a small selection.
    few = run is not None and run.report_count <= MAX_POINTS and not pending
    reports = reports_for(session, kommun, params, run.period_start, run.period_end) if few else []  # type: ignore[union-attr]
    if reports:  # exact pins on screen: on record, like a report page
        record(session, staff_user(), "map.view_points", kommun_id=kommun.id, points=len(reports))
    heat = run.heat if run is not None else []
    if heat is None and run is not None:  # a run stored before runs kept their heat layer
        lat, lon = coordinates_for(session, kommun, params, run.period_start, run.period_end)
        heat = heat_cells(lat, lon, max_cells=MAX_HEAT_CELLS)
    spots = [h for h in run.hotspots if h.trend != "gone"] if run is not None else []
    days = (run.period_end - run.period_start).days if run is not None else params.window_days
    table = [_row(kommun.slug, h, days, params) for h in spots]
    config = current_app.config
    fmap = hotspot_map(
        centre=((kommun.min_lat + kommun.max_lat) / 2, (kommun.min_lon + kommun.max_lon) / 2),
        bounds=_view_bounds(kommun, spots, reports),
        tile_url=config["TILE_URL"],
        attribution=config["TILE_ATTRIBUTION"],
        boundary=kommun.boundary_geojson,
        hotspots=[_shape(row, h) for row, h in zip(table, spots, strict=True)],
        heat=heat or [],
        points=[_point(r) for r in reports],
        labels={
            "boundary": _("Kommungräns"),
            "hotspots": _("Otrygga platser"),
            "heat": _("Täthet"),
            "points": _("Enskilda förslag"),
        },
    )
    parts = components(localize(fmap, vendor_urls()), nonce=csp_nonce())
    return render_template(
        "review/map.html",
        kommun=kommun,
        form=form,
        run=run,
        pending=pending,
        table=table,
        name_form=HotSpotNameForm(prefix="name", formdata=None),
        return_to=request.full_path,
        # A lone report's smoothed peak is ~1/(2π) of a report per cell: full heat at this many.
        heat_full_reports=round(HEAT_FULL_AT * 2 * math.pi),
        report_count=run.report_count if run is not None else 0,
        points_shown=few,
        map_parts=parts,
        trend_labels=TREND_LABELS,
        trend_symbols=TREND_SYMBOLS,
        trend_style=TREND_STYLE,
    ), (200 if valid else 400)


def stored_run(
    session: Session, kommun: Kommun, params: HotSpotParams
) -> tuple[HotSpotRun | None, bool]:
    """The stored run for these settings, else the latest one and True (queued meanwhile).

    A page never clusters: a run with new settings is queued as a job (hotspots.compute),
    and the page shows what was computed last, saying that it is being recomputed.
    """
    run = current_run(session, kommun, params)
    if run is not None:
        return run, False
    request_run(current_app._get_current_object(), kommun.id, params.key())  # type: ignore[attr-defined]
    run = current_run(session, kommun, params)  # with JOBS_IMMEDIATE the job ran already
    if run is not None:
        return run, False
    return last_run(session, kommun), True


def why(count: int, days: int, ratio: float | None) -> str:
    """Why a place is a hot spot, in one line a coordinator can repeat."""
    line = _("%(num)d förslag på %(days)d dagar", num=count, days=days)
    if ratio:
        # A tenth matters at 2.5×, not at 1,284.7× (a tight place against a 250 m median).
        shape = "#,##0" if ratio >= 10 else "#,##0.#"
        line += ", " + _(
            "%(ratio)s× kommunens mediantäthet", ratio=format_decimal(ratio, format=shape)
        )
    return line


def _row(slug: str, h: object, days: int, params: HotSpotParams) -> dict[str, object]:
    stats = getattr(h, "stats", {}) or {}
    top = list((stats.get("reasons") or {}).items())[:3]
    # The queue the row links to lists the same reports: the map's filters go along, and
    # without a source filter the queue leaves out "känner likadant" (they support another
    # report), so the count shown here leaves them out too and says how many they are.
    supporters = 0 if params.sources else int((stats.get("sources") or {}).get("support", 0))
    filters: dict[str, Any] = {
        "hotspot": h.id,  # type: ignore[attr-defined]
        "reason": params.reasons[0] if params.reasons else None,
        "source": params.sources[0] if params.sources else None,
        "time_of_day": params.times[0] if params.times else None,
        "status": params.statuses[0] if params.statuses else None,
    }
    return {
        "id": h.id,  # type: ignore[attr-defined]
        "stable_id": h.stable_id,  # type: ignore[attr-defined]
        "why": why(h.count, days, stats.get("density_ratio")),  # type: ignore[attr-defined]
        "name": h.name or _("Namnlös plats (%(id)s)", id=h.stable_id),  # type: ignore[attr-defined]
        "count": h.count - supporters,  # type: ignore[attr-defined]
        "supporters": supporters,
        "previous": h.previous_count,  # type: ignore[attr-defined]
        "trend": h.trend,  # type: ignore[attr-defined]
        "reasons": [taxonomy.label(code) for code, _n in top],
        "night_share": stats.get("night_share"),
        "url": url_for("review.queue", slug=slug, **{k: v for k, v in filters.items() if v}),
    }


def _shape(row: dict[str, object], h: object) -> dict[str, object]:
    trend = str(row["trend"])
    also = _("+ %(num)d känner likadant", num=row["supporters"]) if row["supporters"] else ""
    popup = (
        f"<strong>{escape(str(row['name']))}</strong><br>"
        f"{escape(_('%(num)d förslag', num=row['count']))} {escape(also)} · "
        f"{escape(TREND_SYMBOLS[trend])} {escape(str(TREND_LABELS[trend]))}<br>"
        f"{escape(str(row['why']))}<br>"
        f"{escape(', '.join(row['reasons']))}<br>"  # type: ignore[arg-type]
        f'<a href="{escape(str(row["url"]))}">{escape(_("Visa förslagen"))}</a>'
    )
    tooltip = f"{row['name']} – {row['count']} ({TREND_LABELS[trend]})"
    return {"polygon": h.polygon, "trend": trend, "popup": popup, "tooltip": escape(tooltip)}  # type: ignore[attr-defined]


def _point(r: object) -> dict[str, object]:
    reasons = ", ".join(taxonomy.label(c) for c in r.reason_codes)  # type: ignore[attr-defined]
    link = url_for("review.report", report_id=r.id)  # type: ignore[attr-defined]
    popup = (
        f"{escape(r.registration_number or '')}<br>{escape(reasons)}<br>"  # type: ignore[attr-defined]
        f'<a href="{escape(link)}">{escape(_("Öppna"))}</a>'
    )
    return {"lat": r.lat, "lon": r.lon, "popup": popup}  # type: ignore[attr-defined]


def _view_bounds(
    kommun: Kommun, spots: list[HotSpotRecord], reports: list[Report]
) -> tuple[tuple[float, float], tuple[float, float]]:
    lats = [h.lat for h in spots] or [r.lat for r in reports]
    lons = [h.lon for h in spots] or [r.lon for r in reports]
    if not lats:
        return ((kommun.min_lat, kommun.min_lon), (kommun.max_lat, kommun.max_lon))
    pad = 0.004
    return ((min(lats) - pad, min(lons) - pad), (max(lats) + pad, max(lons) + pad))
