"""Realistic demo data: three kommuner, their landmarks and hundreds of reports.

The reports follow real incident patterns (see demo/README.md) moved onto each town, so
the hot spots in the demo are real hot spots, not noise.
"""

from __future__ import annotations

import csv
import json
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import click
import numpy as np
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.clock import local_today
from db import get_engine
from demo.promise_seeds import SEEDS, PromiseSeed
from feedback.models import AGE_BANDS, GENDERS, Report
from feedback.services import ReportInput, insert_report
from geo.projection import plane
from hotspots.services import compute_run
from kommun.models import Kommun, Landmark
from kommun.services import load_boundaries, load_landmarks, read_geojson

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Placement:
    """Where a pattern lands: the kommun, the landmark at its centre and a share of it."""

    kommun_code: str
    pattern: str
    centre: str
    share: float = 1.0


PLACEMENTS = (
    Placement("1487", "cheltenham", "Torget"),
    Placement("0665", "nottingham_burglary", "Vaggeryds centrum"),
    Placement("0665", "nottingham_robbery", "Skillingaryds centrum", share=0.45),
    Placement("1984", "nottingham_robbery", "Stora torget"),
)

# What a resident would give as reasons where the police recorded this kind of incident.
CATEGORY_REASONS: dict[str, list[str]] = {
    "anti-social-behaviour": [
        "people.outdoors",
        "people.youth_groups",
        "people.intoxicated",
        "traffic.reckless",
    ],
    "violent-crime": ["disorder.violence", "people.intoxicated"],
    "criminal-damage-arson": ["damage.other", "damage.graffiti", "damage.glass", "damage.fire"],
    "public-order": ["people.youth_groups", "disorder.violence", "people.intoxicated"],
    "vehicle-crime": ["place.dark", "damage.other", "place.deserted"],
    "other-theft": ["place.sightlines", "people.outdoors"],
    "burglary": ["disorder.burglary", "place.dark", "place.bushes"],
    "shoplifting": ["people.outdoors", "people.indoors"],
    "drugs": ["disorder.drugs", "people.intoxicated"],
    "bicycle-theft": ["place.sightlines", "place.dark"],
    "other-crime": ["place.decay", "damage.litter"],
    "robbery": ["disorder.burglary", "place.deserted", "place.tunnel", "place.dark"],
    "possession-of-weapons": ["disorder.weapons", "disorder.violence"],
    "theft-from-the-person": ["people.outdoors", "place.deserted"],
}
ENVIRONMENT = ["place.dark", "place.broken_light", "place.bushes", "place.sightlines"]
NIGHT_HEAVY = {"violent-crime", "public-order", "robbery", "drugs", "possession-of-weapons"}

TEXTS: dict[str, list[str]] = {
    "place.dark": [
        "Väldigt mörkt här på kvällen, lamporna räcker inte.",
        "Mörk gångväg, undviker den.",
    ],
    "place.broken_light": ["Gatlyktan har varit trasig i flera veckor."],
    "place.bushes": ["Buskarna är så höga att man inte ser vem som står där."],
    "people.youth_groups": ["Gäng som hänger här på kvällarna och skriker åt folk."],
    "people.intoxicated": ["Berusade personer vid bänkarna nästan varje helg."],
    "people.outdoors": ["Många som står och hänger vid ingången, känns obehagligt."],
    "traffic.reckless": ["Mopeder och A-traktorer kör runt här sent på kvällen."],
    "disorder.drugs": ["Verkar vara langning här, ser samma bilar komma och gå."],
    "disorder.violence": ["Det har varit bråk här flera gånger, går inte här ensam."],
    "damage.graffiti": ["Mycket klotter, känns som att ingen bryr sig om platsen."],
    "damage.glass": ["Glaskross överallt på marken vid cykelstället."],
    "place.tunnel": ["Gångtunneln är lång och mörk, vill inte gå där på kvällen."],
    "place.deserted": ["Helt öde efter att affärerna stänger."],
}
SAFE_REASONS = ["positive.lighting", "positive.people", "positive.overview", "positive.maintained"]


def _read_patterns() -> dict[str, list[tuple[float, float, str, int]]]:
    patterns: dict[str, list[tuple[float, float, str, int]]] = {}
    with (HERE / "patterns.csv").open(newline="") as fh:
        for row in csv.DictReader(fh):
            patterns.setdefault(row["pattern"], []).append(
                (float(row["dx_m"]), float(row["dy_m"]), row["category"], int(row["month_index"]))
            )
    return patterns


