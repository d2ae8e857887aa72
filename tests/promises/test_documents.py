"""The printable documents: the promise as signed, a tertial report and the evaluation, as PDF."""

from __future__ import annotations

from datetime import date

import pytest

from promises.models import Activity, FocusArea, Promise
from promises.services import record_follow_up
from tests.helpers import pdf_text


@pytest.fixture
def arboga(session, kommuner):
    promise = Promise(
        kommun_id=kommuner["Arboga"].id,
        title="Medborgarlöften i Arboga kommun 2021",
        lokalpolisomrade="Västra Mälardalen",
        status="undertecknat",
        starts_on=date(2021, 1, 1),
        ends_on=date(2021, 12, 31),
        signed_on=date(2021, 2, 16),
        signatories="Lokalpolisområdeschef, Västra Mälardalen\nKommunstyrelsens ordförande",
    )
    sätra = FocusArea(title="Sätra", theme="centrummiljo")
    promise.focus_areas.append(sätra)
    walks = Activity(
        title="Medborgardialoger och trygghetsvandringar vid hot spots",
        owners=["Polisen", "Säkerhetssamordnaren"],
        focus_areas=[sätra],
    )
    promise.activities.append(walks)
    session.add(promise)
    session.flush()
    for day, progress in ((date(2021, 4, 12), 25), (date(2021, 10, 4), 100)):
        record_follow_up(
            session,
            promise,
            activity=walks,
            done_on=day,
            text=f"Vandring i Sätra ({progress} %).",
            progress=progress,
            author=None,
        )
    session.commit()
    return promise


def test_the_promise_the_report_and_the_evaluation_print_as_pdf(
    client, session, arboga, create_user, login
):
    login(create_user(kommun_names=("Arboga",)))
    base = f"/samordnare/loften/{arboga.id}"

    signed = pdf_text(client.get(f"{base}/dokument.pdf"))
    assert "Medborgarlöften i Arboga kommun 2021" in signed
    assert "Västra Mälardalen" in signed and "16 februari 2021" in signed
    assert "Medborgardialoger och trygghetsvandringar vid hot spots" in signed
    assert "Polisen, Säkerhetssamordnaren" in signed and "Sätra" in signed

    t1 = pdf_text(client.get(f"{base}/rapport.pdf?period=2021-01-01"))
    assert "1 januari 2021 – 30 april 2021" in t1
    assert "25 % · Pågår" in t1 and "100 %" not in t1

    assert client.get(f"{base}/utvardering.pdf").status_code == 200  # ended: awaiting evaluation
    sätra = arboga.focus_areas[0].id
    refused = client.post(f"{base}/utvardering", data={"eval-summary": "Klart."})
    assert refused.status_code == 400
    assert "Välj vilken orsaksgrupp som räknas för Sätra" in refused.get_data(as_text=True)
    saved = client.post(
        f"{base}/utvardering",
        data={
            "eval-summary": "Vandringarna i Sätra blev av.",
            f"eval-f{sätra}_indicator": "est",
            f"eval-f{sätra}_group": "DAMAGE",
            f"eval-f{sätra}_target": "3",
            f"eval-f{sätra}_conclusion": "Mindre klotter kring Sätra centrum.",
        },
    )
    assert saved.status_code == 303
    evaluation = pdf_text(client.get(f"{base}/utvardering.pdf"))
    assert "Utvärdering av Medborgarlöften i Arboga kommun 2021" in evaluation
    assert "Vandringarna i Sätra blev av." in evaluation
    assert "100 % · Klar" in evaluation and "2 uppföljningar" in evaluation
    assert "EST-observationer i en orsaksgrupp: Skadegörelse" in evaluation
    assert "Mindre klotter kring Sätra centrum." in evaluation
