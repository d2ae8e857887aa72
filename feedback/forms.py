"""The resident's report form: every rule here, with a Swedish message next to its field."""

from __future__ import annotations

import math
import re
import uuid
from typing import Any

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, Length, Optional, StopValidation, ValidationError

from core import photos
from core.forms import BaseForm
from core.forms import MultiCheckboxField as MultiCheckboxField
from core.forms import options as options
from feedback import reasons
from feedback.models import AGE_BANDS, DAY_TYPES, GENDERS, TIMES_OF_DAY
from feedback.services import ReportInput
from kommun.models import Kommun, Landmark

DESCRIPTION_MAX = 2000
SUBMISSION_ID = re.compile(r"[0-9a-f]{32}")
NOT_RECEIVED = _l("Formuläret kunde inte tas emot. Ladda om sidan och försök igen.")
PLACE_DESCRIPTION_MAX = 300


def _optional_choice(label: Any) -> list[SelectChoice]:
    return options(("", label))


class ReportForm(BaseForm):
    kind = RadioField(
        _l("Vad vill du berätta om platsen?"),
        choices=options(
            ("otrygg", _l("Här känner jag mig otrygg")),
            ("trygg", _l("Här känner jag mig trygg")),
        ),
        default="otrygg",
    )
    lat = HiddenField()
    lon = HiddenField()
    location_method = HiddenField(default="map")
    landmark = SelectField(_l("Välj en plats i listan"), choices=[], validate_choice=False)
    place_description = StringField(
        _l("Adress eller beskrivning av platsen"),
        validators=[Optional(), Length(max=PLACE_DESCRIPTION_MAX)],
        description=_l("Till exempel ”gångtunneln under Östra vägen”. Frivilligt."),
    )
    reasons = MultiCheckboxField(
        _l("Vad gör att platsen känns så?"),
        choices=options(*((code, code) for code in reasons.BY_CODE)),
        validate_choice=False,
    )
    times = MultiCheckboxField(
        _l("När på dygnet?"),
        choices=options(("dag", _l("Dag")), ("kvall", _l("Kväll")), ("natt", _l("Natt"))),
    )
    day_types = MultiCheckboxField(
        _l("Vilka dagar?"), choices=options(("vardag", _l("Vardag")), ("helg", _l("Helg")))
    )
    recurring = BooleanField(_l("Det händer återkommande"))
    unsafe_level = RadioField(
        _l("Hur otrygg känner du dig här?"),
        choices=options(
            ("1", _l("Lite otrygg")),
            ("2", _l("Ganska otrygg")),
            ("3", _l("Mycket otrygg")),
        ),
        validators=[Optional()],
    )
    own_experience = RadioField(
        _l("Hur vet du det?"),
        choices=options(("egen", _l("Egen upplevelse")), ("hort", _l("Hört från andra"))),
        validators=[Optional()],
    )
    description = TextAreaField(
        _l("Berätta mer (frivilligt)"),
        validators=[
            Length(
                max=DESCRIPTION_MAX,
                message=_l("Texten får vara högst %(max)d tecken."),
            )
        ],
        description=_l("Skriv inte namn eller annat som pekar ut en person. Högst 2000 tecken."),
    )
    photo = FileField(
        _l("Foto (frivilligt)"),
        description=_l(
            "JPEG eller PNG, högst 8 MB. Fotot visas bara för personalen. Undvik ansikten och "
            "registreringsskyltar."
        ),
        render_kw={"accept": "image/jpeg,image/png,image/webp"},
    )
    age_band = SelectField(
        _l("Ålder (frivilligt)"),
        choices=_optional_choice(_l("Vill inte ange")) + options(*((a, a) for a in AGE_BANDS)),
        default="",
    )
    gender = SelectField(
        _l("Kön (frivilligt)"),
        choices=_optional_choice(_l("Vill inte ange"))
        + options(("kvinna", _l("Kvinna")), ("man", _l("Man")), ("annat", _l("Annat"))),
        default="",
    )
    email = EmailField(
        _l("E-post för återkoppling (frivilligt)"),
        validators=[
            Optional(),
            Length(max=254),
            Email(
                message=_l("Skriv en e-postadress som namn@exempel.se."), check_deliverability=False
            ),
        ],
    )
    consent = BooleanField(
        _l(
            "Jag samtycker till att kommunen sparar min e-postadress för att återkoppla om "
            "det här förslaget. Jag kan återkalla samtycket när som helst."
        )
    )

    submit = SubmitField(_l("Skicka förslaget"))
    likadant = SubmitField(_l("Jag känner likadant"))
    # One id per filled-in form: sending it twice stores one report.
    submission_id = HiddenField()
    # A field people never see or reach; programs that fill in every field fill it in.
    webbplats = StringField(_l("Lämna det här fältet tomt"), validators=[Length(max=200)])

    def __init__(self, kommun: Kommun, landmarks: list[Landmark], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.kommun = kommun
        self.landmarks = {str(lm.id): lm for lm in landmarks}
        self.landmark.choices = _optional_choice(_l("Ingen plats vald")) + options(
            *((str(lm.id), lm.name) for lm in landmarks)
        )
        self.point: tuple[float, float] | None = None
        self.photo_bytes = b""  # the photo as it will be kept: re-encoded, no metadata
        self.chosen_landmark: Landmark | None = None
        if not self.submission_id.data:
            self.submission_id.data = uuid.uuid4().hex

    # --- field rules -------------------------------------------------------------------

    def validate_submission_id(self, field: HiddenField) -> None:
        if not SUBMISSION_ID.fullmatch(field.data or ""):
            raise ValidationError(NOT_RECEIVED)

    def validate_webbplats(self, field: StringField) -> None:
        if field.data:
            raise ValidationError(NOT_RECEIVED)

    def validate_kind(self, field: RadioField) -> None:
        if field.data not in {"otrygg", "trygg"}:
            raise ValidationError(_l("Välj om platsen känns otrygg eller trygg."))

    def validate_landmark(self, field: SelectField) -> None:
        if field.data and field.data not in self.landmarks:
            raise ValidationError(_l("Välj en plats ur listan."))
        self.chosen_landmark = self.landmarks.get(field.data or "")

    def validate_photo(self, field: FileField) -> None:
        upload = field.data
        if not upload or not getattr(upload, "filename", ""):
            return
        try:
            self.photo_bytes = photos.clean(upload.read())
        except photos.PhotoError:
            raise ValidationError(_l("Välj ett foto i JPEG eller PNG på högst 8 MB.")) from None

    def validate_times(self, field: MultiCheckboxField) -> None:
        if not set(field.data or ()) <= set(TIMES_OF_DAY):
            raise ValidationError(_l("Välj dag, kväll eller natt."))

    def validate_day_types(self, field: MultiCheckboxField) -> None:
        if not set(field.data or ()) <= set(DAY_TYPES):
            raise ValidationError(_l("Välj vardag eller helg."))

    def validate_age_band(self, field: SelectField) -> None:
        if field.data and field.data not in AGE_BANDS:
            raise ValidationError(_l("Välj en åldersgrupp ur listan."))

    def validate_gender(self, field: SelectField) -> None:
        if field.data and field.data not in GENDERS:
            raise ValidationError(_l("Välj ett alternativ ur listan."))

    def validate_unsafe_level(self, field: RadioField) -> None:
        # "Hur otrygg?" is not asked about a safe place: an answer left from before the
        # resident switched kind is dropped, as the reasons of the other kind are.
        if self.kind.data == "trygg":
            field.data = None
            field.errors = []
            raise StopValidation()

    def validate_consent(self, field: BooleanField) -> None:
        if self.email.data and not field.data:
            raise ValidationError(
                _l("Kryssa i samtycket om du vill att vi sparar din e-post, annars ta bort den.")
            )

    # --- rules across fields -----------------------------------------------------------

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        place_ok = self._validate_place()
        reasons_ok = self._validate_reasons()
        return ok and place_ok and reasons_ok

    def _validate_place(self) -> bool:
        raw_lat, raw_lon = (self.lat.data or "").strip(), (self.lon.data or "").strip()
        if raw_lat or raw_lon:
            try:
                lat, lon = float(raw_lat), float(raw_lon)
            except ValueError:
                lat = lon = math.nan
            if not (math.isfinite(lat) and math.isfinite(lon)) or not (
                -90 <= lat <= 90 and -180 <= lon <= 180
            ):
                self.lat.errors = [_l("Platsen på kartan kunde inte läsas. Sätt nålen igen.")]
                return False
            if not self.kommun.contains(lat, lon):
                self.lat.errors = [
                    _l(
                        "Platsen ligger utanför %(kommun)s kommun. Flytta nålen till en plats "
                        "i kommunen, eller välj en annan kommun.",
                        kommun=self.kommun.name,
                    )
                ]
                return False
            if self.location_method.data == "landmark" and self.chosen_landmark is not None:
                # The pin was tapped on a landmark's dot: the place is the landmark.
                return self._place_at_landmark(self.chosen_landmark)
            if self.location_method.data not in {"map", "gps"}:
                self.location_method.data = "map"
            self.point = (lat, lon)
            return True
        if self.chosen_landmark is not None:
            return self._place_at_landmark(self.chosen_landmark)
        if (self.place_description.data or "").strip():
            self.landmark.errors = [
                _l("Välj den plats i listan som ligger närmast det du beskrivit.")
            ]
            return False
        self.lat.errors = [_l("Välj en plats på kartan eller i listan.")]
        return False

    def _place_at_landmark(self, landmark: Landmark) -> bool:
        self.point = (landmark.lat, landmark.lon)
        self.location_method.data = (
            "address" if (self.place_description.data or "").strip() else "landmark"
        )
        return True

    def _validate_reasons(self) -> bool:
        chosen = list(dict.fromkeys(self.reasons.data or ()))
        if not set(chosen) <= set(reasons.BY_CODE):
            self.reasons.errors = [_l("Välj skäl ur listan.")]
            return False
        allowed = reasons.SAFE_CODES if self.kind.data == "trygg" else reasons.UNSAFE_CODES
        # A reason of the other kind was ticked before the resident switched kind: drop it.
        self.reasons.data = [code for code in chosen if code in allowed]
        if not self.reasons.data and not self.is_support:
            self.reasons.errors = [
                _l("Välj minst ett skäl till att platsen känns trygg.")
                if self.kind.data == "trygg"
                else _l("Välj minst ett skäl till att platsen känns otrygg.")
            ]
            return False
        return True

    def report_input(self, **extra: Any) -> ReportInput:
        """What the resident submitted, for feedback.services.create_report."""
        assert self.point is not None, "validate the form first"
        personal = {
            name: getattr(self, name).data
            for name in ("age_band", "gender", "email")
            if getattr(self, name, None) is not None
        }
        return ReportInput(
            lat=self.point[0],
            lon=self.point[1],
            location_method=self.location_method.data or "map",
            kind=self.kind.data,
            reasons=list(self.reasons.data or ()),
            times=list(self.times.data or ()),
            day_types=list(self.day_types.data or ()),
            recurring=bool(self.recurring.data),
            unsafe_level=int(self.unsafe_level.data) if self.unsafe_level.data else None,
            own_experience={"egen": True, "hort": False}.get(self.own_experience.data or ""),
            description=self.description.data or "",
            landmark=self.chosen_landmark,
            place_description=self.place_description.data,
            submission_id=self.submission_id.data,
            language=str(get_locale() or "sv"),
            **personal,
            **extra,
        )

    @property
    def is_support(self) -> bool:
        """The resident pressed "Jag känner likadant" about an unsafe place.

        The button agrees with others who felt unsafe in the cell; a report of a safe place
        is never counted as one of theirs.
        """
        return bool(self.likadant.data) and self.kind.data == "otrygg"


class ReceiptMailForm(BaseForm):
    """ "Mejla koden till mig" on the receipt, for a resident who gave no address."""

    receipt_email = EmailField(
        _l("Din e-postadress"),
        validators=[
            Length(max=254),
            Email(
                message=_l("Skriv en e-postadress som namn@exempel.se."), check_deliverability=False
            ),
        ],
    )
    receipt_consent = BooleanField(
        _l(
            "Jag samtycker till att kommunen sparar min e-postadress för att skicka kvittot och "
            "återkoppla om förslaget. Jag kan återkalla samtycket när som helst."
        )
    )

    def validate_receipt_consent(self, field: BooleanField) -> None:
        if not field.data:
            raise ValidationError(_l("Kryssa i samtycket för att få koden med e-post."))


class StatusLookupForm(BaseForm):
    code = StringField(_l("Din kvittokod"), validators=[Length(max=40)])


class ErasureForm(BaseForm):
    confirm = BooleanField(_l("Ja, jag vill att mitt förslag raderas"))

    def validate_confirm(self, field: BooleanField) -> None:
        if not field.data:
            raise ValidationError(_l("Kryssa i rutan för att bekräfta."))
