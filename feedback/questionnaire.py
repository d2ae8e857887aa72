""" "Känns det tryggare där nu?": asked by mail N weeks after action was planned or the report
was closed, answered once through a signed link. Services flush; the caller commits.

The answers count where residents' feelings are counted: the promise evaluation (answers
from reports inside a focus place) and the lägesbild (answers given in the period).
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from feedback.models import Questionnaire, Report, ReportUpdate
from feedback.timeline import wants_mail
from mail.outbox import add_mail

TRIGGERS = ("atgard_planerad", "avslutad")
ANSWERS = ("tryggare", "som_forut", "otryggare")
COMMENT_MAX = 1000


class AlreadyAnswered(Exception):
    """The first answer counts; a second one changes nothing."""


def queue_due(session: Session, *, weeks: float, now: datetime | None = None) -> int:
    """Ask every resident whose report reached a trigger status `weeks` ago; returns how many."""
    now = now or datetime.now(UTC)
    cutoff = now - timedelta(weeks=weeks)
    reached = (
        select(ReportUpdate.report_id, func.max(ReportUpdate.created_at).label("at"))
        .where(ReportUpdate.status.in_(TRIGGERS))
        .group_by(ReportUpdate.report_id)
        .subquery()
    )
    asked = select(Questionnaire.report_id)
    reports = session.scalars(
        select(Report)
        .join(reached, reached.c.report_id == Report.id)
        .where(
            reached.c.at <= cutoff,
            Report.status.in_(TRIGGERS),
            Report.contact_email.is_not(None),
            Report.id.not_in(asked),
        )
        .order_by(Report.id)
    )
    count = 0
    for report in reports:
        if not wants_mail(report):
            continue
        questionnaire = Questionnaire(report_id=report.id, trigger_status=report.status)
        session.add(questionnaire)
        session.flush()
        add_mail(
            session,
            kind="questionnaire",
            kommun_id=report.kommun_id,
            report_id=report.id,
            language=report.language,
            params={"questionnaire_id": questionnaire.id},
        )
        count += 1
    return count


def answer(
    questionnaire: Questionnaire, choice: str, comment: str | None, *, now: datetime | None = None
) -> None:
    """Store the resident's answer once."""
    if choice not in ANSWERS:
        raise ValueError(choice)
    if questionnaire.answered_at is not None:
        raise AlreadyAnswered
    questionnaire.answer = choice
    questionnaire.comment = (comment or "").strip()[:COMMENT_MAX] or None
    questionnaire.answered_at = now or datetime.now(UTC)


def answers_between(
    session: Session, kommun_id: int, start: datetime, end: datetime
) -> Counter[str]:
    """Answers given from start (inclusive) to end (exclusive) about the kommun's reports.

    The answers of the period first, each report looked up by its key: as a join, SQLite
    walked the kommun's reports instead and looked for a questionnaire of each (102 ms at a
    million reports, on every lägesbild, against 0.1 ms).
    """
    of_kommun = (
        select(Report.id)
        .where(Report.id == Questionnaire.report_id, Report.kommun_id == kommun_id)
        .exists()
    )
    rows = session.execute(
        select(Questionnaire.answer, func.count(Questionnaire.id))
        .where(
            Questionnaire.answered_at >= start,
            Questionnaire.answered_at < end,
            of_kommun,
        )
        .group_by(Questionnaire.answer)
    ).all()
    return Counter({str(a): int(n) for a, n in rows if a})


def answered_places(
    session: Session,
    kommun_id: int,
    bounds: tuple[float, float, float, float],
    since: datetime,
    until: datetime | None = None,
) -> list[tuple[float, float, str]]:
    """(lat, lon, answer) of answers since a moment (and before another, when given) about
    reports inside a bounding box (min lat, min lon, max lat, max lon); the caller keeps those
    inside its polygon."""
    min_lat, min_lon, max_lat, max_lon = bounds
    later = [Questionnaire.answered_at < until] if until is not None else []
    rows = session.execute(
        select(Report.lat, Report.lon, Questionnaire.answer)
        .join(Report, Report.id == Questionnaire.report_id)
        .where(
            Report.kommun_id == kommun_id,
            Questionnaire.answered_at >= since,
            Report.lat.between(min_lat, max_lat),
            Report.lon.between(min_lon, max_lon),
            *later,
        )
    ).all()
    return [(float(lat), float(lon), str(a)) for lat, lon, a in rows if a]
