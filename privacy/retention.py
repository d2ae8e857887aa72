"""Retention: reports keep personal details no longer than they are needed.

`anonymise_old` drops the free text, the place description, the contact e-mail and the
demographics of reports older than the kommun's retention age and moves the pin to the
centre of its 250 m SWEREF 99 TM cell (the grid of the public map), so the report still
counts in hot spots and lägesbilder but no longer points at a doorway. `drop_contacts`
deletes the e-mail of a closed report once the follow-up window has passed. Both are run
by `flask privacy retention`, from cron or a systemd timer (see the README).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import click
import numpy as np
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from db import get_engine
from feedback.models import Report
from geo.projection import plane

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
            return done
        lats, lons = coarsen([r.lat for r in batch], [r.lon for r in batch])
        for report, lat, lon in zip(batch, lats, lons, strict=True):
            report.description = ""
            report.place_description = None
            report.contact_email = None
            report.contact_consent_at = None
            report.age_band = None
            report.gender = None
            report.lat, report.lon = lat, lon
            report.anonymised_at = now
        session.flush()
        done += len(batch)


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
    click.echo(
        f"Anonymised {result.anonymised} reports; "
        f"dropped {result.contacts_dropped} contact e-mails."
    )


def init_app(app: Flask) -> None:
    app.cli.add_command(privacy_cli)
