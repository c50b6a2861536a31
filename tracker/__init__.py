"""tracker: follow-up of Stockholm city's programme against violence."""
from __future__ import annotations

from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from tracker import db
from tracker.config import ROOT, load_config
from tracker.extensions import babel, csrf, htmx, login_manager


def create_app(test_config: dict | None = None) -> Flask:
    """Create and configure the tracker application."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(load_config(Path(app.instance_path), test_config))
    if proxies := app.config["PROXY_COUNT"]:  # believe X-Forwarded-For/-Proto from that many proxies (README)
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)

    db.init_app(app)
    htmx.init_app(app)
    from tracker.web import UrlInteger, select_locale

    app.url_map.converters["int"] = UrlInteger  # an id beyond an integer column is a 404, not a database error

    babel.init_app(app, default_locale="sv", default_timezone="Europe/Stockholm", locale_selector=select_locale)
    csrf.init_app(app)
    from tracker import pagecache

    # A stand-in token in pages to be remembered; Flask-WTF sets both the global and a context processor.
    app.jinja_env.globals["csrf_token"] = pagecache.csrf_token
    app.context_processor(lambda: {"csrf_token": pagecache.csrf_token})
    login_manager.init_app(app)

    from tracker import cli, errors, web
    from tracker.accounts import access
    from tracker.accounts.views import bp as accounts_bp
    from tracker.archive.views import bp as archive_bp
    from tracker.effect_goals.views import bp as effect_goals_bp
    from tracker.followup.views import bp as followup_bp
    from tracker.funds.manage import bp as funds_manage_bp
    from tracker.funds.views import bp as funds_bp
    from tracker.home.views import bp as home_bp
    from tracker.notifications.views import bp as notifications_bp
    from tracker.organisations.views import bp as organisations_bp
    from tracker.periods.views import bp as periods_bp
    from tracker.programs.views import bp as programs_bp
    from tracker.reporting.views import bp as reporting_bp
    from tracker.reports.views import bp as reports_bp
    from tracker.scheduler.views import bp as scheduler_bp
    from tracker.scorecards.views import bp as scorecards_bp

    access.init_app(app)
    web.init_app(app)
    errors.init_app(app)
    for blueprint in (home_bp, accounts_bp, programs_bp, organisations_bp, reporting_bp, followup_bp,
                      periods_bp, scorecards_bp, reports_bp, archive_bp, effect_goals_bp, notifications_bp,
                      scheduler_bp, funds_bp, funds_manage_bp):
        app.register_blueprint(blueprint)
    cli.init_app(app)
    if app.config["EMBEDDED_SCHEDULER"] and not app.testing:
        from tracker.scheduler.runner import start_embedded

        start_embedded(app)
    return app
