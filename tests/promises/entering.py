"""A published promise typed in through the coordinator's forms, as a coordinator would:
the promise, its focus areas, activities and follow-ups, and at the end its evaluation."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from demo.promise_seeds import PromiseSeed
from kommun.models import Landmark
from promises.models import FocusArea, Promise
from tests.pages import parse_page

STANDARD = ("Kommunen", "Polisen")  # the owners the form offers as boxes


def enter(client: Any, session: Any, seed: PromiseSeed) -> Promise:
    """Type the promise in as a coordinator would, form by form; return it."""
    response = client.post(
        f"/samordnare/{seed.slug}/loften",
        data={
            "title": seed.title,
            "lokalpolisomrade": seed.lokalpolisomrade,
            "starts_on": seed.starts_on.isoformat(),
            "ends_on": seed.ends_on.isoformat(),
        },
    )
    assert response.status_code == 303, response.data[:400]
    base = response.location
    promise_id = int(base.rsplit("/", 1)[1])
    for focus in seed.focus:
        place = ""
        if focus.landmark:
            landmark_id = session.scalar(select(Landmark.id).where(Landmark.name == focus.landmark))
            place = f"landmark:{landmark_id}"
        response = client.post(
            f"{base}/fokus",
            data={
                "focus-theme": focus.theme,
                "focus-title": focus.title,
                "focus-place": place,
                "focus-area": focus.area or "",
                "focus-description": focus.description,
            },
        )
        assert response.status_code == 303, parse_page(response.data).select_one("#error-summary")
    focus_ids = {
        f.title: f.id
        for f in session.scalars(select(FocusArea).where(FocusArea.promise_id == promise_id))
    }
    for act in seed.activities:
        response = client.post(
            f"{base}/aktiviteter",
            data={
                "activity-title": act.title,
                "activity-owners": [o for o in act.owners if o in STANDARD],
                "activity-other_owners": "\n".join(o for o in act.owners if o not in STANDARD),
                "activity-target_on": act.target_on.isoformat() if act.target_on else "",
                "activity-focus": [str(focus_ids[t]) for t in act.focus],
            },
        )
        assert response.status_code == 303, parse_page(response.data).select_one("#error-summary")
    response = client.post(
        f"{base}/uppgifter",
        data={
            "details-title": seed.title,
            "details-lokalpolisomrade": seed.lokalpolisomrade,
            "details-starts_on": seed.starts_on.isoformat(),
            "details-ends_on": seed.ends_on.isoformat(),
            "details-status": "undertecknat",
            "details-signatories": "\n".join(seed.signatories),
            "details-signed_on": seed.signed_on.isoformat(),
            "details-summary": seed.summary,
            "details-cadence_months": str(seed.cadence_months),
        },
    )
    assert response.status_code == 303, parse_page(response.data).select_one("#error-summary")
    session.expire_all()
    promise = session.get(Promise, promise_id)
    activity_ids = {a.title: a.id for a in promise.activities}
    for entry in seed.follow_ups:
        response = client.post(
            f"{base}/uppfoljning",
            data={
                "follow-activity": str(activity_ids[entry.activity]) if entry.activity else "",
                "follow-done_on": entry.done_on.isoformat(),
                "follow-text": entry.text,
                "follow-progress": "" if entry.progress is None else str(entry.progress),
                "follow-status": entry.status,
            },
        )
        assert response.status_code == 303, parse_page(response.data).select_one("#error-summary")
    return promise


def evaluate_seed(client: Any, promise: Promise, seed: PromiseSeed) -> None:
    """Post the promise's evaluation, each focus area's as the seed gives it."""
    data = {"eval-summary": seed.conclusion}
    ids = {f.title: f.id for f in promise.focus_areas}
    for focus in seed.focus:
        key = f"eval-f{ids[focus.title]}"
        indicator, group, target, conclusion = focus.evaluation or ("", "", "", "")
        data |= {
            f"{key}_indicator": indicator,
            f"{key}_group": group,
            f"{key}_target": str(target),
            f"{key}_conclusion": conclusion,
        }
    response = client.post(f"/samordnare/loften/{promise.id}/utvardering", data=data)
    assert response.status_code == 303, parse_page(response.data).select_one("#error-summary")
