"""Forms of login, invitations and user administration."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import Email, EqualTo, InputRequired, Length, ValidationError

from accounts.models import ROLES
from core.forms import BaseForm, MultiCheckboxField, options
from kommun.models import Kommun

PASSWORD_MIN = 12

ROLE_LABELS = {
    "admin": _l("Administratör"),
    "coordinator": _l("Samordnare"),
    "dialog": _l("Dialogteam"),
    "rapportor": _l("Rapportör (EST)"),
    "partner": _l("Partner (följer upp sin organisations aktiviteter)"),
}


def role_label(role: str) -> str:
    return str(ROLE_LABELS.get(role, role))


class LoginForm(BaseForm):
    email = EmailField(
        _l("E-post"),
        validators=[InputRequired(_l("Skriv din e-postadress.")), Length(max=254)],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        _l("Lösenord"),
        validators=[InputRequired(_l("Skriv ditt lösenord.")), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )


class PasswordForm(BaseForm):
    password = PasswordField(
        _l("Nytt lösenord"),
        validators=[
            InputRequired(_l("Välj ett lösenord.")),
            Length(
                min=PASSWORD_MIN,
                max=200,
                message=_l("Lösenordet ska vara minst %(min)d tecken.", min=PASSWORD_MIN),
            ),
        ],
        description=_l("Minst 12 tecken. En mening du kommer ihåg fungerar bra."),
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Skriv lösenordet igen"),
        validators=[EqualTo("password", message=_l("Lösenorden är inte likadana."))],
        render_kw={"autocomplete": "new-password"},
    )


class InviteForm(BaseForm):
    email = EmailField(
        _l("E-post"),
        validators=[
            InputRequired(_l("Skriv en e-postadress.")),
            Length(max=254),
            Email(_l("Skriv en e-postadress som namn@exempel.se."), check_deliverability=False),
        ],
    )
    name = StringField(
        _l("Namn"), validators=[InputRequired(_l("Skriv personens namn.")), Length(max=120)]
    )
    role = SelectField(_l("Roll"), choices=options(*ROLE_LABELS.items()), default="coordinator")
    organisation = StringField(
        _l("Organisation"),
        validators=[Length(max=120)],
        description=_l("För rapportörer: bostadsbolag, vaktbolag eller förvaltning."),
    )
    kommuner = MultiCheckboxField(_l("Kommuner"), choices=[])

    def __init__(self, kommuner: list[Kommun], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.allowed = {str(k.id): k for k in kommuner}
        self.kommuner.choices = options(*((str(k.id), k.name) for k in kommuner))

    def validate_role(self, field: SelectField) -> None:
        if field.data not in ROLES:
            raise ValidationError(_l("Välj en roll ur listan."))

    def validate_kommuner(self, field: MultiCheckboxField) -> None:
        if not field.data:
            raise ValidationError(_l("Välj minst en kommun."))

    def validate_organisation(self, field: StringField) -> None:
        if self.role.data == "rapportor" and not (field.data or "").strip():
            raise ValidationError(_l("Skriv vilken organisation rapportören kommer från."))
        if self.role.data == "partner" and not (field.data or "").strip():
            raise ValidationError(_l("Skriv vilken organisation partnern företräder."))

    @property
    def chosen_kommuner(self) -> list[Kommun]:
        return [self.allowed[i] for i in self.kommuner.data or () if i in self.allowed]


class ButtonForm(BaseForm):
    """A form that is only a button (and its CSRF token)."""