def load_places(session: Session) -> list[Kommun]:
    """Load the demo kommuner's boundaries and landmarks (idempotent)."""
    kommuner = load_boundaries(session, read_geojson(HERE / "kommuner.geojson"))
    places = json.loads((HERE / "landmarks.json").read_text("utf-8"))
    for kommun in kommuner:
        load_landmarks(session, kommun, places.get(kommun.code, []))
    return kommuner


def generate_reports(session: Session, *, now: datetime | None = None, seed: int = 2017) -> int:
    """Add the demo reports to every demo kommun that has none yet; returns how many."""
    now = now or datetime.now(UTC)
    rng = np.random.default_rng(seed)
    patterns = _read_patterns()
    sweref = plane(3006)
    added = 0
    already_seeded = set(session.scalars(select(Report.kommun_id).distinct()))
    for placement in PLACEMENTS:
        kommun = session.scalar(select(Kommun).where(Kommun.code == placement.kommun_code))
        if kommun is None or kommun.id in already_seeded:
            continue
        landmarks = list(kommun.landmarks)
        centre = next(lm for lm in landmarks if lm.name == placement.centre)
        cx, cy = sweref.to_metres([centre.lat], [centre.lon])
        rows = patterns[placement.pattern]
        if placement.share < 1.0:
            rows = rows[: int(len(rows) * placement.share)]
        dx = np.array([r[0] for r in rows])
        dy = np.array([r[1] for r in rows])
        lat, lon = sweref.to_wgs84(cx[0] + dx, cy[0] + dy)
        months = max(r[3] for r in rows) + 1
        for i, (_, _, category, month) in enumerate(rows):
            if not kommun.contains(float(lat[i]), float(lon[i])):
                continue
            _demo_report(
                session,
                kommun,
                landmarks,
                rng,
                now,
                months,
                month,
                category,
                float(lat[i]),
                float(lon[i]),
            )
            added += 1
        added += _history(session, kommun, landmarks, rng, now, rows, lat, lon)
    session.flush()
    return added


HISTORY_SHARE = 0.5  # of a pattern, laid again over the years of the kommun's real promise
PROMISE_EFFECT = 0.35  # the share of those reports that the promise's years do without


def _history(
    session: Session,
    kommun: Kommun,
    landmarks: list[Landmark],
    rng: np.random.Generator,
    now: datetime,
    rows: list[tuple[float, float, str, int]],
    lat: np.ndarray,
    lon: np.ndarray,
) -> int:
    """Reports from as long before the kommun's real promise as it lasted, up to its end,
    fewer while it ran: so its evaluation has a before to compare with."""
    seed = next((s for s in SEEDS if s.kommun == kommun.name), None)
    if seed is None:
        return 0
    first = datetime.combine(seed.starts_on - (seed.ends_on - seed.starts_on), time(), UTC)
    starts = datetime.combine(seed.starts_on, time(), UTC)
    last = min(datetime.combine(seed.ends_on, time(23, 59), UTC), now - timedelta(days=1))
    added = 0
    for i, (_, _, category, _month) in enumerate(rows):
        if rng.random() > HISTORY_SHARE or not kommun.contains(float(lat[i]), float(lon[i])):
            continue
        created = first + (last - first) * float(rng.random())
        if created >= starts and rng.random() < PROMISE_EFFECT:
            continue
        _demo_report(
            session,
            kommun,
            landmarks,
            rng,
            now,
            0,
            0,
            category,
            float(lat[i]),
            float(lon[i]),
            created=created,
        )
        added += 1
    return added


