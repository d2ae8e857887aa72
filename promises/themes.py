"""Themes per kommun: the built-in list (promises.models.THEMES) unless the kommun changes it.

Coordinators rename or hide a built-in theme, or add their own ("Osund konkurrens",
"Föräldrarollen"). Focus areas keep the code; labels are looked up when shown.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping

from flask import flash, g, has_request_context, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response
from wtforms import BooleanField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from accounts.access import staff_user
from audit.services import record
from core.errors import OddText
from core.forms import BaseForm
from db import get_session
from kommun.models import Kommun
from kommun.services import kommun_by_slug
from promises.blueprint import bp
from promises.models import THEMES, KommunTheme
from promises.public_forms import THEME_LABELS


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")


def kommun_themes(session: Session, kommun_id: int) -> list[tuple[str, str, bool]]:
    """(code, label, active) of every theme the kommun has: built-ins first, then its own."""
    rows = {
        t.code: t
        for t in session.scalars(select(KommunTheme).where(KommunTheme.kommun_id == kommun_id))
    }
    out = []
    for code in THEMES:
        row = rows.pop(code, None)
        out.append(
            (code, row.label if row else str(THEME_LABELS[code]), row.active if row else True)
        )
    out += [(r.code, r.label, r.active) for r in sorted(rows.values(), key=lambda r: r.id)]
    return out


def theme_choices(session: Session, kommun: Kommun, keep: str | None = None) -> list[SelectChoice]:
    """The themes to choose from: the active ones, and the one already chosen."""
    return [
        SelectChoice(code, label)
        for code, label, active in kommun_themes(session, kommun.id)
        if active or code == keep
    ]


def _page_kommun_id() -> int | None:
    """The kommun the page is about: its URL's slug, or the promise it shows."""
    if "kommun" in g:
        return int(g.kommun.id)
    if "promise" in g:
        return int(g.promise.kommun_id)
    slug = (request.view_args or {}).get("slug") if has_request_context() else None
    kommun = kommun_by_slug(get_session(), slug) if slug else None
    return kommun.id if kommun else None


class ThemeLabels(Mapping[str, str]):
    """theme_labels in templates: the page's kommun's names for its themes (built-in ones
    renamed, its own added), the built-in labels elsewhere. One query per request."""

    def _custom(self) -> dict[str, str]:
        if "theme_labels" not in g:
            kommun_id = _page_kommun_id()
            rows = get_session().execute(
                select(KommunTheme.kommun_id, KommunTheme.code, KommunTheme.label)
            )
            g.theme_labels = {
                code: label
                for owner, code, label in rows
                if code not in THEMES or owner == kommun_id
            }
        return g.theme_labels  # type: ignore[no-any-return]

    def __getitem__(self, code: str) -> str:
        custom = self._custom()
        if code in custom:
            return custom[code]
        return str(THEME_LABELS[code]) if code in THEME_LABELS else code

    def __iter__(self) -> Iterator[str]:
        return iter([*THEME_LABELS, *self._custom()])

    def __len__(self) -> int:
        return len(THEME_LABELS) + len(self._custom())


def _stripped(value: str | None) -> str | None:
    return value.strip() if value else value


class ThemeForm(BaseForm):
    label = StringField(
        _l("Nytt tema"),
        filters=[_stripped],
        validators=[DataRequired(_l("Skriv temats namn.")), Length(max=80)],
    )


class ThemeEditForm(BaseForm):
    label = StringField(
        _l("Namn"),
        filters=[_stripped],
        validators=[DataRequired(_l("Skriv temats namn.")), Length(max=80)],
    )
    active = BooleanField(_l("Kan väljas för nya fokusområden"))


def _row(session: Session, kommun: Kommun, code: str) -> KommunTheme:
    row = session.scalar(
        select(KommunTheme).where(KommunTheme.kommun_id == kommun.id, KommunTheme.code == code)
    )
    if row is None:
        row = KommunTheme(kommun_id=kommun.id, code=code, label=str(THEME_LABELS[code]))
        session.add(row)
    return row


def _page(kommun: Kommun, form: ThemeForm, status: int = 200) -> tuple[str, int]:
    themes = kommun_themes(get_session(), kommun.id)
    edits = {
        code: ThemeEditForm(
            prefix=f"t-{code}", formdata=None, data={"label": label, "active": active}
        )
        for code, label, active in themes
    }
    return render_template(
        "promises/themes.html", kommun=kommun, themes=themes, edits=edits, form=form
    ), status


@bp.route("/<slug>/teman", methods=["GET", "POST"])
def themes(slug: str) -> Response | tuple[str, int]:
    """The kommun's themes: rename, hide or add."""
    kommun: Kommun = g.kommun
    form = ThemeForm(prefix="theme")
    if not form.validate_on_submit():
        return _page(kommun, form, 400 if form.is_submitted() else 200)
    session = get_session()
    label = form.label.data.strip()
    if any(
        existing.casefold() == label.casefold()
        for _c, existing, _a in kommun_themes(session, kommun.id)
    ):
        form.label.errors = [_("%(name)s finns redan.", name=label)]
        return _page(kommun, form, 400)
    code = f"k{kommun.id}-{_slug(label)}"[:30]
    session.add(KommunTheme(kommun_id=kommun.id, code=code, label=label, active=True))
    session.flush()
    record(session, staff_user(), "theme.create", kommun_id=kommun.id, code=code, label=label)
    flash(_("Temat är tillagt."), "success")
    return redirect(url_for("promises.themes", slug=kommun.slug), 303)


@bp.post("/<slug>/teman/<code>")
def edit_theme(slug: str, code: str) -> Response | tuple[str, int]:
    """Rename a theme, or take it off the list for new focus areas."""
    kommun: Kommun = g.kommun
    session = get_session()
    if code not in {c for c, _l, _a in kommun_themes(session, kommun.id)}:
        return _page(kommun, ThemeForm(prefix="theme", formdata=None), 404)
    form = ThemeEditForm(prefix=f"t-{code}")
    if not form.validate():
        if form.odd_text:
            raise OddText()
        flash(_("Skriv temats namn."), "error")
        return redirect(url_for("promises.themes", slug=kommun.slug), 303)
    row = _row(session, kommun, code)
    row.label = form.label.data.strip()
    row.active = bool(form.active.data)
    session.flush()
    record(
        session,
        staff_user(),
        "theme.update",
        kommun_id=kommun.id,
        code=code,
        label=row.label,
        active=row.active,
    )
    flash(_("Temat är sparat."), "success")
    return redirect(url_for("promises.themes", slug=kommun.slug), 303)
