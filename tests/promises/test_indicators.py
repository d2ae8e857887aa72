"""Evaluation per focus area: reports in a place, "tryggare" answers, EST by reason group."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import update

from feedback.models import Report
from promises import indicators
from promises.indicators import FocusInput, focus_results, save_evaluation
from promises.models import FocusArea, PlaceFeeling, Promise
from tests.helpers import VANERSBORG_TORGET, square_around
from tests.pages import parse_page

LAT, LON = VANERSBORG_TORGET


def _dated(session, report, y, m, d):
    when = datetime(y, m, d, 12, tzinfo=UTC)
    session.execute(update(Report).where(Report.id == report.id).values(created_at=when))


@pytest.fixture
def vaggeryd_like(session, kommuner, create_report_at):
    """A 2025 promise with a place (the square) and a theme without a place (narkotika)."""
    kommun = kommuner["Vänersborg"]
    promise = Promise(
        kommun_id=kommun.id,
        title="Tryggare 2025",
        lokalpolisomrade="Östra Fyrbodal",
        status="undertecknat",
        starts_on=date(2025, 1, 1),
        ends_on=date(2025, 12, 31),
        signed_on=date(2024, 12, 15),
        signatories="A",
    )
    place = FocusArea(title="Torget", theme="centrummiljo", polygon=square_around(LAT, LON, 0.001))
    drugs = FocusArea(title="Narkotika", theme="narkotika")
    promise.focus_areas.extend([place, drugs])
    session.add(promise)
    session.commit()
    # Before the promise (2024): six unsafe reports at the square; during it: two.
    for i, year in enumerate([2024] * 6 + [2025] * 2):
        _dated(session, create_report_at(kommun, LAT, LON), year, 3 + i, 10)
    # EST observations: two of drug dealing in 2025, one in 2024; one of graffiti in 2025;
    # a resident's report of drug dealing does not count as EST.
    for year, reason, source in (
        (2025, "disorder.drugs", "staff"),
        (2025, "disorder.drugs", "staff"),
        (2024, "disorder.drugs", "staff"),
        (2025, "damage.graffiti", "staff"),
        (2025, "disorder.drugs", "online"),
    ):
        report = create_report_at(kommun, LAT + 0.02, LON, reasons=[reason], source=source)
        _dated(session, report, year, 6, 1)
    session.commit()
    return promise


def test_indicators_are_measured_before_and_during_the_promise(session, vaggeryd_like):
    promise = vaggeryd_like
    place, drugs = promise.focus_areas
    changes = save_evaluation(
        session,
        promise,
        summary="Färre otrygga på torget.",
        inputs={
            place.id: FocusInput("reports", None, None, 3, "Belysningen hjälpte."),
            drugs.id: FocusInput("est", "DISORDER", None, 1, "Fler ingripanden behövs."),
        },
        today=date(2026, 2, 1),
    )
    session.commit()
    by_title = {r.focus.title: r for r in focus_results(session, promise, date(2026, 2, 1))}
    torget, narkotika = by_title["Torget"], by_title["Narkotika"]
    assert (torget.baseline, torget.target, torget.result, torget.met) == (6, 3, 2, True)
    assert (narkotika.baseline, narkotika.result, narkotika.met) == (1, 2, False)
    assert promise.evaluated_on == date(2026, 2, 1)
    assert changes["focus:Torget"]["result"] == [None, 2.0]

    # Once evaluated, the stored result stands even when late reports arrive.
    session.execute(update(Report).values(created_at=datetime(2025, 7, 1, tzinfo=UTC)))
    session.commit()
    assert focus_results(session, promise, date(2027, 1, 1))[0].result == 2


def test_tryggare_share_counts_answers_from_every_registered_source(
    session, vaggeryd_like, monkeypatch
):
    place = vaggeryd_like.focus_areas[0]
    for answer in ("tryggare", "tryggare", "otryggare"):
        session.add(
            PlaceFeeling(
                focus_area_id=place.id,
                answer=answer,
                created_at=datetime(2025, 5, 5, tzinfo=UTC),
            )
        )
    session.commit()
    window = (date(2025, 1, 1), date(2025, 12, 31))
    assert indicators.measure(session, place, "tryggare", None, *window) == pytest.approx(66.7)

    # The hook for other answers, e.g. a questionnaire mailed to residents who reported.
    monkeypatch.setattr(indicators, "TRYGGARE_SOURCES", list(indicators.TRYGGARE_SOURCES))

    @indicators.register_tryggare_source
    def mailed(session, focus, first, last):
        return Counter({"tryggare": 3, "som_forut": 1})

    assert indicators.measure(session, place, "tryggare", None, *window) == pytest.approx(71.4)


def test_the_public_page_shows_results_without_small_counts(client, session, vaggeryd_like, app):
    promise = vaggeryd_like
    place, drugs = promise.focus_areas
    save_evaluation(
        session,
        promise,
        summary="Året är utvärderat.",
        inputs={
            place.id: FocusInput("reports", None, None, 3, "Belysningen hjälpte."),
            drugs.id: FocusInput(None, None, None, None, ""),
        },
        today=date(2026, 2, 1),
    )
    session.commit()
    page = parse_page(client.get(f"/k/vanersborg/loften/{promise.id}").data)
    row = page.select_one(f"#result-{place.id}").get_text()
    assert "färre än 5" in row  # the result, 2 reports, is below the public k
    assert "6" in row and "Belysningen hjälpte." in row and "Ja" in row
    assert "Tryggare" not in row  # no answers yet

    # Residents' answers show beside the indicator once there are at least k of them.
    for answer in ("tryggare",) * 4 + ("som_forut",):
        session.add(
            PlaceFeeling(
                focus_area_id=place.id, answer=answer, created_at=datetime(2025, 9, 1, tzinfo=UTC)
            )
        )
    session.commit()
    page = parse_page(client.get(f"/k/vanersborg/loften/{promise.id}").data)
    assert "”Tryggare”: 80 % av 5 svar" in page.select_one(f"#result-{place.id}").get_text()
