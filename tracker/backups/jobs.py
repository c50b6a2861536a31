"""The nightly backup, run by the scheduler: SQLite through `tracker backup`'s service; PostgreSQL uses pg_dump.

One backup per Stockholm day: a run that finds a backup already written today
(by an earlier run, or by `tracker backup`) leaves it at that, so running the
job again, or making up a missed run, does not copy the database twice.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session

from tracker.backups import service as backups
from tracker.clock import local_day

POSTGRESQL_SUMMARY = ("Ingen säkerhetskopia gjordes: PostgreSQL säkerhetskopieras med pg_dump utanför tracker "
                      "(se README, avsnittet Backups).")


def nightly_backup(session: Session, *, now: datetime, config: Mapping[str, Any]) -> str:
    """Copy the SQLite database to BACKUP_DIR, keeping the newest BACKUP_KEEP backups."""
    engine = session.get_bind()
    if engine.dialect.name != "sqlite":
        return POSTGRESQL_SUMMARY
    directory = Path(config["BACKUP_DIR"])
    before = existing(directory)
    today = local_day(now)
    made_today = [path for path in before if local_day(written_at(path)) == today]
    if made_today:
        return f"Dagens säkerhetskopia finns redan: {made_today[-1].name}."
    path = backups.backup_sqlite(engine, directory, now=now, keep=config["BACKUP_KEEP"])
    removed = len(set(before) - set(existing(directory)))
    return f"Sparade {path.name}; tog bort {removed} {'äldre säkerhetskopia' if removed == 1 else 'äldre säkerhetskopior'}."


def existing(directory: Path) -> list[Path]:
    """The backups in the folder, oldest first."""
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if backups.BACKUP_NAME.match(p.name))


def written_at(path: Path) -> datetime:
    """When a backup was made, from its name (`tracker-YYYYMMDD-HHMMSS.db`, UTC)."""
    return datetime.strptime(path.name, "tracker-%Y%m%d-%H%M%S.db").replace(tzinfo=UTC)
