"""`tracker backup` and `tracker restore`: the SQLite database to and from the backups folder."""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from tracker import clock
from tracker.backups import service as backups
from tracker.db import get_engine


@click.command("backup")
@with_appcontext
@click.option("--dir", "directory", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Katalog för säkerhetskopiorna (standard: TRACKER_BACKUP_DIR, instance/backups).")
@click.option("--keep", type=click.IntRange(min=1), default=None,
              help="Antal säkerhetskopior att spara; äldre tas bort (standard: TRACKER_BACKUP_KEEP, 14).")
def backup_command(directory: Path | None, keep: int | None) -> None:
    """Copy the SQLite database while the app runs, keeping the newest backups."""
    try:
        path = backups.backup_sqlite(
            get_engine(), directory or current_app.config["BACKUP_DIR"],
            now=clock.utcnow(), keep=keep or current_app.config["BACKUP_KEEP"])
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(str(path))


@click.command("restore")
@with_appcontext
@click.argument("backup", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Fråga inte om bekräftelse.")
def restore_command(backup: Path, yes: bool) -> None:
    """Replace the SQLite database with a backup. Stop the app first: it must not be running."""
    url = current_app.config["DATABASE_URL"]
    try:
        target = backups.sqlite_path(url)
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from None
    if not yes:
        click.confirm(f"Ersätta {target} med {backup}? Appen måste vara stoppad", abort=True)
    get_engine().dispose()  # no pooled connection of ours holds the old file open
    try:
        result = backups.restore_sqlite(url, backup, now=clock.utcnow())
    except backups.BackupError as error:
        raise click.ClickException(f"Ingenting återställdes. {error}") from None
    finally:
        get_engine().dispose()
    if result.saved_copy is not None:
        click.echo(f"Den tidigare databasen sparades som {result.saved_copy}.")
    click.echo(f"Återställde {result.database} från {backup}.")
    if result.behind_head:
        click.echo(f"Säkerhetskopian har schema-revision {result.revision or 'ingen'}, koden {result.head}: "
                   "kör tracker db upgrade innan appen startas.")
