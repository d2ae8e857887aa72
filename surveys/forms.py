"""Forms of the dialogue teams' pages. Sheets and instruments have per-question fields and
are read in the page modules (surveys/*_pages.py); these are the fixed forms around them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, MultipleFileField
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from core import photos
from core import text as odd_text
from core.forms import BaseForm
from feedback.forms import MultiCheckboxField, options
from surveys import instruments, services
from surveys.models import DECISIONS, METHODS

METHOD_LABELS = {
    "gatuenkat": _l("Gatuenkät"),
    "trygghetsvandring": _l("Trygghetsvandring"),
    "skolbesok": _l("Skolbesök"),
    "mote": _l("Möte"),
    "digital": _l("Digital"),
}
DECISION_LABELS = {
    "genomfors": _l("Genomförs"),
    "genomfors_ej": _l("Genomförs ej"),
    "utreds": _l("Utreds"),
}
DOUBLE_ENTRY_LABELS = {
    "none": _l("Nej"),
    "all": _l("Ja, alla blad"),
    "sample": _l("Ja, ett stickprov"),
}
TYPE_LABELS = {
    "single": _l("Ett svar"),
    "multi": _l("Flera svar"),
    "number": _l("Tal"),
    "text": _l("Fritext"),
    "age_band": _l("Åldersgrupp"),
    "gender": _l("Kön"),
    "area": _l("Område"),
    "place": _l("Plats"),
}


def method_label(code: str) -> str:
    return str(METHOD_LABELS.get(code, code))


def decision_label(code: str | None) -> str:
    return str(DECISION_LABELS.get(code or "", "–"))


class TemplateForm(BaseForm):
    template = RadioField(
        _l("Mall"),
        choices=options(*((t.key, t.name) for t in instruments.TEMPLATES.values())),
        validators=[InputRequired(_l("Välj en mall."))],
    )
    name = StringField(
        _l("Namn (frivilligt)"),
        validators=[Optional(), Length(max=200)],
        description=_l("Till exempel ”Trygghetsenkät Torpa 2026”."),
    )


class SessionForm(BaseForm):
    instrument = SelectField(_l("Enkät"), choices=[], validators=[InputRequired()])
    held_on = DateField(_l("Datum"), validators=[InputRequired(_l("Ange ett datum."))])
    place = StringField(
        _l("Plats"), validators=[InputRequired(_l("Ange platsen.")), Length(max=200)]
    )
    method = SelectField(_l("Metod"), choices=options(*((m, METHOD_LABELS[m]) for m in METHODS)))
    team = TextAreaField(
        _l("Dialogteamet"),
        validators=[Length(max=2000)],
        description=_l(
            "Ett namn per rad, med organisationen efter ett kommatecken (Anna Ek, Polisen). "
            "Skriv aldrig namn på de tillfrågade."
        ),
    )
    people_reached = IntegerField(
        _l("Antal personer ni talade med"),
        validators=[Optional(), NumberRange(min=0, max=100000, message=_l("Ange 0 eller fler."))],
    )
    notes = TextAreaField(_l("Anteckningar"), validators=[Length(max=4000)])
    double_entry = RadioField(
        _l("Dubbelinmatning: ska en andra person mata in bladen igen?"),
        choices=options(*DOUBLE_ENTRY_LABELS.items()),
        default="none",
    )
    sample_percent = IntegerField(
        _l("Stickprovets storlek (procent av bladen)"),
        default=20,
        validators=[Optional(), NumberRange(min=1, max=100, message=_l("Ange 1–100."))],
    )
    route = TextAreaField(
        _l("Rutt (för en trygghetsvandring)"),
        validators=[Length(max=2000)],
        description=_l("Var vandringen börjar och slutar och vägen däremellan."),
    )

    def __init__(self, instrument_choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.instrument.choices = options(*instrument_choices)

    def validate_instrument(self, field: SelectField) -> None:
        if field.data not in {str(c.value) for c in field.choices or []}:
            raise ValidationError(_l("Välj en enkät ur listan."))


class SheetNumberForm(BaseForm):
    """The entry screen's fixed part; the answers are fields named q-<code>."""

    sheet_number = IntegerField(
        _l("Bladnummer"),
        validators=[
            InputRequired(_l("Ange bladets nummer.")),
            NumberRange(min=1, max=1_000_000, message=_l("Ange ett nummer från 1.")),
        ],
    )


class ImportForm(BaseForm):
    file = FileField(_l("CSV-fil"))
    sheet_column = StringField(
        _l("Kolumnen med bladnummer"), default="blad", validators=[Length(max=100)]
    )
    mapping = TextAreaField(
        _l("Kolumner med andra namn (frivilligt)"),
        validators=[Length(max=5000)],
        description=_l(
            "En rad per kolumn: kolumnens namn = frågans kortnamn, till exempel "
            "Fråga 1 = trygg_kvall. Kortnamnen står i kodboken."
        ),
    )
    dry_run = BooleanField(_l("Provkör bara: kontrollera alla rader men spara inget"), default=True)

    def read_file(self, questions: list[dict[str, Any]]) -> CsvUpload | None:
        """The uploaded file's rows and which column answers which question, or None with
        the reason on the field to fix."""
        raw = self.file.data.read() if self.file.data else b""
        try:
            header, rows = services.read_csv(raw)
        except UnicodeDecodeError:
            self.file.errors = [_("Filen är inte UTF-8. Spara den som CSV UTF-8 och försök igen.")]
            return None
        except services.CsvError as exc:
            self.file.errors = [csv_problem(exc)]
            return None
        mapping = services.auto_mapping(header, questions)
        given, bad_lines = services.parse_mapping(
            self.mapping.data or "", {q["code"] for q in questions}
        )
        mapping |= given
        missing = [c for c in mapping.values() if c not in header]
        if bad_lines:
            self.mapping.errors = [
                _(
                    "Raderna kunde inte läsas: %(lines)s. Skriv kolumnens namn, ett "
                    "likhetstecken och frågans kortnamn från kodboken.",
                    lines="; ".join(bad_lines),
                )
            ]
        elif not rows:
            self.file.errors = [_("Filen har inga rader.")]
        elif self.sheet_column.data not in header:
            self.sheet_column.errors = [
                _("Kolumnen %(name)s finns inte i filen.", name=self.sheet_column.data)
            ]
        elif missing:
            self.mapping.errors = [
                _("Kolumnerna finns inte i filen: %(names)s", names=", ".join(missing))
            ]
        else:
            unmapped = [q["code"] for q in questions if q["code"] not in mapping]
            return CsvUpload(rows, mapping, self.sheet_column.data or "blad", unmapped)
        return None


