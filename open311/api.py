"""Open311 GeoReport v2 under /open311/v2/, one jurisdiction per kommun.

Services are the reasons of the taxonomy (feedback/reasons.py); a request is a report, and
its service is its first reason (reasons are kept in code order), so a report with several
reasons is one request under one code, and `service_code` filters on that code. A POST goes
through the resident's own form (feedback.forms.ReportForm), so the API refuses exactly what
the web form refuses, with the same translated messages.

What a GET shows depends on the key:
- without a key, with a client key, or with another kommun's staff key: what privacy.public
  lets out and no more. A report is listed only when at least PUBLIC_MIN_CELL_REPORTS (k)
  reports of the past year in its 250 m SWEREF 99 TM cell share its service; it has an
  opaque id (never the sequential registration number), the cell's centre as its place, the
  week instead of the time, and no text or address. Reports in other cells are not listed,
  and their ids answer 404 like ids that never existed;
- with a staff key of the kommun, the exact place, the time, the registration number and
  the text with personal details masked. Each such read is audit-logged.

The key is read once (`_api_key`) for both the view and the rate limits; a request naming
two different keys is refused.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Blueprint, Flask, current_app, g, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response
from wtforms.validators import Length

from accounts.security import limiter
from audit.services import record
from core import text
from core.cache import per_kommun
from core.clock import LOCAL_ZONE
from core.current import app_object
from core.errors import register_api_errors
from core.signals import reports_changed
from db import get_session
from feedback import reasons
from feedback.forms import ReportForm
from feedback.models import Report
from feedback.services import insert_report
from kommun.models import Kommun, Landmark
from kommun.services import active_kommuner, active_landmarks, kommun_by_slug, mark_hotspots_stale
from open311 import formats
from open311.keys import find_key
from open311.models import ApiKey
from open311.openapi import document
from privacy.masking import mask
from privacy.public import (
    PublicIndex,
    PublicQuery,
    PublicRequest,
    min_reports,
    public_id,
    public_index,
    public_page,
    public_requests_by_id,
    week_of,
    window_start,
)

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")

DESCRIPTION_MAX = 4000  # the specification's limit
DEFAULT_DAYS = 90  # the specification's default window for GET requests
# Dates outside these are refused: the weeks they fall in would run past what a date holds.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)
PAGE_SIZE = 100
PAGE_SIZE_MAX = 1000
FORM_TYPE = "application/x-www-form-urlencoded"


class Open311Error(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


def _fmt() -> str:
    """The format asked for, by the path's ending (`.../requests.xml`, a service code or
    request id ending in .xml): the one rule for answers and errors, in a view or outside
    one (no route, wrong method, too many requests). Any other ending answers JSON."""
    return "xml" if request.path.endswith(".xml") else "json"


@bp.errorhandler(Open311Error)
def _open311_error(exc: Open311Error) -> Response:
    return formats.errors(_fmt(), exc.status, exc.description)


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> Response:
    return render_error(exc.code or 500)


@bp.before_request
def _refuse_odd_text() -> None:
    """Every parameter as valid UTF-8 without control characters (core.text), as in forms."""
    body = request.get_data(cache=True) if request.mimetype == FORM_TYPE else b""
    if not (text.decodes_strictly(request.query_string) and text.decodes_strictly(body)):
        raise Open311Error(400, str(text.MESSAGE))
    sent = [*request.args.items(multi=True), *request.form.items(multi=True)]
    if text.any_odd(value for _name, value in sent):
        raise Open311Error(400, str(text.MESSAGE))


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    register_api_errors(app, bp.url_prefix or "", render_error)


def render_error(status: int) -> Response:
    """Errors outside a view (no route, wrong method, too many requests) in the API's format."""
    messages = {
        404: _("Det finns ingen sådan resurs."),
        405: _("Resursen tar inte emot den metoden."),
        413: _("Begäran är för stor."),
        429: _("För många förfrågningar. Vänta en stund och försök igen."),
    }
    return formats.errors(_fmt(), status, messages.get(status, _("Begäran kunde inte behandlas.")))


