"""Authorization matrix: every route × every role, built from the app's URL map.

A route without an access rule fails here, so no route can be added unprotected.
URL arguments are filled from the seeded data; a contact reports for Farsta and
every sample object belongs to Farsta, so a contact is "allowed" wherever the
role is. New routes must use argument names from SAMPLE_ARGS (or add one).
"""
from __future__ import annotations

import pytest
from sqlmodel import select

from tests.conftest import log_in
from tracker import create_app
from tracker.accounts.access import PUBLIC, allowed_roles
from tracker.accounts.models import Role, User
from tracker.organisations.models import Organisation
from tracker.periods.models import ReportingPeriod
from tracker.programs.models import Activity, Commitment, Goal, Program
from tracker.reporting.models import StatusReport

ROLES = [None, Role.admin, Role.coordinator, Role.contact, Role.reader]
SKIP_METHODS = {"HEAD", "OPTIONS"}


def _rules():
    app = create_app({"ENV_NAME": "test", "DATABASE_URL": "sqlite://", "SECRET_KEY": "x" * 40})
    return sorted(
        ((rule.endpoint, rule.rule, method) for rule in app.url_map.iter_rules()
         for method in rule.methods - SKIP_METHODS if rule.endpoint != "static"),
    )


RULES = _rules()


def test_every_route_has_an_access_rule(app):
    missing = []
    with app.test_request_context():
        for endpoint, rule, _method in RULES:
            if allowed_roles(endpoint) is None:
                missing.append(f"{endpoint} ({rule})")
    assert missing == []


@pytest.fixture
def sample_args(seeded, make_user):
    farsta = seeded.exec(select(Organisation).where(Organisation.slug == "farsta")).one()
    program = seeded.exec(select(Program).where(Program.slug == "program-mot-vald-2021-2025")).one()
    commitment, activity, goal = seeded.exec(
        select(Commitment, Activity, Goal).join(Activity, Commitment.activity_id == Activity.id)
        .join(Goal).where(Commitment.organisation_id == farsta.id)
    ).first()
    period = seeded.exec(select(ReportingPeriod).order_by(ReportingPeriod.year.desc(),
                                                          ReportingPeriod.number.desc())).first()
    users = {role: make_user(role, orgs=[farsta] if role == Role.contact else []) for role in ROLES if role}
    report = seeded.exec(select(StatusReport).where(StatusReport.commitment_id == commitment.id)).first()
    args = {
        "slug": farsta.slug, "org": farsta.slug, "program": program.slug, "program_slug": program.slug,
        "activity_id": activity.id, "goal_id": goal.id, "commitment_id": commitment.id,
        "organisation_id": farsta.id, "period": period.code, "period_id": period.id,
        "user_id": users[Role.reader].id, "report_id": report.id if report else 1, "version": 1,
        "token": "not-a-token", "code": "en", "filename": "x.pdf", "document_id": 1, "job_id": 1, "reopening_id": 1,
        "year": 2023, "notification_id": 1, "job_name": "deliver_notifications",
        "purpose_id": 1, "round_id": 1, "section": "basics",
    }
    return args, users


def _url(app, endpoint: str, args: dict) -> str:
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    with app.test_request_context():
        from flask import url_for

        return url_for(endpoint, **{name: args[name] for name in rule.arguments})


@pytest.mark.parametrize(("endpoint", "rule", "method"), RULES, ids=[f"{m} {r}" for _e, r, m in RULES])
def test_route_answers_each_role_as_its_rule_says(app, client, sample_args, endpoint, rule, method):
    args, users = sample_args
    url = _url(app, endpoint, args)
    with app.test_request_context():
        allowed = allowed_roles(endpoint)
    for role in ROLES:
        with client.session_transaction() as flask_session:
            flask_session.clear()
        if role:
            log_in(client, users[role])
        response = client.open(url, method=method)
        status = response.status_code
        response.close()
        where = f"{method} {url} as {role or 'anonymous'}"
        assert status < 500, f"{where}: {status}"
        if PUBLIC in allowed:
            assert status not in (401, 403), where
        elif role is None:
            assert status in (303, 401), where
            assert "/login" in response.headers.get("Location", "") + response.headers.get("HX-Redirect", "")
        elif role in allowed:
            assert status not in (401, 403), where
        else:
            assert status == 403, where


def test_an_inactive_user_is_logged_out(client, make_user, seeded):
    user = make_user(Role.reader, active=False)
    log_in(client, user)
    response = client.get("/")
    assert response.status_code == 303 and "/login" in response.headers["Location"]


def test_unknown_user_id_in_session_is_anonymous(client, seeded):
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = "99999"
    assert client.get("/").status_code == 303
    assert User  # the model is importable for the matrix's fixtures
