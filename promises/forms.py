from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    FloatField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    URL,
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from core.forms import BaseForm
from feedback.forms import MultiCheckboxField
from geo.areas import AREA_MARGIN_M, AREA_MAX_BYTES, AREA_MAX_VERTICES, AreaError, read_area
from promises.attachments import PDF_MAX, DocumentError, check_pdf
from promises.models import (
    ACTIVITY_STATUSES,
    PROMISE_STATUSES,
    THEMES,
    FocusArea,
    Promise,
    police_area_name,
)
from promises.public_forms import (
    ACTIVITY_STATUS_LABELS,
    INDICATOR_LABELS,
    PROMISE_STATUS_LABELS,
    THEME_LABELS,
    choices,
)
from promises.services import STANDARD_OWNERS
from review.forms import parse_bbox


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class PromiseBasics(BaseForm):
    """What every promise has from its first draft: a name, the police area and a period."""

    title = StringField(
        _l("Namn på löftet"),
        validators=[InputRequired(_l("Ge löftet ett namn.")), Length(max=200)],
    )
    lokalpolisomrade = StringField(
        _l("Lokalpolisområde"),
        validators=[InputRequired(_l("Ange lokalpolisområdet.")), Length(max=120)],
        filters=[lambda value: police_area_name(value) if value else value],
        description=_l("Bara namnet, t.ex. Östra Fyrbodal."),
    )
    starts_on = DateField(_l("Gäller från"), validators=[InputRequired(_l("Ange ett datum."))])
    ends_on = DateField(
        _l("Gäller till och med"), validators=[InputRequired(_l("Ange ett datum."))]
    )

    def validate_ends_on(self, field: DateField) -> None:
        if field.data and self.starts_on.data and field.data <= self.starts_on.data:
            raise ValidationError(_l("Perioden måste sluta efter att den börjar."))


class NewPromiseForm(PromiseBasics):
    hotspots = MultiCheckboxField(
        _l("Fokusområden från lägesbildens otrygga platser"), choices=[], validate_choice=False
    )

    def validate_hotspots(self, field: MultiCheckboxField) -> None:
        offered = {str(choice[0]) for choice in field.choices}
        if not set(field.data or []) <= offered:
            raise ValidationError(
                _l("En vald otrygg plats finns inte längre i lägesbilden. Välj igen.")
            )


DOCUMENT_ERRORS = {
    "too_large": _l("Filen är för stor. Dokumentet får vara högst 10 MB."),
    "empty": _l("Filen är tom. Välj det undertecknade dokumentet."),
    "not_pdf": _l(
        "Filen är inte en PDF som går att öppna. Spara dokumentet som PDF (utan lösenord) "
        "och försök igen."
    ),
}


class AgreementForm(BaseForm):
    """A samverkansöverenskommelse: who agreed, for which years, and where the text is."""

    title = StringField(
        _l("Namn på överenskommelsen"),
        validators=[InputRequired(_l("Ge överenskommelsen ett namn.")), Length(max=200)],
    )
    parties = TextAreaField(
        _l("Parter"),
        description=_l("En per rad, t.ex. kommunen, lokalpolisområdet och andra parter."),
        validators=[Length(max=2000)],
    )
    starts_on = DateField(_l("Gäller från"), validators=[InputRequired(_l("Ange ett datum."))])
    ends_on = DateField(
        _l("Gäller till och med"), validators=[InputRequired(_l("Ange ett datum."))]
    )
    signed_on = DateField(_l("Undertecknad den"), validators=[Optional()])
    document_url = StringField(
        _l("Länk till dokumentet"),
        description=_l("Adressen där den undertecknade överenskommelsen finns, t.ex. diariet."),
        validators=[
            Optional(),
            Length(max=500),
            URL(require_tld=True, message=_l("Ange en hel adress som börjar med https://.")),
        ],
    )
    document = FileField(
        _l("Det undertecknade dokumentet (PDF)"),
        description=_l(
            "En PDF-fil på högst 10 MB. Den syns bara för personalen om du inte publicerar den."
        ),
    )
    document_public = BooleanField(_l("Publicera dokumentet för invånarna"))
    remove_document = BooleanField(_l("Ta bort det uppladdade dokumentet"))
    notes = TextAreaField(_l("Anteckningar"), validators=[Length(max=4000)])
    document_bytes = b""

    def validate_document(self, field: FileField) -> None:
        upload = field.data
        if not upload or not getattr(upload, "filename", ""):
            return
        data = upload.read(PDF_MAX + 1)
        try:
            check_pdf(data)
        except DocumentError as error:
            raise ValidationError(DOCUMENT_ERRORS[error.code]) from None
        self.document_bytes = data

    def validate_parties(self, field: TextAreaField) -> None:
        if len(_lines(field.data)) < 2:
            raise ValidationError(_l("Ange minst två parter, en per rad."))

    def validate_ends_on(self, field: DateField) -> None:
        if field.data and self.starts_on.data and field.data <= self.starts_on.data:
            raise ValidationError(_l("Perioden måste sluta efter att den börjar."))

    def validate_document_url(self, field: StringField) -> None:
        if field.data and not field.data.lower().startswith(("https://", "http://")):
            raise ValidationError(_l("Ange en hel adress som börjar med https://."))


