"""Fixtures of the Open311 tests."""

from __future__ import annotations

import pytest

from open311.keys import create_key


@pytest.fixture
def keys(kommuner, session):
    """A client key (any kommun), a staff key of Vänersborg and a client key of Arboga."""
    _client, client_key = create_key(session, "Trygghetsappen")
    _staff, staff_key = create_key(
        session, "Felanmälan Vänersborg", kommun=kommuner["Vänersborg"], staff=True
    )
    _other, arboga_key = create_key(session, "Arboga app", kommun=kommuner["Arboga"])
    session.commit()
    return {"client": client_key, "staff": staff_key, "arboga": arboga_key}
