"""The kommun's partner organisations and their contact people (staff pages)."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from accounts.access import staff_user
from audit.services import record
from db import get_session
from kommun.models import Kommun
from promises.blueprint import bp
from promises.forms import ContactForm, OrganisationForm
from promises.models import ContactPerson, Organisation


def organisations_of(kommun: Kommun) -> list[Organisation]:
    query = select(Organisation).where(Organisation.kommun_id == kommun.id)
    return list(get_session().scalars(query.order_by(Organisation.name)))


def _page(kommun: Kommun, new: OrganisationForm, contact: ContactForm, status: int = 200):  # type: ignore[no-untyped-def]
    return render_template(
        "promises/organisations.html",
        kommun=kommun,
        organisations=organisations_of(kommun),
        new=new,
        contact=contact,
    ), status


def _forms(kommun: Kommun) -> tuple[OrganisationForm, ContactForm]:
    contact = ContactForm(prefix="contact")
    contact.organisation.choices = [(str(o.id), o.name) for o in organisations_of(kommun)]
    return OrganisationForm(prefix="org"), contact


@bp.get("/<slug>/organisationer")
def organisations(slug: str) -> tuple[str, int]:
    """Partner organisations: who owns activities, and whom to call there."""
    return _page(g.kommun, *_forms(g.kommun))  # type: ignore[no-any-return]


@bp.post("/<slug>/organisationer")
def add_organisation(slug: str) -> Response | tuple[str, int]:
    kommun: Kommun = g.kommun
    new, contact = _forms(kommun)
    if not new.validate():
        return _page(kommun, new, contact, 400)  # type: ignore[no-any-return]
    name = new.name.data.strip()
    if any(o.name.casefold() == name.casefold() for o in organisations_of(kommun)):
        new.name.errors = [_("%(name)s finns redan.", name=name)]
        return _page(kommun, new, contact, 400)  # type: ignore[no-any-return]
    session = get_session()
    organisation = Organisation(kommun_id=kommun.id, name=name, notes=new.notes.data or "")
    session.add(organisation)
    session.flush()
    record(session, staff_user(), "organisation.create", organisation, name=name)
    session.commit()
    flash(_("Organisationen är sparad."), "success")
    return redirect(url_for("promises.organisations", slug=kommun.slug), 303)


@bp.post("/<slug>/organisationer/kontakt")
def add_contact(slug: str) -> Response | tuple[str, int]:
    kommun: Kommun = g.kommun
    new, contact = _forms(kommun)
    if not contact.validate():
        return _page(kommun, OrganisationForm(prefix="org", formdata=None), contact, 400)  # type: ignore[no-any-return]
    organisation = next(
        o for o in organisations_of(kommun) if str(o.id) == contact.organisation.data
    )
    session = get_session()
    organisation.contacts.append(
        ContactPerson(
            name=contact.name.data.strip(),
            title=(contact.title.data or "").strip(),
            email=(contact.email.data or "").strip(),
            phone=(contact.phone.data or "").strip(),
        )
    )
    session.flush()
    record(session, staff_user(), "organisation.contact", organisation)
    session.commit()
    flash(_("Kontaktpersonen är sparad."), "success")
    return redirect(url_for("promises.organisations", slug=kommun.slug), 303)
