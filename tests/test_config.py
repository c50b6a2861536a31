"""Configuration comes from the environment; production refuses an unsafe secret key."""
from __future__ import annotations

import pytest

from tracker import create_app
from tracker.config import DEV_SECRET_KEY, ConfigError


@pytest.mark.parametrize("key", [None, "", "short", DEV_SECRET_KEY])
def test_production_refuses_to_start_without_a_real_secret_key(monkeypatch, key, tmp_path):
    monkeypatch.delenv("TRACKER_ENV", raising=False)  # production is the default
    monkeypatch.setenv("TRACKER_DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    if key is None:
        monkeypatch.delenv("TRACKER_SECRET_KEY", raising=False)
    else:
        monkeypatch.setenv("TRACKER_SECRET_KEY", key)
    with pytest.raises(ConfigError, match="TRACKER_SECRET_KEY"):
        create_app()


def test_production_starts_with_a_real_key_and_the_configured_database(monkeypatch, tmp_path):
    monkeypatch.delenv("TRACKER_ENV", raising=False)
    monkeypatch.setenv("TRACKER_SECRET_KEY", "k" * 48)
    monkeypatch.setenv("TRACKER_DATABASE_URL", f"sqlite:///{tmp_path / 'prod.db'}")
    app = create_app()
    assert app.config["DATABASE_URL"].endswith("prod.db")
    assert app.config["SECRET_KEY"] == "k" * 48


def test_development_has_a_default_key_and_a_sqlite_file_under_instance(monkeypatch):
    monkeypatch.setenv("TRACKER_ENV", "development")
    monkeypatch.delenv("TRACKER_SECRET_KEY", raising=False)
    monkeypatch.delenv("TRACKER_DATABASE_URL", raising=False)
    app = create_app()
    assert app.config["SECRET_KEY"] == DEV_SECRET_KEY
    assert app.config["DATABASE_URL"] == f"sqlite:///{app.instance_path}/tracker.db"
