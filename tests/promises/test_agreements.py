"""The samverkansöverenskommelse as its own record, and the yearly lägesbild och åtgärdsplan.

Vänersborg and LPO Östra Fyrbodal signed a samverkansavtal for 2023–2024 together with the
Torpa promise (shared/seeds/000): the coordinator records it, hangs the promise under it, and
prints the kommun's document under Lag (2023:196) from the data.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import update

from demo.promise_seeds import TORPA
from feedback.models import Report
from promises.models import Agreement
from tests.helpers import pdf_text
from tests.pages import parse_page
from tests.promises.entering import enter, evaluate_seed

AVTAL = {
    "agreement-title": "Samverkansavtal Vänersborg 2023–2024",
    "agreement-parties": "Vänersborgs kommun\nLokalpolisområde Östra Fyrbodal",
    "agreement-starts_on": "2023-01-01",
    "agreement-ends_on": "2024-12-31",
    "agreement-signed_on": "2022-12-21",
    "agreement-document_url": "https://www.vanersborg.se/samverkansavtal-2023-2024.pdf",
    "agreement-notes": "Skrevs under samtidigt med medborgarlöftet för Torpa.",
}


@pytest.fixture
def coordinator(create_user, login):
    user = create_user(kommun_names=("Vänersborg",))
    login(user)
    return user


def _agreement(client, session) -> Agreement:
    response = client.post("/samordnare/vanersborg/overenskommelser", data=AVTAL)
    assert response.status_code == 303, parse_page(response.data).select_one("#error-summary")
    return session.query(Agreement).one()


def _details(promise, agreement_id: str) -> dict[str, str]:
    return {
        "details-title": promise.title,
        "details-lokalpolisomrade": promise.lokalpolisomrade,
        "details-starts_on": promise.starts_on.isoformat(),
        "details-ends_on": promise.ends_on.isoformat(),
        "details-status": promise.status,
        "details-signatories": promise.signatories,
        "details-signed_on": promise.signed_on.isoformat(),
        "details-summary": promise.summary,
        "details-cadence_months": str(promise.cadence_months),
        "details-agreement_choice": agreement_id,
    }


def test_an_agreement_is_recorded_corrected_and_shown_above_its_promise(
    client, session, kommuner, coordinator
):
    agreement = _agreement(client, session)
    assert agreement.party_list == ["Vänersborgs kommun", "Lokalpolisområde Östra Fyrbodal"]
    promise = enter(client, session, TORPA)

    linked = client.post(
        f"/samordnare/loften/{promise.id}/uppgifter", data=_details(promise, str(agreement.id))
    )
    assert linked.status_code == 303
    session.expire_all()
    assert promise.agreement_id == agreement.id

    listing = parse_page(client.get("/samordnare/vanersborg/overenskommelser").data)
    section = listing.select_one(f"section[aria-labelledby=agreement-{agreement.id}-title]")
    assert TORPA.title in section.get_text()

    corrected = client.post(
        f"/samordnare/overenskommelser/{agreement.id}",
        data=AVTAL | {"agreement-ends_on": "2025-12-31"},
    )
    assert corrected.status_code == 303
    session.expire_all()
    assert agreement.ends_on.isoformat() == "2025-12-31"

    page = parse_page(client.get(f"/k/vanersborg/loften/{promise.id}").data)
    shown = page.select_one(f"#agreement-{promise.id}")
    assert "Samverkansavtal Vänersborg 2023–2024" in shown.get_text()
    assert "Lokalpolisområde Östra Fyrbodal" in shown.get_text()
    assert shown.select_one("a")["href"] == AVTAL["agreement-document_url"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("agreement-parties", "Vänersborgs kommun", "Ange minst två parter"),
        ("agreement-ends_on", "2022-12-31", "Perioden måste sluta efter att den börjar"),
        ("agreement-document_url", "javascript:alert(1)", "börjar med https://"),
        ("agreement-starts_on", "31/12", "Inte ett giltigt datum"),
    ],
)
def test_a_wrong_agreement_is_refused_with_a_clear_message(
    client, session, kommuner, coordinator, field, value, message
):
    response = client.post("/samordnare/vanersborg/overenskommelser", data=AVTAL | {field: value})
    assert response.status_code == 400
    assert message in parse_page(response.data).select_one("#error-summary").get_text()
    assert session.query(Agreement).count() == 0


def test_another_kommuns_agreement_does_not_exist(client, session, kommuner, create_user, login):
    vänersborg = create_user(kommun_names=("Vänersborg",))
    login(vänersborg)
    agreement = _agreement(client, session)
    client.post("/utloggning")
    login(create_user(kommun_names=("Arboga",)))
    assert client.get(f"/samordnare/overenskommelser/{agreement.id}").status_code == 404
    assert (
        client.post(f"/samordnare/overenskommelser/{agreement.id}", data=AVTAL).status_code == 404
    )
    assert client.get("/samordnare/vanersborg/overenskommelser").status_code == 403


def _report_on(session, create_report_at, kommun, lat, lon, when, reasons):
    report = create_report_at(kommun, lat, lon, reasons=reasons)
    session.execute(update(Report).where(Report.id == report.id).values(created_at=when))
    session.commit()


def test_the_yearly_lagesbild_and_atgardsplan_prints_from_the_data(
    client, session, kommuner, coordinator, create_report_at
):
    agreement = _agreement(client, session)
    promise = enter(client, session, TORPA)
    client.post(
        f"/samordnare/loften/{promise.id}/uppgifter", data=_details(promise, str(agreement.id))
    )
    evaluate_seed(client, promise, TORPA)
    vänersborg = kommuner["Vänersborg"]
    # Six dark-place reports on Torpa in 2023, two of them also about graffiti (fewer than k).
    for i in range(6):
        reasons = ["place.dark", "damage.graffiti"] if i < 2 else ["place.dark"]
        when = datetime(2023, 3 + i, 10, 18, tzinfo=UTC)
        _report_on(
            session, create_report_at, vänersborg, 58.366, 12.337 + i * 0.0004, when, reasons
        )

    text = pdf_text(client.get("/samordnare/vanersborg/lagesbild-atgardsplan.pdf?year=2023"))
    assert "Lägesbild och åtgärdsplan 2023" in text
    assert "LAG (2023:196) OM KOMMUNERS ANSVAR FÖR BROTTSFÖREBYGGANDE ARBETE" in text.upper()
    assert "Otrygg plats 6" in text
    assert "Skadegörelse, klotter, nedskräpning färre än 5" in text
    assert "Fysiska miljön på Torpa 6" in text
    assert "Samverkansavtal Vänersborg 2023–2024" in text and TORPA.title in text
    assert all(act.title in text for act in TORPA.activities)
    assert TORPA.conclusion in text

    # A year the promise did not cover, and a year that is not one: no 500.
    quiet = pdf_text(client.get("/samordnare/vanersborg/lagesbild-atgardsplan.pdf?year=2019"))
    assert "Inga medborgarlöften gällde under året." in quiet
    assert "Lägesbild och åtgärdsplan" in pdf_text(
        client.get("/samordnare/vanersborg/lagesbild-atgardsplan.pdf?year=tjugo")
    )
