"""The main pages run the same number of SQL statements on small and on large-shaped demo data.

`demo-data --scale small` against a larger scale of the same shape (three times the
organisations and activities, twice the responsible organisations per activity and
more tertials), both on top of the real seeds, with every demo organisation reporting
the seeded effect goals and the grant years (benchmarks/national.py). A page whose
count grows has an N+1 query. Timing is for benchmarks/web.py, not for tests.
"""
from __future__ import annotations

import shutil

import pytest
from sqlalchemy import event
from sqlmodel import Session, select

from benchmarks.national import add_national_rows
from tests.conftest import PG_URL, SEED_DAY, SEED_DIR, TEST_SECRET, _truncate_all, log_in
from tracker import create_app
from tracker.accounts.models import Role, User, UserOrganisation
from tracker.db import ENGINE_KEY
from tracker.demo import service as demo
from tracker.effect_goals.models import EffectGoal
from tracker.funds.models import FundYear
from tracker.organisations.models import Organisation
from tracker.programs.models import Commitment, Program
from tracker.seeding import service as seeding
from tracker.seeding.files import read_bundle

# The funds index reads each grant year on its own (about six statements a year, three seeded
# years): it grows by a year a year, not with the organisations.
FUNDS_INDEX = "utvecklingsmedel"
LARGE_SHAPED = demo.Scale("medium", organisations=60, activities=180, commitments_per_activity=20, periods=9)


def _pages(program: str, commitment_id: int, goal_id: int, fund_year: int) -> dict[str, tuple[Role, str]]:
    return {
        "programöversikt": (Role.coordinator, f"/uppfoljning/?program={program}"),
        "filtrerad översikt": (Role.reader, f"/uppfoljning/?program={program}&status=deviation&support=1"),
        "rapportering": (Role.coordinator, "/uppfoljning/rapportering"),
        "mina åtaganden": (Role.contact, "/mina-ataganden"),
        "organisationssida": (Role.reader, "/organisation/demo-org-001"),
        "styrkort": (Role.reader, "/styrkort/demo-org-001"),
        "programsida (samordnare)": (Role.coordinator, f"/program/{program}"),
        "tertialer": (Role.reader, "/tertialer/"),
        "historik": (Role.reader, f"/uppfoljning/atagande/{commitment_id}"),
        "startsida (samordnare)": (Role.coordinator, "/"),
        "startsida (läsare)": (Role.reader, "/"),
        "organisationer": (Role.reader, "/organisationer"),
        "effektmål": (Role.reader, "/effektmal/"),
        "effektmålssida (läsare)": (Role.reader, f"/effektmal/{goal_id}"),
        "effektmålssida (samordnare)": (Role.coordinator, f"/effektmal/{goal_id}"),
        FUNDS_INDEX: (Role.reader, "/medel/"),
        "medelsår (samordnare)": (Role.coordinator, f"/medel/{fund_year}"),
        "medelsår (läsare)": (Role.reader, f"/medel/{fund_year}"),
    }


# Built from every tertial of the programme: allowed more statements than a page, but as constant.
FINAL_REPORT = "slutrapport"


def _count_statements(url: str, size: demo.Scale, tmp_path) -> dict[str, int]:
    app = create_app({"ENV_NAME": "test", "DATABASE_URL": url, "SECRET_KEY": TEST_SECRET,
                      "WTF_CSRF_ENABLED": False, "SCORECARD_DIR": tmp_path / "scorecards"})
    engine = app.extensions[ENGINE_KEY]
    with Session(engine, expire_on_commit=False) as session:
        seeding.apply(session, read_bundle(SEED_DIR), today=SEED_DAY)
        demo.generate(session, size=size, today=SEED_DAY)
        add_national_rows(session, today=SEED_DAY)
        org = session.exec(select(Organisation).where(Organisation.slug == "demo-org-001")).one()
        users = {}
        for role in (Role.coordinator, Role.contact, Role.reader):
            user = User(email=f"{role}@example.se", name=str(role), role=role, password_hash="x")
            session.add(user)
            session.flush()
            users[role] = user
        session.add(UserOrganisation(user_id=users[Role.contact].id, organisation_id=org.id))
        commitment_id = session.exec(select(Commitment.id).where(Commitment.organisation_id == org.id)).first()
        goal_id = session.exec(select(EffectGoal.id).order_by(EffectGoal.id)).first()
        fund_year = session.exec(select(FundYear.year).order_by(FundYear.year.desc())).first()
        session.commit()
    program = f"demo-{size.name}"
    counts = {name: _statements(app, users[role], path, name)
              for name, (role, path) in _pages(program, commitment_id, goal_id, fund_year).items()}
    with Session(engine) as session:  # the demo programme ends with the last closed tertial: a final report
        demo_program = session.exec(select(Program).where(Program.slug == program)).one()
        demo_program.end_year = SEED_DAY.year - 1
        session.commit()
    counts[FINAL_REPORT] = _statements(app, users[Role.reader], f"/rapporter/{program}/slutrapport", FINAL_REPORT,
                                       expect="Sammanfattning")
    engine.dispose()
    return counts


def _statements(app, user: User, path: str, name: str, *, expect: str | None = None) -> int:
    """The SQL statements one GET of `path` runs for `user` (after logging in)."""
    engine = app.extensions[ENGINE_KEY]
    client = app.test_client()
    log_in(client, user)
    statements = []
    listener = lambda *_args: statements.append(1)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        response = client.get(path)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert response.status_code == 200, f"{name}: {response.status_code}"
    if expect is not None:
        assert expect in response.get_data(as_text=True), f"{name}: no {expect!r} on the page"
    return len(statements)


@pytest.fixture
def empty_database(template_db, tmp_path):
    """A new empty database each call (a new SQLite file, or the PostgreSQL test database emptied)."""
    made = iter(range(100))

    def make() -> str:
        if PG_URL:
            _truncate_all(PG_URL)
            return PG_URL
        path = tmp_path / f"counts-{next(made)}.db"
        shutil.copy(template_db, path)
        return f"sqlite:///{path}"

    yield make
    if PG_URL:
        _truncate_all(PG_URL)


def test_query_counts_do_not_grow_with_the_data(empty_database, tmp_path):
    small = _count_statements(empty_database(), demo.SCALES["small"], tmp_path)
    larger = _count_statements(empty_database(), LARGE_SHAPED, tmp_path)
    assert larger == small
    pages = {name: count for name, count in small.items() if name not in (FINAL_REPORT, FUNDS_INDEX)}
    assert max(pages.values()) <= 20, small  # and each page needs only a handful
    assert small[FUNDS_INDEX] <= 25, small
    assert small[FINAL_REPORT] <= 30, small
    print(small)
