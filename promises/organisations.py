"""The kommun's partner organisations and their contact people (staff pages)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from accounts.access import staff_user
from accounts.models import User, UserKommun
from audit.services import record
from db import get_session
from kommun.models import Kommun
from promises.blueprint import bp
from promises.forms import ContactForm, DeleteForm, OrganisationDeleteForm, OrganisationForm
from promises.models import Activity, ActivityOwner, ContactPerson, Organisation
from promises.services import apply_changes


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
    flash(_("Kontaktpersonen är sparad."), "success")
    return redirect(url_for("promises.organisations", slug=kommun.slug), 303)


# --- corrections ----------------------------------------------------------------------------


@dataclass(frozen=True)
class OrganisationUse:
    """What hangs on an organisation: the activities it owns and the partner accounts that
    follow them up under its name."""

    activities: list[Activity]
    accounts: list[User]


def organisation_use(session: Session, organisation: Organisation) -> OrganisationUse:
    activities = session.scalars(
        select(Activity)
        .join(ActivityOwner)
        .where(ActivityOwner.organisation_id == organisation.id)
        .order_by(Activity.promise_id, Activity.id)
    ).all()
    return OrganisationUse(list(activities), partner_accounts(session, organisation))


def partner_accounts(session: Session, organisation: Organisation) -> list[User]:
    """Partner accounts of the organisation's kommun that carry its name (User.organisation)."""
    name = organisation.name.casefold()
    users = session.scalars(
        select(User)
        .join(UserKommun, UserKommun.user_id == User.id)
        .where(User.role == "partner", UserKommun.kommun_id == organisation.kommun_id)
    ).all()
    return [u for u in users if (u.organisation or "").strip().casefold() == name]


def rename_organisation(
    session: Session, organisation: Organisation, name: str, notes: str
) -> dict[str, Any]:
    """Correct the name and notes; partner accounts follow the new name, so they keep
    following up the organisation's activities."""
    accounts = partner_accounts(session, organisation)
    changes = apply_changes(organisation, {"name": name, "notes": notes})
    if "name" in changes:
        for user in accounts:
            user.organisation = name
        changes["accounts"] = [len(accounts), len(accounts)]
    session.flush()
    return changes


def remove_organisation(
    session: Session, organisation: Organisation, replacement: Organisation | None
) -> dict[str, Any]:
    """Delete the organisation. Its activities, contact people and partner accounts move to
    the replacement (an activity it shared with the replacement keeps one link); without a
    replacement it must own no activity, and its partner accounts keep their logins but no
    longer see any activity."""
    use = organisation_use(session, organisation)
    if use.activities and replacement is None:
        raise ValueError("an organisation with activities needs a replacement")
    moved = {"activities": [a.id for a in use.activities], "accounts": [u.id for u in use.accounts]}
    if replacement is not None:
        for activity in use.activities:
            links = list(activity.owner_links)
            has_replacement = any(link.organisation_id == replacement.id for link in links)
            for link in links:
                if link.organisation_id != organisation.id:
                    continue
                if has_replacement:
                    activity.owner_links.remove(link)
                else:
                    link.organisation = replacement
                    link.organisation_id = replacement.id
        for contact in list(organisation.contacts):
            contact.organisation = replacement
        for user in use.accounts:
            user.organisation = replacement.name
        session.flush()
    session.delete(organisation)
    session.flush()
    return moved | {
        "name": organisation.name,
        "replacement": replacement.name if replacement else None,
    }


def _edit_page(
    organisation: Organisation,
    form: OrganisationForm,
    delete: OrganisationDeleteForm,
    status: int = 200,
) -> tuple[str, int]:
    session = get_session()
    return render_template(
        "promises/organisation_edit.html",
        kommun=organisation.kommun,
        organisation=organisation,
        use=organisation_use(session, organisation),
        form=form,
        delete=delete,
        remove_contact=DeleteForm(prefix="contact"),
    ), status


def _delete_form(organisation: Organisation) -> OrganisationDeleteForm:
    delete = OrganisationDeleteForm(prefix="delete")
    others = [o for o in organisations_of(organisation.kommun) if o.id != organisation.id]
    delete.replacement.choices = [("", _("Ingen"))] + [(str(o.id), o.name) for o in others]
    return delete


@bp.route("/organisationer/<int:organisation_id>", methods=["GET", "POST"])
def edit_organisation(organisation_id: int) -> Response | tuple[str, int]:
    """Correct an organisation's name or notes; its partner accounts follow the new name."""
    organisation: Organisation = g.organisation
    form = OrganisationForm(obj=organisation, prefix="org")
    delete = _delete_form(organisation)
    if not form.is_submitted():
        return _edit_page(organisation, form, delete)
    if not form.validate():
        return _edit_page(organisation, form, delete, 400)
    name = form.name.data.strip()
    if any(
        o.name.casefold() == name.casefold() and o.id != organisation.id
        for o in organisations_of(organisation.kommun)
    ):
        form.name.errors = [
            _("%(name)s finns redan. Ta bort den här och låt den andra ta över.", name=name)
        ]
        return _edit_page(organisation, form, delete, 400)
    session = get_session()
    changes = rename_organisation(session, organisation, name, (form.notes.data or "").strip())
    record(session, staff_user(), "organisation.update", organisation, changes=changes)
    flash(_("Organisationen är sparad."), "success")
    return redirect(url_for("promises.organisations", slug=organisation.kommun.slug), 303)


@bp.post("/organisationer/<int:organisation_id>/ta-bort")
def delete_organisation(organisation_id: int) -> Response | tuple[str, int]:
    """Delete an organisation; another one takes over its activities, contacts and accounts."""
    organisation: Organisation = g.organisation
    delete = _delete_form(organisation)
    form = OrganisationForm(obj=organisation, prefix="org", formdata=None)
    if not delete.validate():
        return _edit_page(organisation, form, delete, 400)
    session = get_session()
    replacement = next(
        (o for o in organisations_of(organisation.kommun) if str(o.id) == delete.replacement.data),
        None,
    )
    if replacement is None and organisation_use(session, organisation).activities:
        delete.replacement.errors = [
            _("Organisationen ansvarar för aktiviteter. Välj vem som tar över dem.")
        ]
        return _edit_page(organisation, form, delete, 400)
    slug, kommun_id = organisation.kommun.slug, organisation.kommun_id
    moved = remove_organisation(session, organisation, replacement)
    record(session, staff_user(), "organisation.delete", None, kommun_id=kommun_id, **moved)
    flash(_("Organisationen är borttagen."), "success")
    return redirect(url_for("promises.organisations", slug=slug), 303)


@bp.post("/organisationer/<int:organisation_id>/kontakter/<int:contact_id>/ta-bort")
def delete_contact(organisation_id: int, contact_id: int) -> Response:
    """Remove a contact person who has left the organisation."""
    organisation: Organisation = g.organisation
    contact = next((c for c in organisation.contacts if c.id == contact_id), None)
    if contact is None:
        abort(404)
    if not DeleteForm(prefix="contact").validate():
        abort(400)
    session = get_session()
    organisation.contacts.remove(contact)
    session.flush()
    record(session, staff_user(), "organisation.contact.delete", organisation, name=contact.name)
    flash(_("Kontaktpersonen är borttagen."), "success")
    return redirect(url_for("promises.edit_organisation", organisation_id=organisation.id), 303)