class OrganisationForm(BaseForm):
    name = StringField(
        _l("Organisationens namn"),
        validators=[InputRequired(_l("Skriv organisationens namn.")), Length(max=120)],
    )
    notes = TextAreaField(_l("Anteckningar"), validators=[Length(max=2000)])


class OrganisationDeleteForm(BaseForm):
    """Delete an organisation; the one that takes over its activities and accounts, if any."""

    replacement = SelectField(_l("Vem tar över aktiviteterna?"), choices=[], default="")


class ContactForm(BaseForm):
    organisation = SelectField(_l("Organisation"), choices=[])
    name = StringField(
        _l("Namn"), validators=[InputRequired(_l("Skriv personens namn.")), Length(max=120)]
    )
    title = StringField(_l("Roll eller titel"), validators=[Length(max=120)])
    email = StringField(
        _l("E-post"),
        validators=[Optional(), Length(max=254), Email(_l("Ange en giltig e-postadress."))],
    )
    phone = StringField(_l("Telefon"), validators=[Length(max=40)])


class PromiseForm(PromiseBasics):
    agreement_choice = SelectField(
        _l("Samverkansöverenskommelse"), choices=[SelectChoice("", _l("Ingen"))], default=""
    )
    status = SelectField(_l("Status"), choices=choices(PROMISE_STATUS_LABELS, PROMISE_STATUSES))
    signatories = TextAreaField(
        _l("Undertecknat av"),
        description=_l("En per rad, med titel."),
        validators=[Length(max=2000)],
    )
    signed_on = DateField(_l("Undertecknat den"), validators=[Optional()])
    summary = TextAreaField(
        _l("Sammanfattning för invånarna"),
        description=_l("Visas på den offentliga sidan. Skriv enkelt och kort."),
        validators=[Length(max=4000)],
    )
    cadence_months = SelectField(
        _l("Uppföljning"),
        choices=[
            SelectChoice("4", _l("Varje tertial")),
            SelectChoice("6", _l("Varje halvår")),
            SelectChoice("3", _l("Varje kvartal")),
        ],
        default="4",
    )

    def validate_signatories(self, field: TextAreaField) -> None:
        if self.status.data == "undertecknat" and not _lines(field.data):
            raise ValidationError(_l("Ett undertecknat löfte behöver minst en undertecknare."))

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        # Optional() ends the date's own checks when it is empty, so this one is here.
        if self.status.data == "undertecknat" and not self.signed_on.data:
            if not self.signed_on.errors:
                self.signed_on.errors = [_l("Ange när löftet undertecknades.")]
            ok = False
        return ok


