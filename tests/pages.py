"""Checks every page must pass, in the spirit of GOV.UK Notify's client_request."""

from __future__ import annotations

from collections import Counter

from bs4 import BeautifulSoup


def parse_page(html: str | bytes) -> BeautifulSoup:
    """Parse a page and assert the basics: one h1, a title, labelled inputs, unique ids."""
    # find_all walks the tree once per check; CSS selectors per field made this the suite's
    # slowest helper on long forms. With lxml a page takes about half html.parser's time.
    page = BeautifulSoup(html, "lxml")
    assert page.title is not None and page.title.get_text(strip=True), "page has no <title>"
    assert len(page.find_all("h1")) == 1, "page must have exactly one <h1>"
    assert page.html is not None and page.html.get("lang") in {"sv", "en", "ar"}
    if page.find(class_="skip-link"):  # our own pages, not a redirect's stub
        assert page.html.get("dir") == ("rtl" if page.html["lang"] == "ar" else "ltr")
    ids = Counter(el["id"] for el in page.find_all(id=True))
    duplicates = [i for i, n in ids.items() if n > 1]
    assert not duplicates, f"duplicate ids: {duplicates}"
    labelled_ids = {label.get("for") for label in page.find_all("label", attrs={"for": True})}
    for field in page.find_all(["input", "select", "textarea"]):
        if field.get("type") in {"hidden", "submit", "button"}:
            continue
        field_id = field.get("id")
        labelled = field_id and field_id in labelled_ids
        assert labelled or field.get("aria-label"), f"unlabelled field {field}"
    for asset in page.find_all(["script", "link", "img"]):
        url = asset.get("href") if asset.name == "link" else asset.get("src")
        if url is not None:
            assert not url.startswith(("http:", "https:", "//")), f"third-party asset {url}"
    return page


def error_for(page: BeautifulSoup, field_id: str) -> str:
    """The error message shown next to a field (empty if none)."""
    el = page.select_one(f"#{field_id}-error")
    return el.get_text(" ", strip=True) if el else ""


def textarea_value(page: BeautifulSoup, field_id: str) -> str:
    """The value a browser shows in a textarea (it drops one leading newline, as HTML says)."""
    text = page.select_one(f"#{field_id}").get_text()
    return text.removeprefix("\r\n").removeprefix("\n")
