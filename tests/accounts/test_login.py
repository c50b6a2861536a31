"""Logging in and out: argon2 passwords, throttling, safe cookies and redirects, CSRF."""
from __future__ import annotations

import re

import pytest
from sqlmodel import select

from tests.conftest import PASSWORD, TEST_SECRET
from tracker import create_app
from tracker.accounts import service
from tracker.accounts.models import Role, User


def _login(client, email, password, **kwargs):
    return client.post("/login", data={"email": email, "password": password}, **kwargs)


def test_login_form_has_labelled_swedish_fields(client):
    page = client.get("/login").get_data(as_text=True)
    assert re.search(r'<label for="email">E-post</label>', page)
    assert re.search(r'<label for="password">Lösenord</label>', page)
    assert 'autocomplete="current-password"' in page


def test_correct_password_logs_in_and_records_the_time(client, session, make_user):
    user = make_user(Role.reader, email="lasare@example.se")
    response = _login(client, "Lasare@Example.se ", PASSWORD)
    assert response.status_code == 303
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain http in tests; production sets Secure
    assert client.get("/").status_code == 200
    session.expire_all()
    assert session.get(User, user.id).last_login_at is not None


@pytest.mark.parametrize("case", ["wrong-password", "unknown-user", "inactive", "invited-not-set"])
def test_failed_login_says_so_without_revealing_which_part(client, session, make_user, case):
    user = make_user(Role.reader, email="x@example.se", active=case != "inactive")
    if case == "invited-not-set":
        user.password_hash = ""
        session.add(user)
        session.commit()
    email = "nobody@example.se" if case == "unknown-user" else "x@example.se"
    password = "fel-lösenord-999" if case == "wrong-password" else PASSWORD
    response = _login(client, email, "" if case == "invited-not-set" else password)
    if case == "invited-not-set":
        assert response.status_code == 200 and "Fältet måste fyllas i." in response.get_data(as_text=True)
        response = _login(client, email, "vad-som-helst-123")
    assert response.status_code == 200
    assert "Fel e-post eller lösenord" in response.get_data(as_text=True)
    assert client.get("/").status_code == 303  # still anonymous


class CountingHasher:
    """The app's password hasher, counting the hashes it verifies."""

    def __init__(self, hasher):
        self.hasher, self.verified = hasher, 0

    def verify(self, password_hash, password):
        self.verified += 1
        return self.hasher.verify(password_hash, password)

    def __getattr__(self, name):
        return getattr(self.hasher, name)


@pytest.mark.parametrize("case", ["right-password", "wrong-password", "unknown-user", "inactive", "invited-not-set"])
def test_every_login_verifies_exactly_one_password_hash(client, session, make_user, monkeypatch, case):
    """An unknown, inactive or invited account costs the same hash check as a real one: timing tells nothing."""
    user = make_user(Role.reader, email="x@example.se", active=case != "inactive")
    if case == "invited-not-set":
        user.password_hash = ""
        session.add(user)
        session.commit()
    counting = CountingHasher(service._hasher)
    monkeypatch.setattr(service, "_hasher", counting)
    email = "nobody@example.se" if case == "unknown-user" else "x@example.se"
    response = _login(client, email, "fel-lösenord-999" if case == "wrong-password" else PASSWORD)
    assert response.status_code == (303 if case == "right-password" else 200)
    assert counting.verified == 1


def test_login_is_throttled_after_repeated_failures(client, make_user):
    make_user(Role.reader, email="x@example.se")
    for _ in range(5):
        assert _login(client, "x@example.se", "fel-lösenord-999").status_code == 200
    throttled = _login(client, "x@example.se", PASSWORD)
    assert throttled.status_code == 429
    assert "För många" in throttled.get_data(as_text=True)


def test_successful_logins_do_not_count_against_the_limit(client, make_user):
    make_user(Role.reader, email="x@example.se")
    for _ in range(7):
        assert _login(client, "x@example.se", PASSWORD).status_code == 303
        client.post("/logout")


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example"])
def test_login_never_redirects_to_another_site(client, make_user, target):
    make_user(Role.reader, email="x@example.se")
    response = _login(client, "x@example.se", PASSWORD, query_string={"next": target})
    assert "evil.example" not in response.headers["Location"]


@pytest.mark.parametrize("target", ["/x\ny", "/x\r\nSet-Cookie: a=b", "/x\u2028y", "/x\ty"])
def test_control_characters_in_next_are_ignored_instead_of_failing(client, make_user, target):
    make_user(Role.reader, email="x@example.se")
    response = _login(client, "x@example.se", PASSWORD, query_string={"next": target})
    assert response.status_code == 303 and not response.headers["Location"].startswith("/x")
    again = client.get("/login", query_string={"next": target})  # already logged in
    assert again.status_code == 302 and not again.headers["Location"].startswith("/x")
    language = client.get("/sprak/en", query_string={"next": target})
    assert language.status_code == 303 and not language.headers["Location"].startswith("/x")


def test_login_continues_to_the_page_asked_for(client, make_user, seeded):
    make_user(Role.reader, email="x@example.se")
    asked = client.get("/organisation/farsta")
    assert asked.status_code == 303 and "next=/organisation/farsta" in asked.headers["Location"]
    response = _login(client, "x@example.se", PASSWORD, query_string={"next": "/organisation/farsta"})
    assert response.headers["Location"] == "/organisation/farsta"


def test_logout_ends_the_session(client, make_user, login):
    login(make_user(Role.reader))
    assert client.get("/").status_code == 200
    assert client.post("/logout").status_code == 303
    assert client.get("/").status_code == 303


def test_htmx_request_without_login_is_told_where_to_go(client):
    response = client.get("/", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/login")


def test_production_cookies_are_secure(monkeypatch, database_url):
    monkeypatch.delenv("TRACKER_COOKIE_SECURE", raising=False)
    app = create_app({"ENV_NAME": "production", "DATABASE_URL": database_url, "SECRET_KEY": TEST_SECRET})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True


class TestCsrf:
    @pytest.fixture
    def client(self, app):
        app.config["WTF_CSRF_ENABLED"] = True
        return app.test_client()

    def test_post_without_token_is_refused_with_a_clear_message(self, client, make_user, login):
        login(make_user(Role.reader))
        response = client.post("/logout")
        assert response.status_code == 400
        assert "säkerhetstoken" in response.get_data(as_text=True)
        assert client.get("/").status_code == 200  # still logged in

    def test_htmx_requests_send_the_token_from_the_layout(self, client, make_user, login):
        login(make_user(Role.reader))
        page = client.get("/").get_data(as_text=True)
        token = re.search(r'hx-headers=\'\{"X-CSRFToken": "([^"]+)"\}\'', page).group(1)
        response = client.post("/logout", headers={"X-CSRFToken": token, "HX-Request": "true"})
        assert response.status_code == 303

    def test_login_form_carries_its_token(self, client, make_user):
        make_user(Role.reader, email="x@example.se")
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        response = client.post("/login", data={"email": "x@example.se", "password": PASSWORD, "csrf_token": token})
        assert response.status_code == 303


def test_user_table_has_no_plain_passwords(session, make_user):
    make_user(Role.reader)
    hashes = session.exec(select(User.password_hash)).all()
    assert all(h.startswith("$argon2id$") for h in hashes)
