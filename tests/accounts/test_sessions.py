"""Sessions live on the server: logout and changes of password or access end them; they expire on their own."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from tests.conftest import PASSWORD, log_in
from tracker.accounts.models import Role
from tracker.organisations.models import Organisation

START = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)
NEW_PASSWORD = "gurka-cykel-fönster-47"


def _form_login(client, email: str, password: str = PASSWORD):
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 303, response.get_data(as_text=True)
    return response


def _replayed(app, cookie_value: str):
    """A client that sends nothing but a copy of someone's session cookie."""
    other = app.test_client()
    other.set_cookie("session", cookie_value)
    return other


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)


def _org(session, slug: str) -> Organisation:
    return session.exec(select(Organisation).where(Organisation.slug == slug)).one()


def test_a_cookie_saved_before_logout_does_not_work_after_it(app, client, make_user):
    make_user(Role.reader, email="x@example.se")
    _form_login(client, "x@example.se")
    saved = client.get_cookie("session").value
    assert _replayed(app, saved).get("/").status_code == 200  # the copy works while the session lives
    assert client.post("/logout").status_code == 303
    assert _replayed(app, saved).get("/").status_code == 303
    assert client.get("/").status_code == 303


def test_login_starts_a_new_session_with_a_new_csrf_token(app, make_user):
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    make_user(Role.reader, email="x@example.se")
    token_before = _csrf(client.get("/login").get_data(as_text=True))
    with client.session_transaction() as flask_session:
        flask_session["planted"] = "set before the login"
    response = client.post("/login", data={"email": "x@example.se", "password": PASSWORD, "csrf_token": token_before})
    assert response.status_code == 303
    with client.session_transaction() as flask_session:
        assert "planted" not in flask_session
    assert client.post("/logout", data={"csrf_token": token_before}).status_code == 400  # the old token is void
    token_after = _csrf(client.get("/konto").get_data(as_text=True))
    assert token_after != token_before
    assert client.post("/logout", data={"csrf_token": token_after}).status_code == 303


def test_a_password_reset_ends_every_session_of_the_user(app, client, make_user, login):
    user = make_user(Role.reader, email="x@example.se")
    phone, laptop = app.test_client(), app.test_client()
    _form_login(phone, "x@example.se")
    log_in(laptop, user)
    login(make_user(Role.admin))
    fragment = client.post(f"/admin/anvandare/{user.id}/inbjudan").get_data(as_text=True)
    link = re.search(r'value="[^"]*?(/inbjudan/[^"]+)"', fragment).group(1)
    assert app.test_client().post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 303
    assert phone.get("/").status_code == 303
    assert laptop.get("/").status_code == 303
    assert client.get("/").status_code == 200  # the admin's own session goes on


@pytest.mark.parametrize("change", ["role", "organisations", "deactivated-and-reactivated"])
def test_a_change_of_access_ends_the_users_sessions(app, client, seeded, make_user, login, change):
    farsta, bromma = _org(seeded, "farsta"), _org(seeded, "bromma")
    user = make_user(Role.contact, orgs=[farsta], email="k@example.se")
    device = app.test_client()
    log_in(device, user)
    assert device.get("/mina-ataganden").status_code == 200  # a contact's start page ("/" sends them there)
    login(make_user(Role.admin))
    form = {"name": user.name, "email": user.email, "role": "contact", "organisations": [farsta.id], "active": "y"}
    if change == "role":
        form |= {"role": "reader", "organisations": []}
    elif change == "organisations":
        form["organisations"] = [farsta.id, bromma.id]
    else:
        assert client.post(f"/admin/anvandare/{user.id}", data={**form, "active": ""}).status_code == 303
    assert client.post(f"/admin/anvandare/{user.id}", data=form).status_code == 303
    assert device.get("/mina-ataganden").status_code == 303


def test_saving_a_user_without_changing_access_keeps_their_sessions(app, client, make_user, login):
    user = make_user(Role.reader, email="r@example.se")
    device = app.test_client()
    log_in(device, user)
    login(make_user(Role.admin))
    form = {"name": "Nytt Namn", "email": "r@example.se", "role": "reader", "active": "y"}
    assert client.post(f"/admin/anvandare/{user.id}", data=form).status_code == 303
    assert device.get("/").status_code == 200


def test_an_idle_session_ends_after_the_idle_timeout(app, client, make_user, time_machine):
    assert app.config["SESSION_IDLE_TIMEOUT"] == timedelta(minutes=60)
    time_machine.move_to(START, tick=False)
    make_user(Role.reader, email="x@example.se")
    _form_login(client, "x@example.se")
    time_machine.move_to(START + timedelta(minutes=59), tick=False)
    assert client.get("/").status_code == 200
    time_machine.move_to(START + timedelta(minutes=118), tick=False)
    assert client.get("/").status_code == 200  # used in between: still alive
    time_machine.move_to(START + timedelta(minutes=180), tick=False)
    assert client.get("/").status_code == 303


