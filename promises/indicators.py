"""Evaluation per focus area: an indicator, its baseline, target and result.

Indicators:
- "reports": otrygghetsförslag inside the focus area's place (lower is better);
- "tryggare": the share (%) of "tryggare" answers to "Känns det tryggare här nu?" and to
  any other source registered with register_tryggare_source (higher is better);
- "est": EST observations (reports filed by staff reporters) of one reason group across
  the kommun, for theme focus areas without a place (lower is better);
- indicators that other packages register with register_indicator (e.g. a survey index from
  the medborgardialoger the promise builds on, promise_dialogues).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.clock import local_midnight
from feedback import reasons as taxonomy
from feedback.models import Report, ReportReason
from promises.lifecycle import last_day
from promises.models import FocusArea, PlaceFeeling, Promise
from promises.public_forms import INDICATOR_LABELS
from promises.services import apply_changes, count_in, mailed_answers

INDICATORS = ("reports", "tryggare", "est")
HIGHER_IS_BETTER = frozenset({"tryggare"})
EST_SOURCE = "staff"  # reports filed by EST rapportörer (feedback.models.SOURCES)

# A source of "tryggare" answers: (session, focus area, first day, last day) -> answer counts
# keyed like promises.models.FEELINGS ("tryggare", "som_forut", "otryggare").
TryggareSource = Callable[[Session, FocusArea, date, date], Counter[str]]


def place_feelings(session: Session, focus: FocusArea, first: date, last: date) -> Counter[str]:
    """The answers residents gave at the focus place on the public page."""
    rows = session.scalars(
        select(PlaceFeeling.answer).where(
            PlaceFeeling.focus_area_id == focus.id,
            PlaceFeeling.created_at >= local_midnight(first),
            PlaceFeeling.created_at < local_midnight(last + timedelta(days=1)),
        )
    )
    return Counter(rows)


def mailed_feelings(session: Session, focus: FocusArea, first: date, last: date) -> Counter[str]:
    """The answers to the questionnaire mailed to residents who reported inside the place."""
    if not focus.polygon:
        return Counter()
    kommun_id = session.scalar(select(Promise.kommun_id).where(Promise.id == focus.promise_id))
    if kommun_id is None:
        return Counter()
    return mailed_answers(session, kommun_id, focus.polygon, first, last)


TRYGGARE_SOURCES: list[TryggareSource] = [place_feelings, mailed_feelings]

# An indicator of another package: (session, focus area, first day, last day) -> the value
# over those local days (inclusive), or None when it cannot be told.
Measure = Callable[[Session, FocusArea, date, date], float | None]


@dataclass(frozen=True)
class RegisteredIndicator:
    code: str  # stored in FocusArea.indicator (at most 20 characters)
    label: Any  # a lazy string
    measure: Measure
    higher_is_better: bool = False
    decimals: int = 0


REGISTERED: dict[str, RegisteredIndicator] = {}


def register_indicator(indicator: RegisteredIndicator) -> None:
    """Offer another package's indicator in the evaluation, without promises importing it."""
    REGISTERED[indicator.code] = indicator
    INDICATOR_LABELS[indicator.code] = indicator.label


def register_tryggare_source(source: TryggareSource) -> TryggareSource:
    """Count another source's "tryggare" answers in the evaluation (e.g. a questionnaire
    mailed to residents who reported at the place). Usable as a decorator."""
    if source not in TRYGGARE_SOURCES:
        TRYGGARE_SOURCES.append(source)
    return source


def tryggare_answers(session: Session, focus: FocusArea, first: date, last: date) -> Counter[str]:
    total: Counter[str] = Counter()
    for source in TRYGGARE_SOURCES:
        total.update(source(session, focus, first, last))
    return total


def est_observations(session: Session, kommun_id: int, group: str, first: date, last: date) -> int:
    """EST observations in the kommun with at least one reason of the group, by day received."""
    codes = [r.code for g in taxonomy.GROUPS if g.code == group for r in g.reasons]
    if not codes:
        return 0
    return int(
        session.scalar(
            select(func.count(func.distinct(Report.id)))
            .join(ReportReason, ReportReason.report_id == Report.id)
            .where(
                Report.kommun_id == kommun_id,
                Report.source == EST_SOURCE,
                Report.erasure_requested_at.is_(None),
                Report.hidden.is_(False),
                Report.merged_into_id.is_(None),
                ReportReason.code.in_(codes),
                Report.created_at >= local_midnight(first),
                Report.created_at < local_midnight(last + timedelta(days=1)),
            )
        )
        or 0
    )


