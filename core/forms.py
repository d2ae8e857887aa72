"""The base of every form: CSRF failures explained in the resident's language."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm


class BaseForm(FlaskForm):
    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        csrf = getattr(self, "csrf_token", None)
        if csrf is not None and csrf.errors:
            # The library's text speaks of tokens; a resident needs to know what to do.
            csrf.errors = [
                _l(
                    "Formuläret hade gått ut eller kunde inte kontrolleras. Det du skrev finns "
                    "kvar: kontrollera uppgifterna och skicka igen."
                )
            ]
        return ok
