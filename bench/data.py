"""Loading the shared public data sets the benchmarks run on."""

from __future__ import annotations

import csv
import gzip
import json
import os
from pathlib import Path

import numpy as np
from sqlalchemy import make_url, text

import db

SHARED = Path(
    os.environ.get(
        "TRYGGKARTAN_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"
    )
)


def empty_postgres(url: str, *, postgis: bool = False) -> None:
    """Make the PostgreSQL database `url` names exist and hold nothing (it is wiped).

    A fresh machine has only the server: the database is created through the `postgres`
    one when it is missing.
    """
    parsed = make_url(url)
    admin = db.make_engine(parsed.set(database="postgres").render_as_string(hide_password=False))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        missing = conn.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": parsed.database}
        )
        if missing is None:
            conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()
    engine = db.make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
        if postgis:
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
    engine.dispose()


def chicago() -> tuple[np.ndarray, np.ndarray]:
    """The 148,636 aggravated assaults in Chicago, 2010–2019 (lat, lon)."""
    lat, lon = [], []
    with gzip.open(SHARED / "chicago_aggravated_assaults.csv.gz", "rt") as fh:
        for row in csv.DictReader(fh):
            try:
                la, lo = float(row["latitude"]), float(row["longitude"])
            except (TypeError, ValueError):
                continue
            if np.isfinite(la) and np.isfinite(lo):
                lat.append(la)
                lon.append(lo)
    return np.array(lat), np.array(lon)


def monthly_uk() -> dict[str, list[tuple[str, np.ndarray, np.ndarray]]]:
    """Monthly point sets: Cheltenham (all crime and ASB) and Nottingham (burglary+robbery)."""
    sets: dict[str, dict[str, list[tuple[float, float]]]] = {"cheltenham": {}, "nottingham": {}}
    for path in sorted((SHARED / "uk-cheltenham-street-crime").glob("*.json")):
        for row in json.loads(path.read_text()):
            loc = row["location"]
            sets["cheltenham"].setdefault(row["month"][:7], []).append(
                (float(loc["latitude"]), float(loc["longitude"]))
            )
    for name in ("nottingham_burglary.csv.gz", "nottingham_robbery.csv.gz"):
        with gzip.open(SHARED / name, "rt") as fh:
            for row in csv.DictReader(fh):
                sets["nottingham"].setdefault(row["month"][:7], []).append(
                    (float(row["latitude"]), float(row["longitude"]))
                )
    out = {}
    for city, months in sets.items():
        out[city] = [
            (m, np.array([p[0] for p in pts]), np.array([p[1] for p in pts]))
            for m, pts in sorted(months.items())
        ]
    return out


def chicago_monthly(
    first: str = "2017-01", last: str = "2019-12"
) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """Chicago's aggravated assaults per month (YYYY-MM) between two months, inclusive."""
    months: dict[str, list[tuple[float, float]]] = {}
    with gzip.open(SHARED / "chicago_aggravated_assaults.csv.gz", "rt") as fh:
        for row in csv.DictReader(fh):
            month = row["date"][:7]
            if not first <= month <= last:
                continue
            try:
                la, lo = float(row["latitude"]), float(row["longitude"])
            except (TypeError, ValueError):
                continue
            if np.isfinite(la) and np.isfinite(lo):
                months.setdefault(month, []).append((la, lo))
    return [
        (m, np.array([p[0] for p in pts]), np.array([p[1] for p in pts]))
        for m, pts in sorted(months.items())
    ]
