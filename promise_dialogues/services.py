"""Links between promises and dialogues, and the survey index as an evaluation indicator."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from db import get_session
from promise_dialogues.models import PromiseDialogue
from promises.indicators import RegisteredIndicator, register_indicator
from promises.models import Activity, FocusArea, Promise
from surveys import instruments
from surveys.models import DialogueSession
from surveys.services import sheet_indices, sheets
from surveys.stats import mean
from surveys.walk_pages import register_activity_choices

# The model indices of the built-in questionnaires ("problem": 0 no problem – 6 a big one).
INDEX_LABELS = {
    "problem": _l("Problemindex från medborgardialoger (0–6, lägre är bättre)"),
}
SURVEY_PREFIX = "survey:"


def dialogues_of(promise: Promise, session: Session | None = None) -> list[DialogueSession]:
    """The dialogues the promise is linked to, the earliest first."""
    session = session or get_session()
    return list(
        session.scalars(
            select(DialogueSession)
            .join(PromiseDialogue, PromiseDialogue.dialogue_id == DialogueSession.id)
            .where(PromiseDialogue.promise_id == promise.id)
            .order_by(DialogueSession.held_on, DialogueSession.id)
        )
    )


def link_choices(session: Session, promise: Promise) -> list[DialogueSession]:
    """The kommun's dialogues a promise may be linked to, the latest first."""
    return list(
        session.scalars(
            select(DialogueSession)
            .where(DialogueSession.kommun_id == promise.kommun_id)
            .order_by(DialogueSession.held_on.desc(), DialogueSession.id.desc())
        )
    )


def set_dialogues(
    session: Session, promise: Promise, dialogue_ids: set[int]
) -> dict[str, list[int]]:
    """Link exactly these dialogues of the kommun; returns what was added and removed."""
    allowed = {d.id for d in link_choices(session, promise)}
    wanted = dialogue_ids & allowed
    current = {d.id for d in dialogues_of(promise, session)}
    added, removed = sorted(wanted - current), sorted(current - wanted)
    if removed:
        session.execute(
            delete(PromiseDialogue).where(
                PromiseDialogue.promise_id == promise.id,
                PromiseDialogue.dialogue_id.in_(removed),
            )
        )
    session.add_all(PromiseDialogue(promise_id=promise.id, dialogue_id=i) for i in added)
    session.flush()
    return {"added": added, "removed": removed}


def survey_index(
    session: Session, focus: FocusArea, name: str, first: date, last: date
) -> float | None:
    """The mean per-sheet index over the dialogues held between two days (inclusive) with the
    questionnaires of the promise's linked dialogues: the dialogue the promise came from gives
    the baseline, the same questionnaire asked again during the promise the result."""
    linked = dialogues_of(focus.promise, session)
    instrument_ids = {d.version.instrument_id for d in linked}
    if not instrument_ids:
        return None
    held = session.scalars(
        select(DialogueSession).where(
            DialogueSession.kommun_id == focus.promise.kommun_id,
            DialogueSession.held_on >= first,
            DialogueSession.held_on <= last,
        )
    ).all()
    values: list[float] = []
    for dialogue in held:
        if dialogue.version.instrument_id in instrument_ids:
            answers = [r.answers for r in sheets(session, dialogue, 1)]
            values += sheet_indices(dialogue.version, answers, name)
    estimate = mean(values)
    return None if estimate is None else round(estimate.value, 2)


def activity_choices(session: Session, kommun_id: int) -> list[tuple[int, str]]:
    """The kommun's promise activities a walk stop's proposed action may belong to."""
    rows = session.execute(
        select(Activity.id, Activity.title, Promise.title)
        .join(Promise, Promise.id == Activity.promise_id)
        .where(Promise.kommun_id == kommun_id)
        .order_by(Promise.starts_on.desc(), Activity.id)
    ).all()
    return [(a_id, f"{p_title}: {a_title}") for a_id, a_title, p_title in rows]


def _index_measure(name: str):  # type: ignore[no-untyped-def]
    def measure(session: Session, focus: FocusArea, first: date, last: date) -> float | None:
        return survey_index(session, focus, name, first, last)

    return measure


def register() -> None:
    for name, label in INDEX_LABELS.items():
        register_indicator(
            RegisteredIndicator(SURVEY_PREFIX + name, label, _index_measure(name), decimals=1)
        )
    register_activity_choices(activity_choices)


def known_indices() -> set[str]:
    """Index names the built-in questionnaires score (kept in step with INDEX_LABELS)."""
    return {
        q["index"]
        for template in instruments.TEMPLATES.values()
        for q in template.questions
        if q.get("index")
    }
