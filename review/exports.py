"""Exports for the kommun's GIS and spreadsheets: reports as CSV or GeoJSON, hot spots as GeoJSON.

Streamed in batches, so a large export never sits in memory. Coordinates in WGS84 or
SWEREF 99 TM (EPSG:3006). What a row holds depends on who asks (see `Detail`):

- dialogue teams get places coarsened to the centre of a 250 m grid cell and no free text;
- coordinators and admins get exact places and free text with personal details masked;
- coordinators and admins who tick "personuppgifter" also get the original text and the
  optional demographics and e-mail; that export is written to the audit log.

GeoJSON in EPSG:3006 carries the (pre-RFC 7946) "crs" member that QGIS and GDAL read.
CSV uses semicolons and a byte-order mark, as Swedish Excel expects, and neutralises
cells that a spreadsheet would run as a formula. Every coded column (`skal`: people.intoxicated)
has a label column beside it (`skal_text`: "Alkohol- eller drogpåverkade personer") in the
reader's language; the codes stay for programs. Numbers keep a decimal point unless the
person asks for a decimal comma (Swedish Excel reads "58,38" as a number, "58.38" as text).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from enum import Enum
from typing import Any

import numpy as np
from flask import Blueprint, Response, g, render_template, request, stream_with_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response as BaseResponse
from wtforms import BooleanField, DateField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional, ValidationError

from accounts.access import kommun_scope, staff_user
from audit.services import record
from core.clock import LOCAL_ZONE, local_midnight, local_today
from core.forms import BaseForm
from db import get_engine, get_session
from feedback import reasons as taxonomy
from feedback.models import Report, ReportReason
from geo.projection import plane
from hotspots.models import HotSpotRecord
from hotspots.services import HotSpotParams, current_run
from kommun.models import Kommun
from privacy.masking import mask
from review import statuses

bp = Blueprint("exports", __name__, url_prefix="/samordnare")

BATCH = 2000
COARSE_M = 250.0
EXPORT_ROLES = ("admin", "coordinator", "dialog")
SWEREF = 3006
CRS_NAMES = {4326: "urn:ogc:def:crs:OGC:1.3:CRS84", SWEREF: "urn:ogc:def:crs:EPSG::3006"}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class Detail(Enum):
    COARSE = "coarse"
    EXACT = "exact"
    PERSONAL = "personal"


bp.before_request(kommun_scope(*EXPORT_ROLES))


class ExportForm(BaseForm):
    class Meta:
        csrf = False  # a GET form: downloading changes nothing (the audit log aside)

    what = SelectField(
        _l("Vad"),
        choices=[
            SelectChoice("reports-csv", _l("Förslag som CSV (kalkylblad)")),
            SelectChoice("reports-geojson", _l("Förslag som GeoJSON (GIS)")),
            SelectChoice("hotspots-geojson", _l("Otrygga platser som GeoJSON (GIS)")),
        ],
        default="reports-csv",
    )
    crs = SelectField(
        _l("Koordinatsystem"),
        choices=[
            SelectChoice("4326", _l("WGS 84 (latitud, longitud)")),
            SelectChoice("3006", _l("SWEREF 99 TM (EPSG:3006)")),
        ],
        default="4326",
    )
    date_from = DateField(_l("Från och med"), validators=[Optional()])
    date_to = DateField(_l("Till och med"), validators=[Optional()])
    kind = SelectField(
        _l("Slag"),
        choices=[
            SelectChoice("", _l("Otrygga och trygga platser")),
            SelectChoice("otrygg", _l("Otrygga platser")),
            SelectChoice("trygg", _l("Trygga platser")),
        ],
        default="",
    )
    decimals = SelectField(
        _l("Decimaltecken i CSV"),
        choices=[
            SelectChoice("point", _l("Punkt (GIS och andra program)")),
            SelectChoice("comma", _l("Komma (svenskt Excel)")),
        ],
        default="point",
    )
    personal = BooleanField(
        _l("Med personuppgifter"),
        description=_l(
            "Originaltext, ålder, kön och e-post. Bara för samordnare; exporten loggas."
        ),
    )

    def validate_date_to(self, field: DateField) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_("Slutdatum kan inte vara före startdatum."))

    def validate_personal(self, field: BooleanField) -> None:
        if field.data and staff_user().role not in ("admin", "coordinator"):
            raise ValidationError(_("Din roll får inte exportera personuppgifter."))
        if field.data and self.what.data == "hotspots-geojson":
            raise ValidationError(_("De otrygga platserna innehåller inga personuppgifter."))


def detail_for(role: str, personal: bool) -> Detail:
    if role not in ("admin", "coordinator"):
        return Detail.COARSE
    return Detail.PERSONAL if personal else Detail.EXACT


@bp.get("/<slug>/export")
def export_page(slug: str) -> tuple[str, int]:
    form = ExportForm(formdata=request.args if request.args else None)
    return render_template("review/export.html", kommun=g.kommun, form=form), 200


@bp.get("/<slug>/export/fil")
def download(slug: str) -> BaseResponse | tuple[str, int]:
    """Stream the chosen export; bad choices come back to the form with messages."""
    kommun: Kommun = g.kommun
    form = ExportForm(formdata=request.args)
    if not form.validate():
        return render_template("review/export.html", kommun=kommun, form=form), 400
    user = staff_user()
    epsg = int(form.crs.data)
    detail = detail_for(user.role, bool(form.personal.data))
    stamp = local_today().isoformat()
    what = form.what.data
    session = get_session()
    record(
        session,
        user,
        "export." + what,
        kommun_id=kommun.id,
        crs=epsg,
        detail=detail.value,
        date_from=str(form.date_from.data or ""),
        date_to=str(form.date_to.data or ""),
    )
    if what == "hotspots-geojson":
        name = f"tryggkartan-{kommun.slug}-hotspots-{epsg}-{stamp}.geojson"
        body = hotspots_geojson(session, kommun, epsg)
        return _attachment(body, "application/geo+json", name)
    filters = ReportFilters(
        start=local_midnight(form.date_from.data) if form.date_from.data else None,
        end=_day_after(form.date_to.data),
        kind=form.kind.data or None,
    )
    engine = get_engine()
    if what == "reports-geojson":
        name = f"tryggkartan-{kommun.slug}-forslag-{epsg}-{stamp}.geojson"
        rows = _stream(engine, kommun.id, filters, epsg, detail, geojson_features)
        return _attachment(rows, "application/geo+json", name)
    name = f"tryggkartan-{kommun.slug}-forslag-{epsg}-{stamp}.csv"
    write = csv_rows_with_decimal_comma if form.decimals.data == "comma" else csv_rows
    rows = _stream(engine, kommun.id, filters, epsg, detail, write)
    return _attachment(rows, "text/csv; charset=utf-8", name)


def _day_after(day: date | None) -> datetime | None:
    if day is None:
        return None
    return local_midnight(day + timedelta(days=1))


def _attachment(body: Iterator[str] | str, mimetype: str, filename: str) -> BaseResponse:
    if isinstance(body, str):
        response = Response(body, mimetype=mimetype)
    else:
        response = Response(stream_with_context(body), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


# --- reports --------------------------------------------------------------------------------


class ReportFilters:
    def __init__(
        self, start: datetime | None = None, end: datetime | None = None, kind: str | None = None
    ) -> None:
        self.start, self.end, self.kind = start, end, kind


COMMON = [
    "id",
    "registreringsnummer",
    "skapad",
    "slag",
    "kalla",
    "status",
    "skal",
    "tider",
    "dagtyp",
    "aterkommande",
    "otrygghet",
    "egen_upplevelse",
    "organisation",
    "dold",
    "dubblett_av",
    "platsmetod",
]
TEXT = ["platsbeskrivning", "beskrivning"]
# Coded columns and the label column written right after each (see `_labels`).
LABELLED = ("slag", "kalla", "status", "skal", "tider", "dagtyp", "otrygghet", "platsmetod")
KIND_LABELS = {"otrygg": _l("Otrygg plats"), "trygg": _l("Trygg plats")}
UNSAFE_LEVEL_LABELS = {1: _l("Lite otrygg"), 2: _l("Ganska otrygg"), 3: _l("Mycket otrygg")}
LOCATION_METHOD_LABELS = {
    "map": _l("Markerad på kartan"),
    "gps": _l("Telefonens position"),
    "landmark": _l("Vald plats i listan"),
    "address": _l("Adress eller beskrivning"),
}
# No e-mail: the address is only for the mails the app sends itself (mail/).
PERSONAL = ["beskrivning_original", "aldersgrupp", "kon"]


def columns(detail: Detail, epsg: int) -> list[str]:
    place = ["lat", "lon"] if epsg == 4326 else ["e", "n"]
    common: list[str] = []
    for name in COMMON:
        common += [name, name + "_text"] if name in LABELLED else [name]
    cols = common[:3] + place + common[3:]
    if detail is not Detail.COARSE:
        cols += TEXT
    if detail is Detail.PERSONAL:
        cols += PERSONAL
    return cols


def _coordinates(reports: Sequence[Report], epsg: int, detail: Detail) -> np.ndarray:
    """(first, second) per report: lat, lon in WGS84; E, N in SWEREF 99 TM."""
    lat = np.array([r.lat for r in reports], dtype=float)
    lon = np.array([r.lon for r in reports], dtype=float)
    if detail is Detail.COARSE or epsg == SWEREF:
        sweref = plane(SWEREF)
        e, n = sweref.to_metres(lat, lon)
        if detail is Detail.COARSE:
            e = (np.floor(e / COARSE_M) + 0.5) * COARSE_M
            n = (np.floor(n / COARSE_M) + 0.5) * COARSE_M
        if epsg == SWEREF:
            return np.column_stack([e.round(1), n.round(1)])
        lat, lon = sweref.to_wgs84(e, n)
    return np.column_stack([lat.round(6), lon.round(6)])


def _values(
    report: Report, reasons: list[str], place: Sequence[float], detail: Detail, epsg: int
) -> dict[str, Any]:
    local = report.created_at.astimezone(LOCAL_ZONE).isoformat(timespec="seconds")
    first, second = (float(place[0]), float(place[1]))
    keys = ("lat", "lon") if epsg == 4326 else ("e", "n")
    values: dict[str, Any] = {
        "id": report.id,
        "registreringsnummer": report.registration_number,
        "skapad": local,
        keys[0]: first,
        keys[1]: second,
        "slag": report.kind,
        "kalla": report.source,
        "status": report.status,
        "skal": "|".join(reasons),
        "tider": "|".join(report.times_of_day),
        "dagtyp": "|".join(report.day_types),
        "aterkommande": report.recurring,
        "otrygghet": report.unsafe_level,
        "egen_upplevelse": report.own_experience,
        "organisation": report.organisation,
        "dold": report.hidden,
        "dubblett_av": report.merged_into_id,
        "platsmetod": report.location_method,
    }
    values.update(_labels(values))
    if detail is not Detail.COARSE:
        values["platsbeskrivning"] = mask(report.place_description).text
        values["beskrivning"] = mask(report.description).text
    if detail is Detail.PERSONAL:
        values["beskrivning_original"] = report.description
        values["aldersgrupp"] = report.age_band
        values["kon"] = report.gender
    return values


def _joined(labels: Iterable[Any]) -> str:
    return ", ".join(str(label) for label in labels)


def _labels(values: dict[str, Any]) -> dict[str, str]:
    """The label beside each coded value, in the reader's language."""
    level = values["otrygghet"]
    return {
        "slag_text": str(KIND_LABELS.get(values["slag"], values["slag"])),
        "kalla_text": statuses.source_label(values["kalla"]),
        "status_text": statuses.staff_status(values["status"]),
        "skal_text": _joined(taxonomy.label(c) for c in values["skal"].split("|") if c),
        "tider_text": _joined(statuses.when_label(c) for c in values["tider"].split("|") if c),
        "dagtyp_text": _joined(statuses.when_label(c) for c in values["dagtyp"].split("|") if c),
        "otrygghet_text": str(UNSAFE_LEVEL_LABELS.get(level, "")) if level else "",
        "platsmetod_text": str(
            LOCATION_METHOD_LABELS.get(values["platsmetod"], values["platsmetod"])
        ),
    }


