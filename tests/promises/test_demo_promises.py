"""The demo holds the real promises of the seed documents, with reports from before them."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from sqlalchemy import func, select

from demo import demo_promise, generate_reports
from demo.promise_seeds import SEEDS
from feedback.models import Report
from promises.models import Agreement, Organisation, Promise

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)


def _reports(session, kommun_id: int, first: date, last: date) -> int:
    return session.scalar(
        select(func.count(Report.id)).where(
            Report.kommun_id == kommun_id,
            Report.kind == "otrygg",
            Report.created_at >= datetime.combine(first, time(), UTC),
            Report.created_at <= datetime.combine(last, time(23, 59), UTC),
        )
    )


def test_the_demo_enters_the_real_promises_with_reports_from_before_them(session, kommuner):
    generate_reports(session, now=NOW)
    for kommun in kommuner.values():
        assert demo_promise(session, kommun, today=NOW.date()) == 1
        assert demo_promise(session, kommun, today=NOW.date()) == 0
    session.commit()

    promises = {p.kommun.name: p for p in session.scalars(select(Promise))}
    for seed in SEEDS:
        promise = promises[seed.kommun]
        assert (promise.title, promise.lokalpolisomrade) == (seed.title, seed.lokalpolisomrade)
        owners = {a.title: a.owners for a in promise.activities}
        assert owners == {a.title: list(a.owners) for a in seed.activities}
        assert len(promise.follow_ups) == len(seed.follow_ups)
        # As many days before the start as the promise ran: more reports then than during it.
        length = seed.ends_on - seed.starts_on
        before = _reports(session, promise.kommun_id, seed.starts_on - length, seed.starts_on)
        during = _reports(session, promise.kommun_id, seed.starts_on, seed.ends_on)
        assert before > during > 0, (seed.kommun, before, during)

    assert {p.lokalpolisomrade for p in promises.values()} == {
        "Östra Fyrbodal",
        "Värnamo",
        "Västra Mälardalen",
    }
    owners = session.scalars(
        select(Organisation.name).where(Organisation.kommun_id == kommuner["Vänersborg"].id)
    ).all()
    assert "ABVB" in owners
    agreement = session.scalar(select(Agreement))
    assert agreement.promises == [promises["Vänersborg"]]
    assert "Östra Fyrbodal" in agreement.parties
