"""Recomputing a kommun's stored hot spots at 1M reports: seconds and peak memory, per path.

    .venv/bin/python -m bench.hotspot_recompute [--sizes 1000000] [--db sqlite|postgresql|both]
        [--repeats 3] [--kommuner 1] [--keep DIR]

For each size: a fresh database (a temporary SQLite file; PostgreSQL + PostGIS in
`HOTSPOT_RECOMPUTE_PG_URL`, wiped) holding that many reports spread evenly over `--kommuner`
kommuner (Vänersborg first: the demo town's real incident pattern resampled with 30 m
jitter over the past year; further kommuner get the same pattern moved to their own centre,
from the shared 290-kommun boundaries; `--kommuner 290 --sizes 10000000` is the country).
Then `hotspots.services.compute_run` and the commit that stores the run, for each kommun in
turn, in one fresh child process per repeat (as `flask hotspots recompute` runs them), both
paths alike: the app's default in-process method (`density`) and, on PostgreSQL, the
in-database `postgis` one (the density method counted per cell inside PostGIS).

Printed per path: seconds of compute + commit (min and median of the repeats; with several
kommuner, of each kommun's median, and the total), the child's peak resident memory
(VmHWM: the whole process, interpreter, Flask app and libraries included, and on SQLite the
database pages the app maps into memory, `PRAGMA mmap_size`, up to 256 MB of shared page
cache; the size after start-up, before computing, is printed beside it) and the hot spots
found, so the two paths can be compared (each starts from no stored run). Exit 1 when a
kommun's median is over 3 s, a peak over 500 MB, or a child does not finish within
`--timeout` seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Engine, delete, select, text
from sqlalchemy.orm import Session

import db
from bench.data import SHARED, empty_postgres
from core.clock import LOCAL_ZONE
from demo import generate_reports, load_places
from feedback.models import Report, ReportReason
from geo.cells import cell_keys
from geo.projection import plane
from hotspots.services import HotSpotParams
from kommun.models import Kommun
from kommun.services import load_boundaries, read_geojson

PG_URL = os.environ.get(
    "HOTSPOT_RECOMPUTE_PG_URL", "postgresql://postgres@127.0.0.1:5432/tk_hotspot_bench"
)
TARGET_S = 3.0
TARGET_MB = 500.0
FIRST = "1487"  # Vänersborg
CHUNK = 100_000


def fresh_database(kind: str, tmp: Path) -> str:
    """An empty, migrated database of the given kind; its URL."""
    if kind == "sqlite":
        url = "sqlite:///" + str(tmp / "bench.sqlite")
    else:
        url = PG_URL
        empty_postgres(url, postgis=True)
    engine = db.make_engine(url)
    db.upgrade(engine)
    engine.dispose()
    return url


def _report_defaults() -> dict[str, Any]:
    """The Python-side scalar defaults of the report table (a bulk copy bypasses them)."""
    out = {}
    for column in Report.__table__.columns:
        default = column.default
        if default is not None and getattr(default, "is_scalar", False):
            out[column.name] = default.arg
    return out


def seed(engine: Engine, n: int, kommuner: int, rng: np.random.Generator) -> list[str]:
    """n reports spread over the first `kommuner` kommuner (Vänersborg first); their codes."""
    with Session(engine, expire_on_commit=False) as session:
        if kommuner > 1:
            load_boundaries(session, read_geojson(SHARED / "swedish_municipalities.geojson"))
        load_places(session)
        generate_reports(session)
        session.commit()
        first = session.scalar(select(Kommun).where(Kommun.code == FIRST))
        assert first is not None
        pattern = np.asarray(
            session.execute(
                select(Report.lat, Report.lon).where(Report.kommun_id == first.id)
            ).all()
        )
        session.execute(delete(ReportReason))
        session.execute(delete(Report))
        session.commit()
        others = session.scalars(
            select(Kommun).where(Kommun.code != FIRST).order_by(Kommun.code)
        ).all()
        chosen = [first, *others][:kommuner]
        boxes = [(k.id, k.code, k.min_lat, k.min_lon, k.max_lat, k.max_lon) for k in chosen]
    sweref = plane(3006)
    px, py = sweref.to_metres(pattern[:, 0], pattern[:, 1])
    (fx,), (fy,) = sweref.to_metres(
        [(boxes[0][2] + boxes[0][4]) / 2], [(boxes[0][3] + boxes[0][5]) / 2]
    )
    per = np.full(len(boxes), n // len(boxes))
    per[: n % len(boxes)] += 1
    next_id = 1
    for (kommun_id, _code, la0, lo0, la1, lo1), count in zip(boxes, per, strict=True):
        (cx,), (cy,) = sweref.to_metres([(la0 + la1) / 2], [(lo0 + lo1) / 2])
        for start in range(0, int(count), CHUNK):
            size = min(CHUNK, int(count) - start)
            pick = rng.integers(0, len(pattern), size)
            lat, lon = sweref.to_wgs84(
                px[pick] + (cx - fx) + rng.normal(0, 30, size),
                py[pick] + (cy - fy) + rng.normal(0, 30, size),
            )
            _insert(engine, kommun_id, next_id, lat, lon, rng)
            next_id += size
    return [b[1] for b in boxes]


REASONS = ("place.dark", "place.deserted", "people.intoxicated", "place.decay")


def _insert(
    engine: Engine,
    kommun_id: int,
    first_id: int,
    lat: np.ndarray,
    lon: np.ndarray,
    rng: np.random.Generator,
) -> None:
    """One chunk of reports and one reason each, by the driver's own bulk path."""
    size = lat.size
    now = datetime.now(UTC)
    age_s = rng.uniform(0, 360 * 86400, size)
    ids = np.arange(first_id, first_id + size)
    cells = cell_keys(lat, lon)
    given = ["id", "receipt_code", "lat", "lon", "cell_250", "at_evening", "at_night"]
    given += ["created_at", "updated_at", "created_day", "counted_day"]
    fixed = {name: value for name, value in _report_defaults().items() if name not in given} | {
        "kommun_id": kommun_id,
        "location_method": "map",
    }
    names = [*fixed, *given]
    sqlite = engine.dialect.name == "sqlite"

    def stamp(moment: datetime) -> Any:
        # SQLite holds the UTC wall clock as text, as the app's UTCDateTime writes it.
        return moment.strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else moment

    created = [now - timedelta(seconds=float(age)) for age in age_s]
    # The Swedish day of each report, as the ORM's defaults would have set it (the day
    # roll-ups' triggers read it).
    days = [moment.astimezone(LOCAL_ZONE).date() for moment in created]
    rows = [
        (
            *fixed.values(),
            int(ids[i]),
            f"B{int(ids[i]):015d}",
            float(lat[i]),
            float(lon[i]),
            int(cells[i]),
            bool(i % 2),
            bool(i % 3 == 0),
            stamp(created[i]),
            stamp(now),
            days[i],
            days[i],
        )
        for i in range(size)
    ]
    reasons = [(int(ids[i]), REASONS[int(ids[i]) % len(REASONS)]) for i in range(size)]
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        if sqlite:
            marks = ", ".join("?" * len(names))
            cursor.executemany(f"INSERT INTO report ({', '.join(names)}) VALUES ({marks})", rows)
            cursor.executemany("INSERT INTO report_reason (report_id, code) VALUES (?, ?)", reasons)
        else:
            # The roll-up triggers (a day's and a cell's counts per report) made seeding a
            # million reports take minutes; a recompute never reads the roll-ups, so this
            # copy skips them (replica mode fires no ordinary trigger).
            cursor.execute("SET LOCAL session_replication_role = replica")
            with cursor.copy(f"COPY report ({', '.join(names)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            with cursor.copy("COPY report_reason (report_id, code) FROM STDIN") as copy:
                for row in reasons:
                    copy.write_row(row)
        raw.commit()
    finally:
        raw.close()


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM), in MB.

    Not getrusage's ru_maxrss: Linux carries that over an exec from the forking parent,
    whose seeding may have held more than the child ever does.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(url: str, codes: str, method: str) -> None:
    """Recompute the stored runs of the kommuner `codes` (comma-separated) in turn in this
    process, as `flask hotspots recompute` does; print seconds and memory as JSON."""
    from app import create_app
    from hotspots.services import compute_run

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "HOTSPOTS_RECOMPUTE": "off"})
    with Session(db.get_engine(app), expire_on_commit=False) as session:
        session.scalar(select(Kommun.id).limit(1))  # connect before the clock starts
        baseline_mb = peak_rss_mb()
        seconds, reports, spots, members = [], 0, 0, 0
        for code in codes.split(","):
            kommun = session.scalar(select(Kommun).where(Kommun.code == code))
            assert kommun is not None
            began = time.perf_counter()
            run = compute_run(session, kommun, HotSpotParams(method=method))
            session.commit()
            seconds.append(time.perf_counter() - began)
            reports += run.report_count
            spots += len([h for h in run.hotspots if h.trend != "gone"])
            members += sum(h.count for h in run.hotspots)
        result = {
            "seconds": seconds,
            "peak_mb": peak_rss_mb(),
            "baseline_mb": baseline_mb,
            "reports": reports,
            "spots": spots,
            "members": members,
        }
    print(json.dumps(result))


