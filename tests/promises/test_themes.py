"""Themes per kommun: Arboga adds "Osund konkurrens", Vaggeryd renames traffic; the built-in
list stays the default for everyone else."""

from __future__ import annotations

from datetime import date

import pytest

from promises.models import FocusArea, Promise
from tests.pages import parse_page


@pytest.fixture
def arboga(session, kommuner, create_user, login):
    login(create_user(kommun_names=("Arboga", "Vaggeryd")))
    promise = Promise(
        kommun_id=kommuner["Arboga"].id,
        title="Medborgarlöften i Arboga kommun",
        lokalpolisomrade="Västra Mälardalen",
        status="undertecknat",
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
        signed_on=date(2025, 12, 15),
        signatories="Lokalpolisområdeschef",
    )
    promise.focus_areas.append(FocusArea(title="Motorburen ungdom", theme="trafik"))
    session.add(promise)
    session.commit()
    return promise


def _theme_options(client, promise_id):
    page = parse_page(client.get(f"/samordnare/loften/{promise_id}").data)
    return {o["value"]: o.get_text() for o in page.select("select[name=focus-theme] option")}


def test_a_kommun_adds_renames_and_hides_themes(client, session, arboga):
    added = client.post("/samordnare/arboga/teman", data={"theme-label": "Osund konkurrens"})
    assert added.status_code == 303
    renamed = client.post(
        "/samordnare/arboga/teman/trafik",
        data={"t-trafik-label": "Trafik och motorburen ungdom", "t-trafik-active": "y"},
    )
    assert renamed.status_code == 303
    hidden = client.post(
        "/samordnare/arboga/teman/vald_i_nara_relation",
        data={"t-vald_i_nara_relation-label": "Våld i nära relation"},
    )
    assert hidden.status_code == 303

    options = _theme_options(client, arboga.id)
    code = next(c for c, label in options.items() if label == "Osund konkurrens")
    assert options["trafik"] == "Trafik och motorburen ungdom"
    assert "vald_i_nara_relation" not in options

    focus = client.post(
        f"/samordnare/loften/{arboga.id}/fokus",
        data={"focus-title": "Osund konkurrens i centrum", "focus-theme": code},
    )
    assert focus.status_code == 303
    public = " ".join(parse_page(client.get("/k/arboga/loften").data).get_text().split())
    assert "Osund konkurrens i centrum (Osund konkurrens)" in public
    assert "Motorburen ungdom (Trafik och motorburen ungdom)" in public

    # Vaggeryd keeps the built-in list.
    vaggeryd = {
        o["value"]
        for o in parse_page(client.get("/samordnare/vaggeryd/teman").data).select("tbody tr")
        for o in [{"value": o["id"].removeprefix("theme-")}]
    }
    assert "vald_i_nara_relation" in vaggeryd and code not in vaggeryd


def test_a_theme_twice_or_unnamed_is_refused(client, session, arboga):
    again = client.post("/samordnare/arboga/teman", data={"theme-label": "narkotika"})
    assert again.status_code == 400 and "narkotika finns redan." in again.get_data(as_text=True)
    empty = client.post("/samordnare/arboga/teman", data={"theme-label": " "})
    assert empty.status_code == 400 and "Skriv temats namn." in empty.get_data(as_text=True)
    assert client.post("/samordnare/arboga/teman/inget_sadant", data={}).status_code == 404
    foreign = client.post("/samordnare/arboga/teman", data={"theme-label": "X"})
    assert foreign.status_code == 303
    assert client.get("/samordnare/vanersborg/teman").status_code == 403
