"""SQLite backups through the online backup API, with retention, and restore from one."""
from __future__ import annotations

import os
import re
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import Engine, make_url

from tracker import migrate
from tracker.db import make_engine

BACKUP_NAME = re.compile(r"^tracker-\d{8}-\d{6}\.db$")
SQLITE_HEADER = b"SQLite format 3\x00"
PG_DUMP_HINT = (
    "Säkerhetskopior av PostgreSQL görs med pg_dump, inte med tracker: "
    "pg_dump --format=custom --file=tracker.dump <databas> och återställs med "
    "pg_restore --clean --dbname=<databas> tracker.dump (se README, avsnittet Backups)."
)


class BackupError(RuntimeError):
    """A backup or restore was refused; the message says why, in Swedish."""


@dataclass(frozen=True)
class RestoreResult:
    database: Path
    saved_copy: Path | None  # the database as it was before the restore
    revision: str | None
    head: str | None

    @property
    def behind_head(self) -> bool:
        return self.revision != self.head


def backup_name(now: datetime) -> str:
    return f"tracker-{now.astimezone(UTC):%Y%m%d-%H%M%S}.db"


def backup_sqlite(engine: Engine, directory: Path, *, now: datetime, keep: int) -> Path:
    """Copy the live database to `directory`, verify the copy, and keep the newest `keep` backups."""
    if engine.dialect.name != "sqlite":
        raise BackupError(PG_DUMP_HINT)
    if keep < 1:
        raise BackupError("Minst en säkerhetskopia måste sparas (keep ≥ 1).")
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / backup_name(now)
    partial = directory / f".{target.name}.partial"  # never matches BACKUP_NAME, so never counted or pruned
    partial.unlink(missing_ok=True)
    try:
        with engine.connect() as connection, closing(sqlite3.connect(partial)) as copy:
            connection.connection.driver_connection.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        _check(partial)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    prune(directory, keep=keep)
    return target


def prune(directory: Path, *, keep: int) -> list[Path]:
    """Delete all but the newest `keep` backups in `directory`; other files are left alone."""
    backups = sorted((p for p in directory.iterdir() if BACKUP_NAME.match(p.name)), reverse=True)
    for old in backups[keep:]:
        old.unlink()
    return backups[keep:]


def restore_sqlite(database: str | Path, backup: Path, *, now: datetime) -> RestoreResult:
    """Replace the database with a verified backup, saving the current database beside it first."""
    target = sqlite_path(database)
    _check(backup)
    saved = None
    if target.exists():
        saved = target.with_name(f"{target.name}.before-restore-{now.astimezone(UTC):%Y%m%d-%H%M%S}")
        with closing(sqlite3.connect(target)) as current, closing(sqlite3.connect(saved)) as aside:
            current.backup(aside)
            aside.execute("PRAGMA journal_mode=DELETE")
    with closing(_open_read_only(backup)) as source, closing(sqlite3.connect(target)) as destination:
        source.backup(destination)
    engine = make_engine(f"sqlite:///{target}")
    try:
        revision = migrate.current_revision(engine)
    finally:
        engine.dispose()
    return RestoreResult(database=target, saved_copy=saved, revision=revision, head=migrate.head_revision())


def sqlite_path(database: str | Path) -> Path:
    """The file of an SQLite URL or path; PostgreSQL is refused with the pg_restore hint."""
    if isinstance(database, Path) or "://" not in database:
        return Path(database)
    url = make_url(database)
    if url.get_backend_name() != "sqlite":
        raise BackupError(PG_DUMP_HINT)
    if not url.database or url.database == ":memory:":
        raise BackupError("Databasen ligger bara i minnet; det finns ingen fil att återställa till.")
    return Path(url.database)


def _open_read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)


def _check(path: Path) -> None:
    """Refuse a file that is not an intact SQLite database of the tracker."""
    if not path.is_file():
        raise BackupError(f"{path} finns inte.")
    with path.open("rb") as file:
        if file.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise BackupError(f"{path} är ingen SQLite-databas.")
    try:
        with closing(_open_read_only(path)) as connection:
            problems = [row[0] for row in connection.execute("PRAGMA integrity_check")]
            if problems != ["ok"]:
                raise BackupError(f"{path} är skadad (integrity_check: {'; '.join(problems[:3])}).")
            connection.execute("SELECT version_num FROM alembic_version").fetchall()
    except sqlite3.OperationalError as error:
        if "alembic_version" in str(error):
            raise BackupError(f"{path} är ingen databas från tracker (schema-revision saknas).") from None
        raise BackupError(f"{path} kan inte läsas som SQLite-databas ({error}).") from None
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} är skadad ({error}).") from None