def _split(name: str) -> tuple[str, str]:
    """'place.dark.json' -> ('place.dark', 'json'); a missing or unknown format is a 404."""
    stem, dot, fmt = name.rpartition(".")
    if not dot or fmt not in formats.MIMETYPES:
        raise Open311Error(404, _("Ange formatet som .json eller .xml."))
    return stem, fmt


def _check_fmt(fmt: str) -> None:
    if fmt not in formats.MIMETYPES:
        raise Open311Error(404, _("Ange formatet som .json eller .xml."))


def _param(name: str) -> str:
    source = request.form if request.method == "POST" else request.args
    value = source.get(name, "")
    if len(value) > 10_000:
        raise Open311Error(400, _("Parametern %(name)s är för lång.", name=name))
    return value.strip()


def _sent_key() -> str:
    """The API key as sent, as api_key (query or form) or in an X-Api-Key header.

    A request that names two different keys is refused: the key that is checked must be the
    key that is counted by the rate limits.
    """
    sent = [*request.args.getlist("api_key"), request.headers.get("X-Api-Key", "")]
    if request.method == "POST":
        sent += request.form.getlist("api_key")
    values = {value.strip() for value in sent if value.strip()}
    if len(values) > 1:
        raise Open311Error(400, _("Skicka en API-nyckel, inte flera olika."))
    raw = values.pop() if values else ""
    if len(raw) > 200:
        raise Open311Error(400, _("Parametern %(name)s är för lång.", name="api_key"))
    return raw


def _resolve_key() -> ApiKey | None:
    raw = _sent_key()
    if not raw:
        return None
    key = find_key(get_session(), raw)
    if key is None:
        raise Open311Error(403, _("API-nyckeln är ogiltig eller återkallad."))
    return key


def _api_key() -> ApiKey | None:
    """The key of this request, resolved once for both the rate limits and the view.

    None without a key; a key sent but unknown or revoked is a 403, two keys a 400.
    """
    if "open311_key" not in g:
        try:
            g.open311_key = (_resolve_key(), None)
        except Open311Error as refused:
            g.open311_key = (None, refused)
    key, problem = g.open311_key
    if problem is not None:
        raise problem
    return key  # type: ignore[no-any-return]


def _jurisdiction(key: ApiKey | None) -> Kommun:
    given = _param("jurisdiction_id")
    session = get_session()
    if not given:
        if key is not None and key.kommun is not None:
            return key.kommun
        kommuner = active_kommuner(session)
        if len(kommuner) == 1:
            return kommuner[0]
        raise Open311Error(400, _("Ange jurisdiction_id (kommunkoden, till exempel 1487)."))
    kommun = kommun_by_slug(session, given)
    if kommun is None:
        raise Open311Error(404, _("Det finns ingen kommun med jurisdiction_id %(id)s.", id=given))
    return kommun


def _key_limit_key() -> str:
    """Posts count per API key actually used; a refused key counts against its address."""
    try:
        key = _api_key()
    except Open311Error:
        key = None
    if key is None:
        return "open311-addr:" + get_remote_address()
    return f"open311-key:{key.id}"


def _address_limit_key() -> str:
    return "open311-addr:" + get_remote_address()


# --- discovery and services --------------------------------------------------------------


@bp.get("/discovery.<fmt>")
def discovery(fmt: str) -> Response:
    _check_fmt(fmt)
    data = {
        "changeset": "2026-11-23T00:00:00Z",
        "contact": current_app.config.get("OPEN311_CONTACT", ""),
        "key_service": _("API-nycklar delas ut av kommunens administratör."),
        "endpoints": [
            {
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": url_for("open311.discovery", fmt=fmt, _external=True).rsplit("/", 1)[0],
                "changeset": "2026-11-23T00:00:00Z",
                "type": "production",
                "formats": ["application/json", "text/xml"],
            }
        ],
    }
    return formats.respond(fmt, data, root="discovery")


def _kind_of(code: str) -> str:
    return "trygg" if code in reasons.SAFE_CODES else "otrygg"


