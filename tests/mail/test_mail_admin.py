"""Without MAIL_URL mails go to a maildir under instance/, and admins see what was sent."""

from __future__ import annotations

import mailbox
from pathlib import Path

from tests.helpers import valid_form
from tests.pages import parse_page


def test_the_demo_maildir_and_the_admin_page(app, client, kommuner, create_user, login):
    assert not app.config["MAIL_URL"]
    response = client.post("/k/vanersborg/", data=valid_form(email="anna@exempel.se", consent="y"))
    assert response.status_code == 303
    box = mailbox.Maildir(Path(app.instance_path) / "maildir", create=False)
    [message] = list(box)
    assert message["To"] == "anna@exempel.se"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    login(create_user("coordinator", ("Vänersborg",)))
    assert client.get("/admin/epost/").status_code == 403
    client.post("/utloggning")

    login(create_user("admin", ("Arboga",)))
    answer = client.get("/admin/epost/")
    assert answer.status_code == 200  # the page, without another kommun's mail in it
    assert not parse_page(answer.data).select("#maildir tbody tr")
    client.post("/utloggning")

    login(create_user("admin", ("Vänersborg",)))
    page = parse_page(client.get("/admin/epost/").data)
    assert page.select_one("#maildir-note")
    [row] = page.select("#maildir tbody tr")
    assert "an…@exempel.se" in row.get_text() and "anna@exempel.se" not in page.get_text()
    shown = parse_page(client.get(row.select_one("a")["href"]).data)
    assert "Auto-Submitted" in shown.select_one("#mail-headers").get_text()
    assert "Kvittokod" in shown.select_one("#mail-body").get_text()
    assert "anna@exempel.se" not in shown.get_text()
