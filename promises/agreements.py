"""Samverkansöverenskommelser: the kommun's agreements with the police, promises under them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from accounts.access import staff_user
from audit.services import record
from db import get_session
from promises import attachments
from promises.attachments import agreement_folder, send_document
from promises.blueprint import bp
from promises.forms import AgreementForm, _lines
from promises.models import Agreement
from promises.services import agreements_of, apply_changes


def _values(form: AgreementForm) -> dict[str, object]:
    return {
        "title": form.title.data.strip(),
        "parties": "\n".join(_lines(form.parties.data)),
        "starts_on": form.starts_on.data,
        "ends_on": form.ends_on.data,
        "signed_on": form.signed_on.data,
        "document_url": (form.document_url.data or "").strip() or None,
        "notes": (form.notes.data or "").strip(),
    }


def _document_changes(agreement: Agreement, form: AgreementForm) -> dict[str, Any]:
    """Store a new upload (replacing the old one), or remove it; publish or withdraw it."""
    folder = agreement_folder()
    changes: dict[str, Any] = {}
    old = agreement.document_name
    if form.document_bytes:
        attachments.remove(folder, agreement.document_file)
        agreement.document_file = attachments.store(folder, form.document_bytes)
        agreement.document_name = _download_name(form.document.data.filename)
        agreement.document_size = len(form.document_bytes)
        changes["document"] = [old, agreement.document_name]
    elif form.remove_document.data and agreement.document_file:
        attachments.remove(folder, agreement.document_file)
        agreement.document_file = agreement.document_name = agreement.document_size = None
        changes["document"] = [old, None]
    public = bool(form.document_public.data) and agreement.document_file is not None
    changes.update(apply_changes(agreement, {"document_public": public}))
    return changes


def _download_name(filename: str) -> str:
    """The uploaded file's own name, kept short and ending in .pdf (shown, never a path)."""
    name = Path(filename.replace("\\", "/")).name.strip() or "overenskommelse.pdf"
    stem = name[:-4] if name.lower().endswith(".pdf") else name
    return f"{stem[:150]}.pdf"


@bp.route("/<slug>/overenskommelser", methods=["GET", "POST"])
def agreements(slug: str) -> Response | tuple[str, int]:
    """The kommun's samverkansöverenskommelser, and a form for a new one."""
    kommun = g.kommun
    session = get_session()
    form = AgreementForm(prefix="agreement")
    if form.validate_on_submit():
        agreement = Agreement(kommun=kommun, **_values(form))
        session.add(agreement)
        _document_changes(agreement, form)
        session.flush()
        record(session, staff_user(), "agreement.create", agreement, title=agreement.title)
        flash(
            _("Överenskommelsen är sparad. Koppla löftena till den på varje löftes sida."),
            "success",
        )
        return redirect(url_for("promises.agreements", slug=kommun.slug), 303)
    return render_template(
        "promises/agreements.html",
        kommun=kommun,
        agreements=agreements_of(session, kommun),
        form=form,
    ), (400 if form.is_submitted() else 200)


@bp.route("/overenskommelser/<int:agreement_id>", methods=["GET", "POST"])
def edit_agreement(agreement_id: int) -> Response | tuple[str, int]:
    """Correct an agreement; the change is kept in the audit log."""
    agreement: Agreement = g.agreement
    form = AgreementForm(obj=agreement, prefix="agreement")
    if form.validate_on_submit():
        session = get_session()
        changes = apply_changes(agreement, _values(form))
        changes.update(_document_changes(agreement, form))
        record(session, staff_user(), "agreement.update", agreement, changes=changes)
        flash(_("Överenskommelsen är sparad."), "success")
        return redirect(url_for("promises.agreements", slug=agreement.kommun.slug), 303)
    return render_template(
        "promises/agreement_edit.html", kommun=agreement.kommun, agreement=agreement, form=form
    ), (400 if form.is_submitted() else 200)


@bp.get("/overenskommelser/<int:agreement_id>/dokument")
def agreement_document(agreement_id: int) -> Response:
    """The signed agreement as uploaded, for staff (published or not)."""
    return send_document(g.agreement)