def _services() -> list[dict[str, Any]]:
    services = []
    for group in reasons.GROUPS:
        for reason in group.reasons:
            kind = "trygg" if group.positive else "otrygg"
            services.append(
                {
                    "service_code": reason.code,
                    "service_name": str(reason.label),
                    "description": f"{group.label}: {reason.label}",
                    "metadata": True,
                    "type": "realtime",
                    "keywords": ", ".join([kind, group.code.lower()]),
                    "group": str(group.label),
                }
            )
    return services


@bp.get("/services.<fmt>")
def services(fmt: str) -> Response:
    _check_fmt(fmt)
    _jurisdiction(_api_key())
    return formats.respond(fmt, _services(), root="services", item="service")


def _choices(field_name: str) -> list[tuple[str, str]]:
    unbound = getattr(ReportForm, field_name)
    return [(c.value, str(c.label)) for c in unbound.kwargs["choices"] if c.value]


def _label(field_name: str) -> str:
    return str(getattr(ReportForm, field_name).args[0])


YES_NO = [("ja", _l("Ja")), ("nej", _l("Nej"))]
# (code, datatype, the form's field it fills, choices or None for the form's own)
ATTRIBUTES: tuple[tuple[str, str, str], ...] = (
    ("kind", "singlevaluelist", "kind"),
    ("times", "multivaluelist", "times"),
    ("day_types", "multivaluelist", "day_types"),
    ("recurring", "singlevaluelist", "recurring"),
    ("unsafe_level", "singlevaluelist", "unsafe_level"),
    ("own_experience", "singlevaluelist", "own_experience"),
    ("age_band", "singlevaluelist", "age_band"),
    ("gender", "singlevaluelist", "gender"),
    ("consent", "singlevaluelist", "consent"),
)
ATTRIBUTE_NOTES = {
    "kind": _l("Följer av tjänsten om det utelämnas."),
    "unsafe_level": _l("Bara för otrygga platser."),
    "consent": _l(
        "Krävs när email skickas med: den som skriver har samtyckt till att kommunen sparar "
        "e-postadressen för att återkoppla."
    ),
}


def _attribute_values(code: str) -> list[tuple[str, str]]:
    if code in {"recurring", "consent"}:
        return [(k, str(v)) for k, v in YES_NO] if code == "recurring" else [("ja", _("Ja"))]
    return _choices(code)


def _definition(code: str) -> dict[str, Any]:
    attributes = []
    order = 0
    for name, datatype, field in ATTRIBUTES:
        if name == "unsafe_level" and _kind_of(code) == "trygg":
            continue
        order += 1
        note = ATTRIBUTE_NOTES.get(name)
        attributes.append(
            {
                "variable": True,
                "code": name,
                "datatype": datatype,
                "required": False,
                "datatype_description": str(note) if note else None,
                "order": order,
                "description": _label(field),
                "values": [{"key": k, "name": v} for k, v in _attribute_values(name)],
            }
        )
    return {"service_code": code, "attributes": attributes}


@bp.get("/services/<name>")
def service_definition(name: str) -> Response:
    code, fmt = _split(name)
    _jurisdiction(_api_key())
    if code not in reasons.BY_CODE:
        raise Open311Error(404, _("Det finns ingen tjänst med koden %(code)s.", code=code))
    return formats.respond(fmt, _definition(code), root="service_definition")


# --- posting a request -------------------------------------------------------------------


class ApiReportForm(ReportForm):
    """The resident's form with the API's description limit; no CSRF (the key stands in)."""

    class Meta:
        csrf = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.description.validators = [
            Length(
                max=DESCRIPTION_MAX,
                message=_l("Texten får vara högst %(max)d tecken."),
            )
        ]


def _attribute(code: str) -> list[str]:
    return [
        value.strip()
        for key in (f"attribute[{code}]", f"attribute[{code}][]")
        for value in request.form.getlist(key)
        if value.strip()
    ]


def _landmark_named(landmarks: list[Landmark], text: str) -> Landmark | None:
    wanted = text.casefold()
    return next((lm for lm in landmarks if lm.name.casefold() == wanted), None)


