"""The trygghetsvandring's protocol as a PDF: route, stops and observations, participants by
organisation and the actions, read back from the PDF. The public one names no one."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from surveys.models import WalkStop
from surveys.protocols import Participants, participants
from tests.helpers import pdf_text

TEAM = """Anna Ek, Polisen
Bo Lind, Polisen
Cia Berg (AB Vänersborgsbostäder)
Dan Ås
"""


def test_the_team_is_grouped_by_organisation():
    assert participants(TEAM) == [
        Participants("Polisen", ["Anna Ek", "Bo Lind"]),
        Participants("AB Vänersborgsbostäder", ["Cia Berg"]),
        Participants("", ["Dan Ås"]),
    ]
    assert participants("\n  \n") == []


@pytest.fixture
def walk(session, kommuner, create_dialogue):
    dsession = create_dialogue(
        kommuner["Vänersborg"],
        "trygghetsvandring",
        place="Torpa",
        held_on=date(2026, 10, 8),
        route="Torpa centrum – gångtunneln – Ängsvallen",
        team=TEAM,
        people_reached=14,
    )
    session.add_all(
        [
            WalkStop(
                session_id=dsession.id,
                number=1,
                place="Gångtunneln under järnvägen",
                reasons=["place.dark"],
                observations="Två av fyra lampor trasiga.",
                action="Byta armaturer",
                owner="Gatuenheten",
                decision="genomfors",
                deadline=date(2027, 3, 31),
            ),
            WalkStop(
                session_id=dsession.id,
                number=2,
                place="Innergården Ängsvallen",
                observations="Buskar skymmer entrén.",
                action="Beskära buskarna",
                owner="Brf Ängsvallen",
                decision="genomfors_ej",
                decision_reason="Ingår redan i skötselplanen.",
            ),
        ]
    )
    session.commit()
    return dsession


def test_staff_print_the_protocol_with_the_team(client, walk, create_user, login):
    login(create_user("dialog", ("Vänersborg",)))
    page = client.get(f"/dialog/dialoger/{walk.id}/protokoll")
    assert f"/dialog/dialoger/{walk.id}/protokoll.pdf" in page.get_data(as_text=True)
    response = client.get(f"/dialog/dialoger/{walk.id}/protokoll.pdf")
    assert response.headers["Content-Disposition"] == (
        'inline; filename="trygghetsvandring-vanersborg-torpa-2026-10-08.pdf"'
    )
    text = pdf_text(response)
    for expected in (
        "Protokoll från trygghetsvandringen i Vänersborg: Torpa",
        "8 oktober 2026",
        "Torpa centrum – gångtunneln – Ängsvallen",
        "Deltagare per organisation",
        "Polisen Anna Ek, Bo Lind",
        "AB Vänersborgsbostäder Cia Berg",
        "Organisation inte angiven Dan Ås",
        "Stopp 1: Gångtunneln under järnvägen",
        "Två av fyra lampor trasiga.",
        "Buskar skymmer entrén.",
        "Byta armaturer Gatuenheten Genomförs 31 mars 2027",
        "Genomförs ej: Ingår redan i skötselplanen.",
    ):
        assert expected in text, expected


def test_the_public_pdf_counts_participants_and_names_no_one(app, session, walk):
    visitor = app.test_client()
    url = f"/k/vanersborg/trygghetsvandringar/{walk.id}/protokoll.pdf"
    assert visitor.get(url).status_code == 404  # not published yet
    walk.published_at = datetime(2026, 10, 9, tzinfo=UTC)
    session.commit()
    text = pdf_text(visitor.get(url))
    assert "Polisen 2" in text and "AB Vänersborgsbostäder 1" in text
    assert "Byta armaturer" in text
    for name in ("Anna Ek", "Bo Lind", "Cia Berg", "Dan Ås"):
        assert name not in text
    assert visitor.get(f"/k/arboga/trygghetsvandringar/{walk.id}/protokoll.pdf").status_code == 404
