"""Rebuild demo/patterns.csv from the public incident data in ../shared/data/.

Each source pattern is projected to metres, centred on its median point, scaled so 90 % of
its points fall within a town-sized radius, and subsampled. Only offsets in metres, a
category and a month index are kept: the demo moves them onto Swedish town centres.

Run from the project root: python demo/build_patterns.py [path/to/shared/data]
"""

from __future__ import annotations

import csv
import gzip
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from geo.projection import plane_for  # noqa: E402

HERE = Path(__file__).resolve().parent
# (pattern name, source, sample size, radius in metres holding 90 % of the points)
PATTERNS = [
    ("cheltenham", "cheltenham", 560, 1300.0),
    ("nottingham_burglary", "nottingham_burglary.csv.gz", 430, 1000.0),
    ("nottingham_robbery", "nottingham_robbery.csv.gz", 380, 900.0),
]


def read_cheltenham(data: Path) -> tuple[list[float], list[float], list[str], list[str]]:
    lat, lon, cat, month = [], [], [], []
    for path in sorted((data / "uk-cheltenham-street-crime").glob("*.json")):
        for row in json.loads(path.read_text()):
            lat.append(float(row["location"]["latitude"]))
            lon.append(float(row["location"]["longitude"]))
            cat.append(row["category"])
            month.append(row["month"][:7])
    return lat, lon, cat, month


def read_nottingham(
    path: Path, category: str
) -> tuple[list[float], list[float], list[str], list[str]]:
    lat, lon, cat, month = [], [], [], []
    with gzip.open(path, "rt") as fh:
        for row in csv.DictReader(fh):
            lat.append(float(row["latitude"]))
            lon.append(float(row["longitude"]))
            cat.append(category)
            month.append(row["month"][:7])
    return lat, lon, cat, month


def main(data: Path) -> None:
    rng = np.random.default_rng(1487)
    rows = []
    for name, source, size, radius_m in PATTERNS:
        if source == "cheltenham":
            lat, lon, cat, month = read_cheltenham(data)
        else:
            lat, lon, cat, month = read_nottingham(data / source, name.split("_")[1])
        x, y = plane_for(lat, lon).to_metres(lat, lon)
        dx, dy = x - np.median(x), y - np.median(y)
        scale = radius_m / np.percentile(np.hypot(dx, dy), 90)
        months = sorted(set(month))
        pick = np.sort(rng.choice(len(lat), size=min(size, len(lat)), replace=False))
        for i in pick:
            rows.append(
                (name, round(dx[i] * scale), round(dy[i] * scale), cat[i], months.index(month[i]))
            )
    with (HERE / "patterns.csv").open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["pattern", "dx_m", "dy_m", "category", "month_index"])
        writer.writerows(rows)
    print(f"wrote {len(rows)} rows to {HERE / 'patterns.csv'}")


if __name__ == "__main__":
    default = HERE.parents[1] / "shared" / "data"
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else default)