def _form_data(kommun: Kommun, landmarks: list[Landmark]) -> MultiDict[str, str]:
    code = _param("service_code")
    if not code:
        raise Open311Error(400, _("Ange service_code."))
    if code not in reasons.BY_CODE:
        raise Open311Error(400, _("Det finns ingen tjänst med koden %(code)s.", code=code))
    kind = _attribute("kind") or [_kind_of(code)]
    if kind != [_kind_of(code)]:
        if _kind_of(code) == "trygg":
            raise Open311Error(400, _("Tjänsten %(code)s gäller trygga platser.", code=code))
        raise Open311Error(400, _("Tjänsten %(code)s gäller otrygga platser.", code=code))
    data: MultiDict[str, str] = MultiDict(
        [("kind", kind[0]), ("reasons", code), ("description", request.form.get("description", ""))]
    )
    _add_place(data, landmarks)
    _add_attributes(data)
    if _param("email"):
        data["email"] = _param("email")
    return data


def _add_place(data: MultiDict[str, str], landmarks: list[Landmark]) -> None:
    """lat/long as a pin (address_string then describes it), or a landmark by its name."""
    lat, lon, address = _param("lat"), _param("long"), _param("address_string")
    if lat or lon:
        data.update({"lat": lat, "lon": lon, "location_method": "gps"})
        if address:
            data["place_description"] = address
        return
    if not address:
        raise Open311Error(400, _("Ange lat och long, eller address_string."))
    landmark = _landmark_named(landmarks, address)
    if landmark is None:
        names = ", ".join(lm.name for lm in landmarks[:20])
        raise Open311Error(
            400,
            _(
                "Ange lat och long, eller en plats i kommunen som address_string: %(names)s.",
                names=names,
            ),
        )
    data["landmark"] = str(landmark.id)


def _add_attributes(data: MultiDict[str, str]) -> None:
    for name in ("times", "day_types"):
        for value in _attribute(name):
            data.add(name, value)
    for name in ("unsafe_level", "own_experience", "age_band", "gender"):
        values = _attribute(name)
        if len(values) > 1:
            raise Open311Error(400, _("Attributet %(code)s tar ett värde.", code=name))
        if values:
            data[name] = values[0]
    for name in ("recurring", "consent"):
        values = _attribute(name)
        if values and values[0] not in {"ja", "nej"}:
            raise Open311Error(400, _("Attributet %(code)s tar ja eller nej.", code=name))
        if values == ["ja"]:
            data[name] = "y"


def _form_errors(form: ReportForm) -> list[str]:
    names = {"lat": "lat/long", "landmark": "address_string", "reasons": "service_code"}
    found = []
    for field in form:
        for error in field.errors:
            found.append(f"{names.get(field.name, field.name)}: {error}")
    return found or [_("Begäran kunde inte behandlas.")]


@bp.post("/requests.<fmt>")
@limiter.limit(lambda: current_app.config["OPEN311_POST_RATE_LIMIT"], key_func=_key_limit_key)
@limiter.limit(
    lambda: current_app.config["OPEN311_POST_ADDRESS_RATE_LIMIT"], key_func=_address_limit_key
)
def post_request(fmt: str) -> Response:
    _check_fmt(fmt)
    if request.mimetype not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        raise Open311Error(400, _("Skicka parametrarna som ett formulär (x-www-form-urlencoded)."))
    try:
        request.get_data(cache=True).decode("utf-8")
    except UnicodeDecodeError:
        raise Open311Error(400, _("Begäran är inte giltig UTF-8.")) from None
    key = _api_key()
    if key is None:
        raise Open311Error(403, _("Ange en API-nyckel som api_key."))
    kommun = _jurisdiction(key)
    if key.kommun_id is not None and key.kommun_id != kommun.id:
        raise Open311Error(403, _("API-nyckeln gäller inte den här kommunen."))
    session = get_session()
    landmarks = active_landmarks(session, kommun)
    formdata = _form_data(kommun, landmarks)
    submission_id = _idempotency(key)
    if submission_id:
        formdata["submission_id"] = submission_id
    form = ApiReportForm(kommun, landmarks, formdata=formdata)
    if not form.validate():
        raise Open311Error(400, "; ".join(_form_errors(form)))
    data = form.report_input(source="open311")
    status = 201
    try:
        report_id, _code = insert_report(session, kommun, data)
        mark_hotspots_stale(session, kommun.id)
        key.last_used_at = datetime.now(UTC)
        session.commit()
    except IntegrityError:  # sent again with the same Idempotency-Key: the first answer
        session.rollback()
        first = session.scalar(select(Report.id).where(Report.submission_id == data.submission_id))
        if first is None:  # a receipt code drawn twice: vanishingly rare
            raise Open311Error(503, _("Försök igen om en stund.")) from None
        report_id = first
        status = 200
    else:
        reports_changed.send(
            app_object(),
            kommun_id=kommun.id,
            stale_marked=True,
        )
    answer = {
        "service_request_id": _request_id(kommun, key, report_id),
        "token": data.submission_id,
        "service_notice": _(
            "Tack! Förslaget är mottaget. Det granskas av kommunen och blir underlag för "
            "medborgarlöftet."
        ),
        "account_id": None,
    }
    return formats.respond(fmt, [answer], root="service_requests", item="request", status=status)


