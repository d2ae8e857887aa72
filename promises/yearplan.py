"""The kommun's yearly lägesbild and åtgärdsplan under Lag (2023:196), as a printable PDF.

Built from the app's data for one calendar year: the reports by reason group, source and
place (every count under the public k-rule, since the document goes to the council and
often further), the samverkansöverenskommelser, the medborgarlöften in force and their
activities as the action plan, and the evaluations written that year.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import g, request
from flask import render_template as render
from sqlalchemy.orm import Session

from core.clock import local_today
from core.documents import pdf_response
from core.errors import OddText
from core.text import is_odd
from db import get_session
from feedback import reasons as taxonomy
from feedback.models import SOURCES
from hotspots.services import HotSpotParams, places_for
from kommun.models import Kommun
from privacy.public import min_reports
from promises.blueprint import bp
from promises.indicators import FocusResult, focus_results
from promises.lifecycle import last_day
from promises.models import Agreement, Promise
from promises.services import agreements_of, count_in, promises_of, state_as_of
from review.lagesbild import build
from review.periods import Period, period_for
from review.statuses import source_label


@dataclass(frozen=True)
class Row:
    """One line of a table of counts; `count` is None when fewer than k (not shown)."""

    label: str
    count: int | None


def shown(n: int, k: int) -> int | None:
    """A count as a public document may print it: none, or k and more (as the public pages)."""
    return n if n == 0 or n >= k else None


@dataclass
class YearPlan:
    kommun: Kommun
    year: int
    period: Period
    k: int
    total: int | None
    groups: list[Row]
    sources: list[Row]
    organisations: list[Row]
    places: list[Row]
    agreements: list[Agreement]
    promises: list[Promise]
    states: dict[int, tuple[int, str]]
    results: dict[int, list[FocusResult]]


def _in_year(first: date, last: date, period: Period) -> bool:
    return first <= period.last and last >= period.first


def year_plan(session: Session, kommun: Kommun, year: int, today: date) -> YearPlan:
    """Everything the yearly document shows for `year`, counted as of `today`."""
    period = period_for("year", date(year, 1, 1))
    k = min_reports()
    places = places_for(session, kommun, HotSpotParams(), period.start, period.end)
    group_of = {r.code: grp.code for grp in taxonomy.GROUPS for r in grp.reasons}
    by_group: Counter[str] = Counter()
    for place in places:  # a report counts once in each of its groups
        by_group.update({group_of[c] for c in place.reason_codes if c in group_of})
    groups = [
        Row(str(group.label), shown(by_group.get(group.code, 0), k))
        for group in taxonomy.groups(positive=False)
    ]
    sources = Counter(p.source for p in places)
    picture = build(session, kommun, period)
    promises = [
        p
        for p in promises_of(session, kommun, public=True)
        if _in_year(p.starts_on, last_day(p), period)
    ]
    place_rows = [Row(h.name or h.stable_id, shown(h.count, k)) for h in picture.hotspots]
    for promise in promises:
        for focus in promise.focus_areas:
            if focus.polygon is not None:
                otrygg, _trygg = count_in(
                    session, kommun.id, focus.polygon, period.first, period.last
                )
                place_rows.append(Row(focus.title, shown(otrygg, k)))
    year_end = min(period.last, today)
    return YearPlan(
        kommun=kommun,
        year=year,
        period=period,
        k=k,
        total=shown(len(places), k),
        groups=groups,
        sources=[Row(source_label(s), shown(sources.get(s, 0), k)) for s in SOURCES],
        organisations=[Row(name, shown(f.current, k)) for name, f in picture.organisations],
        places=place_rows,
        agreements=[
            a for a in agreements_of(session, kommun) if _in_year(a.starts_on, a.ends_on, period)
        ],
        promises=promises,
        states={a.id: state_as_of(a, year_end) for p in promises for a in p.activities},
        results={
            p.id: focus_results(session, p, today) for p in promises if p.evaluated_on is not None
        },
    )


def _year(raw: str | None, today: date) -> int:
    """The year asked for, or this year when it is missing or not a plausible year."""
    if is_odd(raw or ""):
        raise OddText()
    try:
        year = int(raw or "")
    except ValueError:
        return today.year
    return year if 2000 <= year <= today.year else today.year


@bp.get("/<slug>/lagesbild-atgardsplan.pdf")
def year_plan_pdf(slug: str) -> Any:
    """The yearly lägesbild and åtgärdsplan (Lag 2023:196) of the kommun, as a PDF."""
    kommun: Kommun = g.kommun
    today = local_today()
    plan = year_plan(get_session(), kommun, _year(request.args.get("year"), today), today)
    html = render("promises/documents/yearplan.html", plan=plan, kommun=kommun)
    return pdf_response(html, "lagesbild-atgardsplan", kommun.name, str(plan.year))