def test_the_absolute_lifetime_does_not_slide_with_use(app, client, make_user, time_machine):
    assert app.config["SESSION_LIFETIME"] == timedelta(hours=8)
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(days=7)  # the cookie's own signature age is not what ends it
    time_machine.move_to(START, tick=False)
    make_user(Role.reader, email="x@example.se")
    _form_login(client, "x@example.se")
    for minutes in range(45, 8 * 60, 45):
        time_machine.move_to(START + timedelta(minutes=minutes), tick=False)
        assert client.get("/").status_code == 200, minutes
    time_machine.move_to(START + timedelta(hours=8, minutes=1), tick=False)
    assert client.get("/").status_code == 303
    _form_login(client, "x@example.se")  # a new login starts a new eight hours
    assert client.get("/").status_code == 200


def test_log_out_on_all_devices_ends_every_session_of_that_user_only(app, client, make_user):
    user, colleague = make_user(Role.reader, email="x@example.se"), make_user(Role.reader)
    phone, colleagues_computer = app.test_client(), app.test_client()
    log_in(phone, user)
    log_in(colleagues_computer, colleague)
    _form_login(client, "x@example.se")
    page = client.get("/konto").get_data(as_text=True)
    assert "Logga ut på alla enheter" in page and "x@example.se" in page
    response = client.post("/konto/logga-ut-overallt")
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    assert client.get("/").status_code == 303
    assert phone.get("/").status_code == 303
    assert colleagues_computer.get("/").status_code == 200


def test_log_out_on_all_devices_needs_the_csrf_token(app, make_user):
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    make_user(Role.reader, email="x@example.se")
    token = _csrf(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"email": "x@example.se", "password": PASSWORD, "csrf_token": token})
    assert client.post("/konto/logga-ut-overallt").status_code == 400
    assert client.get("/").status_code == 200
    token = _csrf(client.get("/konto").get_data(as_text=True))
    assert client.post("/konto/logga-ut-overallt", data={"csrf_token": token}).status_code == 303
    assert client.get("/").status_code == 303


def test_changing_ones_password_ends_the_other_sessions_and_keeps_this_one(app, client, make_user):
    user = make_user(Role.reader, email="x@example.se")
    phone = app.test_client()
    log_in(phone, user)
    _form_login(client, "x@example.se")
    wrong = client.post("/konto/losenord", data={"current": "fel-lösenord-1", "password": NEW_PASSWORD,
                                                 "confirm": NEW_PASSWORD})
    assert wrong.status_code == 422
    assert re.search(r'id="current-error">Lösenordet stämmer inte', wrong.get_data(as_text=True))
    weak = client.post("/konto/losenord", data={"current": PASSWORD, "password": "1234567890",
                                                "confirm": "1234567890"})
    assert weak.status_code == 422
    assert re.search(r'id="password-error">Lösenordet är för lätt att gissa', weak.get_data(as_text=True))
    assert phone.get("/").status_code == 200  # nothing changed yet
    done = client.post("/konto/losenord", data={"current": PASSWORD, "password": NEW_PASSWORD,
                                                "confirm": NEW_PASSWORD})
    assert done.status_code == 303
    assert client.get("/").status_code == 200
    assert phone.get("/").status_code == 303
    client.post("/logout")
    _form_login(client, "x@example.se", NEW_PASSWORD)


def test_session_settings_come_from_the_environment(monkeypatch, tmp_path):
    from tracker.config import ConfigError, load_config

    monkeypatch.setenv("TRACKER_SESSION_HOURS", "4")
    monkeypatch.setenv("TRACKER_SESSION_IDLE_MINUTES", "20")
    config = load_config(tmp_path, {"ENV_NAME": "test"})
    assert config["SESSION_LIFETIME"] == timedelta(hours=4) == config["PERMANENT_SESSION_LIFETIME"]
    assert config["SESSION_IDLE_TIMEOUT"] == timedelta(minutes=20)
    monkeypatch.setenv("TRACKER_SESSION_IDLE_MINUTES", "0")
    with pytest.raises(ConfigError, match="TRACKER_SESSION_IDLE_MINUTES"):
        load_config(tmp_path, {"ENV_NAME": "test"})


def test_old_sessions_are_deleted_at_a_later_login(session, client, make_user, time_machine):
    from tracker.accounts.models import UserSession

    time_machine.move_to(START, tick=False)
    make_user(Role.reader, email="x@example.se")
    _form_login(client, "x@example.se")
    client.post("/logout")
    time_machine.move_to(START + timedelta(days=31), tick=False)
    _form_login(client, "x@example.se")
    session.rollback()
    sessions = session.exec(select(UserSession)).all()
    assert [(s.ended_at, s.created_at) for s in sessions] == [(None, START + timedelta(days=31))]