def _idempotency(key: ApiKey) -> str | None:
    """A client's Idempotency-Key, as the submission id: a resend stores nothing new."""
    raw = request.headers.get("Idempotency-Key", "").strip()
    if not raw:
        return None
    if len(raw) > 200:
        raise Open311Error(400, _("Idempotency-Key får vara högst 200 tecken."))
    return hashlib.sha256(f"{key.id}:{raw}".encode()).hexdigest()[:32]


# --- reading requests --------------------------------------------------------------------
#
# A staff key of the kommun reads reports as they are (exact place, masked text, time to the
# second, registration number), and every such read is audit-logged. Anyone else reads what
# privacy.public lets out: requests in cells where at least k reports share the service,
# under an opaque id, with the cell's centre and the week.


def _is_staff(key: ApiKey | None, kommun: Kommun) -> bool:
    return key is not None and key.staff and key.kommun_id == kommun.id


def _request_id(kommun: Kommun, key: ApiKey | None, report_id: int) -> str:
    """The id a request is read back by with this key: the registration number for staff."""
    number, token = (
        get_session()
        .execute(
            select(Report.registration_number, Report.public_token).where(Report.id == report_id)
        )
        .one()
    )
    return str(number) if _is_staff(key, kommun) else public_id(kommun, str(token))


def _year(now: datetime) -> tuple[datetime, datetime]:
    """What the public population's year is at `now`: its first week and this week (the two
    move at different midnights: 365 days after a Monday is a Tuesday)."""
    return window_start(now), week_of(now)


@per_kommun("open311-public")
def _cached_index(
    kommun: Kommun, year: tuple[datetime, datetime], k: int
) -> tuple[tuple[datetime, datetime], PublicIndex]:
    """The public list's groups and week counts, per kommun, cache generation, k and year:
    computed once after each change of the kommun's reports, whatever the filters asked;
    returned with the year they were counted for."""
    now = datetime.now(UTC)
    return _year(now), public_index(get_session(), kommun, now)


def _public_index(kommun: Kommun, now: datetime) -> PublicIndex:
    counted, index = _cached_index(kommun, _year(now), min_reports())
    # Counted just after the year moved on (the key was taken just before): count again.
    return index if counted == _year(now) else public_index(get_session(), kommun, now)


def _visible(kommun: Kommun) -> Any:
    return select(Report).where(
        Report.kommun_id == kommun.id,
        Report.hidden.is_(False),
        Report.merged_into_id.is_(None),
        Report.erasure_requested_at.is_(None),
    )


def _local(moment: datetime | None) -> str | None:
    return moment.astimezone(LOCAL_ZONE).isoformat(timespec="seconds") if moment else None


def _entry(kommun: Kommun, status: str, code: str | None) -> dict[str, Any]:
    return {
        "status": "closed" if status == "avslutad" else "open",
        "status_notes": reasons.status_label(status),
        "service_name": reasons.label(code) if code else None,
        "service_code": code or None,
        "agency_responsible": _("%(kommun)s kommun", kommun=kommun.name),
        "service_notice": None,
        "expected_datetime": None,
    }