Batch = list[tuple[Report, list[str]]]


def _batches(session: Session, kommun_id: int, filters: ReportFilters) -> Iterator[Batch]:
    """The kommun's reports in id order, a batch at a time (keyset paging, no offsets)."""
    last_id = 0
    while True:
        query = (
            select(Report)
            .where(
                Report.kommun_id == kommun_id,
                Report.erasure_requested_at.is_(None),
                Report.id > last_id,
            )
            .order_by(Report.id)
            .limit(BATCH)
        )
        if filters.start is not None:
            query = query.where(Report.created_at >= filters.start)
        if filters.end is not None:
            query = query.where(Report.created_at < filters.end)
        if filters.kind:
            query = query.where(Report.kind == filters.kind)
        batch = list(session.scalars(query))
        if not batch:
            return
        ids = [r.id for r in batch]
        reasons: dict[int, list[str]] = {}
        for report_id, code in session.execute(
            select(ReportReason.report_id, ReportReason.code)
            .where(ReportReason.report_id.in_(ids))
            .order_by(ReportReason.report_id, ReportReason.code)
        ):
            reasons.setdefault(report_id, []).append(code)
        yield [(r, reasons.get(r.id, [])) for r in batch]
        session.expunge_all()  # what was sent is not kept
        last_id = ids[-1]