AREA_ERRORS = {
    "too_large": _l("Filen är för stor. En GeoJSON-fil får vara högst 1 MB."),
    "not_json": _l("Filen är inte GeoJSON. Exportera området som GeoJSON ur GIS-programmet."),
    "not_polygon": _l(
        "Området måste vara en polygon eller multipolygon, inte punkter eller linjer."
    ),
    "crs": _l(
        "Koordinaterna är varken WGS84 (grader) eller SWEREF 99 TM (meter). Exportera i något "
        "av dem."
    ),
    "invalid": _l("Området korsar sig självt eller saknar yta. Rita om det."),
    "too_many_points": _l(
        "Området har för många hörn (högst %(n)d). Förenkla det i GIS-programmet.",
        n=AREA_MAX_VERTICES,
    ),
    "too_small": _l("Området är för litet. Rita minst tre punkter runt platsen."),
    "outside": _l(
        "Området ligger utanför kommunen (mer än %(km)d km från gränsen).",
        km=int(AREA_MARGIN_M // 1000),
    ),
}


AREA_MAX_BYTES_READ = AREA_MAX_BYTES + 1  # one byte past the limit, so read_area refuses it


class AreaFields(BaseForm):
    """A place as a polygon: drawn on the map (into `shape`) or uploaded as a GeoJSON file.

    Set `kommun_boundary` before validating; `area_geojson` then holds the checked area.
    """

    shape = HiddenField(_l("Ritat område"))
    shape_file = FileField(
        _l("Eller ladda upp ett område (GeoJSON)"),
        description=_l(
            "En polygon ur kommunens GIS, i WGS84 eller SWEREF 99 TM, högst 1 MB. "
            "Ersätter ett ritat område."
        ),
    )
    kommun_boundary: dict[str, Any] = {}
    area_geojson: dict[str, Any] | None = None

    def validate_shape(self, field: HiddenField) -> None:
        if (field.data or "").strip() and not self._uploaded():
            self.area_geojson = self._read(field.data)

    def validate_shape_file(self, field: FileField) -> None:
        if self._uploaded():
            self.area_geojson = self._read(field.data.read(AREA_MAX_BYTES_READ))

    def _uploaded(self) -> bool:
        upload = self.shape_file.data
        return bool(upload and getattr(upload, "filename", ""))

    def _read(self, text: str | bytes) -> dict[str, Any]:
        try:
            return read_area(text, self.kommun_boundary)
        except AreaError as error:
            raise ValidationError(AREA_ERRORS[error.code]) from None


class FocusForm(AreaFields):
    title = StringField(_l("Rubrik"), validators=[Optional(), Length(max=200)])
    theme = SelectField(_l("Tema"), choices=choices(THEME_LABELS, THEMES), default="annat")
    place = SelectField(_l("Plats"), choices=[], default="")
    area = StringField(
        _l("Eller en rektangel"),
        validators=[Optional(), Length(max=200)],
        description=_l("Minsta lat, minsta lon, största lat, största lon."),
    )
    description = TextAreaField(_l("Beskrivning"), validators=[Length(max=2000)])
    bounds: tuple[float, float, float, float] | None = None

    def validate_title(self, field: StringField) -> None:
        if not (field.data or "").strip() and not self.place.data:
            raise ValidationError(_l("Ge fokusområdet en rubrik eller välj en plats."))

    def validate_area(self, field: StringField) -> None:
        self.bounds = parse_bbox(field.data)
        drawn = bool((self.shape.data or "").strip()) or self._uploaded()
        if sum([self.bounds is not None, bool(self.place.data), drawn]) > 1:
            raise ValidationError(
                _l(
                    "Välj en plats ur listan, rita eller ladda upp ett område, eller skriv en "
                    "rektangel – bara ett av dem."
                )
            )


class ActivityForm(BaseForm):
    title = StringField(
        _l("Aktivitet"), validators=[InputRequired(_l("Beskriv aktiviteten.")), Length(max=200)]
    )
    owners = MultiCheckboxField(
        _l("Ansvariga"), choices=[SelectChoice(o, o) for o in STANDARD_OWNERS]
    )
    other_owners = TextAreaField(
        _l("Andra ansvariga"),
        description=_l("T.ex. bostadsbolaget eller en idrottsförening, en per rad."),
        validators=[Length(max=1000)],
    )
    target_on = DateField(_l("Klart senast"), validators=[Optional()])
    ongoing = BooleanField(
        _l("Pågående uppdrag"),
        description=_l(
            "Återkommande arbete utan slutdatum och utan procent, t.ex. polisens närvaro "
            "eller trygghetsrundor."
        ),
    )
    starts_on = DateField(_l("Startdatum"), validators=[Optional()])
    focus = MultiCheckboxField(_l("Fokusområden"), choices=[], coerce=int)
    description = TextAreaField(_l("Beskrivning"), validators=[Length(max=4000)])

    def validate_target_on(self, field: DateField) -> None:
        if self.ongoing.data and field.data:
            raise ValidationError(
                _l("Ett pågående uppdrag har inget slutdatum. Lämna ”Klart senast” tomt.")
            )

    def all_owners(self) -> list[str]:
        owners = list(self.owners.data or []) + _lines(self.other_owners.data)
        return list(dict.fromkeys(owners))

    def validate_other_owners(self, field: TextAreaField) -> None:
        if not self.all_owners():
            raise ValidationError(_l("Ange minst en ansvarig."))
        if any(len(o) > 120 for o in _lines(field.data)):
            raise ValidationError(_l("Ett namn får vara högst 120 tecken."))


class FocusEditForm(AreaFields):
    title = StringField(
        _l("Rubrik"), validators=[InputRequired(_l("Ge fokusområdet en rubrik.")), Length(max=200)]
    )
    theme = SelectField(_l("Tema"), choices=choices(THEME_LABELS, THEMES), default="annat")
    description = TextAreaField(_l("Beskrivning"), validators=[Length(max=2000)])
    clear_place = BooleanField(_l("Ta bort platsen (fokusområdet blir bara ett tema)"))


class DeleteForm(BaseForm):
    """A delete button: only the CSRF token, so a link or a crawler cannot delete."""


class FollowUpForm(BaseForm):
    activity = SelectField(_l("Aktivitet"), choices=[], default="")
    done_on = DateField(_l("Datum"), validators=[InputRequired(_l("Ange ett datum."))])
    # (first day, last day with grace, today, grace days): set by the view with limit_dates.
    limits: tuple[date, date, date, int] | None = None
    text = TextAreaField(
        _l("Vad har gjorts?"),
        validators=[InputRequired(_l("Skriv vad som har gjorts.")), Length(max=4000)],
    )
    progress = IntegerField(
        _l("Hur långt har aktiviteten kommit (procent)?"),
        validators=[Optional(), NumberRange(min=0, max=100, message=_l("Ange 0–100."))],
    )
    status = SelectField(
        _l("Aktivitetens status"),
        choices=[SelectChoice("", _l("Oförändrad"))]
        + choices(ACTIVITY_STATUS_LABELS, ACTIVITY_STATUSES),
        default="",
    )

    def entry(self, promise: Promise) -> dict[str, Any]:
        """What was typed, as record_follow_up and update_follow_up take it."""
        return {
            "activity": next(
                (a for a in promise.activities if str(a.id) == self.activity.data), None
            ),
            "done_on": self.done_on.data,
            "text": self.text.data.strip(),
            "progress": self.progress.data,
            "status": self.status.data,
        }

    def limit_dates(self, starts_on: date, ends_on: date, today: date, grace_days: int) -> None:
        """Accept dates from the promise's start to its end plus grace, and not after today."""
        self.limits = (starts_on, ends_on + timedelta(days=grace_days), today, grace_days)

    def validate_done_on(self, field: DateField) -> None:
        if field.data is None or self.limits is None:
            return
        first, last, today, grace_days = self.limits
        if field.data < first:
            raise ValidationError(
                _l(
                    "Datumet ligger före löftets början (%(day)s). En uppföljning gäller "
                    "det som gjorts under löftets period.",
                    day=format_date(first, "d MMMM yyyy"),
                )
            )
        if field.data > today:
            raise ValidationError(
                _l(
                    "Datumet ligger i framtiden. En uppföljning beskriver det som redan "
                    "har gjorts: ange dagens datum eller ett tidigare."
                )
            )
        if field.data > last:
            raise ValidationError(
                _l(
                    "Datumet ligger efter löftets slut. Den sista uppföljningen får dateras "
                    "högst %(n)d dagar efter slutet, senast %(day)s.",
                    n=grace_days,
                    day=format_date(last, "d MMMM yyyy"),
                )
            )


class EvaluationForm(BaseForm):
    """The yearly evaluation's written conclusion for the whole promise (and, built by
    evaluation_form, an indicator per focus area)."""

    focus_areas: list[FocusArea] = []

    summary = TextAreaField(
        _l("Slutsats för hela löftet"),
        description=_l(
            "Vad blev gjort, vad gav det, och vad tar ni med till nästa löfte? Visas för invånarna."
        ),
        validators=[DataRequired(_l("Skriv en slutsats.")), Length(max=8000)],
    )

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        for focus in self.focus_areas:
            key = f"f{focus.id}"
            indicator = self[f"{key}_indicator"]
            group = self[f"{key}_group"]
            if indicator.data == "reports" and focus.polygon is None:
                indicator.errors.append(
                    _l(
                        "%(title)s har ingen plats på kartan: välj EST-observationer "
                        "eller andelen ”tryggare”.",
                        title=focus.title,
                    )
                )
                ok = False
            if indicator.data == "est" and not group.data:
                group.errors.append(
                    _l("Välj vilken orsaksgrupp som räknas för %(title)s.", title=focus.title)
                )
                ok = False
            target = self[f"{key}_target"]
            if indicator.data == "tryggare" and target.data is not None and target.data > 100:
                target.errors.append(_l("En andel är högst 100 %."))
                ok = False
        return ok


def evaluation_form(promise: Promise) -> EvaluationForm:
    """The evaluation form with an indicator, baseline, target and conclusion per focus area."""
    from feedback import reasons as taxonomy

    class PromiseEvaluationForm(EvaluationForm):
        pass

    groups = [SelectChoice("", _l("Ingen"))] + [
        SelectChoice(g.code, g.label) for g in taxonomy.groups(positive=False)
    ]
    indicators = [SelectChoice("", _l("Ingen indikator"))] + [
        SelectChoice(k, v) for k, v in INDICATOR_LABELS.items()
    ]
    data: dict[str, Any] = {"summary": promise.evaluation_summary}
    for focus in promise.focus_areas:
        key = f"f{focus.id}"
        title = focus.title
        fields = {
            "indicator": SelectField(
                _l("Indikator för %(title)s", title=title), choices=indicators
            ),
            "group": SelectField(
                _l("Orsaksgrupp för %(title)s", title=title),
                choices=groups,
                description=_l("Bara för EST-observationer."),
            ),
            "baseline": FloatField(
                _l("Utgångsläge för %(title)s", title=title),
                validators=[Optional(), NumberRange(min=0, message=_l("Ange ett tal från 0."))],
                description=_l("Tomt: mäts under lika många dagar före löftets start."),
            ),
            "target": FloatField(
                _l("Mål för %(title)s", title=title),
                validators=[Optional(), NumberRange(min=0, message=_l("Ange ett tal från 0."))],
            ),
            "conclusion": TextAreaField(
                _l("Slutsats för %(title)s", title=title), validators=[Length(max=4000)]
            ),
        }
        for name, field in fields.items():
            setattr(PromiseEvaluationForm, f"{key}_{name}", field)
        data |= {
            f"{key}_indicator": focus.indicator
            or ("reports" if focus.polygon is not None else "est"),
            f"{key}_group": focus.indicator_group or "",
            f"{key}_baseline": focus.baseline,
            f"{key}_target": focus.target,
            f"{key}_conclusion": focus.conclusion,
        }
    form = PromiseEvaluationForm(prefix="eval", data=data)
    form.focus_areas = list(promise.focus_areas)
    return form
