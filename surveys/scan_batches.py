"""Scanned sheets read in the background: an upload is stored as a batch and a job reads it.

The upload request only writes the files under the instance folder and queues the job; the
job opens them, counts the pages, then reads and files one page at a time, committing after
each so the page can say "läser in N av M sidor" and a job that dies is resumed where it
stopped (by the sweep) without reading a page twice. The files are deleted when the batch is
done. The straightened page images kept for the person checking are in `page_image_path`;
they go once the sheet is checked (`forget_sheet_images`) or when retention removes them.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import cv2
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from accounts.models import User
from audit.services import record
from db import after_commit
from paper import scan
from surveys import scanning, services
from surveys.models import DialogueSession, PrintedSheet, ScanBatch

# A running batch that has not moved on for this long lost its worker; a queued one that has
# waited this long lost its job.
STALLED = timedelta(minutes=10)
UNCLAIMED = timedelta(minutes=2)


def scans_folder(instance: Path) -> Path:
    return instance / "uploads" / "scans"


def incoming_folder(instance: Path, batch_id: int) -> Path:
    return scans_folder(instance) / "incoming" / str(batch_id)


def page_image_path(instance: Path, code: str, page: int) -> Path:
    """The straightened image of a sheet's page, kept for the person checking its answers."""
    return scans_folder(instance) / f"{code}-{page}.png"


def queue_upload(
    session: Session,
    dsession: DialogueSession,
    user_id: int | None,
    uploads: list[bytes],
    instance: Path,
) -> ScanBatch:
    """Store the uploaded files as a new batch for the job to read."""
    batch = ScanBatch(session_id=dsession.id, uploaded_by_id=user_id, files=len(uploads))
    session.add(batch)
    session.flush()
    folder = incoming_folder(instance, batch.id)
    folder.mkdir(parents=True, exist_ok=True)
    for index, data in enumerate(uploads):
        (folder / f"{index:04d}").write_bytes(data)
    return batch


def _pages(data: bytes) -> tuple[int, Iterator[Any]]:
    """How many pages a file holds, and its grey pages one at a time; ValueError if neither
    a PDF nor an image."""
    if data.startswith(b"%PDF"):
        count = scan.pdf_page_count(data)
        return count, scan.pdf_pages(data)
    return 1, iter([scan.photo(data)])


def _claim(session: Session, batch_id: int, now: datetime) -> ScanBatch | None:
    """Take the batch for this worker unless another one is reading it right now."""
    claimed = session.execute(
        update(ScanBatch)
        .where(
            ScanBatch.id == batch_id,
            or_(
                ScanBatch.state == "queued",
                (ScanBatch.state == "running") & (ScanBatch.updated_at < now - STALLED),
            ),
        )
        .values(state="running", updated_at=now)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    if not getattr(claimed, "rowcount", 0):
        return None
    return session.get(ScanBatch, batch_id)


def _outcome_of(batch: ScanBatch) -> tuple[scanning.ScanOutcome, int]:
    saved = dict(batch.outcome or {})
    unreadable = int(saved.pop("unreadable", 0))
    return scanning.ScanOutcome(**saved), unreadable


def _save_progress(
    batch: ScanBatch, outcome: scanning.ScanOutcome, unreadable: int, now: datetime
) -> None:
    batch.outcome = asdict(outcome) | {"unreadable": unreadable}
    batch.updated_at = now


def run(session: Session, instance: Path, batch_id: int) -> ScanBatch | None:
    """Read every page of a batch and file its sheets; None when there is nothing to do."""
    batch = _claim(session, batch_id, datetime.now(UTC))
    if batch is None:
        return None
    dsession = session.get(DialogueSession, batch.session_id)
    folder = incoming_folder(instance, batch.id)
    files = sorted(folder.iterdir()) if folder.is_dir() else []
    opened = []
    unreadable = 0
    for path in files:
        try:
            opened.append(_pages(path.read_bytes()))
        except ValueError:
            unreadable += 1
    outcome, _ = _outcome_of(batch)
    batch.pages_total = sum(count for count, _pages_of in opened)
    session.commit()
    done_before, index = batch.pages_done, 0
    for _count, images in opened:
        for image in images:
            index += 1
            if index <= done_before:
                continue  # read and committed before this worker took over
            _read_one(session, instance, dsession, batch, image, outcome)
            batch.pages_done = index
            _save_progress(batch, outcome, unreadable, datetime.now(UTC))
            session.commit()
    _finish(session, batch, outcome, unreadable)
    shutil.rmtree(folder, ignore_errors=True)
    return batch


def _read_one(
    session: Session,
    instance: Path,
    dsession: DialogueSession | None,
    batch: ScanBatch,
    image: Any,
    outcome: scanning.ScanOutcome,
) -> None:
    try:
        found = scan.locate(image)
    except scan.SheetNotFound:
        outcome.not_found += 1
        return
    if dsession is None:
        return
    printed = scanning.file_page(session, dsession, found, batch.uploaded_by_id, outcome)
    if printed is not None:
        path = page_image_path(instance, printed.code, found.page)
        path.parent.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(path), found.image)


