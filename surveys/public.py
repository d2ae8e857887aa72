"""Published trygghetsvandring protocols, for residents: the walk's stops, actions and decisions."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from sqlalchemy import select
from werkzeug.wrappers import Response

from db import get_session
from kommun.models import Kommun
from kommun.services import kommun_by_slug
from surveys import protocols
from surveys.models import DialogueSession

bp = Blueprint("public_walks", __name__, url_prefix="/k")


@bp.app_template_global()
def published_walks(kommun: Kommun) -> list[DialogueSession]:
    """The kommun's published walk protocols (on the public promises page too)."""
    return list(
        get_session().scalars(
            select(DialogueSession)
            .where(
                DialogueSession.kommun_id == kommun.id,
                DialogueSession.method == "trygghetsvandring",
                DialogueSession.published_at.is_not(None),
            )
            .order_by(DialogueSession.held_on.desc())
        )
    )


def _published(slug: str, dialogue_id: int) -> tuple[Kommun, DialogueSession]:
    kommun = kommun_by_slug(get_session(), slug)
    dsession = get_session().get(DialogueSession, dialogue_id)
    if (
        kommun is None
        or dsession is None
        or dsession.kommun_id != kommun.id
        or dsession.published_at is None
    ):
        abort(404)
    return kommun, dsession


@bp.get("/<slug>/trygghetsvandringar/<int:dialogue_id>")
def protocol(slug: str, dialogue_id: int) -> str:
    kommun, dsession = _published(slug, dialogue_id)
    return render_template(
        "surveys/protocol.html", dsession=dsession, kommun=kommun, stops=dsession.stops, public=True
    )


@bp.get("/<slug>/trygghetsvandringar/<int:dialogue_id>/protokoll.pdf")
def protocol_pdf(slug: str, dialogue_id: int) -> Response:
    """A published protocol as a PDF: participants counted per organisation, no names."""
    _kommun, dsession = _published(slug, dialogue_id)
    return protocols.protocol_pdf(dsession, public=True)
