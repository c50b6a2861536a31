"""The main pages run the same number of SQL statements on small and on large-shaped demo data.

`demo-data --scale small` against a larger scale of the same shape (three times the
organisations and activities, twice the responsible organisations per activity and
more tertials). A page whose count grows has an N+1 query. Timing is for
benchmarks/web.py, not for tests.
"""
from __future__ import annotations

import shutil
from datetime import date

import pytest
from sqlalchemy import event
from sqlmodel import Session, select

from tests.conftest import PG_URL, TEST_SECRET, _truncate_all, log_in
from tracker import create_app
from tracker.accounts.models import Role, User, UserOrganisation
from tracker.db import ENGINE_KEY
from tracker.demo import service as demo
from tracker.organisations.models import Organisation
from tracker.programs.models import Commitment

LARGE_SHAPED = demo.Scale("medium", organisations=60, activities=180, commitments_per_activity=20, periods=9)


def _pages(program: str, commitment_id: int) -> dict[str, tuple[Role, str]]:
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
    }


def _count_statements(url: str, size: demo.Scale, tmp_path) -> dict[str, int]:
    app = create_app({"ENV_NAME": "test", "DATABASE_URL": url, "SECRET_KEY": TEST_SECRET,
                      "WTF_CSRF_ENABLED": False, "SCORECARD_DIR": tmp_path / "scorecards"})
    engine = app.extensions[ENGINE_KEY]
    with Session(engine, expire_on_commit=False) as session:
        demo.generate(session, size=size, today=date(2026, 11, 23))
        org = session.exec(select(Organisation).where(Organisation.slug == "demo-org-001")).one()
        users = {}
        for role in (Role.coordinator, Role.contact, Role.reader):
            user = User(email=f"{role}@example.se", name=str(role), role=role, password_hash="x")
            session.add(user)
            session.flush()
            users[role] = user
        session.add(UserOrganisation(user_id=users[Role.contact].id, organisation_id=org.id))
        commitment_id = session.exec(select(Commitment.id).where(Commitment.organisation_id == org.id)).first()
        session.commit()
    counts: dict[str, int] = {}
    statements = []
    listener = lambda *_args: statements.append(1)  # noqa: E731
    for name, (role, path) in _pages(f"demo-{size.name}", commitment_id).items():
        client = app.test_client()
        log_in(client, users[role])
        statements.clear()
        event.listen(engine, "before_cursor_execute", listener)
        try:
            response = client.get(path)
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        assert response.status_code == 200, f"{name}: {response.status_code}"
        counts[name] = len(statements)
    engine.dispose()
    return counts


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
    assert max(small.values()) <= 20, small  # and each page needs only a handful
