"""Forwarding reports to a kommun's felanmälan over Open311, off the resident's request.

A report whose reason an admin mapped to a felanmälan service gets a Forwarding row (the
queue). `flask open311 forward`, run every minute by a timer, posts what is due, retries
with exponential back-off, and reads the remote statuses back. Nothing here runs while a
resident waits, and a felanmälan system that is down only delays its own queue.

Each post is claimed first (state "sending", committed) so two runs never post the same
report at once; a run that dies mid-post leaves a claim that is retried after CLAIM_TIMEOUT,
which may post that one report twice (at least once, never lost). What is sent: the
service code, the place and the text with personal details masked; never the resident's
e-mail, age or gender.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from feedback.models import Report, ReportReason
from feedback.timeline import record_update
from open311.models import Forwarding, ForwardTarget
from privacy.masking import mask

MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=6)
CLAIM_TIMEOUT = timedelta(minutes=10)
BATCH = 50
SYNC_IDS = 50  # ids per GET requests call when reading statuses back


@dataclass
class RunResult:
    queued: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    synced: int = 0


class RemoteError(Exception):
    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 … minutes after each failed attempt, at most six hours."""
    delay: timedelta = FIRST_RETRY * 2 ** max(attempts - 1, 0)
    return min(delay, LONGEST_RETRY)


def enqueue(session: Session, now: datetime) -> int:
    """Queue every report a target should get and has not got yet."""
    added = 0
    for target in session.scalars(select(ForwardTarget).where(ForwardTarget.active)):
        if not target.service_map:
            continue
        done = select(Forwarding.report_id).where(Forwarding.target_id == target.id)
        mapped = select(ReportReason.report_id).where(
            ReportReason.code.in_(list(target.service_map))
        )
        reports = session.scalars(
            select(Report).where(
                Report.kommun_id == target.kommun_id,
                Report.created_at >= target.since,
                Report.hidden.is_(False),
                Report.merged_into_id.is_(None),
                Report.erasure_requested_at.is_(None),
                Report.id.in_(mapped),
                Report.id.not_in(done),
            )
        )
        for report in reports:
            # The first of its reasons (in code order) that the target takes.
            code = next(
                target.service_map[c] for c in report.reason_codes if c in target.service_map
            )
            session.add(
                Forwarding(
                    report_id=report.id, target_id=target.id, service_code=code, next_attempt_at=now
                )
            )
            added += 1
    session.flush()
    return added


def _claim(session: Session, now: datetime) -> list[Forwarding]:
    due = list(
        session.scalars(
            select(Forwarding)
            .where(
                ((Forwarding.state == "queued") & (Forwarding.next_attempt_at <= now))
                | ((Forwarding.state == "sending") & (Forwarding.claimed_at < now - CLAIM_TIMEOUT))
            )
            .order_by(Forwarding.next_attempt_at, Forwarding.id)
            .limit(BATCH)
        )
    )
    claimed = []
    for item in due:
        won = session.execute(
            update(Forwarding)
            .where(
                Forwarding.id == item.id,
                Forwarding.state == item.state,
                Forwarding.claimed_at.is_(None)
                if item.claimed_at is None
                else Forwarding.claimed_at == item.claimed_at,
            )
            .values(state="sending", claimed_at=now)
            .execution_options(synchronize_session=False)
        )
        if won.rowcount == 1:  # type: ignore[attr-defined]
            session.expire(item)
            claimed.append(item)
    session.commit()  # other runs see the claims before anything is posted
    return claimed


