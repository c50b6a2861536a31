"""Shared fixtures: a fresh migrated database per test (SQLite file or PostgreSQL)."""
from __future__ import annotations

import os
import re
import shutil
from contextlib import nullcontext
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import object_session
from sqlmodel import Session

from tracker import create_app, migrate
from tracker.accounts import sessions
from tracker.accounts.models import Role, User, UserOrganisation
from tracker.accounts.service import hash_password
from tracker.clock import utcnow
from tracker.db import ENGINE_KEY, get_engine, make_engine
from tracker.models import metadata
from tracker.organisations.models import Organisation, OrgKind
from tracker.periods.models import PeriodState, ReportingPeriod
from tracker.periods.service import Deadline, build_period, parse_period_code
from tracker.programs.models import Activity, Commitment, Goal, Program, ProgramKind
from tracker.scheduler import runs
from tracker.seeding import service as seeding
from tracker.seeding.files import read_bundle

ROOT = Path(__file__).resolve().parent.parent
SEED_DIR = ROOT / "seeds"
PG_URL = os.environ.get("TRACKER_TEST_DATABASE_URL")
pytest_plugins = ["tests.smtp"]  # the `smtp_server` fixture
TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"


def reset_postgres(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def template_db(tmp_path_factory) -> Path | None:
    """Migrate once per run: a template SQLite file, or the PostgreSQL test database."""
    if PG_URL:
        reset_postgres(PG_URL)
        engine = make_engine(PG_URL)
        migrate.upgrade(engine)
        engine.dispose()
        return None
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()
    return path


def _truncate_all(url: str) -> None:
    engine = make_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        connection.execute(text("DROP TABLE IF EXISTS apscheduler_jobs"))  # APScheduler's, outside our schema
    engine.dispose()


SEED_DAY = date(2026, 11, 23)


def _seed(session: Session) -> None:
    seeding.apply(session, read_bundle(SEED_DIR), today=SEED_DAY)
    session.commit()


@pytest.fixture(scope="session")
def seeded_template(template_db, tmp_path_factory) -> Path | None:
    """On SQLite, seed once per run and copy the file for each test that wants seeds."""
    if PG_URL:
        return None
    path = tmp_path_factory.mktemp("seeded") / "seeded.db"
    shutil.copy(template_db, path)
    engine = make_engine(f"sqlite:///{path}")
    with Session(engine) as session:
        _seed(session)
    engine.dispose()
    return path


@pytest.fixture
def database_url(request, template_db, tmp_path):
    if PG_URL:
        yield PG_URL
        _truncate_all(PG_URL)
    else:
        wants_seeds = "seeded" in request.fixturenames
        source = request.getfixturevalue("seeded_template") if wants_seeds else template_db
        path = tmp_path / "test.db"
        shutil.copy(source, path)
        yield f"sqlite:///{path}"


@pytest.fixture
def app(database_url, tmp_path):
    app = create_app({
        "ENV_NAME": "test",
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": TEST_SECRET,
        "SCORECARD_DIR": tmp_path / "scorecards",
        # Forms are posted without tokens in view tests; CSRF has its own tests.
        "WTF_CSRF_ENABLED": False,
    })
    yield app
    runs.wait_for_manual_runs(timeout=60)  # "Kör nu" runs on a thread: let it end before the database goes
    with app.app_context():
        get_engine().dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def session(app) -> Session:
    """A session of the test's own, like a second user's: no app context is held open.

    Requests made through `client` use their own per-request sessions. After a
    request, call `session.rollback()` (or `expire_all()`) before reading what it
    changed: the test's session may still hold an older snapshot.
    """
    with Session(app.extensions[ENGINE_KEY], expire_on_commit=False) as db_session:
        yield db_session


@pytest.fixture
def seeded(session) -> Session:
    """The database loaded from the real seed files (as on 2026-11-23)."""
    if PG_URL:
        _seed(session)
    return session


def _saved(session: Session, row):
    """Add the row and flush, so that it has its id for the rows that point at it."""
    session.add(row)
    session.flush()
    return row


@pytest.fixture
def make_org(session):
    counter = iter(range(1, 10_000))

    def make(slug: str | None = None, *, kind: OrgKind = OrgKind.district, name: str | None = None) -> Organisation:
        n = next(counter)
        slug = slug or f"org-{n}"
        return _saved(session, Organisation(slug=slug, name=name or f"Organisation {slug}", short_name=name or slug,
                                            kind=kind))

    return make


@pytest.fixture
def make_program(session):
    def make(slug: str = "prog", *, start_year: int = 2021, end_year: int = 2025) -> Program:
        return _saved(session, Program(slug=slug, name=f"Program {slug}", short_name=slug, kind=ProgramKind.programme,
                                       start_year=start_year, end_year=end_year))

    return make


@pytest.fixture
def make_activity(session, make_program):
    def make(*, program: Program | None = None, title: str = "Aktivitet", time_frame: str = "Löpande") -> Activity:
        program = program or make_program(f"prog-{title.lower().replace(' ', '-')[:20]}")
        goal = _saved(session, Goal(program_id=program.id, number=1, title="Mål 1"))
        return _saved(session, Activity(goal_id=goal.id, title=title, time_frame=time_frame, starts_on=date(2021, 1, 1),
                                        ends_on=date(2025, 12, 31), time_frame_parsed=True))

    return make


@pytest.fixture
def make_commitment(session, make_org, make_activity):
    def make(*, organisation: Organisation | None = None, activity: Activity | None = None) -> Commitment:
        return _saved(session, Commitment(activity_id=(activity or make_activity()).id,
                                          organisation_id=(organisation or make_org()).id))

    return make


@pytest.fixture
def make_period(session):
    def make(code: str = "2024-T1", *, state: PeriodState = PeriodState.open) -> ReportingPeriod:
        year, number = parse_period_code(code)
        period = build_period(year, number, Deadline(5, 15), date(2024, 1, 1))
        period.state = state
        return _saved(session, period)

    return make


PASSWORD = "rätt-lösenord-123"
_HASH = hash_password(PASSWORD)  # argon2 is slow on purpose: hash once per run


@pytest.fixture
def make_user(session):
    counter = iter(range(1, 10_000))

    def make(role: Role = Role.reader, *, orgs: list[Organisation] = (), email: str | None = None,
             active: bool = True) -> User:
        n = next(counter)
        user = _saved(session, User(email=email or f"{role}{n}@example.se", name=f"{role.capitalize()} {n}", role=role,
                                    password_hash=_HASH, active=active))
        session.add_all(UserOrganisation(user_id=user.id, organisation_id=org.id) for org in orgs)
        session.commit()
        return user

    return make


@pytest.fixture
def reader(make_user, login):
    """A test client logged in as a reader."""
    return login(make_user(Role.reader))


def html_part(page: str, pattern: str, what: str) -> str:
    """The first part of the page the pattern matches (across lines); the test fails naming `what` if none does."""
    match = re.search(pattern, page, re.S)
    assert match, what
    return match.group(0)


def log_in(client, user: User) -> None:
    """Start a logged-in session for the user without going through the form (a server-side one, as at login).

    The session row is written through the user's own (the test's) session, which is committed like
    `make_user` does: on SQLite another connection would wait for its write lock.
    """
    app = client.application
    owner = object_session(user)
    with nullcontext(owner) if owner is not None else Session(app.extensions[ENGINE_KEY]) as db_session:
        token = sessions.start(db_session, user_id=user.id, now=utcnow(), config=app.config)
        db_session.commit()
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = str(user.id)
        flask_session["_fresh"] = True
        flask_session[sessions.COOKIE_KEY] = token


@pytest.fixture
def login(client):
    def do(user: User):
        log_in(client, user)
        return client

    return do
