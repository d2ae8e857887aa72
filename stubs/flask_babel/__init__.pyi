# Flask-Babel 4 ships no type information (no py.typed); these are the names the app uses,
# with the signatures of its source.

from contextlib import AbstractContextManager
from datetime import date, datetime
from typing import Any

from babel import Locale
from flask import Flask

from .speaklater import LazyString

class Babel:
    def __init__(
        self,
        app: Flask | None = None,
        date_formats: dict[str, str | None] | None = None,
        configure_jinja: bool = True,
        *args: Any,
        **kwargs: Any,
    ) -> None: ...
    def init_app(self, app: Flask, *args: Any, **kwargs: Any) -> None: ...

def get_locale() -> Locale | None: ...
def force_locale(locale: str | Locale | None) -> AbstractContextManager[None]: ...
def format_date(
    date: date | datetime | None = None, format: str | None = None, rebase: bool = True
) -> str: ...
def format_decimal(number: float | int | Any, format: str | None = None) -> str: ...
def gettext(string: str, **variables: Any) -> str: ...
def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str: ...
def lazy_gettext(string: str, **variables: Any) -> LazyString: ...
