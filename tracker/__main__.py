"""The `tracker` command (also `python -m tracker`): Flask's command group around the app factory."""
from __future__ import annotations

import click
from flask.cli import FlaskGroup

from tracker import create_app
from tracker.config import ConfigError


def _create_app():
    try:
        return create_app()
    except ConfigError as error:  # a message for the operator, not a stack trace
        raise click.ClickException(str(error)) from None


main = FlaskGroup(create_app=_create_app, help="tracker: uppföljning av programmet mot våld.")

if __name__ == "__main__":
    main()
