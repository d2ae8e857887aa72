"""Retention: reports keep personal details no longer than they are needed.

`anonymise_old` drops the free text, the place description, the contact e-mail and the
demographics of reports older than the kommun's retention age and moves the pin to the
centre of its 250 m SWEREF 99 TM cell (the grid of the public map), so the report still
counts in hot spots and lägesbilder but no longer points at a doorway. Every other copy of
the report's place or text goes the same way (`_COPIES` below, one function per table):

- report_change: the old and new pins of a corrected place are coarsened;
- audit_event: the old and new pins logged for that correction are coarsened (the one
  change the audit log ever sees; who did what, and when, stays);
- report_note: the text of internal notes and status comments is emptied (author and time
  stay);
- open311_forwarding: the felanmälan system's status notes are dropped;
- survey_response: a paper sheet's place answer is coarsened and its free-text answers go;
- hotspot_run: runs computed before the cutoff (all their members are past it) are deleted,
  and the kommun's hot spots are marked stale so the current ones are drawn from coarse pins.

`drop_contacts` deletes the e-mail of a closed report once the follow-up window has passed.
Both are run by `flask privacy retention`, from cron or a systemd timer (see the README).
Scanned page images of paper sheets (surveys.scan_batches) are deleted SCAN_IMAGE_DAYS after
the scan, and earlier once the sheet is checked. Walk stops (surveys) are not copies of a
resident's report: they are the walk group's own protocol, and keep their place.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click
import numpy as np
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from audit.models import AuditEvent
from db import get_engine
from feedback.models import Report
from feedback.services import remove_photo
from geo.projection import plane
from hotspots.models import HotSpotRun
from kommun.services import mark_hotspots_stale
from open311.models import Forwarding
from review.models import ReportChange, ReportNote
from surveys.models import SheetResponse

CELL_M = 250.0
BATCH = 1000

privacy_cli = AppGroup("privacy", help="Retention of personal details.")


@dataclass(frozen=True)
class RetentionResult:
    anonymised: int
    contacts_dropped: int


def coarsen(lat: list[float], lon: list[float]) -> tuple[list[float], list[float]]:
    """The centres of the 250 m SWEREF 99 TM cells the points lie in."""
    sweref = plane(3006)
    x, y = sweref.to_metres(lat, lon)
    cx = (np.floor(x / CELL_M) + 0.5) * CELL_M
    cy = (np.floor(y / CELL_M) + 0.5) * CELL_M
    clat, clon = sweref.to_wgs84(cx, cy)
    return [round(float(v), 6) for v in clat], [round(float(v), 6) for v in clon]


def coarsen_point(point: Any) -> Any:
    """A [lat, lon] pair as its cell's centre; anything else (None, a code) as it is."""
    if (
        isinstance(point, list | tuple)
        and len(point) == 2
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in point)
    ):
        (lat,), (lon,) = coarsen([float(point[0])], [float(point[1])])
        return [lat, lon]
    return point


def anonymise_old(session: Session, older_than: timedelta, *, now: datetime | None = None) -> int:
    """Anonymise every report created before now - older_than; returns how many."""
    now = now or datetime.now(UTC)
    cutoff = now - older_than
    done = 0
    while True:
        batch = list(
            session.scalars(
                select(Report)
                .where(Report.created_at < cutoff, Report.anonymised_at.is_(None))
                .order_by(Report.id)
                .limit(BATCH)
            )
        )
        if not batch:
            break
        lats, lons = coarsen([r.lat for r in batch], [r.lon for r in batch])
        for report, lat, lon in zip(batch, lats, lons, strict=True):
            report.description = ""
            report.place_description = None
            report.contact_email = None
            report.contact_consent_at = None
            report.age_band = None
            report.gender = None
            report.lat, report.lon = lat, lon
            if report.photo:  # a photo may show faces or plates: it goes with the text
                remove_photo(report)
            report.anonymised_at = now
        ids = [r.id for r in batch]
        for copies in _COPIES:
            copies(session, ids)
        for kommun_id in {r.kommun_id for r in batch}:
            mark_hotspots_stale(session, kommun_id)
        session.flush()
        done += len(batch)
    if done:
        _drop_old_hotspot_runs(session, cutoff)
    return done


def _changes(session: Session, ids: Sequence[int]) -> None:
    """Corrected places in the report's own history."""
    for change in session.scalars(
        select(ReportChange).where(
            ReportChange.report_id.in_(ids), ReportChange.field == "location"
        )
    ):
        change.old, change.new = coarsen_point(change.old), coarsen_point(change.new)


