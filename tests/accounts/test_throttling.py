"""Login throttling: per account with a growing lock, per address with a high limit, counted in the database."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from tests.conftest import PASSWORD, TEST_SECRET
from tracker import create_app
from tracker.accounts.models import Role
from tracker.db import ENGINE_KEY

START = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)
WRONG = "fel-lösenord-999"
OFFICE = "10.20.30.40"  # the city's proxy: everyone in the office comes from here


@pytest.fixture(autouse=True)
def _still(time_machine):
    """Time stands still unless a test moves it, so that Retry-After is exact."""
    time_machine.move_to(START, tick=False)


def _attempt(client, email: str, password: str = WRONG, *, address: str = OFFICE, forwarded: str | None = None):
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    return client.post("/login", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": address}, headers=headers)


@pytest.fixture
def another_app(database_url, tmp_path):
    """Another app on the same database: another worker process, as far as the database can tell."""
    made = []

    def make(**config):
        made.append(create_app({"ENV_NAME": "test", "TESTING": True, "DATABASE_URL": database_url,
                                "SECRET_KEY": TEST_SECRET, "SCORECARD_DIR": tmp_path / "scorecards",
                                "WTF_CSRF_ENABLED": False, **config}))
        return made[-1]

    yield make
    for app in made:
        app.extensions[ENGINE_KEY].dispose()


def test_an_account_is_locked_for_a_minute_after_five_failures(client, make_user):
    make_user(Role.reader, email="x@example.se")
    for _ in range(5):
        assert _attempt(client, "x@example.se").status_code == 200
    locked = _attempt(client, "x@example.se", PASSWORD)
    assert locked.status_code == 429
    assert locked.headers["Retry-After"] == "60"
    page = locked.get_data(as_text=True)
    assert "För många misslyckade inloggningar på det här kontot. Försök igen om 1 minut." in page
    assert client.get("/").status_code == 303  # the right password did not get in during the lock


def test_the_lock_doubles_with_each_further_failure_up_to_the_cap(app, client, make_user, time_machine):
    app.config["LOGIN_MAX_LOCK"] = timedelta(minutes=4)
    make_user(Role.reader, email="x@example.se")
    for _ in range(5):
        _attempt(client, "x@example.se")
    now, waits = START, []
    for _ in range(4):
        now += timedelta(seconds=int(_attempt(client, "x@example.se").headers["Retry-After"]))
        time_machine.move_to(now, tick=False)
        assert _attempt(client, "x@example.se").status_code == 200  # the lock is over: the password is checked
        waits.append(int(_attempt(client, "x@example.se").headers["Retry-After"]))
    assert waits == [120, 240, 240, 240]
    time_machine.move_to(now + timedelta(minutes=4), tick=False)
    assert _attempt(client, "x@example.se", PASSWORD).status_code == 303
    client.post("/logout")
    assert _attempt(client, "x@example.se").status_code == 200  # a success starts the count again


def test_one_persons_mistakes_do_not_lock_out_the_office(app, client, make_user):
    make_user(Role.reader, email="anna@example.se")
    make_user(Role.reader, email="bo@example.se")
    for _ in range(6):
        _attempt(client, "anna@example.se")
    assert _attempt(client, "anna@example.se", PASSWORD).status_code == 429
    assert _attempt(app.test_client(), "bo@example.se", PASSWORD).status_code == 303


def test_tries_spread_over_many_addresses_still_lock_the_account(client, make_user):
    make_user(Role.reader, email="x@example.se")
    for n in range(5):
        assert _attempt(client, "X@example.se ", address=f"192.0.2.{n + 1}").status_code == 200
    assert _attempt(client, "x@example.se", PASSWORD, address="198.51.100.7").status_code == 429


def test_unknown_accounts_are_locked_like_real_ones(client):
    for _ in range(5):
        assert _attempt(client, "finns-inte@example.se").status_code == 200
    locked = _attempt(client, "finns-inte@example.se")
    assert locked.status_code == 429 and locked.headers["Retry-After"] == "60"


def test_many_failures_from_one_address_are_refused_for_every_account(app, client, make_user, time_machine):
    assert app.config["LOGIN_LIMIT"] == "50 per 15 minutes"
    app.config["LOGIN_LIMIT"] = "3 per 15 minutes"
    make_user(Role.reader, email="x@example.se")
    for n in range(3):
        time_machine.move_to(START + timedelta(minutes=n), tick=False)
        assert _attempt(client, f"gissning{n}@example.se").status_code == 200
    refused = _attempt(client, "x@example.se", PASSWORD)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == str(13 * 60)  # when the first of the three is 15 minutes old
    assert "från din adress" in refused.get_data(as_text=True)
    assert _attempt(client, "x@example.se", PASSWORD, address="10.99.0.1").status_code == 303


def test_every_worker_counts_the_same_failures(app, another_app, make_user):
    second = another_app()
    make_user(Role.reader, email="x@example.se")
    for n in range(5):
        worker = app if n % 2 else second
        assert _attempt(worker.test_client(), "x@example.se", address=f"192.0.2.{n + 1}").status_code == 200
    assert _attempt(app.test_client(), "x@example.se", PASSWORD, address="192.0.2.9").status_code == 429
    assert _attempt(second.test_client(), "x@example.se", PASSWORD, address="192.0.2.9").status_code == 429


def test_forwarded_for_is_not_believed_without_a_configured_proxy(app, client):
    assert app.config["PROXY_COUNT"] == 0
    app.config["LOGIN_LIMIT"] = "3 per 15 minutes"
    for n in range(3):
        _attempt(client, f"gissning{n}@example.se", forwarded=f"192.0.2.{n + 1}")
    refused = _attempt(client, "gissning9@example.se", forwarded="192.0.2.9")
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "900"


def test_behind_a_configured_proxy_the_forwarded_address_counts(another_app):
    proxied = another_app(PROXY_COUNT=1, LOGIN_LIMIT="3 per 15 minutes")
    client = proxied.test_client()
    for n in range(3):
        _attempt(client, f"gissning{n}@example.se", forwarded="192.0.2.1")
    assert _attempt(client, "gissning9@example.se", forwarded="192.0.2.1").status_code == 429
    assert _attempt(client, "gissning9@example.se", forwarded="192.0.2.2").status_code == 200  # someone else


def test_old_attempts_are_deleted_and_typed_emails_are_not_kept(session, client, time_machine):
    from tracker.accounts.models import LoginAttempt

    _attempt(client, "MittHemligaLösen0rd")  # a password typed into the email field
    time_machine.move_to(START + timedelta(hours=25), tick=False)
    _attempt(client, "x@example.se")
    session.rollback()
    attempts = session.exec(select(LoginAttempt)).all()
    assert [a.at for a in attempts] == [START + timedelta(hours=25)]
    assert "x@example.se" not in attempts[0].account and attempts[0].address == OFFICE


def test_throttling_settings_come_from_the_environment(monkeypatch, tmp_path):
    from tracker.config import ConfigError, load_config

    monkeypatch.setenv("TRACKER_LOGIN_LIMIT", "80 per 10 minutes")
    monkeypatch.setenv("TRACKER_LOGIN_ACCOUNT_FAILURES", "3")
    monkeypatch.setenv("TRACKER_LOGIN_MAX_LOCK_MINUTES", "30")
    monkeypatch.setenv("TRACKER_PROXY_COUNT", "1")
    config = load_config(tmp_path, {"ENV_NAME": "test"})
    assert (config["LOGIN_LIMIT"], config["LOGIN_ACCOUNT_FAILURES"]) == ("80 per 10 minutes", 3)
    assert (config["LOGIN_MAX_LOCK"], config["PROXY_COUNT"]) == (timedelta(minutes=30), 1)
    monkeypatch.setenv("TRACKER_LOGIN_LIMIT", "många")
    with pytest.raises(ConfigError, match="TRACKER_LOGIN_LIMIT"):
        load_config(tmp_path, {"ENV_NAME": "test"})