def _staff_record(kommun: Kommun, report: Report) -> dict[str, Any]:
    code = report.service_code  # its first reason
    return {
        "service_request_id": report.registration_number,
        **_entry(kommun, report.status, code),
        "requested_datetime": _local(report.created_at),
        "updated_datetime": _local(report.updated_at),
        "description": mask(report.description).text,
        "address": mask(report.place_description).text or None,
        "lat": report.lat,
        "long": report.lon,
    }


def _public_record(kommun: Kommun, item: PublicRequest) -> dict[str, Any]:
    return {
        "service_request_id": item.public_id,
        **_entry(kommun, item.status, item.service_code),
        "requested_datetime": _local(item.week),
        "updated_datetime": _local(item.updated_week),
        "lat": item.centre[0],
        "long": item.centre[1],
    }


def _reader() -> tuple[Kommun, bool, ApiKey | None]:
    key = _api_key()
    kommun = _jurisdiction(key)
    return kommun, _is_staff(key, kommun), key


def _log_staff_read(key: ApiKey | None, kommun: Kommun, reports: list[Report]) -> None:
    if key is None or not reports:
        return
    session = get_session()
    record(
        session,
        None,
        "open311.read_exact",
        kommun_id=kommun.id,
        api_key=key.prefix,
        client=key.name,
        reports=[r.id for r in reports],
    )
    key.last_used_at = datetime.now(UTC)
    session.commit()


def _date(name: str) -> datetime | None:
    raw = _param(name)
    if not raw:
        return None
    try:
        # An unencoded "+01:00" arrives as " 01:00"; no date-time has a space of its own.
        moment = datetime.fromisoformat(raw.replace(" ", "+").replace("Z", "+00:00"))
    except ValueError:
        raise Open311Error(
            400, _("%(name)s ska vara ett datum som 2026-11-23T08:00:00+01:00.", name=name)
        ) from None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=LOCAL_ZONE)
    try:  # year 1 at +05:00 is before the first instant Python can hold in UTC
        in_range = EARLIEST <= moment <= LATEST
    except OverflowError:
        in_range = False
    if not in_range:
        raise Open311Error(400, _("%(name)s ska ligga mellan år 1900 och 9000.", name=name))
    return moment


def _positive_int(name: str, default: int, maximum: int) -> int:
    raw = _param(name)
    if not raw:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= maximum:
        raise Open311Error(
            400, _("%(name)s ska vara ett heltal från 1 till %(max)d.", name=name, max=maximum)
        )
    return int(raw)


@dataclass(frozen=True)
class _Filters:
    """The GET requests filters: ids alone, or service codes, status and dates."""

    ids: list[str]
    codes: list[str]
    statuses: set[str]
    start: datetime | None
    end: datetime | None


def _filters() -> _Filters:
    ids = [i.strip() for i in _param("service_request_id").split(",") if i.strip()]
    if len(ids) > PAGE_SIZE_MAX:
        raise Open311Error(400, _("Högst %(max)d id åt gången.", max=PAGE_SIZE_MAX))
    codes = [c.strip() for c in _param("service_code").split(",") if c.strip()]
    unknown = [c for c in codes if c not in reasons.BY_CODE]
    if unknown:
        raise Open311Error(400, _("Det finns ingen tjänst med koden %(code)s.", code=unknown[0]))
    statuses = {s.strip() for s in _param("status").split(",") if s.strip()}
    if not statuses <= {"open", "closed"}:
        raise Open311Error(400, _("status ska vara open eller closed."))
    start, end = _date("start_date"), _date("end_date")
    if start is None and end is None:  # the specification's default: the last 90 days
        start = datetime.now(UTC) - timedelta(days=DEFAULT_DAYS)
    if start is not None and end is not None and start > end:
        raise Open311Error(400, _("start_date ligger efter end_date."))
    return _Filters(ids, codes, statuses, start, end)


def _staff_query(kommun: Kommun, f: _Filters) -> Any:
    query = _visible(kommun)
    if f.ids:
        return query.where(Report.registration_number.in_(f.ids))
    if f.codes:
        # A request's service is its first reason, so it is found under that code only: the
        # code it is presented with (a report with several reasons is one request, not many).
        query = query.where(Report.service_code.in_(f.codes))
    if f.statuses == {"open"}:
        query = query.where(Report.status != "avslutad")
    elif f.statuses == {"closed"}:
        query = query.where(Report.status == "avslutad")
    if f.start is not None:
        query = query.where(Report.created_at >= f.start)
    if f.end is not None:
        query = query.where(Report.created_at <= f.end)
    return query


