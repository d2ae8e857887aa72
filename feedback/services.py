"""Creating and finding residents' reports. Services flush; views commit.

What the public may learn about reports near a place is privacy.public's business.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import Session, object_session

from core import photos
from core.clock import local_day
from feedback.models import MAIL_LANGUAGES, Report, ReportReason
from geo.projection import distance_m
from kommun.models import Kommun, Landmark
from mail.outbox import add_mail

PHOTO_KIND = "reports"

# Crockford's base32 without I, L, O, U: easy to read aloud and to type from paper.
RECEIPT_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RECEIPT_LENGTH = 12  # 60 bits: not guessable, still short enough to write down
_RECEIPT_TYPOS = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})


def new_receipt_code() -> str:
    return "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(RECEIPT_LENGTH))


def normalize_receipt(code: str) -> str | None:
    """Read a typed receipt code ('k7px-4m2q-…', spaces, O for 0); None if it cannot be one."""
    cleaned = "".join(ch for ch in code.upper() if ch.isalnum()).translate(_RECEIPT_TYPOS)
    if len(cleaned) != RECEIPT_LENGTH or any(ch not in RECEIPT_ALPHABET for ch in cleaned):
        return None
    return cleaned


@dataclass
class ReportInput:
    """What a resident submitted, already validated."""

    lat: float
    lon: float
    location_method: str
    kind: str = "otrygg"
    reasons: list[str] = field(default_factory=list)
    times: list[str] = field(default_factory=list)
    day_types: list[str] = field(default_factory=list)
    recurring: bool = False
    unsafe_level: int | None = None
    own_experience: bool | None = None
    description: str = ""
    landmark: Landmark | None = None
    place_description: str | None = None
    age_band: str | None = None
    gender: str | None = None
    email: str | None = None
    source: str = "online"
    created_at: datetime | None = None
    submission_id: str | None = None
    # The resident's language (sv, en, ar): every mail to them is written in it.
    language: str = "sv"


_REPORTS = cast(Table, Report.__table__)
_INSERT_REPORT = insert(_REPORTS).returning(_REPORTS.c.id)
_INSERT_REASON = insert(cast(Table, ReportReason.__table__))
_SET_REGISTRATION_NUMBER = (
    update(_REPORTS)
    .where(_REPORTS.c.id == bindparam("report_id"))
    .values(registration_number=bindparam("number"))
)


def insert_report(
    session: Session, kommun: Kommun, data: ReportInput, *, supports: Report | None = None
) -> tuple[int, str]:
    """Store a report with a fresh receipt code and its registration number.

    Three plain statements, no unit of work: this is the path every resident's submission
    takes, so it stays short under load. Returns the new report's id and receipt code.
    """
    session.flush()  # anything pending in the session goes first, as with the ORM
    now = data.created_at or datetime.now(UTC)
    receipt_code = new_receipt_code()
    report_id = session.execute(
        _INSERT_REPORT,
        {
            "kommun_id": kommun.id,
            "receipt_code": receipt_code,
            "kind": data.kind,
            "source": "support" if supports is not None else data.source,
            "status": "ny",
            "lat": data.lat,
            "lon": data.lon,
            "location_method": data.location_method,
            "landmark_id": data.landmark.id if data.landmark is not None else None,
            "place_description": (data.place_description or "").strip() or None,
            "supports_id": supports.id if supports is not None else None,
            "at_day": "dag" in data.times,
            "at_evening": "kvall" in data.times,
            "at_night": "natt" in data.times,
            "on_weekdays": "vardag" in data.day_types,
            "on_weekends": "helg" in data.day_types,
            "recurring": data.recurring,
            "unsafe_level": data.unsafe_level if data.kind == "otrygg" else None,
            "own_experience": data.own_experience,
            "description": data.description.strip(),
            "age_band": data.age_band or None,
            "gender": data.gender or None,
            "contact_email": (data.email or "").strip() or None,
            "contact_consent_at": now if data.email else None,
            "language": data.language if data.language in MAIL_LANGUAGES else "sv",
            "created_at": now,
            "updated_at": now,
            "hidden": False,
            "submission_id": data.submission_id,
            # The first reason, as the triggers on report_reason would set it: set here, the
            # reasons' inserts below leave the row alone.
            "service_code": min(data.reasons) if data.reasons else None,
        },
    ).scalar_one()
    session.execute(
        _SET_REGISTRATION_NUMBER,
        # The year of the number is the Swedish year (00:30 on 1 January is the new one).
        {"report_id": report_id, "number": f"{kommun.code}-{local_day(now):%Y}-{report_id:06d}"},
    )
    if data.email:
        # The receipt by mail, in this same transaction (so web and Open311 posts alike).
        add_mail(
            session,
            kind="confirmation",
            kommun_id=kommun.id,
            report_id=report_id,
            language=data.language if data.language in MAIL_LANGUAGES else "sv",
        )
    # Only the resident's own answers: a support links to the report it agrees with (for
    # staff) but copies nothing of it, or its reasons could be read back through the receipt.
    if data.reasons:
        # Last, and in one fixed order: each reason adds to its day's roll-up row (a trigger),
        # which stays locked until the transaction ends, so it is taken as late as it can be,
        # and two submissions taking the same rows in different orders could deadlock.
        session.execute(
            _INSERT_REASON,
            [{"report_id": report_id, "code": code} for code in sorted(set(data.reasons))],
        )
    return report_id, receipt_code


def create_report(
    session: Session, kommun: Kommun, data: ReportInput, *, supports: Report | None = None
) -> Report:
    """Store a report (see insert_report) and return it as an object."""
    report_id, _code = insert_report(session, kommun, data, supports=supports)
    return session.get_one(Report, report_id)


def attach_photo(session: Session, report_id: int, cleaned: bytes) -> str:
    """Keep a report's photo (already cleaned by core.photos.clean); returns its file name.

    The file is written before the transaction commits: a caller that rolls back removes it.
    """
    name, _type = photos.store(photos.folder(PHOTO_KIND), cleaned)
    session.execute(update(Report).where(Report.id == report_id).values(photo=name))
    return name


def remove_photo(report: Report) -> None:
    """Delete a report's photo file and forget it."""
    photos.remove(photos.folder(PHOTO_KIND), report.photo)
    report.photo = None


