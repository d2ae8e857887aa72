"""Bad input on the dialogue pages: a 4xx with words, never a 500, nothing half-stored."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from surveys.models import SheetResponse, WalkStop

NASTY = [
    "<script>alert(1)</script>",
    "'; DROP TABLE survey_response; --",
    "\u202eevil",
    "x" * 5000,
    "NaN",
    "-1",
    "1e309",
    "١٢",  # Arabic-Indic digits
]


@pytest.fixture
def dialogue(client, create_user, login, kommuner, create_dialogue):
    login(create_user("dialog"))
    return create_dialogue(kommuner["Vänersborg"], "lokal_trygghet")


@pytest.mark.parametrize("value", NASTY)
@pytest.mark.parametrize("field", ["sheet_number", "q-trygg_kvall", "q-otrygg_plats", "q-alder"])
def test_sheet_fields(client, dialogue, session, field, value):
    data = {"sheet_number": "1", "q-trygg_kvall": "1"} | {field: value}
    response = client.post(f"/dialog/dialoger/{dialogue.id}/inmatning", data=data)
    if (field, value) == ("sheet_number", "١٢"):  # twelve in Arabic-Indic digits
        assert response.status_code == 303
        assert session.scalar(select(SheetResponse.sheet_number)) == 12
        return
    assert response.status_code == 400
    assert "Något behöver rättas" in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(SheetResponse)) == 0


@pytest.mark.parametrize("value", NASTY)
def test_free_text_is_kept_and_escaped(client, dialogue, session, value):
    data = {"sheet_number": "1", "q-gora": value}
    response = client.post(f"/dialog/dialoger/{dialogue.id}/inmatning", data=data)
    if len(value) > 2000:
        assert response.status_code == 400
        return
    assert response.status_code == 303
    results = client.get(f"/dialog/dialoger/{dialogue.id}/resultat").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in results


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("GET", "/dialog/dialoger/999999"),
        ("GET", "/dialog/dialoger/999999/resultat"),
        ("POST", "/dialog/dialoger/{id}/blad/999/ta-bort"),
        ("GET", "/dialog/dialoger/{id}/stopp/999999"),
        ("GET", "/dialog/dialoger/{id}/resultat?jamfor=999999"),
        ("GET", "/dialog/enkater/999999"),
        ("DELETE", "/dialog/dialoger/{id}"),
        ("POST", "/dialog/dialoger/{id}/avvikelser"),
        ("POST", "/dialog/dialoger/{id}/publicera?x=1"),
    ],
)
def test_forged_ids_and_methods(client, dialogue, method, url):
    response = client.open(url.format(id=dialogue.id), method=method, data={"sheet": "x"})
    assert response.status_code in {303, 400, 404, 405}, (url, response.status_code)


@pytest.mark.parametrize(
    "fields",
    [
        {"number": "0"},
        {"number": "abc"},
        {"place": ""},
        {"deadline": "2026-13-45"},
        {"landmark": "999999"},
        {"activity": "999999"},
        {"reasons": ["not.a.reason"]},
        {"decision": "maybe"},
        {"owner": "x" * 201},
    ],
)
def test_stop_fields(client, dialogue, session, fields):
    data = {"number": "1", "place": "Tunneln"} | fields
    response = client.post(f"/dialog/dialoger/{dialogue.id}/stopp", data=data)
    assert response.status_code == 400
    assert session.scalar(select(func.count()).select_from(WalkStop)) == 0


@pytest.mark.parametrize(
    "fields",
    [
        {"instrument": "999999"},
        {"held_on": "igår"},
        {"people_reached": "-5"},
        {"sample_percent": "500"},
        {"method": "telepati"},
        {"double_entry": "ibland"},
        {"place": "x" * 201},
    ],
)
def test_session_fields(client, dialogue, fields):
    instrument = dialogue.version.instrument_id
    data = {
        "instrument": str(instrument),
        "held_on": "2026-11-14",
        "place": "Torget",
        "method": "gatuenkat",
        "double_entry": "none",
    } | fields
    response = client.post("/dialog/vanersborg/dialoger/ny", data=data)
    assert response.status_code == 400
