"""The scheduler's nightly backup: one SQLite copy a night that restores to the same data; PostgreSQL uses pg_dump."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlmodel import select

from tests.conftest import PG_URL
from tracker.backups.jobs import POSTGRESQL_SUMMARY, nightly_backup
from tracker.clock import utcnow
from tracker.db import ENGINE_KEY
from tracker.organisations.models import Organisation
from tracker.reporting.models import ReportState, ReportStatus, StatusReport

STOCKHOLM = ZoneInfo("Europe/Stockholm")
TABLES = ("organisation", "program", "commitment", "reportingperiod", "statusreport", "auditevent")
sqlite_only = pytest.mark.skipif(bool(PG_URL), reason="SQLite backups; PostgreSQL uses pg_dump")


def at(*args) -> time_machine.travel:
    return time_machine.travel(datetime(*args, tzinfo=STOCKHOLM), tick=False)


def run(app, session) -> str:
    with app.app_context():
        return nightly_backup(session, now=utcnow(), config=app.config)


@pytest.fixture
def backup_dir(app, tmp_path):
    app.config["BACKUP_DIR"] = tmp_path / "backups"
    app.config["BACKUP_KEEP"] = 3
    return app.config["BACKUP_DIR"]


@pytest.fixture
def followed_up(session, make_commitment, make_org, make_period):
    """Two organisations, one with a commitment and a submitted report."""
    commitment = make_commitment(organisation=make_org("farsta", name="Farsta"))
    make_org("bromma", name="Bromma")
    session.add(StatusReport(commitment_id=commitment.id, period_id=make_period("2024-T1").id,
                             status=ReportStatus.in_progress, state=ReportState.submitted, comment="Pågår enligt plan."))
    session.commit()
    return commitment


def rows(app) -> dict[str, list[tuple]]:
    """Every row of a few tables, read through a connection of its own."""
    with app.extensions[ENGINE_KEY].connect() as connection:
        return {table: connection.exec_driver_sql(f'SELECT * FROM "{table}" ORDER BY id').all() for table in TABLES}


@sqlite_only
def test_the_nightly_backup_restores_to_the_data_at_backup_time(app, runner, session, followed_up, backup_dir):
    backed_up = rows(app)
    with at(2026, 11, 23, 3, 30):
        summary = run(app, session)
    assert summary == "Sparade tracker-20261123-023000.db; tog bort 0 äldre säkerhetskopior."
    backup = backup_dir / "tracker-20261123-023000.db"
    assert backup.is_file()

    farsta = session.exec(select(Organisation).where(Organisation.slug == "farsta")).one()
    farsta.name = "Farsta ändrad"
    session.add(Organisation(slug="ny", name="Ny", short_name="Ny", kind=farsta.kind))
    report = session.exec(select(StatusReport)).one()
    report.comment = "Ändrad efter säkerhetskopian."
    session.commit()
    assert rows(app) != backed_up

    result = runner.invoke(args=["restore", str(backup), "--yes"])
    assert result.exit_code == 0, result.output
    assert rows(app) == backed_up
    assert all(backed_up[table] for table in ("organisation", "commitment", "statusreport"))


@sqlite_only
def test_a_second_run_the_same_day_makes_no_second_copy(app, session, backup_dir):
    with at(2026, 11, 23, 0, 30):  # 23:30 UTC the day before: the name is UTC, the day is Stockholm's
        run(app, session)
    with at(2026, 11, 23, 14, 0):
        assert run(app, session) == "Dagens säkerhetskopia finns redan: tracker-20261122-233000.db."
    assert [p.name for p in backup_dir.iterdir()] == ["tracker-20261122-233000.db"]
    with at(2026, 11, 24, 0, 30):
        assert run(app, session).startswith("Sparade tracker-20261123-233000.db")


@sqlite_only
def test_retention_keeps_the_newest_backups_and_says_how_many_went(app, session, backup_dir):
    backup_dir.mkdir()
    (backup_dir / "anteckningar.txt").write_text("ingen säkerhetskopia")
    summaries = []
    for day in range(1, 6):
        with at(2026, 11, day, 2, 30):
            summaries.append(run(app, session))
    assert summaries[2] == "Sparade tracker-20261103-013000.db; tog bort 0 äldre säkerhetskopior."
    assert summaries[3] == "Sparade tracker-20261104-013000.db; tog bort 1 äldre säkerhetskopia."
    assert sorted(p.name for p in backup_dir.iterdir()) == [
        "anteckningar.txt", "tracker-20261103-013000.db", "tracker-20261104-013000.db", "tracker-20261105-013000.db"]


@pytest.mark.skipif(not PG_URL, reason="the PostgreSQL answer")
def test_on_postgresql_the_job_points_to_pg_dump(app, session, backup_dir):
    with at(2026, 11, 23, 3, 30):
        assert run(app, session) == POSTGRESQL_SUMMARY
    assert "pg_dump" in POSTGRESQL_SUMMARY
    assert not backup_dir.exists()