def _public_query(f: _Filters) -> PublicQuery:
    """The filters on what the public may see; dates match whole weeks, never moments."""
    return PublicQuery(
        codes=frozenset(f.codes),
        status=next(iter(f.statuses)) if len(f.statuses) == 1 else None,
        start=f.start,
        end=f.end,
    )


@bp.get("/requests.<fmt>")
@limiter.limit(lambda: current_app.config["OPEN311_GET_RATE_LIMIT"], key_func=_address_limit_key)
def list_requests(fmt: str) -> Response:
    _check_fmt(fmt)
    kommun, staff, key = _reader()
    filters = _filters()
    page = _positive_int("page", 1, 1_000_000)
    size = _positive_int("page_size", PAGE_SIZE, PAGE_SIZE_MAX)
    session = get_session()
    if staff:
        query = _staff_query(kommun, filters)
        reports = list(
            session.scalars(
                query.order_by(Report.created_at.desc(), Report.id.desc())
                .offset((page - 1) * size)
                .limit(size)
            )
        )
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        records = [_staff_record(kommun, r) for r in reports]
        _log_staff_read(key, kommun, reports)
    else:
        now = datetime.now(UTC)
        if filters.ids:
            found = public_requests_by_id(session, kommun, now, filters.ids)
            total, shown = len(found), found[(page - 1) * size : page * size]
        else:
            index, query = _public_index(kommun, now), _public_query(filters)
            total, shown = public_page(session, kommun, now, index, query, (page - 1) * size, size)
        records = [_public_record(kommun, p) for p in shown]
    response = formats.respond(fmt, records, root="service_requests", item="request")
    response.headers["X-Total-Count"] = str(total)
    pages = max(1, math.ceil(total / size))
    if page < pages:
        args = request.args.to_dict() | {"page": str(page + 1), "page_size": str(size)}
        response.headers["Link"] = (
            f'<{url_for("open311.list_requests", fmt=fmt, _external=True, **args)}>; rel="next"'
        )
    return response


@bp.get("/requests/<name>")
@limiter.limit(lambda: current_app.config["OPEN311_GET_RATE_LIMIT"], key_func=_address_limit_key)
def show_request(name: str) -> Response:
    number, fmt = _split(name)
    kommun, staff, key = _reader()
    session = get_session()
    if staff:
        report = session.scalar(_visible(kommun).where(Report.registration_number == number))
        records = [_staff_record(kommun, report)] if report is not None else []
        if report is not None:
            _log_staff_read(key, kommun, [report])
    else:
        found = public_requests_by_id(session, kommun, datetime.now(UTC), [number])
        records = [_public_record(kommun, p) for p in found]
    if not records:
        raise Open311Error(404, _("Det finns ingen begäran med id %(id)s.", id=number))
    return formats.respond(fmt, records, root="service_requests", item="request")


@bp.get("/tokens/<name>")
@limiter.limit(lambda: current_app.config["OPEN311_GET_RATE_LIMIT"], key_func=_address_limit_key)
def token(name: str) -> Response:
    value, fmt = _split(name)
    key = _api_key()
    kommun = _jurisdiction(key)
    report_id = get_session().scalar(
        select(Report.id).where(Report.kommun_id == kommun.id, Report.submission_id == value)
    )
    if report_id is None:
        raise Open311Error(404, _("Det finns ingen begäran med token %(token)s.", token=value))
    return formats.respond(
        fmt,
        [{"service_request_id": _request_id(kommun, key, report_id), "token": value}],
        root="service_requests",
        item="request",
    )


@bp.get("/openapi.json")
def openapi_document() -> Response:
    """This API described in OpenAPI 3.0."""
    base = url_for("open311.discovery", fmt="json", _external=True).rsplit("/", 1)[0]
    return formats.respond("json", document(base), root="openapi")