def _demo_report(
    session: Session,
    kommun: Kommun,
    landmarks: list[Landmark],
    rng: np.random.Generator,
    now: datetime,
    months: int,
    month: int,
    category: str,
    lat: float,
    lon: float,
    created: datetime | None = None,
) -> None:
    if created is None:
        # The pattern's months are laid over the year before today, oldest first.
        start = now - timedelta(days=30.4 * (months - month))
        created = start + timedelta(seconds=float(rng.uniform(0, 30.4 * 86400)))
        created = min(created, now - timedelta(minutes=5))
    safe = rng.random() < 0.06
    if safe:
        reasons = list(rng.choice(SAFE_REASONS, size=int(rng.integers(1, 3)), replace=False))
    else:
        options = CATEGORY_REASONS.get(category, ENVIRONMENT)
        reasons = list(
            rng.choice(options, size=int(rng.integers(1, min(3, len(options)) + 1)), replace=False)
        )
        if rng.random() < 0.45:
            reasons.append(str(rng.choice(ENVIRONMENT)))
    night_share = 0.7 if category in NIGHT_HEAVY else 0.4
    times = [
        t for t, p in (("dag", 0.25), ("kvall", 0.6), ("natt", night_share)) if rng.random() < p
    ]
    method = str(rng.choice(["map", "gps", "landmark"], p=[0.7, 0.1, 0.2]))
    landmark = None
    if method == "landmark":
        landmark = min(landmarks, key=lambda lm: (lm.lat - lat) ** 2 + (lm.lon - lon) ** 2)
        lat, lon = landmark.lat, landmark.lon
    texts = [t for code in reasons for t in TEXTS.get(code, [])]
    description = str(rng.choice(texts)) if texts and rng.random() < 0.5 else ""
    given = rng.random() < 0.5
    # insert_report, not create_report: the demo needs no object back for each report.
    insert_report(
        session,
        kommun,
        ReportInput(
            lat=lat,
            lon=lon,
            location_method=method,
            kind="trygg" if safe else "otrygg",
            reasons=[str(r) for r in dict.fromkeys(reasons)],
            times=times or ["kvall"],
            day_types=[d for d, p in (("vardag", 0.6), ("helg", 0.6)) if rng.random() < p],
            recurring=bool(rng.random() < 0.5),
            unsafe_level=None if safe else int(rng.integers(1, 4)),
            own_experience=bool(rng.random() < 0.8),
            description=description,
            landmark=landmark,
            age_band=str(rng.choice(AGE_BANDS[1:9])) if given else None,
            gender=str(rng.choice(GENDERS, p=[0.55, 0.42, 0.03])) if given else None,
            created_at=created,
        ),
    )


@click.group("demo", cls=AppGroup)
def demo_cli() -> None:
    """Demo data for trying the app."""


@demo_cli.command("load")
def load_command() -> None:
    """Load Vänersborg, Vaggeryd and Arboga with landmarks and hundreds of reports."""
    with Session(get_engine(), expire_on_commit=False) as session:
        kommuner = load_places(session)
        added = generate_reports(session)
        session.commit()
        spots = 0
        for kommun in kommuner:
            spots += len(compute_run(session, kommun).hotspots)
            kommun.hotspots_stale_since = None
        session.commit()
        promises = sum(demo_promise(session, kommun) for kommun in kommuner)
        session.commit()
        sheets = sum(demo_dialogues(session, kommun) for kommun in kommuner)
        session.commit()
    click.echo(
        f"Demo: {len(kommuner)} kommuner, {added} new reports, {spots} hot spots, "
        f"{promises} new medborgarlöften, {sheets} survey sheets."
    )


def demo_promise(session: Session, kommun: Kommun, *, today: date | None = None) -> int:
    """The kommun's real medborgarlöfte (demo.promise_seeds): its police area, places,
    activities with their owning organisations, follow-ups, and for Vänersborg the
    samverkansavtal signed with it."""
    from promises.models import Promise

    seed = next((s for s in SEEDS if s.kommun == kommun.name), None)
    if seed is None or session.scalar(select(Promise.id).where(Promise.kommun_id == kommun.id)):
        return 0
    enter_seed(session, kommun, seed, today=today or local_today())
    return 1


def enter_seed(session: Session, kommun: Kommun, seed: PromiseSeed, *, today: date) -> Any:
    """Store a seed promise as signed, with everything the kommun published about it."""
    from shapely.geometry import box, mapping

    from promises.models import Activity, Agreement, FocusArea, Promise
    from promises.services import focus_from_landmark, record_follow_up

    promise = Promise(
        kommun=kommun,
        title=seed.title,
        lokalpolisomrade=seed.lokalpolisomrade,
        starts_on=seed.starts_on,
        ends_on=seed.ends_on,
        status="undertecknat",
        signed_on=seed.signed_on,
        signatories="\n".join(seed.signatories),
        summary=seed.summary,
        cadence_months=seed.cadence_months,
    )
    if "samverkansavtal" in seed.summary:
        promise.agreement = Agreement(
            kommun=kommun,
            title=f"Samverkansavtal {kommun.name} {seed.starts_on.year}–{seed.ends_on.year}",
            parties=f"{kommun.name}s kommun\nLokalpolisområde {seed.lokalpolisomrade}",
            starts_on=seed.starts_on,
            ends_on=seed.ends_on,
            signed_on=seed.signed_on,
        )
    landmarks = {lm.name: lm for lm in kommun.landmarks}
    for focus in seed.focus:
        if focus.landmark:
            area = focus_from_landmark(landmarks[focus.landmark], focus.theme)
        else:
            area = FocusArea(theme=focus.theme)
            if focus.area:
                min_lat, min_lon, max_lat, max_lon = (float(v) for v in focus.area.split(","))
                area.polygon = dict(mapping(box(min_lon, min_lat, max_lon, max_lat)))
        area.title, area.description = focus.title, focus.description or area.description
        promise.focus_areas.append(area)
    by_title = {f.title: f for f in promise.focus_areas}
    for act in seed.activities:
        promise.activities.append(
            Activity(
                title=act.title,
                owners=list(act.owners),
                target_on=act.target_on,
                focus_areas=[by_title[t] for t in act.focus],
            )
        )
    session.add(promise)
    session.flush()
    activities = {a.title: a for a in promise.activities}
    for entry in seed.follow_ups:
        if entry.done_on <= today:
            record_follow_up(
                session,
                promise,
                activity=activities[entry.activity] if entry.activity else None,
                done_on=entry.done_on,
                text=entry.text,
                progress=entry.progress,
                status=entry.status,
                author=None,
            )
    return promise


