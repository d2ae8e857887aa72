"""The trygghetsvandring's protocol as a document: route, stops, participants by
organisation and the actions, printed through core.documents."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import render_template
from werkzeug.wrappers import Response

from core.documents import pdf_response
from surveys.models import DialogueSession


@dataclass(frozen=True)
class Participants:
    organisation: str  # "" for those whose organisation was not written
    names: list[str]


def participants(team: str) -> list[Participants]:
    """The walk's team by organisation, from lines "Name, Organisation" (or "Name (Org)"),
    organisations in the order first named, those without one last."""
    groups: dict[str, list[str]] = {}
    for line in (line.strip() for line in team.splitlines()):
        if not line:
            continue
        if line.endswith(")") and "(" in line:
            name, _sep, organisation = line[:-1].partition("(")
        else:
            name, _sep, organisation = line.partition(",")
        groups.setdefault(organisation.strip(), []).append(name.strip() or line)
    named = [Participants(o, n) for o, n in groups.items() if o]
    return named + ([Participants("", groups[""])] if "" in groups else [])


def protocol_pdf(dsession: DialogueSession, *, public: bool) -> Response:
    """The protocol as a PDF. The public version counts the participants per organisation
    and names no one; the staff version names the team."""
    context: dict[str, Any] = {
        "dsession": dsession,
        "kommun": dsession.kommun,
        "stops": dsession.stops,
        "participants": participants(dsession.team),
        "actions": [s for s in dsession.stops if s.action.strip()],
        "public": public,
    }
    html = render_template("surveys/documents/protocol.html", **context)
    return pdf_response(
        html,
        "trygghetsvandring",
        dsession.kommun.name,
        dsession.place,
        dsession.held_on.isoformat(),
    )
