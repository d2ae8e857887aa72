from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.orm import Session

from db import get_engine
from hotspots.postgis import Unavailable
from hotspots.services import HotSpotParams, compute_run, current_run
from kommun.models import Kommun

F = TypeVar("F", bound=Callable[..., Any])


@click.group("hotspots", cls=AppGroup)
def hotspots_cli() -> None:
    """Compute and inspect stored hot spots."""


def _kommuner(session: Session, codes: tuple[str, ...]) -> list[Kommun]:
    query = select(Kommun).where(Kommun.active).order_by(Kommun.code)
    if codes:
        query = query.where(Kommun.code.in_([c.zfill(4) for c in codes]))
    found = list(session.scalars(query))
    missing = {c.zfill(4) for c in codes} - {k.code for k in found}
    if missing:
        raise click.ClickException(f"No kommun with code {', '.join(sorted(missing))}")
    return found


def _params_options(f: F) -> F:
    defaults = HotSpotParams()
    f = click.option("--radius-m", type=click.FloatRange(10, 2000), default=defaults.radius_m)(f)
    f = click.option("--min-reports", type=click.IntRange(2, 10_000), default=defaults.min_reports)(
        f
    )
    f = click.option("--window-days", type=click.IntRange(1, 3650), default=defaults.window_days)(f)
    return click.option(
        "--method",
        type=click.Choice(["density", "dbscan", "hdbscan", "postgis"]),
        default=defaults.method,
    )(f)


@hotspots_cli.command("recompute")
@click.option("--kommun", "codes", multiple=True, help="Kommunkod (repeatable); all by default.")
@_params_options
def recompute_command(
    codes: tuple[str, ...], radius_m: float, min_reports: int, window_days: int, method: str
) -> None:
    """Recompute and store the hot spots of the given kommuner."""
    params = HotSpotParams(
        radius_m=radius_m, min_reports=min_reports, window_days=window_days, method=method
    )
    refused = []
    with Session(get_engine(), expire_on_commit=False) as session:
        for kommun in _kommuner(session, codes):
            try:
                run = compute_run(session, kommun, params)
            except Unavailable as exc:  # the other kommuner still run
                session.rollback()
                refused.append(f"{kommun.name}: {exc}")
                click.echo(refused[-1], err=True)
                continue
            if params == HotSpotParams():
                kommun.hotspots_stale_since = None
            session.commit()
            trends = ", ".join(
                f"{h.name or h.stable_id} {h.count} ({h.trend})" for h in run.hotspots[:5]
            )
            click.echo(
                f"{kommun.name}: {len(run.hotspots)} hot spots from {run.report_count} reports "
                f"in {run.duration_ms:.0f} ms" + (f" — {trends}" if trends else "")
            )
    if refused:
        raise click.ClickException(f"{len(refused)} kommun(er) not recomputed (see above)")


@hotspots_cli.command("show")
@click.argument("code")
@_params_options
def show_command(
    code: str, radius_m: float, min_reports: int, window_days: int, method: str
) -> None:
    """Print the stored hot spots of kommun CODE."""
    params = HotSpotParams(
        radius_m=radius_m, min_reports=min_reports, window_days=window_days, method=method
    )
    with Session(get_engine()) as session:
        kommun = _kommuner(session, (code,))[0]
        run = current_run(session, kommun, params)
        if run is None:
            raise click.ClickException("No stored run with these settings; run recompute.")
        for h in run.hotspots:
            click.echo(f"{h.stable_id}\t{h.trend}\t{h.count}\t{h.name or ''}")


def init_app(app: Flask) -> None:
    app.cli.add_command(hotspots_cli)
