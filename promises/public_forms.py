"""What residents see of medborgarlöften: the labels of the public page and its one form.

Kept apart from the coordinators' forms so the residents' languages (Arabic too) cover
exactly what residents read.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, InputRequired, Length, ValidationError

from core.forms import BaseForm
from promises.models import FEELINGS

THEME_LABELS = {
    "barn_och_unga": _l("Barn och unga"),
    "narkotika": _l("Narkotika"),
    "trafik": _l("Trafik"),
    "centrummiljo": _l("Centrummiljö"),
    "bostadsomrade": _l("Bostadsområde"),
    "vald_i_nara_relation": _l("Våld i nära relation"),
    "skadegorelse": _l("Skadegörelse och klotter"),
    "ordning": _l("Ordningsstörningar"),
    "annat": _l("Annat"),
}
PROMISE_STATUS_LABELS = {
    "utkast": _l("Utkast"),
    "undertecknat": _l("Undertecknat"),
    "avslutat": _l("Avslutat"),
}
# The promise's place in its year (promises.lifecycle.phase).
PHASE_LABELS = {
    "draft": _l("Utkast"),
    "signed": _l("Undertecknat, har inte börjat"),
    "running": _l("Pågår"),
    "ended": _l("Avslutat, väntar på utvärdering"),
    "evaluated": _l("Utvärderat"),
    "archived": _l("Arkiverat"),
}
ACTIVITY_STATUS_LABELS = {
    "planerad": _l("Planerad"),
    "pagar": _l("Pågår"),
    "klar": _l("Klar"),
    "installd": _l("Inställd"),
}
# What a focus area is evaluated by (promises.indicators).
INDICATOR_LABELS = {
    "reports": _l("Otrygghetsförslag inom platsen"),
    "tryggare": _l("Andel som svarat ”tryggare” (%)"),
    "est": _l("EST-observationer i en orsaksgrupp"),
}
FEELING_LABELS = {
    "tryggare": _l("Ja, tryggare"),
    "som_forut": _l("Som förut"),
    "otryggare": _l("Nej, otryggare"),
}


def choices(labels: dict[str, Any], keys: tuple[str, ...]) -> list[SelectChoice]:
    return [SelectChoice(k, labels[k]) for k in keys]


class FeelingForm(BaseForm):
    answer = RadioField(
        _l("Känns det tryggare här nu?"),
        choices=choices(FEELING_LABELS, FEELINGS),
        validators=[InputRequired(_l("Välj ett av svaren."))],
        validate_choice=False,
    )

    def validate_answer(self, field: RadioField) -> None:
        if field.data not in FEELINGS:
            raise ValidationError(_l("Välj ett av svaren."))


class FollowForm(BaseForm):
    email = EmailField(
        _l("Din e-postadress"),
        validators=[
            InputRequired(_l("Skriv din e-postadress.")),
            Length(max=254),
            Email(
                message=_l("Skriv en e-postadress som namn@exempel.se."), check_deliverability=False
            ),
        ],
    )
    consent = BooleanField(
        _l(
            "Jag samtycker till att kommunen sparar min e-postadress för att skicka uppföljningen "
            "av löftet. Jag kan sluta följa när som helst."
        ),
        validators=[InputRequired(_l("Kryssa i samtycket för att följa löftet."))],
    )
