from __future__ import annotations

import json
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.orm import Session

from db import get_engine
from kommun.models import Kommun
from kommun.services import load_boundaries, load_landmarks, read_geojson


@click.group("kommun", cls=AppGroup)
def kommun_cli() -> None:
    """Manage kommuner and their landmarks."""


@kommun_cli.command("load")
@click.argument("geojson", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--only", "only", multiple=True, help="Kommunkod to load (repeatable).")
def load_command(geojson: Path, only: tuple[str, ...]) -> None:
    """Load kommun boundaries from a GeoJSON FeatureCollection (properties id, kom_namn)."""
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            touched = load_boundaries(
                session, read_geojson(geojson), only={c.zfill(4) for c in only} or None
            )
        except (KeyError, ValueError) as exc:
            raise click.ClickException(str(exc)) from exc
        session.commit()
    click.echo(f"Loaded {len(touched)} kommuner.")


@kommun_cli.command("landmarks")
@click.argument("code")
@click.argument("places", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def landmarks_command(code: str, places: Path) -> None:
    """Load landmarks for kommun CODE from a JSON list of {name, lat, lon}."""
    with Session(get_engine(), expire_on_commit=False) as session:
        kommun = session.scalar(select(Kommun).where(Kommun.code == code.zfill(4)))
        if kommun is None:
            raise click.ClickException(f"No kommun with code {code}; load boundaries first.")
        try:
            count = load_landmarks(session, kommun, json.loads(places.read_text("utf-8")))
        except (KeyError, ValueError) as exc:
            raise click.ClickException(str(exc)) from exc
        session.commit()
    click.echo(f"Loaded {count} landmarks for {kommun.name}.")


def init_app(app: Flask) -> None:
    app.cli.add_command(kommun_cli)
