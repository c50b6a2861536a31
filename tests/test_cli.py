"""The command line is a stable interface: scripts and operators depend on it."""
from __future__ import annotations

import pytest
from sqlmodel import func, select

from tests.conftest import SEED_DIR
from tracker.accounts import service as accounts
from tracker.accounts.models import User, UserOrganisation
from tracker.programs.models import Activity, Commitment, Program
from tracker.reporting.models import StatusReport, StatusReportVersion


@pytest.mark.parametrize("command", [
    [], ["db"], ["db", "upgrade"], ["db", "check"], ["db", "current"], ["seed"], ["create-user"],
    ["demo-data"], ["demo-users"], ["scorecards", "generate"], ["reports", "halvtidsrapport"], ["reports", "annual"],
    ["backup"], ["restore"], ["scheduler"],
])
def test_every_command_has_help(runner, command):
    result = runner.invoke(args=[*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


def test_seed_command_is_idempotent(runner, session):
    first = runner.invoke(args=["seed", "--dir", str(SEED_DIR)])
    assert first.exit_code == 0, first.output
    # Bilaga 1 (33 activities, 224 commitments) and Bryt upp (9, 26)
    assert "42 aktiviteter" in first.output and "250 åtaganden" in first.output
    second = runner.invoke(args=["seed", "--dir", str(SEED_DIR)])
    assert second.exit_code == 0
    assert "inget nytt" in second.output
    assert session.exec(select(func.count()).select_from(Activity)).one() == 42


def test_create_user_with_password_from_environment(runner, session, monkeypatch):
    runner.invoke(args=["seed"])
    monkeypatch.setenv("TRACKER_PASSWORD", "ett-långt-lösenord")
    result = runner.invoke(args=["create-user", "--email", "Anna@Example.se", "--name", "Anna",
                                 "--role", "contact", "--org", "farsta", "--org", "bromma"])
    assert result.exit_code == 0, result.output
    user = session.exec(select(User).where(User.email == "anna@example.se")).one()
    assert user.role == "contact"
    assert user.password_hash.startswith("$argon2")
    assert accounts.verify_password(user, "ett-långt-lösenord")
    assert not accounts.verify_password(user, "fel-lösenord")
    assert session.exec(select(func.count()).select_from(UserOrganisation)).one() == 2


def test_create_user_prompts_for_password(runner, session, monkeypatch):
    monkeypatch.delenv("TRACKER_PASSWORD", raising=False)
    result = runner.invoke(args=["create-user", "--email", "l@example.se", "--name", "Läsare", "--role", "reader"],
                           input="hemligt-lösen-123\nhemligt-lösen-123\n")
    assert result.exit_code == 0, result.output
    assert session.exec(select(User)).one().email == "l@example.se"


@pytest.mark.parametrize(("args", "message"), [
    (["--role", "contact"], "minst en organisation"),
    (["--role", "contact", "--org", "finns-inte"], "Okänd organisation: finns-inte"),
    (["--role", "reader", "--org", "farsta"], "Bara kontaktpersoner"),
    (["--role", "superuser"], "Invalid value for '--role'"),
])
def test_create_user_refuses_bad_input(runner, session, monkeypatch, args, message):
    runner.invoke(args=["seed"])
    monkeypatch.setenv("TRACKER_PASSWORD", "ett-långt-lösenord")
    result = runner.invoke(args=["create-user", "--email", "x@example.se", "--name", "X", *args])
    assert result.exit_code != 0
    assert message in result.output
    assert session.exec(select(func.count()).select_from(User)).one() == 0


def test_create_user_refuses_short_password_and_duplicates(runner, session, monkeypatch):
    monkeypatch.setenv("TRACKER_PASSWORD", "kort")
    result = runner.invoke(args=["create-user", "--email", "x@example.se", "--name", "X", "--role", "admin"])
    assert result.exit_code != 0 and "Lösenord: minst 10 tecken" in result.output
    monkeypatch.setenv("TRACKER_PASSWORD", "ett-långt-lösenord")
    assert runner.invoke(args=["create-user", "--email", "x@example.se", "--name", "X", "--role", "admin"]).exit_code == 0
    again = runner.invoke(args=["create-user", "--email", "X@example.se", "--name", "Y", "--role", "admin"])
    assert again.exit_code != 0 and "finns redan" in again.output


def test_create_user_refuses_a_password_that_is_easy_to_guess(runner, session, monkeypatch):
    monkeypatch.setenv("TRACKER_PASSWORD", "1234567890")  # long enough, and the first thing anyone tries
    result = runner.invoke(args=["create-user", "--email", "x@example.se", "--name", "X", "--role", "admin"])
    assert result.exit_code != 0 and "Lösenordet är för lätt att gissa" in result.output
    assert session.exec(select(func.count()).select_from(User)).one() == 0


def test_demo_data_small(runner, session):
    result = runner.invoke(args=["demo-data", "--scale", "small"])
    assert result.exit_code == 0, result.output
    assert "Skapade 20 organisationer, 60 aktiviteter, 600 åtaganden" in result.output
    program = session.exec(select(Program).where(Program.slug == "demo-small")).one()
    assert program is not None
    reports = session.exec(select(func.count()).select_from(StatusReport)).one()
    versions = session.exec(select(func.count()).select_from(StatusReportVersion)).one()
    assert reports == versions > 600 * 4
    assert session.exec(select(func.count()).select_from(Commitment)).one() == 600
    again = runner.invoke(args=["demo-data", "--scale", "small"])
    assert again.exit_code == 0 and "finns redan" in again.output
    assert session.exec(select(func.count()).select_from(Commitment)).one() == 600


def test_demo_users_only_in_development(app, runner, session):
    assert "demo-data" in runner.invoke(args=["demo-users"]).output  # needs the demo organisations
    runner.invoke(args=["demo-data", "--scale", "small"])
    result = runner.invoke(args=["demo-users"])
    assert result.exit_code == 0, result.output
    assert "samordnare@demo.tracker" in result.output
    assert session.exec(select(func.count()).select_from(User)).one() == 5
    assert runner.invoke(args=["demo-users"]).exit_code == 0
    assert session.exec(select(func.count()).select_from(User)).one() == 5
    app.config["ENV_NAME"] = "production"
    refused = runner.invoke(args=["demo-users"])
    assert refused.exit_code != 0 and "utvecklingsläge" in refused.output
