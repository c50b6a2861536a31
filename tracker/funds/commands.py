"""`tracker funds compilation --year 2016`: archive a grant year's compilation as PDF and Word from the shell."""
from __future__ import annotations

import getpass

import click
from flask import current_app
from flask.cli import AppGroup

from tracker.archive import service as archive
from tracker.db import get_session
from tracker.funds import service
from tracker.funds.documents import archive_compilation

funds_cli = AppGroup("funds", help="Utvecklingsmedel för arbetet mot våld i nära relationer.")


@funds_cli.command("compilation")
@click.option("--year", type=int, required=True, help="Bidragsåret, till exempel 2016.")
def compilation_command(year: int) -> None:
    """Archive the year's compilation (PDF and Word) as new versions and print where they are."""
    session = get_session()
    fund_year = service.get_year(session, year)
    if fund_year is None:
        years = ", ".join(str(y.year) for y in reversed(service.list_years(session)))
        known = f" Bidragsår som finns: {years}." if years else " Inga bidragsår finns än."
        raise click.ClickException(f"Det finns inget bidragsår {year} för utvecklingsmedel.{known}")
    root = current_app.config["SCORECARD_DIR"]
    documents = archive_compilation(session, root, fund_year, actor=None,
                                    actor_label=f"kommandoraden ({getpass.getuser()})")
    for document in documents:
        click.echo(f"{root / archive.latest_path_of(document)}  (version {document.version}: {root / document.path})")