@dataclass(frozen=True)
class CsvUpload:
    """A CSV file ready to import: its rows, column -> question code, the sheet number's
    column, and the questions no column answers."""

    rows: list[tuple[int, dict[str, str]]]
    mapping: dict[str, str]
    sheet_column: str
    unmapped: list[str]


def csv_problem(exc: services.CsvError) -> str:
    if isinstance(exc, services.OddCsvText):
        return str(odd_text.FILE_MESSAGE)
    return _("Filen kunde inte läsas som CSV. Spara den som CSV och försök igen.")


class StopForm(BaseForm):
    number = IntegerField(
        _l("Stopp nummer"),
        validators=[
            InputRequired(_l("Ange stoppets nummer.")),
            NumberRange(min=1, max=999, message=_l("Ange 1–999.")),
        ],
    )
    place = StringField(
        _l("Plats"), validators=[InputRequired(_l("Ange platsen.")), Length(max=200)]
    )
    landmark = SelectField(_l("Känd plats (för kartan)"), choices=[], default="")
    reasons = MultiCheckboxField(_l("Vad gör platsen otrygg?"), choices=[])
    observations = TextAreaField(_l("Iakttagelser"), validators=[Length(max=4000)])
    action = TextAreaField(_l("Föreslagen åtgärd"), validators=[Length(max=2000)])
    owner = StringField(
        _l("Vem ansvarar för åtgärden?"),
        validators=[Length(max=200)],
        description=_l("Till exempel gatuenheten, bostadsbolaget eller Trafikverket."),
    )
    decision = SelectField(
        _l("Beslut"),
        choices=[SelectChoice("", _l("Inte beslutat än"))]
        + options(*((d, DECISION_LABELS[d]) for d in DECISIONS)),
        default="",
    )
    decision_reason = TextAreaField(
        _l("Skäl till beslutet"),
        validators=[Length(max=2000)],
        description=_l("Krävs när åtgärden inte genomförs."),
    )
    deadline = DateField(_l("Klart senast"), validators=[Optional()])
    activity = SelectField(_l("Hör till aktivitet i medborgarlöftet"), choices=[], default="")
    photo = FileField(
        _l("Foto (frivilligt)"),
        description=_l(
            "JPEG eller PNG, högst 8 MB. Fotot visas bara för personalen. Undvik ansikten och "
            "registreringsskyltar."
        ),
    )
    remove_photo = BooleanField(_l("Ta bort fotot"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.taken_numbers: set[int] = set()
        self.photo_bytes = b""

    def validate_number(self, field: IntegerField) -> None:
        if field.data in self.taken_numbers:
            raise ValidationError(_l("Det finns redan ett stopp %(n)d.", n=field.data))

    def validate_photo(self, field: FileField) -> None:
        upload = field.data
        if not upload or not getattr(upload, "filename", ""):
            return
        data = upload.read()
        try:
            photos.photo_type(data)
        except photos.PhotoError:
            raise ValidationError(_l("Välj ett foto i JPEG eller PNG på högst 8 MB.")) from None
        self.photo_bytes = data

    def validate_decision_reason(self, field: TextAreaField) -> None:
        if self.decision.data == "genomfors_ej" and not (field.data or "").strip():
            raise ValidationError(_l("Skriv varför åtgärden inte genomförs."))


class ResultsFilterForm(BaseForm):
    class Meta:
        csrf = False  # a GET form

    instrument = SelectField(_l("Enkät"), choices=[])
    date_from = DateField(_l("Från och med"), validators=[Optional()])
    date_to = DateField(_l("Till och med"), validators=[Optional()])
    sessions = SelectMultipleField(_l("Dialoger"), choices=[], validate_choice=False)


class PrintForm(BaseForm):
    count = IntegerField(
        _l("Antal blad"),
        default=20,
        validators=[
            InputRequired(_l("Ange hur många blad ni behöver.")),
            NumberRange(min=1, max=500, message=_l("Ange 1–500.")),
        ],
    )
    language = SelectField(
        _l("Språk på bladets instruktioner"),
        choices=options(("sv", "Svenska"), ("en", "English"), ("ar", "العربية")),
        default="sv",
    )


class ScanForm(BaseForm):
    files = MultipleFileField(
        _l("Skannade blad"),
        description=_l(
            "En PDF från skannern (alla blad i en fil går bra) eller foton av bladen i JPEG "
            "eller PNG, högst 60 MB tillsammans."
        ),
        render_kw={"accept": "application/pdf,image/jpeg,image/png"},
    )
