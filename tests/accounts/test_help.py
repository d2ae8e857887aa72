"""The staff help page: the staff pages' words in plain Swedish, with the settings in force."""

from __future__ import annotations

from tests.pages import parse_page


def test_help_explains_the_words_with_todays_settings(app, client, create_user, login):
    login(create_user("coordinator"))
    queue = parse_page(client.get("/samordnare/vanersborg/").data)
    link = queue.select_one("nav.staff-nav a[href='/personal/hjalp/']")
    assert link is not None and link.get_text(strip=True) == "Hjälp"
    page = parse_page(client.get(link["href"]).data)
    sections = {s["id"]: s.get_text(" ", strip=True) for s in page.select("section[id]")}
    assert set(sections) == {"hot-spot", "trend", "index", "k-rule", "residents"}
    assert "minst 6 förslag ligger inom 60 meter" in sections["hot-spot"]
    assert "k = 5" in sections["k-rule"] and "färre än 5 förslag" in sections["k-rule"]
    assert "20\u00a0%" in sections["trend"]  # the tracking's own threshold, as a Swedish percentage
    assert "1,6–2,4" in sections["index"]  # decimal comma, en dash
    # The rule's k follows the kommun's configuration.
    app.config["PUBLIC_MIN_CELL_REPORTS"] = 7
    again = parse_page(client.get("/personal/hjalp/").data)
    assert "k = 7" in again.select_one("#k-rule").get_text()


def test_help_is_for_staff_only(client, create_user, login):
    assert client.get("/personal/hjalp/").status_code == 302
    login(create_user("dialog"))
    assert client.get("/personal/hjalp/").status_code == 200


def test_staff_pages_do_not_carry_the_residents_footer(client, create_user, login):
    resident_page = parse_page(client.get("/").data)
    assert resident_page.select_one("footer a[href='/status']") is not None or (
        "Följ ett förslag" in resident_page.select_one("footer").get_text()
    )
    login_page = parse_page(client.get("/inloggning").data)
    assert "Följ ett förslag" not in login_page.select_one("footer").get_text()
    login(create_user("coordinator"))
    for path in ("/samordnare/vanersborg/", "/personal/", "/personal/hjalp/"):
        footer = parse_page(client.get(path).data).select_one("footer").get_text()
        assert "Följ ett förslag" not in footer and "allmän handling" not in footer, path
