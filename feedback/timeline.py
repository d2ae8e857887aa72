"""A report's public timeline and the mails that tell its resident about it. Services flush.

Each status change or public reply is a ReportUpdate. If the resident gave an address with
consent, the update joins the report's pending update mail, or starts one: at most one mail
per report per MAIL_UPDATE_INTERVAL_S (an hour), however busy the coordinator is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app, has_app_context, url_for
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, selectinload

from feedback import reasons
from feedback.models import Questionnaire, Report, ReportUpdate
from mail.models import OutgoingMail
from mail.outbox import add_mail, cancel_for_report
from privacy.masking import mask

# At most one update mail per report in this time, when no app says otherwise.
DEFAULT_INTERVAL_S = 3600.0


def wants_mail(report: Report) -> bool:
    """Whether the resident gave an address with consent that still stands."""
    return bool(
        report.contact_email
        and report.contact_consent_at is not None
        and report.erasure_requested_at is None
        and report.anonymised_at is None
    )


def record_update(
    session: Session,
    report: Report,
    *,
    author_id: int | None,
    status: str | None,
    public_reply: str | None = None,
    activity_id: int | None = None,
    now: datetime | None = None,
) -> ReportUpdate:
    """Add a step to the report's timeline and tell the resident (batched)."""
    now = now or datetime.now(UTC)
    step = ReportUpdate(
        report_id=report.id,
        status=status,
        status_reason=report.status_reason if status == "avslutad" else None,
        forwarded_to=report.forwarded_to if status == "vidarebefordrad" else None,
        activity_id=activity_id,
        public_reply=(public_reply or "").strip() or None,
        author_id=author_id,
        created_at=now,
    )
    session.add(step)
    session.flush()
    if wants_mail(report):
        step.mail_id = _pending_update_mail(session, report, now).id
        session.flush()
    return step


def _pending_update_mail(session: Session, report: Report, now: datetime) -> OutgoingMail:
    pending = session.scalar(
        select(OutgoingMail)
        .where(
            OutgoingMail.report_id == report.id,
            OutgoingMail.kind == "update",
            OutgoingMail.state == "queued",
        )
        .order_by(OutgoingMail.id)
        .limit(1)
    )
    if pending is not None:
        return pending
    seconds = (
        float(current_app.config["MAIL_UPDATE_INTERVAL_S"])
        if has_app_context()
        else DEFAULT_INTERVAL_S
    )
    interval = timedelta(seconds=seconds)
    last = session.scalar(
        select(func.max(func.coalesce(OutgoingMail.sent_at, OutgoingMail.claimed_at))).where(
            OutgoingMail.report_id == report.id,
            OutgoingMail.kind == "update",
            OutgoingMail.state.in_(("sending", "sent")),
        )
    )
    if last is not None and last.tzinfo is None:  # an aggregate skips the column's type
        last = last.replace(tzinfo=UTC)
    not_before = max(now, last + interval) if last is not None else now
    return add_mail(
        session,
        kind="update",
        kommun_id=report.kommun_id,
        report_id=report.id,
        language=report.language,
        not_before=not_before,
    )


def withdraw_contact(session: Session, report: Report) -> None:
    """The resident unsubscribed: the address goes, and nothing more is sent."""
    report.contact_email = None
    report.contact_consent_at = None
    report.updated_at = datetime.now(UTC)
    cancel_for_report(session, report.id)
    session.flush()


def forget_resident_text(session: Session, report_id: int) -> None:
    """On an erasure request: pending mails go, and the questionnaire's free text with them."""
    cancel_for_report(session, report_id)
    session.execute(
        update(Questionnaire)
        .where(Questionnaire.report_id == report_id)
        .values(comment=None)
        .execution_options(synchronize_session=False)
    )


# --- what the resident reads ------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One line of the timeline, in the reader's language, with personal details masked."""

    at: datetime
    title: str
    detail: str | None = None
    reply: str | None = None
    activity_title: str | None = None
    activity_url: str | None = None


def _detail(step: ReportUpdate) -> str | None:
    from core.statuses import close_reason, forward_target

    if step.status == "avslutad" and step.status_reason:
        return close_reason(step.status_reason)
    if step.status == "vidarebefordrad" and step.forwarded_to:
        return forward_target(step.forwarded_to)
    return None


def _activity(step: ReportUpdate, external: bool) -> tuple[str | None, str | None]:
    activity = step.activity
    if activity is None or not activity.promise.is_public:
        return None, None
    url = url_for(
        "public_promises.page",
        slug=activity.promise.kommun.slug,
        _anchor=f"activity-{activity.id}",
        _external=external,
    )
    return activity.title, url


def to_step(step: ReportUpdate, *, external: bool = False) -> Step:
    title, url = _activity(step, external)
    return Step(
        at=step.created_at,
        title=reasons.status_label(step.status) if step.status else str(reasons.REPLY_LABEL),
        detail=_detail(step),
        reply=mask(step.public_reply).text or None,
        activity_title=title,
        activity_url=url,
    )


def updates_of(
    session: Session, report_id: int, *, mail_id: int | None = None
) -> list[ReportUpdate]:
    query = (
        select(ReportUpdate)
        .where(ReportUpdate.report_id == report_id)
        .options(selectinload(ReportUpdate.activity))
        .order_by(ReportUpdate.created_at, ReportUpdate.id)
    )
    if mail_id is not None:
        query = query.where(ReportUpdate.mail_id == mail_id)
    return list(session.scalars(query))


def timeline(session: Session, report: Report) -> list[Step]:
    """Received, then every status change and public reply, oldest first."""
    steps = [Step(at=report.created_at, title=str(reasons.RECEIVED_LABEL))]
    updates = updates_of(session, report.id)
    steps += [to_step(u) for u in updates]
    if not updates and report.status != "ny":
        # Reviewed before the timeline was kept: its present status is all there is.
        legacy = ReportUpdate(
            status=report.status,
            status_reason=report.status_reason,
            forwarded_to=report.forwarded_to,
        )
        steps.append(
            Step(
                at=report.reviewed_at or report.updated_at,
                title=reasons.status_label(report.status),
                detail=_detail(legacy),
            )
        )
    return steps
