"""Alembic environment: the URL and connection come from tracker's configuration."""
from __future__ import annotations

import os

from alembic import context
from sqlalchemy import engine_from_config, pool

from tracker.db import UTCDateTime
from tracker.models import metadata

config = context.config
# APScheduler keeps its own table; it is not part of our schema.
EXTERNAL_TABLES = {"apscheduler_jobs"}


def include_object(obj, name, type_, reflected, compare_to):
    return not (type_ == "table" and name in EXTERNAL_TABLES)


def render_item(type_, obj, autogen_context):
    """Render our UTC type as a plain timezone-aware DateTime in migrations."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _configure(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        include_object=include_object,
        render_item=render_item,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    url = os.environ.get("TRACKER_DATABASE_URL", "sqlite:///instance/tracker.db")
    engine = engine_from_config({"sqlalchemy.url": url}, prefix="sqlalchemy.", poolclass=pool.NullPool)
    with engine.connect() as conn:
        _configure(conn)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("Offline migrations are not supported: run `tracker db upgrade`.")
run_migrations_online()
