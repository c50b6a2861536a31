"""tracker: follow-up of Stockholm city's programme against violence."""
from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask_babel import Babel
from flask_htmx import HTMX

from tracker import db
from tracker.config import ROOT, load_config

htmx = HTMX()
babel = Babel()


def create_app(test_config: dict | None = None) -> Flask:
    """Create and configure the tracker application."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(load_config(Path(app.instance_path), test_config))

    db.init_app(app)
    htmx.init_app(app)
    babel.init_app(app, default_locale="sv", default_timezone="Europe/Stockholm")

    from tracker import cli, web
    from tracker.organisations.views import bp as organisations_bp
    from tracker.programs.views import bp as programs_bp

    web.init_app(app)
    app.register_blueprint(programs_bp)
    app.register_blueprint(organisations_bp)
    cli.init_app(app)
    return app
