"""Fixtures shared by the promise tests."""

from __future__ import annotations

from datetime import date

import pytest

from promises.models import Activity, FocusArea, Promise


@pytest.fixture
def coordinator(create_user, login):
    """A coordinator of the test kommuner, logged in (a module may ask for other kommuner)."""
    user = create_user()
    login(user)
    return user


@pytest.fixture
def torpa(session, kommuner):
    """The Torpa promise with ABVB, Brf Ängsvallen and an ongoing police activity."""
    promise = Promise(
        kommun_id=kommuner["Vänersborg"].id,
        title="Medborgarlöften Torpa 2023–2024",
        lokalpolisomrade="Östra Fyrbodal",
        status="undertecknat",
        starts_on=date(2025, 1, 1),
        ends_on=date(2026, 12, 31),
        signed_on=date(2024, 12, 20),
        signatories="Lokalpolisområdeschef\nKommunstyrelsens ordförande",
    )
    yard = FocusArea(title="Fysiska miljön på Torpa", theme="bostadsomrade")
    promise.focus_areas.append(yard)
    promise.activities += [
        Activity(title="Belysning på innergårdarna", owners=["Kommunen", "ABVB"]),
        Activity(title="Trygghetsvandring med Brf Ängsvallen", owners=["Brf Ängsvallen"]),
        Activity(
            title="Polisens närvaro på mötesplatsen",
            owners=["Polisen"],
            ongoing=True,
            starts_on=date(2025, 1, 1),
        ),
    ]
    session.add(promise)
    session.commit()
    return promise
