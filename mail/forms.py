"""The residents' forms behind the links in mails."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, TextAreaField
from wtforms.validators import InputRequired, Length, ValidationError

from core.forms import BaseForm
from feedback.questionnaire import ANSWERS, COMMENT_MAX
from promises.public_forms import FEELING_LABELS, choices


class QuestionnaireForm(BaseForm):
    answer = RadioField(
        _l("Känns det tryggare där nu?"),
        choices=choices(FEELING_LABELS, ANSWERS),
        validators=[InputRequired(_l("Välj ett av svaren."))],
        validate_choice=False,
    )
    comment = TextAreaField(
        _l("Vill du berätta mer? (frivilligt)"),
        validators=[Length(max=COMMENT_MAX, message=_l("Texten får vara högst %(max)d tecken."))],
        description=_l("Skriv inte namn eller annat som pekar ut en person."),
    )

    def validate_answer(self, field: RadioField) -> None:
        if field.data not in ANSWERS:
            raise ValidationError(_l("Välj ett av svaren."))


class ConfirmForm(BaseForm):
    """A button: confirming happens on a press, never on opening the link."""


class UnsubscribeForm(BaseForm):
    """The one-click unsubscribe: mail programs post it without a session, so no CSRF token
    (the signed link is the proof)."""

    class Meta:
        csrf = False