def demo_dialogues(session: Session, kommun: Kommun, *, seed: int = 305) -> int:
    """A street survey with typed sheets and a published trygghetsvandring; returns sheets."""
    from surveys.models import DialogueSession, Instrument, WalkStop
    from surveys.services import copy_template, save_sheet

    if session.scalar(select(Instrument.id).where(Instrument.kommun_id == kommun.id)):
        return 0
    rng = random.Random(f"{seed}-{kommun.code}")
    today = local_today()
    survey = copy_template(session, kommun, "lokal_trygghet", f"Trygghetsenkät {kommun.name}")
    market = DialogueSession(
        kommun_id=kommun.id,
        version_id=survey.current.id,
        held_on=today - timedelta(days=30),
        place="Torget, lördagsmarknad",
        method="gatuenkat",
        team="Kommunens trygghetssamordnare\nKommunpolisen",
        people_reached=61,
        double_entry="sample",
        sample_percent=20,
    )
    session.add(market)
    session.flush()
    places = [lm for lm in kommun.landmarks][:4]
    count = 48
    for number in range(1, count + 1):
        answers: dict[str, object] = {}
        for question in survey.current.questions:
            code, kind = question["code"], question["type"]
            if kind == "single":
                keys = [o["key"] for o in question["options"]]
                answers[code] = rng.choices(keys, weights=range(len(keys), 0, -1))[0]
            elif kind == "age_band":
                answers[code] = rng.choice(["16-19", "20-24", "25-34", "35-44", "45-54", "65-74"])
            elif kind == "gender":
                answers[code] = rng.choice(["kvinna", "man", "kvinna", "man", "annat"])
            elif kind == "place" and places and rng.random() < 0.4:
                lm = rng.choice(places)
                answers[code] = {
                    "landmark_id": lm.id,
                    "name": lm.name,
                    "lat": lm.lat,
                    "lon": lm.lon,
                }
            else:
                answers[code] = None
        save_sheet(session, market, number, answers, None)
    walk_instrument = copy_template(session, kommun, "trygghetsvandring")
    walk = DialogueSession(
        kommun_id=kommun.id,
        version_id=walk_instrument.current.id,
        held_on=today - timedelta(days=20),
        place="Centrum",
        method="trygghetsvandring",
        route="Resecentrum – Torget – parken",
        people_reached=14,
        published_at=datetime.now(UTC),
    )
    session.add(walk)
    session.flush()
    stops = [
        (
            "Gångtunneln vid resecentrum",
            ["place.tunnel", "place.dark"],
            "Byta armaturer",
            "Gatuenheten",
            "genomfors",
            "",
        ),
        ("Parkens östra entré", ["place.bushes"], "Röja buskagen", "Parkenheten", "genomfors", ""),
        (
            "Parkeringen bakom torget",
            ["place.deserted"],
            "Kameraövervakning",
            "Kommunstyrelsen",
            "genomfors_ej",
            "Kräver tillstånd; belysningen förbättras i stället.",
        ),
    ]
    for number, (place, reasons, action, owner, decision, why) in enumerate(stops, start=1):
        session.add(
            WalkStop(
                session_id=walk.id,
                number=number,
                place=place,
                reasons=reasons,
                action=action,
                owner=owner,
                decision=decision,
                decision_reason=why,
                deadline=today + timedelta(days=90),
            )
        )
    session.flush()
    return count


def init_app(app: Flask) -> None:
    app.cli.add_command(demo_cli)
