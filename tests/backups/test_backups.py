"""`tracker backup` copies the SQLite database consistently; `tracker restore` brings a copy back."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import func, select

from tests.conftest import PG_URL
from tracker import migrate
from tracker.backups import service as backups
from tracker.db import ENGINE_KEY, make_engine
from tracker.organisations.models import Organisation

NOW = datetime(2026, 11, 23, 2, 30, tzinfo=UTC)
sqlite_only = pytest.mark.skipif(bool(PG_URL), reason="SQLite backups; PostgreSQL uses pg_dump")


@pytest.fixture
def backup_dir(app, tmp_path):
    app.config["BACKUP_DIR"] = tmp_path / "backups"
    return app.config["BACKUP_DIR"]


@pytest.fixture
def two_orgs(session, make_org):
    orgs = [make_org("farsta", name="Farsta"), make_org("bromma", name="Bromma")]
    session.commit()
    return orgs


def _names(session) -> list[str]:
    session.rollback()  # read what the restore wrote, not the session's snapshot
    return sorted(session.exec(select(Organisation.name)).all())


@sqlite_only
def test_restore_brings_back_the_data_as_at_backup_time(app, session, two_orgs, backup_dir):
    engine = app.extensions[ENGINE_KEY]
    backup = backups.backup_sqlite(engine, backup_dir, now=NOW, keep=3)
    assert backup == backup_dir / "tracker-20261123-023000.db"
    two_orgs[0].name = "Farsta ändrad"
    session.add(Organisation(slug="ny", name="Ny", short_name="Ny", kind=two_orgs[0].kind))
    session.commit()
    assert _names(session) == ["Bromma", "Farsta ändrad", "Ny"]

    result = backups.restore_sqlite(app.config["DATABASE_URL"], backup, now=NOW + timedelta(hours=1))

    assert _names(session) == ["Bromma", "Farsta"]
    assert session.exec(select(func.count()).select_from(Organisation)).one() == 2
    assert result.saved_copy.name == "test.db.before-restore-20261123-033000"
    saved = make_engine(f"sqlite:///{result.saved_copy}")
    with saved.connect() as connection:  # the database as it was just before the restore
        assert connection.exec_driver_sql("SELECT count(*) FROM organisation").scalar() == 3
    saved.dispose()
    assert not result.behind_head


@sqlite_only
def test_retention_keeps_exactly_the_newest_backups(app, backup_dir):
    engine = app.extensions[ENGINE_KEY]
    backup_dir.mkdir()
    (backup_dir / "notes.txt").write_text("not a backup")
    written = [backups.backup_sqlite(engine, backup_dir, now=NOW + timedelta(days=d), keep=3) for d in range(5)]
    assert sorted(p.name for p in backup_dir.iterdir()) == ["notes.txt", *sorted(p.name for p in written[2:])]


@sqlite_only
@pytest.mark.parametrize("content", [b"", b"inte en databas", b"SQLite format 3\x00" + b"\xff" * 5000])
def test_a_non_sqlite_or_corrupt_file_is_refused_and_the_database_untouched(app, session, two_orgs, tmp_path,
                                                                            content):
    bad = tmp_path / "bad.db"
    bad.write_bytes(content)
    with pytest.raises(backups.BackupError, match="ingen SQLite-databas|skadad|kan inte läsas"):
        backups.restore_sqlite(app.config["DATABASE_URL"], bad, now=NOW)
    assert _names(session) == ["Bromma", "Farsta"]
    assert not list(tmp_path.glob("test.db.before-restore-*"))


@sqlite_only
def test_a_backup_behind_the_code_says_to_upgrade(app, runner, session, two_orgs, backup_dir):
    backup = backups.backup_sqlite(app.extensions[ENGINE_KEY], backup_dir, now=NOW, keep=3)
    old = make_engine(f"sqlite:///{backup}")
    migrate.downgrade(old, "-1")
    old.dispose()
    result = runner.invoke(args=["restore", str(backup), "--yes"])
    assert result.exit_code == 0, result.output
    assert "kör tracker db upgrade" in result.output


@sqlite_only
def test_backup_command_prints_the_path_it_wrote(runner, backup_dir):
    result = runner.invoke(args=["backup", "--keep", "2"])
    assert result.exit_code == 0, result.output
    path = Path(result.output.strip())
    assert path.parent == backup_dir and path.is_file()
    assert backups.BACKUP_NAME.match(path.name)


@sqlite_only
def test_restore_without_yes_asks_and_keeps_the_database_when_declined(app, runner, session, two_orgs, backup_dir):
    backup = backups.backup_sqlite(app.extensions[ENGINE_KEY], backup_dir, now=NOW, keep=3)
    two_orgs[0].name = "Farsta ändrad"
    session.commit()
    declined = runner.invoke(args=["restore", str(backup)], input="n\n")
    assert "Appen måste vara stoppad" in declined.output
    assert declined.exit_code == 1
    assert _names(session) == ["Bromma", "Farsta ändrad"]
    accepted = runner.invoke(args=["restore", str(backup)], input="y\n")
    assert accepted.exit_code == 0, accepted.output
    assert "Återställde" in accepted.output and "tidigare databasen sparades" in accepted.output
    assert _names(session) == ["Bromma", "Farsta"]


@sqlite_only
def test_restore_command_refuses_a_bad_file_without_a_traceback(runner, tmp_path):
    bad = tmp_path / "bad.db"
    bad.write_text("hej")
    result = runner.invoke(args=["restore", str(bad), "--yes"])
    assert result.exit_code == 1
    assert "Ingenting återställdes" in result.output and "ingen SQLite-databas" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.parametrize("command", [["backup"], ["restore"]])
def test_backup_commands_have_help(runner, command):
    result = runner.invoke(args=[*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


@pytest.mark.skipif(not PG_URL, reason="the PostgreSQL refusal")
def test_backup_on_postgresql_points_to_pg_dump(runner, backup_dir):
    result = runner.invoke(args=["backup"])
    assert result.exit_code == 1
    assert "pg_dump --format=custom" in result.output
    assert not backup_dir.exists()
