"""CSRF is on for the dialogue pages: each form carries its token, and posts with it work."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from surveys.models import SheetResponse
from surveys.services import save_sheet
from tests.helpers import STAFF_PASSWORD
from tests.pages import parse_page


@pytest.fixture
def csrf_client(app):
    app.config["WTF_CSRF_ENABLED"] = True
    return app.test_client()


def _token(page, form="main form[method=post]"):
    return page.select_one(form).select_one("input[name$=csrf_token]")


def test_every_dialogue_form_has_a_token_and_it_works(
    csrf_client, create_user, kommuner, session, create_dialogue
):
    user = create_user("dialog")
    page = parse_page(csrf_client.get("/inloggning").data)
    logged_in = csrf_client.post(
        "/inloggning",
        data={"email": user.email, "password": STAFF_PASSWORD, "csrf_token": _token(page)["value"]},
    )
    assert logged_in.status_code == 303 and "/inloggning" not in logged_in.headers["Location"]
    dialogue = create_dialogue(kommuner["Vänersborg"], "trygghetsvandring", double_entry="all")
    walk = dialogue.version.instrument
    save_sheet(session, dialogue, 1, {"belysning": "1"}, user.id)
    session.commit()
    base = f"/dialog/dialoger/{dialogue.id}"
    for url in (
        "/dialog/vanersborg/",
        f"/dialog/enkater/{walk.id}",
        "/dialog/vanersborg/dialoger/ny",
        base,
        f"{base}/inmatning",
        f"{base}/inmatning?blad=1",
        f"{base}/kontroll",
        f"{base}/import",
        f"{base}/stopp",
        f"{base}/protokoll",
    ):
        answer = csrf_client.get(url)
        assert answer.status_code == 200, url  # not a refusal or the login page
        page = parse_page(answer.data)
        for form in page.select("form[method=post]"):
            assert form.select_one("input[name$=csrf_token]"), f"{url}: a form without a token"

    refused = csrf_client.post(f"{base}/inmatning", data={"sheet_number": "2", "q-belysning": "2"})
    assert refused.status_code == 400
    entry = parse_page(csrf_client.get(f"{base}/inmatning").data)
    saved = csrf_client.post(
        f"{base}/inmatning",
        data={"csrf_token": _token(entry)["value"], "sheet_number": "2", "q-belysning": "2"},
    )
    assert saved.status_code == 303
    edit = parse_page(csrf_client.get(f"{base}/inmatning?blad=2").data)
    delete = _token(edit, "form[action$=ta-bort]")
    assert delete["name"] == "delete-csrf_token"
    gone = csrf_client.post(f"{base}/blad/2/ta-bort", data={delete["name"]: delete["value"]})
    assert gone.status_code == 303
    numbers = session.scalars(select(SheetResponse.sheet_number)).all()
    assert numbers == [1]
    protocol = parse_page(csrf_client.get(f"{base}/protokoll").data)
    published = csrf_client.post(
        f"{base}/publicera", data={"csrf_token": _token(protocol)["value"]}
    )
    assert published.status_code == 303
    assert re.search(
        r"/k/vanersborg/trygghetsvandringar/\d+",
        csrf_client.get(f"{base}/protokoll").get_data(as_text=True),
    )