def mail_receipt(session: Session, report: Report, email: str) -> bool:
    """Send the receipt to an address given after the report, with consent.

    The address is kept where an address given in the form is kept (the report's contact
    address, with the moment of consent), so the outbox reads it when it sends and the
    resident can withdraw it like any other. A report that already has an address keeps it:
    False, and nothing is sent, so the page cannot mail anyone a second time.
    """
    if report.contact_email or report.erasure_requested_at or report.anonymised_at:
        return False
    now = datetime.now(UTC)
    report.contact_email = email.strip()
    report.contact_consent_at = now
    report.updated_at = now
    add_mail(
        session,
        kind="confirmation",
        kommun_id=report.kommun_id,
        report_id=report.id,
        language=report.language if report.language in MAIL_LANGUAGES else "sv",
    )
    return True


def find_by_receipt(session: Session, code: str) -> Report | None:
    normalized = normalize_receipt(code)
    if normalized is None:
        return None
    return session.scalar(select(Report).where(Report.receipt_code == normalized))


def request_erasure(report: Report) -> None:
    """Take away what identifies the resident at once; the rest awaits the kommun's decision.

    A received report is an allmän handling: it may only be thinned out (gallras) under the
    kommun's informationshanteringsplan, so the text and place are erased by a coordinator
    after review, while e-mail and demographics go now.
    """
    now = datetime.now(UTC)
    report.erasure_requested_at = report.erasure_requested_at or now
    report.contact_email = None
    report.contact_consent_at = None
    report.age_band = None
    report.gender = None
    report.updated_at = now
    session = object_session(report)
    if session is not None:
        from feedback.timeline import forget_resident_text

        forget_resident_text(session, report.id)


NEAR_LANDMARK_M = 1500.0  # as far as "nära Torget" helps a resident recognise the place


def nearest_landmark(
    landmarks: list[Landmark], lat: float, lon: float, within_m: float = NEAR_LANDMARK_M
) -> Landmark | None:
    """The named place closest to a point, if one is within `within_m` metres."""
    if not landmarks:
        return None
    distances = distance_m(lat, lon, [lm.lat for lm in landmarks], [lm.lon for lm in landmarks])
    best = int(distances.argmin())
    return landmarks[best] if float(distances[best]) <= within_m else None
