"""Loading and finding kommuner and their landmarks."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session

from kommun.models import Kommun, Landmark


def slugify(name: str) -> str:
    """'Vänersborg' -> 'vanersborg', 'Upplands Väsby' -> 'upplands-vasby'."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "-".join("".join(c if c.isalnum() else " " for c in ascii_name.lower()).split())


def read_geojson(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        data = json.load(fh)
    if data.get("type") != "FeatureCollection":
        raise ValueError(f"{path}: expected a GeoJSON FeatureCollection")
    features: list[dict[str, Any]] = data["features"]
    return features


def load_boundaries(
    session: Session,
    features: Iterable[dict[str, Any]],
    *,
    only: set[str] | None = None,
    code_key: str = "id",
    name_key: str = "kom_namn",
) -> list[Kommun]:
    """Create or update kommuner from GeoJSON features; returns those touched."""
    touched = []
    taken = {slug: code for slug, code in session.execute(select(Kommun.slug, Kommun.code))}
    for feature in features:
        props = feature.get("properties") or {}
        code = str(props.get(code_key) or feature.get("id") or "").zfill(4)
        if only and code not in only:
            continue
        name = str(props[name_key])
        kommun = session.scalar(select(Kommun).where(Kommun.code == code))
        if kommun is None:
            slug = slugify(name)
            if taken.get(slug, code) != code:  # Habo and Håbo are both "habo"
                slug = f"{slug}-{code}"
            taken[slug] = code
            kommun = Kommun(code=code, name=name, slug=slug)
            session.add(kommun)
        kommun.name = name
        kommun.set_boundary(feature["geometry"])
        touched.append(kommun)
    session.flush()
    return touched


def load_landmarks(session: Session, kommun: Kommun, places: Iterable[dict[str, Any]]) -> int:
    """Add or move landmarks ({name, lat, lon}); each must lie inside the kommun."""
    existing = {lm.name: lm for lm in kommun.landmarks}
    count = 0
    for place in places:
        name, lat, lon = str(place["name"]), float(place["lat"]), float(place["lon"])
        if not kommun.contains(lat, lon):
            raise ValueError(f"{name} ({lat}, {lon}) lies outside {kommun.name}")
        landmark = existing.get(name)
        if landmark is None:
            landmark = Landmark(name=name, lat=lat, lon=lon)
            kommun.landmarks.append(landmark)
        landmark.lat, landmark.lon, landmark.active = lat, lon, True
        count += 1
    session.flush()
    return count


def active_kommuner(session: Session) -> list[Kommun]:
    return list(session.scalars(select(Kommun).where(Kommun.active).order_by(Kommun.name)))


def kommun_by_slug(session: Session, slug: str) -> Kommun | None:
    """Find a kommun by its slug or its four-digit code."""
    if "\x00" in slug:  # in no slug, and PostgreSQL refuses it in a text comparison
        return None
    return session.scalar(
        select(Kommun).where(Kommun.active, (Kommun.slug == slug) | (Kommun.code == slug))
    )


def kommun_and_landmarks(session: Session, slug: str) -> tuple[Kommun, list[Landmark]] | None:
    """The kommun of a slug (as kommun_by_slug) and its active landmarks: the report form
    needs both on every submission. Two statements: joined in one, the kommun's boundary
    (a JSON column) would be read and decoded again for every landmark row."""
    kommun = kommun_by_slug(session, slug)
    if kommun is None:
        return None
    return kommun, active_landmarks(session, kommun)


def mark_hotspots_stale(session: Session, kommun_id: int) -> None:
    """Note, inside the caller's transaction, that the kommun's hot spots need recomputing.

    Under load the kommun is stale already and the statement matches no row, so it neither
    writes nor (on PostgreSQL) waits for a row lock.
    """
    session.execute(_MARK_STALE, {"kommun_id": kommun_id, "now": datetime.now(UTC)})


_KOMMUNER = cast(Table, Kommun.__table__)
_MARK_STALE = (
    update(_KOMMUNER)
    .where(_KOMMUNER.c.id == bindparam("kommun_id"), _KOMMUNER.c.hotspots_stale_since.is_(None))
    .values(hotspots_stale_since=bindparam("now"))
)


def active_landmarks(session: Session, kommun: Kommun) -> list[Landmark]:
    return list(
        session.scalars(
            select(Landmark)
            .where(Landmark.kommun_id == kommun.id, Landmark.active)
            .order_by(Landmark.name)
        )
    )