def measure(url: str, code: str, method: str, timeout_s: float) -> dict[str, Any] | None:
    """One recompute in a fresh child process; None when it did not finish in time."""
    try:
        out = subprocess.run(
            [sys.executable, "-m", "bench.hotspot_recompute", "--child", url, code, method],
            capture_output=True,
            text=True,
            check=False,
            timeout=timeout_s,
        )
    except subprocess.TimeoutExpired:
        return None
    if out.returncode != 0:
        raise RuntimeError(f"recompute of {code} ({method}) failed:\n{out.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def repeated(
    url: str, code: str, method: str, repeats: int, timeout_s: float
) -> list[dict[str, Any]]:
    """The runs of one path, stopping at the first that does not finish in time."""
    runs = []
    for _ in range(repeats):
        result = measure(url, code, method, timeout_s)
        if result is None:
            break
        runs.append(result)
    return runs


def run_size(
    kind: str, n: int, kommuner: int, repeats: int, keep: Path | None, timeout_s: float
) -> bool:
    rng = np.random.default_rng(n)
    ok = True
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = keep or Path(tmp_name)
        tmp.mkdir(parents=True, exist_ok=True)
        url = fresh_database(kind, tmp)
        engine = db.make_engine(url)
        began = time.perf_counter()
        codes = seed(engine, n, kommuner, rng)
        if kind == "postgresql":  # as autovacuum would have: statistics and visibility map
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE report"))
                conn.execute(text("VACUUM ANALYZE report_reason"))
        engine.dispose()
        print(
            f"\n{kind}, {n:,} reports in {len(codes)} kommun(er): "
            f"seeded in {time.perf_counter() - began:.0f} s"
        )
        default = HotSpotParams().method
        methods = [default] + (["postgis"] if kind == "postgresql" else [])
        for method in methods:
            # Each path starts from no stored run, and each repeat continues the last one, as
            # a recompute in the app does: so the paths' hot spots can be compared (a path
            # continuing the other's run would hold the other's places).
            engine = db.make_engine(url)
            with engine.begin() as conn:
                conn.execute(text("DELETE FROM hotspot_run"))
            engine.dispose()
            # One child per repeat recomputes every kommun in turn (a fresh process each
            # repeat, the same for both paths).
            runs = repeated(url, ",".join(codes), method, repeats, timeout_s)
            if len(runs) < repeats:
                print(f"  {method:8s} did not finish in {timeout_s:.0f} s: MISSED")
                ok = False
                continue
            per_kommun = [[r["seconds"][k] for r in runs] for k in range(len(codes))]
            medians = [statistics.median(secs) for secs in per_kommun]
            peak = max(r["peak_mb"] for r in runs)
            last = runs[-1]
            found = (
                f"{last['spots']:,} hot spots holding {last['members']:,} of "
                f"{last['reports']:,} reports"
            )
            if len(codes) == 1:
                secs = per_kommun[0]
                print(
                    f"  {method:8s} seconds min {min(secs):.2f} median {medians[0]:.2f} "
                    f"({repeats} runs) | peak RSS {peak:.0f} MB "
                    f"(after start-up {last['baseline_mb']:.0f} MB) | {found}"
                )
            else:
                totals = [sum(r["seconds"]) for r in runs]
                print(
                    f"  {method:8s} per kommun median seconds: min {min(medians):.2f} "
                    f"median {statistics.median(medians):.2f} max {max(medians):.2f} | "
                    f"all {len(codes)} kommuner min {min(totals):.0f} s median "
                    f"{statistics.median(totals):.0f} s ({repeats} runs) | peak RSS {peak:.0f} MB "
                    f"(after start-up {last['baseline_mb']:.0f} MB) | {found}"
                )
            if max(medians) > TARGET_S or peak > TARGET_MB:
                print(f"  {method}: MISSED (targets {TARGET_S} s and {TARGET_MB:.0f} MB)")
                ok = False
    return ok


def main() -> int:
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        child(*sys.argv[2:])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000000")
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--kommuner", type=int, default=1)
    parser.add_argument(
        "--timeout", type=float, default=600.0, help="seconds per child (all kommuner)"
    )
    parser.add_argument("--keep", type=Path, help="keep the SQLite file in this folder")
    args = parser.parse_args()
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    ok = True
    for n in (int(s) for s in args.sizes.split(",")):
        for kind in kinds:
            ok = run_size(kind, n, args.kommuner, args.repeats, args.keep, args.timeout) and ok
    print("\ntargets met" if ok else "\nA TARGET WAS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
