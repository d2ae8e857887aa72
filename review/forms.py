"""Forms of the queue and the report page. Several share a page, so each has a prefix."""

from __future__ import annotations

import math
from datetime import UTC, datetime, time, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from core.clock import LOCAL_ZONE, local_today
from core.forms import BaseForm
from feedback import reasons as taxonomy
from feedback.forms import MultiCheckboxField, ReportForm, options
from feedback.models import SOURCES, STATUSES
from review.queue import SORTS, Cursor, QueueFilters
from review.statuses import (
    CLOSE_REASONS,
    FORWARD_TARGETS,
    SOURCE_LABELS,
    STAFF_STATUS_LABELS,
)

NOTE_MAX = 4000


def _any(label: Any) -> list[Any]:
    return options(("", label))


def _reason_options() -> list[Any]:
    pairs: list[tuple[str, Any]] = []
    for group in taxonomy.GROUPS:
        pairs.append((group.code, group.label))
        pairs.extend((r.code, "– " + str(r.label)) for r in group.reasons)
    return options(*pairs)


class QueueFilterForm(BaseForm):
    """The queue's filters: a GET form, so no CSRF token."""

    class Meta:
        csrf = False

    q = StringField(
        _l("Sök"),
        validators=[Optional(), Length(max=100)],
        description=_l(
            "Kvittokod, diarienummer, landmärke, adress eller ord ur texten. "
            "Uppgifter som maskeras i texten går inte att söka på."
        ),
    )
    status = SelectField(
        _l("Status"), choices=_any(_l("Alla")) + options(*STAFF_STATUS_LABELS.items()), default=""
    )
    reason = SelectField(_l("Skäl"), choices=[], default="")
    source = SelectField(
        _l("Källa"),
        choices=_any(_l("Alla utom känner likadant")) + options(*SOURCE_LABELS.items()),
        default="",
    )
    kind = SelectField(
        _l("Trygg eller otrygg"),
        choices=_any(_l("Båda")) + options(("otrygg", _l("Otrygg")), ("trygg", _l("Trygg"))),
        default="",
    )
    time_of_day = SelectField(
        _l("Tid på dygnet"),
        choices=_any(_l("Alla"))
        + options(("dag", _l("Dag")), ("kvall", _l("Kväll")), ("natt", _l("Natt"))),
        default="",
    )
    date_from = DateField(_l("Från och med"), validators=[Optional()])
    date_to = DateField(_l("Till och med"), validators=[Optional()])
    bbox = StringField(
        _l("Område"),
        validators=[Optional(), Length(max=200)],
        description=_l(
            "Håll ned Skift och dra en rektangel på kartan, eller skriv "
            "minsta lat, minsta lon, största lat, största lon."
        ),
    )
    hotspot = SelectField(_l("Otrygg plats"), choices=[], default="")
    show_hidden = BooleanField(_l("Visa dolda förslag"))
    show_merged = BooleanField(_l("Visa sammanfogade dubbletter"))
    sort = SelectField(
        _l("Sortera"),
        choices=options(
            ("newest", _l("Nyast först")),
            ("oldest", _l("Äldst först")),
            ("supporters", _l("Flest som känner likadant")),
        ),
        default="newest",
    )
    page = IntegerField(validators=[Optional(), NumberRange(min=1)], default=1)
    # Keyset paging: the page after or before a row, or the last page (review.queue.Cursor).
    after = HiddenField()
    before = HiddenField()
    last = BooleanField()

    def __init__(self, hotspots: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.reason.choices = _any(_l("Alla")) + _reason_options()
        self.hotspot.choices = _any(_l("Alla platser")) + options(
            *((str(i), label) for i, label in hotspots)
        )
        self.bounds: tuple[float, float, float, float] | None = None

    def validate_source(self, field: SelectField) -> None:
        if field.data and field.data not in SOURCES:
            raise ValidationError(_l("Välj en källa ur listan."))

    def validate_sort(self, field: SelectField) -> None:
        if field.data not in SORTS:
            raise ValidationError(_l("Välj en sortering ur listan."))

    def validate_after(self, field: HiddenField) -> None:
        if field.data and Cursor.parse(field.data) is None:
            raise ValidationError(_l("Länken till sidan är trasig. Börja om från första sidan."))

    validate_before = validate_after

    def validate_bbox(self, field: StringField) -> None:
        self.bounds = parse_bbox(field.data)

    def filters(self, report_ids: frozenset[int] | None = None) -> QueueFilters:
        return QueueFilters(
            status=self.status.data or "",
            reason=self.reason.data or "",
            source=self.source.data or "",
            kind=self.kind.data or "",
            time_of_day=self.time_of_day.data or "",
            date_from=self.date_from.data,
            date_to=self.date_to.data,
            bbox=self.bounds,
            report_ids=report_ids,
            text=self.q.data or "",
            show_hidden=bool(self.show_hidden.data),
            show_merged=bool(self.show_merged.data),
            sort=self.sort.data or "newest",
        )


class StatusFieldsMixin:
    """Status rules shared by the report page and bulk actions."""

    status_reason = SelectField(
        _l("Skäl till att förslaget avslutas"),
        choices=_any(_l("Välj skäl")) + options(*CLOSE_REASONS.items()),
        default="",
        description=_l("Krävs när status är Avslutad."),
    )
    forwarded_to = SelectField(
        _l("Vidarebefordrad till"),
        choices=_any(_l("Välj mottagare")) + options(*FORWARD_TARGETS.items()),
        default="",
        description=_l("Krävs när status är Vidarebefordrad."),
    )

    def chosen_status(self) -> str:
        raise NotImplementedError

    def validate_status_reason(self, field: SelectField) -> None:
        if field.data and field.data not in CLOSE_REASONS:
            raise ValidationError(_l("Välj ett skäl ur listan."))
        if self.chosen_status() == "avslutad" and not field.data:
            raise ValidationError(_l("Välj varför förslaget avslutas."))

    def validate_forwarded_to(self, field: SelectField) -> None:
        if field.data and field.data not in FORWARD_TARGETS:
            raise ValidationError(_l("Välj en mottagare ur listan."))
        if self.chosen_status() == "vidarebefordrad" and not field.data:
            raise ValidationError(_l("Välj vem förslaget vidarebefordras till."))


class StatusForm(StatusFieldsMixin, BaseForm):
    status = SelectField(_l("Ny status"), choices=options(*STAFF_STATUS_LABELS.items()))
    activity = SelectField(
        _l("Aktivitet i medborgarlöftet"),
        choices=[],
        default="",
        description=_l(
            "När en åtgärd är planerad: den aktivitet i ett löfte som åtgärden hör till. "
            "Invånaren får en länk till den."
        ),
    )
    public_reply = TextAreaField(
        _l("Svar till förslagsställaren"),
        validators=[Length(max=NOTE_MAX)],
        description=_l(
            "Syns på förslagets statussida och skickas med e-post om invånaren har bett om "
            "det. Personuppgifter maskeras. Skriv inte namn på personer."
        ),
    )
    comment = TextAreaField(
        _l("Kommentar (intern)"),
        validators=[Length(max=NOTE_MAX)],
        description=_l(
            "Sparas som en intern anteckning. Krävs när ingen åtgärd är möjlig: skriv varför."
        ),
    )

    def __init__(self, activities: list[tuple[int, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.activity.choices = _any(_l("Ingen aktivitet")) + options(
            *((str(i), title) for i, title in activities or [])
        )

    def chosen_status(self) -> str:
        return str(self.status.data or "")

    def validate_status(self, field: SelectField) -> None:
        if field.data not in STATUSES:
            raise ValidationError(_l("Välj en status ur listan."))

    def validate_activity(self, field: SelectField) -> None:
        allowed = {str(choice.value) for choice in field.choices}
        if field.data and field.data not in allowed:
            raise ValidationError(_l("Välj en aktivitet ur listan."))

    @property
    def activity_id(self) -> int | None:
        """The chosen activity, which only an "åtgärd planerad" carries."""
        if self.status.data != "atgard_planerad" or not self.activity.data:
            return None
        return int(self.activity.data)

    def validate_comment(self, field: TextAreaField) -> None:
        if self.status_reason.data == "ingen_atgard_mojlig" and not (field.data or "").strip():
            raise ValidationError(_l("Skriv varför ingen åtgärd är möjlig."))


class NoteForm(BaseForm):
    text = TextAreaField(
        _l("Intern anteckning"),
        validators=[
            InputRequired(_l("Skriv en anteckning.")),
            Length(max=NOTE_MAX, message=_l("Högst %(max)d tecken.", max=NOTE_MAX)),
        ],
        description=_l("Syns bara för personal. Skriv inte namn på personer."),
    )


class CorrectionForm(BaseForm):
    reasons = MultiCheckboxField(_l("Skäl"), choices=[], validate_choice=False)
    lat = StringField(_l("Latitud (WGS84)"), validators=[InputRequired(_l("Ange latitud."))])
    lon = StringField(_l("Longitud (WGS84)"), validators=[InputRequired(_l("Ange longitud."))])

    def __init__(self, kind: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        groups = taxonomy.groups(positive=kind == "trygg")
        self.reasons.choices = options(
            *((r.code, r.label) for group in groups for r in group.reasons)
        )
        self.point: tuple[float, float] | None = None

    def validate_reasons(self, field: MultiCheckboxField) -> None:
        allowed = {str(choice.value) for choice in field.choices}
        if not field.data:
            raise ValidationError(_l("Välj minst ett skäl."))
        if not set(field.data) <= allowed:
            raise ValidationError(_l("Välj skäl ur listan."))

    def validate_lon(self, field: StringField) -> None:
        try:
            lat, lon = float(self.lat.data or ""), float(field.data or "")
        except ValueError:
            raise ValidationError(_l("Skriv latitud och longitud som decimaltal.")) from None
        if not (math.isfinite(lat) and math.isfinite(lon)) or not (
            -90 <= lat <= 90 and -180 <= lon <= 180
        ):
            raise ValidationError(_l("Skriv latitud och longitud som decimaltal."))
        self.point = (lat, lon)


class MergeForm(BaseForm):
    target = StringField(
        _l("Registreringsnummer för förslaget som detta är en dubblett av"),
        validators=[InputRequired(_l("Skriv ett registreringsnummer.")), Length(max=32)],
        description=_l(
            "Till exempel 1487-2026-000012. Båda förslagen sparas; platsen räknas en gång."
        ),
    )


BULK_ACTIONS = [
    (f"status:{code}", _l("Sätt status: %(status)s", status=label))
    for code, label in STAFF_STATUS_LABELS.items()
] + [
    ("hide", _l("Dölj i sammanställningar")),
    ("unhide", _l("Visa i sammanställningar igen")),
    ("merge", _l("Sammanfoga som dubbletter (till det äldsta)")),
]


class BulkForm(StatusFieldsMixin, BaseForm):
    report_ids = MultiCheckboxField(_l("Valda förslag"), choices=[], validate_choice=False)
    action = SelectField(
        _l("Åtgärd för de valda"), choices=_any(_l("Välj åtgärd")) + options(*BULK_ACTIONS)
    )
    return_to = HiddenField()

    def chosen_status(self) -> str:
        action = str(self.action.data or "")
        return action.removeprefix("status:") if action.startswith("status:") else ""

    def validate_action(self, field: SelectField) -> None:
        if field.data not in {value for value, _label in BULK_ACTIONS}:
            raise ValidationError(_l("Välj en åtgärd."))

    def validate_report_ids(self, field: MultiCheckboxField) -> None:
        if not field.data or not all(str(i).isdigit() for i in field.data):
            raise ValidationError(_l("Välj minst ett förslag i listan."))

    @property
    def ids(self) -> list[int]:
        return [int(i) for i in self.report_ids.data or ()]


OCCURRED_MAX_DAYS = 365


class FieldReportForm(ReportForm):
    """An EST rapportör's observation: the resident's form without the resident's parts."""

    lat = StringField(
        _l("Latitud (WGS84)"),
        description=_l("Klicka på kartan, eller skriv in koordinater från telefonen."),
    )
    lon = StringField(_l("Longitud (WGS84)"))
    # None removes the resident's fields (WTForms' way to drop an inherited field).
    age_band = None
    gender = None
    email = None
    consent = None
    likadant = None
    submit = None
    # When it happened, not when it was typed: a Saturday seen on Monday counts on Saturday.
    occurred_on = DateField(
        _l("Datum för händelsen"),
        validators=[Optional()],
        description=_l("Tomt: räknas den dag observationen skickas."),
    )
    occurred_time = TimeField(
        _l("Klockslag"), validators=[Optional()], description=_l("Om du vet ungefär när.")
    )

    @property
    def is_support(self) -> bool:
        return False

    def validate_occurred_on(self, field: DateField) -> None:
        if field.data is None:
            return
        today = local_today()
        if field.data > today:
            raise ValidationError(_l("Datumet ligger i framtiden. Ange när det hände."))
        if field.data < today - timedelta(days=OCCURRED_MAX_DAYS):
            raise ValidationError(
                _l("En observation gäller det senaste året. Ange ett senare datum.")
            )

    @property
    def occurred_at(self) -> datetime | None:
        """The event's moment in UTC; a day without a time counts at local noon."""
        if self.occurred_on.data is None:
            return None
        moment = datetime.combine(
            self.occurred_on.data, self.occurred_time.data or time(12), tzinfo=LOCAL_ZONE
        )
        return moment.astimezone(UTC)


def parse_bbox(raw: str | None) -> tuple[float, float, float, float] | None:
    """Parse "min lat, min lon, max lat, max lon" (WGS84); None when empty.

    Bad input raises a ValidationError with a translated message.
    """
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        values = [float(part) for part in raw.replace(";", ",").split(",")]
    except ValueError:
        values = []
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        raise ValidationError(_l("Området ska vara fyra decimaltal åtskilda med komma."))
    min_lat, min_lon, max_lat, max_lon = values
    if not (-90 <= min_lat < max_lat <= 90 and -180 <= min_lon < max_lon <= 180):
        raise ValidationError(_l("Området ska vara fyra decimaltal åtskilda med komma."))
    return (min_lat, min_lon, max_lat, max_lon)