def _stream(
    engine: Any, kommun_id: int, filters: ReportFilters, epsg: int, detail: Detail, write: Any
) -> Iterator[str]:
    """Run `write` over the batches in a session of the stream's own."""
    with Session(engine) as session:
        yield from write(_batches(session, kommun_id, filters), epsg, detail)


def spreadsheet_cell(value: Any) -> Any:
    """A CSV cell as spreadsheets should read it: text a spreadsheet would run as a formula
    is quoted, booleans are ja/nej, None is empty."""
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return "" if value is None else value


def decimal_comma_cell(value: Any) -> Any:
    """A spreadsheet cell for Swedish Excel: 58.38065 -> "58,38065"; other values as they are."""
    if isinstance(value, float):
        return repr(value).replace(".", ",")
    return spreadsheet_cell(value)


def csv_rows_with_decimal_comma(
    batches: Iterator[Batch], epsg: int, detail: Detail
) -> Iterator[str]:
    return csv_rows(batches, epsg, detail, cell=decimal_comma_cell)


def csv_rows(
    batches: Iterator[Batch], epsg: int, detail: Detail, cell: Any = spreadsheet_cell
) -> Iterator[str]:
    cols = columns(detail, epsg)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(cols)
    yield "\ufeff" + buffer.getvalue()
    for batch in batches:
        buffer.seek(0)
        buffer.truncate()
        places = _coordinates([r for r, _ in batch], epsg, detail)
        for (report, reasons), place in zip(batch, places, strict=True):
            values = _values(report, reasons, place, detail, epsg)
            writer.writerow([cell(values[c]) for c in cols])
        yield buffer.getvalue()