def _answer(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        raise RemoteError(f"HTTP {response.status_code}: not JSON") from None


def _post(
    client: httpx.Client, target: ForwardTarget, item: Forwarding, report: Report
) -> tuple[str | None, str | None]:
    """Post one report; returns (service_request_id, token)."""
    data: dict[str, str] = {
        "api_key": target.api_key,
        "service_code": item.service_code,
        "lat": f"{report.lat:.6f}",
        "long": f"{report.lon:.6f}",
        "description": mask(report.description).text or "–",
    }
    if target.jurisdiction_id:
        data["jurisdiction_id"] = target.jurisdiction_id
    place = mask(report.place_description).text
    if place:
        data["address_string"] = place
    try:
        response = client.post(target.endpoint.rstrip("/") + "/requests.json", data=data)
    except httpx.HTTPError as exc:
        raise RemoteError(f"{type(exc).__name__}: {exc}") from None
    if response.status_code >= 400:
        permanent = 400 <= response.status_code < 500 and response.status_code not in (408, 429)
        raise RemoteError(
            f"HTTP {response.status_code}: {response.text[:300]}", permanent=permanent
        )
    answer = _answer(response)
    first = answer[0] if isinstance(answer, list) and answer and isinstance(answer[0], dict) else {}
    remote_id, token = first.get("service_request_id"), first.get("token")
    if not remote_id and not token:
        raise RemoteError("the answer had neither service_request_id nor token")
    return (str(remote_id) if remote_id else None, str(token) if token else None)


def send_due(session: Session, client: httpx.Client, now: datetime, result: RunResult) -> None:
    for item in _claim(session, now):
        report = session.get_one(Report, item.report_id)
        try:
            remote_id, token = _post(client, item.target, item, report)
        except RemoteError as exc:
            item.attempts += 1
            item.last_error = str(exc)[:500]
            item.claimed_at = None
            if exc.permanent or item.attempts >= MAX_ATTEMPTS:
                item.state = "failed"
                result.failed += 1
            else:
                item.state = "queued"
                item.next_attempt_at = now + backoff(item.attempts)
                result.retrying += 1
        else:
            item.attempts += 1
            item.state = "sent"
            item.remote_id, item.remote_token = remote_id, token
            item.sent_at, item.last_error, item.claimed_at = now, None, None
            if report.status in ("ny", "granskad"):
                report.status, report.forwarded_to = "vidarebefordrad", "felanmalan"
                report.updated_at = now
                # A step of the public timeline, and a mail when the resident asked for one.
                record_update(session, report, author_id=None, status="vidarebefordrad", now=now)
            result.sent += 1
        session.commit()


def _get(client: httpx.Client, url: str, params: dict[str, str]) -> Any:
    try:
        response = client.get(url, params=params)
    except httpx.HTTPError as exc:
        raise RemoteError(f"{type(exc).__name__}: {exc}") from None
    if response.status_code >= 400:
        raise RemoteError(f"HTTP {response.status_code}")
    return _answer(response)


def sync_statuses(session: Session, client: httpx.Client, now: datetime, result: RunResult) -> None:
    """Read the remote status of everything sent, one GET per target and batch of ids."""
    by_target: dict[int, list[Forwarding]] = {}
    for item in session.scalars(select(Forwarding).where(Forwarding.state == "sent")):
        by_target.setdefault(item.target_id, []).append(item)
    for items in by_target.values():
        try:
            result.synced += _sync_target(client, items[0].target, items, now)
        except RemoteError as exc:
            for item in items:
                item.last_error = f"status: {exc}"[:500]
        session.commit()


def _sync_target(
    client: httpx.Client, target: ForwardTarget, items: list[Forwarding], now: datetime
) -> int:
    base = target.endpoint.rstrip("/")
    params = {"api_key": target.api_key}
    if target.jurisdiction_id:
        params["jurisdiction_id"] = target.jurisdiction_id
    for item in [i for i in items if not i.remote_id and i.remote_token]:
        answer = _get(client, f"{base}/tokens/{item.remote_token}.json", params)
        if isinstance(answer, list) and answer and answer[0].get("service_request_id"):
            item.remote_id = str(answer[0]["service_request_id"])
    known = {i.remote_id: i for i in items if i.remote_id}
    ids = list(known)
    synced = 0
    for start in range(0, len(ids), SYNC_IDS):
        chunk = ",".join(ids[start : start + SYNC_IDS])
        answer = _get(client, f"{base}/requests.json", params | {"service_request_id": chunk})
        for entry in answer if isinstance(answer, list) else []:
            match = known.get(str(entry.get("service_request_id")))
            if match is None:
                continue
            match.remote_status = str(entry.get("status") or "")[:20] or None
            match.remote_status_notes = str(entry.get("status_notes") or "") or None
            match.synced_at = now
            synced += 1
    return synced


def run(session: Session, client: httpx.Client, now: datetime | None = None) -> RunResult:
    """One pass: queue, send what is due, read statuses back."""
    now = now or datetime.now(UTC)
    result = RunResult()
    result.queued = enqueue(session, now)
    session.commit()
    send_due(session, client, now, result)
    sync_statuses(session, client, now, result)
    return result


def retry(item: Forwarding, now: datetime | None = None) -> None:
    """An admin sends a failed forwarding again."""
    item.state, item.attempts, item.next_attempt_at = "queued", 0, now or datetime.now(UTC)
    item.claimed_at = None
