"""`flask surveys import`: paper sheets from a CSV file, with a dry run and a progress bar."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy.orm import Session

from db import get_engine
from surveys import services
from surveys.models import DialogueSession

surveys_cli = AppGroup("surveys", help="Dialogue teams' surveys.")


@surveys_cli.command("import")
@click.argument("session_id", type=int)
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--sheet-column", default="blad", show_default=True, help="Column with sheet numbers."
)
@click.option(
    "--map", "maps", multiple=True, help='"Column = code" for a column not named as its code.'
)
@click.option("--dry-run", is_flag=True, help="Check every row, store nothing.")
def import_command(
    session_id: int, path: Path, sheet_column: str, maps: tuple[str, ...], dry_run: bool
) -> None:
    """Import sheets into dialogue SESSION_ID; any bad row stops the whole import."""
    with Session(get_engine()) as session:
        dsession = session.get(DialogueSession, session_id)
        if dsession is None:
            raise click.ClickException(f"No dialogue session {session_id}.")
        try:
            header, rows = services.read_csv(path.read_bytes())
        except UnicodeDecodeError:
            raise click.ClickException("The file is not UTF-8.") from None
        except services.CsvError as exc:
            raise click.ClickException(f"The file cannot be read as CSV: {exc}.") from None
        if sheet_column not in header:
            raise click.ClickException(f"No column {sheet_column!r} in the file.")
        codes = {q["code"] for q in dsession.version.questions}
        given, bad = services.parse_mapping("\n".join(maps), codes)
        if bad:
            raise click.ClickException(f"Cannot read --map {bad[0]!r}.")
        mapping = services.auto_mapping(header, dsession.version.questions) | given
        with click.progressbar(length=len(rows), label="Importing sheets") as bar:
            result = services.import_sheets(
                session,
                dsession,
                rows,
                mapping,
                sheet_column,
                None,
                dry_run=dry_run,
                progress=bar.update,
            )
        for problem in result.errors:
            click.echo(f"line {problem.line}: {problem}", err=True)
        if result.errors:
            raise click.ClickException(f"{len(result.errors)} bad rows: nothing was imported.")
        if dry_run:
            click.echo(f"Dry run: all {result.rows} rows can be imported.")
            return
        session.commit()
        click.echo(f"Imported {result.imported} sheets into session {session_id}.")


def init_app(app: Flask) -> None:
    app.cli.add_command(surveys_cli)
