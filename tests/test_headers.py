"""Response headers: never framed, HTTPS remembered in production, nothing a logged-in user gets kept in a cache."""
from __future__ import annotations

import pytest

from tests.conftest import TEST_SECRET
from tests.funds.factories import COORDINATOR
from tracker import create_app
from tracker.accounts.access import PUBLIC, allowed_roles
from tracker.accounts.models import Role
from tracker.config import load_config
from tracker.db import get_engine
from tracker.funds import service as funds
from tracker.funds.documents import archive_compilation

from .test_access_matrix import RULES, _url, sample_args  # noqa: F401  (sample_args is a fixture)

GET_RULES = [(endpoint, rule) for endpoint, rule, method in RULES if method == "GET"]
STATIC = "/static/css/app.css"


def _role_for(endpoint: str) -> Role | None:
    """A role the route is for (None for a public page)."""
    roles = allowed_roles(endpoint)
    return None if PUBLIC in roles else next(r for r in (Role.coordinator, Role.admin, Role.contact, Role.reader)
                                             if r in roles)


def _get(client, path: str, **kwargs):
    """The response, closed (a static file is sent from an open file)."""
    response = client.get(path, **kwargs)
    response.close()
    return response


def test_every_page_and_asset_refuses_to_be_framed(client, reader):
    for path in ("/login", STATIC, "/", "/finns-inte"):
        response = _get(reader, path)
        assert response.headers["X-Frame-Options"] == "DENY", path
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert _get(client, "/finns-inte").status_code == 404


def test_hsts_is_sent_in_production_only(database_url, tmp_path, client):
    production = create_app({"ENV_NAME": "production", "DATABASE_URL": database_url, "SECRET_KEY": TEST_SECRET,
                             "BASE_URL": "https://tracker.example.se", "SCORECARD_DIR": tmp_path / "scorecards"})
    try:
        for path in ("/login", STATIC):
            response = _get(production.test_client(), path, base_url="https://tracker.example.se")
            assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains", path
    finally:
        with production.app_context():
            get_engine().dispose()
    assert "Strict-Transport-Security" not in client.get("/login").headers  # the test (and development) app


@pytest.mark.parametrize(("env", "value", "sent"), [
    ("production", None, 31536000), ("production", "0", 0), ("production", "600", 600),
    ("development", None, 0), ("test", None, 0), ("development", "600", 600),
])
def test_hsts_max_age_follows_the_environment(monkeypatch, tmp_path, env, value, sent):
    if value is None:
        monkeypatch.delenv("TRACKER_HSTS_MAX_AGE", raising=False)
    else:
        monkeypatch.setenv("TRACKER_HSTS_MAX_AGE", value)
    assert load_config(tmp_path, {"ENV_NAME": env, "SECRET_KEY": TEST_SECRET})["HSTS_MAX_AGE"] == sent


def test_every_page_a_logged_in_user_gets_is_not_stored(app, client, login, sample_args):  # noqa: F811
    args, users = sample_args
    pages = 0
    for endpoint, _rule in GET_RULES:
        with app.test_request_context():
            role = _role_for(endpoint)
        if role is None:
            continue
        login(users[role])
        response = client.get(_url(app, endpoint, args))
        assert response.headers.get("Cache-Control") == "no-store", f"{endpoint}: {response.status_code}"
        pages += response.status_code == 200
    assert pages >= 30  # real pages, not only refusals


def test_the_login_page_is_not_stored_but_its_assets_may_be(client):
    assert client.get("/login").headers["Cache-Control"] == "no-store"
    asset = _get(client, STATIC)
    assert asset.status_code == 200 and "no-store" not in asset.headers.get("Cache-Control", "")


@pytest.fixture
def archived_compilation(seeded, app):
    """The 2016 funds compilation in the archive, as PDF and as Word."""
    return archive_compilation(seeded, app.config["SCORECARD_DIR"], funds.get_year(seeded, 2016), actor=COORDINATOR)


def test_every_export_and_download_is_not_stored(client, login, make_user, archived_compilation):
    pdf, word = archived_compilation
    login(make_user(Role.coordinator))
    downloads = {
        "effect_goals.export_csv": "/effektmal/export.csv?ar=2023",
        "effect_goals.export_xlsx": "/effektmal/export.xlsx?ar=2023",
        "funds.export_year": "/medel/2016/export.xlsx",
        "archive.download": f"/arkiv/dokument/{pdf.id}",
    }
    assert set(downloads) == {endpoint for endpoint, rule in GET_RULES
                              if "export" in rule or "dokument" in rule}  # a new download is tried here too
    for url in [*downloads.values(), f"/arkiv/dokument/{word.id}"]:  # the PDF and the Word file
        response = client.get(url)
        assert response.status_code == 200, url
        assert "filename=" in response.headers["Content-Disposition"], url
        assert response.headers["Cache-Control"] == "no-store", url
        assert "Expires" not in response.headers, url