def suggested_indicator(focus: FocusArea) -> str:
    return "reports" if focus.polygon is not None else "est"


def measure(
    session: Session, focus: FocusArea, indicator: str, group: str | None, first: date, last: date
) -> float | None:
    """The indicator's value between two local days (inclusive); None when it cannot be told."""
    if last < first:
        return None
    if indicator in REGISTERED:
        return REGISTERED[indicator].measure(session, focus, first, last)
    if indicator == "reports":
        if focus.polygon is None:
            return None
        otrygg, _trygg = count_in(session, focus.promise.kommun_id, focus.polygon, first, last)
        return float(otrygg)
    if indicator == "tryggare":
        answers = tryggare_answers(session, focus, first, last)
        n = sum(answers.values())
        return None if n == 0 else round(100 * answers.get("tryggare", 0) / n, 1)
    if indicator == "est":
        if not group:
            return None
        return float(est_observations(session, focus.promise.kommun_id, group, first, last))
    return None


def windows(promise: Promise, today: date) -> tuple[tuple[date, date], tuple[date, date]]:
    """(before, during): the promise's days so far, and as many days just before its start."""
    during_last = min(last_day(promise), today)
    length = max((during_last - promise.starts_on).days + 1, 1)
    before = (promise.starts_on - timedelta(days=length), promise.starts_on - timedelta(days=1))
    return before, (promise.starts_on, during_last)


@dataclass(frozen=True)
class FocusResult:
    focus: FocusArea
    indicator: str | None
    group: str | None
    baseline: float | None
    target: float | None
    result: float | None
    # Residents' "tryggare" answers during the promise, shown beside any indicator.
    tryggare_n: int = 0
    tryggare_share: float | None = None

    @property
    def decimals(self) -> int:
        """Decimals to show the values with: an index of 0–6 needs one, counts none."""
        registered = REGISTERED.get(self.indicator or "")
        return registered.decimals if registered else 0

    @property
    def met(self) -> bool | None:
        """Whether the result reached the target; None when either is missing."""
        if self.indicator is None or self.target is None or self.result is None:
            return None
        registered = REGISTERED.get(self.indicator)
        if self.indicator in HIGHER_IS_BETTER or (registered and registered.higher_is_better):
            return self.result >= self.target
        return self.result <= self.target


def focus_results(session: Session, promise: Promise, today: date) -> list[FocusResult]:
    """Each focus area's indicator: stored once evaluated, measured now before that.

    A missing baseline is measured over the days just before the start (same length).
    """
    before, during = windows(promise, today)
    out = []
    for focus in promise.focus_areas:
        indicator = focus.indicator or suggested_indicator(focus)
        group = focus.indicator_group
        baseline = focus.baseline
        if baseline is None:
            baseline = measure(session, focus, indicator, group, *before)
        result = focus.result if promise.evaluated_on is not None else None
        if result is None:
            result = measure(session, focus, indicator, group, *during)
        answers = tryggare_answers(session, focus, *during) if focus.polygon else Counter()
        n = sum(answers.values())
        share = round(100 * answers.get("tryggare", 0) / n, 1) if n else None
        out.append(FocusResult(focus, indicator, group, baseline, focus.target, result, n, share))
    return out


@dataclass(frozen=True)
class FocusInput:
    indicator: str | None
    group: str | None
    baseline: float | None
    target: float | None
    conclusion: str


def save_evaluation(
    session: Session,
    promise: Promise,
    *,
    summary: str,
    inputs: dict[int, FocusInput],
    today: date,
) -> dict[str, Any]:
    """Store the evaluation: per focus area the indicator, its baseline (measured before the
    start when not given), target, the result measured now, and the conclusions."""
    before, during = windows(promise, today)
    changes: dict[str, Any] = apply_changes(promise, {"evaluation_summary": summary})
    for focus in promise.focus_areas:
        given = inputs[focus.id]
        indicator = given.indicator or None
        group = given.group if indicator == "est" else None
        baseline = given.baseline
        if baseline is None and indicator is not None:
            baseline = measure(session, focus, indicator, group, *before)
        result = measure(session, focus, indicator, group, *during) if indicator else None
        changed = apply_changes(
            focus,
            {
                "indicator": indicator,
                "indicator_group": group,
                "baseline": baseline,
                "target": given.target,
                "result": result,
                "conclusion": given.conclusion,
            },
        )
        if changed:
            changes[f"focus:{focus.title}"] = changed
    if promise.evaluated_on is None:
        promise.evaluated_on = today
    session.flush()
    return changes