def _finish(
    session: Session, batch: ScanBatch, outcome: scanning.ScanOutcome, unreadable: int
) -> None:
    now = datetime.now(UTC)
    _save_progress(batch, outcome, unreadable, now)
    batch.state = "done"
    batch.finished_at = now
    if outcome.filed:
        user = session.get(User, batch.uploaded_by_id) if batch.uploaded_by_id else None
        dsession = session.get(DialogueSession, batch.session_id)
        record(session, user, "survey.scanned", dsession, sheets=len(outcome.filed))
    session.commit()


def recent(session: Session, dsession: DialogueSession, limit: int = 5) -> list[ScanBatch]:
    """The dialogue's latest batches, newest first."""
    return list(
        session.scalars(
            select(ScanBatch)
            .where(ScanBatch.session_id == dsession.id)
            .order_by(ScanBatch.id.desc())
            .limit(limit)
        )
    )


def left_behind(session: Session, now: datetime) -> list[int]:
    """Batches whose job was lost: queued and never started, or stopped moving mid-way."""
    return list(
        session.scalars(
            select(ScanBatch.id).where(
                or_(
                    (ScanBatch.state == "queued") & (ScanBatch.created_at < now - UNCLAIMED),
                    (ScanBatch.state == "running") & (ScanBatch.updated_at < now - STALLED),
                )
            )
        )
    )


def forget_sheet_images(instance: Path, printed: PrintedSheet) -> int:
    """Delete the stored page images of a sheet; how many there were."""
    gone = 0
    for page in range(1, max(printed.pages, 1) + 1):
        path = page_image_path(instance, printed.code, page)
        if path.is_file():
            path.unlink()
            gone += 1
    return gone


def finished_sheets(session: Session, dsession: DialogueSession) -> list[PrintedSheet]:
    """The dialogue's sheets that are done: a person has checked what the scan left, and a
    sheet drawn for a control entry has been verified too."""
    verified = {
        r.sheet_number: r.verified_at is not None for r in services.sheets(session, dsession, 1)
    }
    return [
        printed
        for printed in services.printed_sheets(session, dsession)
        if printed.scanned_at is not None
        and not printed.pending
        and (
            not dsession.needs_second_entry(printed.sheet_number)
            or verified.get(printed.sheet_number, False)
        )
    ]


def forget_finished_after_commit(
    session: Session, dsession: DialogueSession, instance: Path
) -> None:
    """In a request: delete the finished sheets' images once the request has committed (a
    failed commit leaves the images of sheets that are not finished after all)."""
    done = finished_sheets(session, dsession)
    after_commit(session, lambda: sum(forget_sheet_images(instance, p) for p in done))


def forget_old_images(session: Session, instance: Path, older_than: timedelta) -> int:
    """Retention: page images of sheets scanned longer ago than older_than go, done or not."""
    cutoff = datetime.now(UTC) - older_than
    gone = 0
    for printed in session.scalars(select(PrintedSheet).where(PrintedSheet.scanned_at < cutoff)):
        gone += forget_sheet_images(instance, printed)
    return gone
