"""Staff pages in natural Swedish: one sentence per error, Swedish numbers, no "förut"."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import update

from feedback.models import Report
from tests.helpers import VANERSBORG_TORGET
from tests.pages import parse_page

LAT, LON = VANERSBORG_TORGET


def test_two_errors_of_a_field_read_as_two_sentences(client, kommuner, create_user, login):
    login(create_user())
    response = client.get("/samordnare/vanersborg/karta?radius_m=tjugo")
    assert response.status_code == 400
    page = parse_page(response.data)
    error = page.select_one("#radius_m-error")
    text = error.get_text(" ", strip=True)
    assert "heltal. Ange 20–500 meter." in text
    summary = page.select_one("#error-summary a[href='#radius_m']").get_text(" ", strip=True)
    assert summary.endswith("Ange 20–500 meter.") and ". Ange" in summary


def test_the_lagesbild_writes_swedish_numbers_and_plain_words(
    client, kommuner, session, create_user, create_report_at, login
):
    vanersborg = kommuner["Vänersborg"]
    made = [
        create_report_at(vanersborg, LAT, LON, times=["natt"] if i < 1 else ["dag"])
        for i in range(3)
    ]
    session.execute(
        update(Report)
        .where(Report.id.in_([r.id for r in made]))
        .values(created_at=datetime(2026, 6, 10, 12, tzinfo=UTC))
    )
    session.commit()
    login(create_user())
    page = parse_page(
        client.get("/samordnare/vanersborg/lagesbild?kind=tertial&day=2026-06-10").data
    )
    figures = page.select_one(".key-figures").get_text(" ", strip=True)
    assert "33\u00a0%" in figures  # one of three at night, with a no-break space
    assert "varav ”jag känner likadant”" in figures and "instämmanden" not in figures
    text = page.get_text(" ", strip=True)
    # "Som förut" is the answer residents chose, quoted; comparisons say "föregående period".
    assert "förut" not in text.replace("Som förut", "") and "Perioden innan" not in text
    assert "Föregående period" in text