def _audit(session: Session, ids: Sequence[int]) -> None:
    """Corrected places in the audit log."""
    for event in session.scalars(
        select(AuditEvent).where(
            AuditEvent.object_type == Report.__tablename__,
            AuditEvent.object_id.in_(ids),
            AuditEvent.action == "report.location",
        )
    ):
        details = dict(event.details or {})
        for key in ("old", "new"):
            if key in details:
                details[key] = coarsen_point(details[key])
        event.details = details


def _notes(session: Session, ids: Sequence[int]) -> None:
    """Internal notes and status comments: they may name people and places."""
    session.execute(
        update(ReportNote)
        .where(ReportNote.report_id.in_(ids), ReportNote.text != "")
        .values(text="")
        .execution_options(synchronize_session=False)
    )


def _forwardings(session: Session, ids: Sequence[int]) -> None:
    """What a felanmälan system wrote back about the report."""
    session.execute(
        update(Forwarding)
        .where(Forwarding.report_id.in_(ids), Forwarding.remote_status_notes.is_not(None))
        .values(remote_status_notes=None)
        .execution_options(synchronize_session=False)
    )


def _sheets(session: Session, ids: Sequence[int]) -> None:
    """The paper sheets a report came from, both entries: place coarsened, free text gone."""
    originals = list(session.scalars(select(SheetResponse).where(SheetResponse.report_id.in_(ids))))
    if not originals:
        return
    same_sheet = or_(
        *(
            and_(
                SheetResponse.session_id == sheet.session_id,
                SheetResponse.sheet_number == sheet.sheet_number,
            )
            for sheet in originals
        )
    )
    for sheet in session.scalars(select(SheetResponse).where(same_sheet)):
        questions = {q["code"]: q["type"] for q in sheet.session.version.questions}
        answers = dict(sheet.answers)
        for code, value in sheet.answers.items():
            kind = questions.get(code)
            if kind == "text":
                answers.pop(code)
            elif kind == "place" and isinstance(value, dict):
                lat, lon = coarsen_point([value["lat"], value["lon"]])
                name = value["name"] if value.get("landmark_id") else f"{lat:.5f}, {lon:.5f}"
                answers[code] = value | {"lat": lat, "lon": lon, "name": name}
        sheet.answers = answers


_COPIES: tuple[Callable[[Session, Sequence[int]], None], ...] = (
    _changes,
    _audit,
    _notes,
    _forwardings,
    _sheets,
)


def _drop_old_hotspot_runs(session: Session, cutoff: datetime) -> None:
    """Earlier hot spot runs from before the cutoff: their hulls were drawn around exact pins."""
    for run in session.scalars(
        select(HotSpotRun).where(HotSpotRun.created_at < cutoff, HotSpotRun.is_current.is_(False))
    ):
        session.delete(run)
    session.flush()


def drop_contacts(
    session: Session, after_closing: timedelta, *, now: datetime | None = None
) -> int:
    """Delete the contact e-mail of reports closed longer ago than after_closing."""
    now = now or datetime.now(UTC)
    result = session.execute(
        update(Report)
        .where(
            Report.status == "avslutad",
            Report.contact_email.is_not(None),
            Report.updated_at < now - after_closing,
        )
        .values(contact_email=None, contact_consent_at=None)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def run(session: Session, *, retention_days: int, contact_days: int) -> RetentionResult:
    contacts = drop_contacts(session, timedelta(days=contact_days))
    anonymised = anonymise_old(session, timedelta(days=retention_days))
    # The mail loop's own data: questionnaire text, outbox rows, promise subscriptions.
    from mail import retention as mail_retention

    mail_retention.run(session, retention_days=retention_days, contact_days=contact_days)
    return RetentionResult(anonymised, contacts)


@privacy_cli.command("retention")
@click.option("--days", type=click.IntRange(min=30), help="Anonymise reports older than this.")
@click.option(
    "--contact-days",
    type=click.IntRange(min=0),
    help="Delete e-mails this many days after a report was closed.",
)
def retention_command(days: int | None, contact_days: int | None) -> None:
    """Anonymise old reports and drop contact e-mails no longer needed."""
    config = current_app.config
    with Session(get_engine()) as session:
        result = run(
            session,
            retention_days=days or int(config["RETENTION_DAYS"]),
            contact_days=contact_days if contact_days is not None else int(config["CONTACT_DAYS"]),
        )
        session.commit()
        from surveys.scan_batches import forget_old_images

        images = forget_old_images(
            session, Path(current_app.instance_path), timedelta(days=int(config["SCAN_IMAGE_DAYS"]))
        )
    click.echo(
        f"Anonymised {result.anonymised} reports; "
        f"dropped {result.contacts_dropped} contact e-mails; "
        f"deleted {images} scanned page images."
    )


def init_app(app: Flask) -> None:
    app.cli.add_command(privacy_cli)
