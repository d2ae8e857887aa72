"""The base of every form: CSRF failures explained in the resident's language, and no field
takes characters that are never stored (core.text), whatever its type."""

from __future__ import annotations

from typing import Any

from flask import flash
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget

from core import text


class BaseForm(FlaskForm):  # type: ignore[misc]  # Flask-WTF and WTForms are untyped
    # Set by validate(): some field was sent characters that are never stored.
    odd_text = False

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
        return self._refuse_odd_text() and ok

    def _refuse_odd_text(self) -> bool:
        """Mark every field that was sent odd characters; show it back without them."""
        clean = True
        for field in self:
            raw = getattr(field, "raw_data", None) or []
            if not text.any_odd(raw):
                continue
            clean = False
            self.odd_text = True
            field.errors = [text.MESSAGE]
            field.raw_data = [text.without_odd(v) if isinstance(v, str) else v for v in raw]
            if isinstance(field.data, str):
                field.data = text.without_odd(field.data)
        return clean


class MultiCheckboxField(SelectMultipleField):  # type: ignore[misc]  # WTForms is untyped
    """Several choices as a list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def options(*pairs: tuple[str, Any]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def return_to(form: FlaskForm, default: str) -> str:
    """Where a form posted from a page goes back to: its hidden return_to field, but only to
    an address under `default` (never to another site or page)."""
    back = str(form.return_to.data or "")
    return back if back.startswith(default) else default


def flash_errors(form: BaseForm, *, labelled: bool = False) -> None:
    """Every error of a form that did not validate, flashed for the page it returns to.

    Odd text (control characters, broken Unicode) is refused as a bad request instead.
    """
    from core.errors import OddText

    if form.odd_text:
        raise OddText()
    for field in form:
        for error in field.errors:
            flash(f"{field.label.text}: {error}" if labelled else str(error), "error")