def _collection_head(epsg: int, name: str) -> str:
    head: dict[str, Any] = {"type": "FeatureCollection", "name": name}
    if epsg == SWEREF:
        head["crs"] = {"type": "name", "properties": {"name": CRS_NAMES[SWEREF]}}
    text = json.dumps(head, ensure_ascii=False)
    return text[:-1] + ', "features": ['


def geojson_features(batches: Iterator[Batch], epsg: int, detail: Detail) -> Iterator[str]:
    yield _collection_head(epsg, "forslag")
    first = True
    for batch in batches:
        places = _coordinates([r for r, _ in batch], epsg, detail)
        parts = []
        keys = ("lat", "lon") if epsg == 4326 else ("e", "n")
        for (report, reasons), place in zip(batch, places, strict=True):
            values = _values(report, reasons, place, detail, epsg)
            # GeoJSON order: longitude, latitude; easting, northing.
            coords = [values["lon"], values["lat"]] if epsg == 4326 else [values["e"], values["n"]]
            properties = {k: v for k, v in values.items() if k not in keys}
            feature = {
                "type": "Feature",
                "id": report.id,
                "geometry": {"type": "Point", "coordinates": coords},
                "properties": properties,
            }
            parts.append(("" if first else ",") + json.dumps(feature, ensure_ascii=False))
            first = False
        yield "".join(parts)
    yield "]}"


# --- hot spots ------------------------------------------------------------------------------


def _ring_to(ring: list[list[float]], epsg: int) -> list[list[float]]:
    if epsg == 4326:
        return ring
    coords = np.asarray(ring, dtype=float)
    e, n = plane(SWEREF).to_metres(coords[:, 1], coords[:, 0])
    return np.column_stack([e.round(1), n.round(1)]).tolist()  # type: ignore[no-any-return]


def _geometry_to(geometry: dict[str, Any], epsg: int) -> dict[str, Any]:
    if geometry["type"] == "Polygon":
        return {
            "type": "Polygon",
            "coordinates": [_ring_to(r, epsg) for r in geometry["coordinates"]],
        }
    return {
        "type": "MultiPolygon",
        "coordinates": [[_ring_to(r, epsg) for r in poly] for poly in geometry["coordinates"]],
    }


def hotspots_geojson(session: Session, kommun: Kommun, epsg: int) -> str:
    """The current default run's hot spots: aggregates, the same for every role."""
    run = current_run(session, kommun, HotSpotParams())
    spots: list[HotSpotRecord] = list(run.hotspots) if run else []
    features = []
    for h in spots:
        stats = h.stats or {}
        features.append(
            {
                "type": "Feature",
                "id": h.stable_id,
                "geometry": _geometry_to(h.polygon, epsg),
                "properties": {
                    "stable_id": h.stable_id,
                    "namn": h.name,
                    "forslag": h.count,
                    "viktat": h.weighted_count,
                    "forut": h.previous_count,
                    "trend": h.trend,
                    "trend_text": str(statuses.TREND_LABELS.get(h.trend, h.trend)),
                    "area_m2": round(h.area_m2, 1),
                    "skal": stats.get("reasons", {}),
                    "skal_text": {
                        taxonomy.label(code): n for code, n in stats.get("reasons", {}).items()
                    },
                    "andel_natt": stats.get("night_share"),
                    "period_start": run.period_start.isoformat() if run else None,
                    "period_slut": run.period_end.isoformat() if run else None,
                },
            }
        )
    head = json.loads(_collection_head(epsg, "hotspots") + "]}")
    head["features"] = features
    head["beraknad"] = run.created_at.astimezone(UTC).isoformat() if run else None
    return json.dumps(head, ensure_ascii=False)
