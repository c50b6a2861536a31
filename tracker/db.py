"""Database engine, the per-request session, and column types shared by all areas."""
from __future__ import annotations

import fcntl
import os
import re
import time
from datetime import UTC

import sqlalchemy as sa
from flask import Flask, current_app, g, got_request_exception
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel

ENGINE_KEY = "tracker.engine"

# Deterministic constraint names, the same on SQLite and PostgreSQL, so that
# migrations can refer to them and `alembic check` sees no drift.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(sa.types.TypeDecorator):
    """A datetime stored in UTC and always returned timezone-aware.

    SQLite has no time zone support, so aware values are stored as naive UTC
    there and marked UTC again on the way out. Naive values are refused: a
    naive datetime is ambiguous (local or UTC?) and would be shown wrongly.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime; use tracker.clock.utcnow() or an aware value")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys, a busy timeout, real transactions and writers taking turns."""
    if url.startswith("sqlite"):
        engine = sa.create_engine(
            url, echo=echo, connect_args={"check_same_thread": False, "timeout": 15}
        )
        event.listen(engine, "connect", _configure_sqlite)
        event.listen(engine, "begin", _begin_sqlite)
        event.listen(engine, "before_cursor_execute", _send_sqlite_begin)
        event.listen(engine, "commit", _end_sqlite)
        event.listen(engine, "rollback", _end_sqlite)
        for returned in ("checkin", "invalidate", "close"):  # back in the pool, or gone: its turn is over
            event.listen(engine.pool, returned, _release_writer)
        return engine
    return sa.create_engine(url, echo=echo, pool_pre_ping=True)


def _configure_sqlite(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.close()
    # SQLAlchemy's pysqlite recipe: the driver sends no BEGIN of its own (it sends none
    # before a SAVEPOINT or DDL, so a savepoint as a transaction's first write was
    # committed on release); `_send_sqlite_begin` sends it instead.
    dbapi_connection.isolation_level = None


_SQLITE_BEGUN = "tracker.sqlite_begun"  # in connection.info: False until BEGIN IMMEDIATE is sent
_WRITE = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE|SAVEPOINT|CREATE|DROP|ALTER)\b", re.IGNORECASE)
_WRITE_IN_WITH = re.compile(r"\s*WITH\b.*\b(INSERT|UPDATE|DELETE)\b", re.IGNORECASE | re.DOTALL)


def _begin_sqlite(connection) -> None:
    connection.info[_SQLITE_BEGUN] = False
    _end_turn(connection.info)  # kept since a commit on a connection not given back


_WRITER = "tracker.sqlite_writer"  # in connection.info: the open lock file of the turn this connection holds
_TURN_WAIT = 15.0  # seconds, as busy_timeout; then BEGIN IMMEDIATE waits (and fails) as before


def _take_turn(connection) -> None:
    """Wait for the database's writer turn, a lock on a file beside it shared by every process on the machine.

    SQLite's busy handler sleeps in growing steps of up to 100 ms between its
    tries, so under many concurrent saves a writer could sleep long after the
    database was free. Waiting here, a writer tries again every millisecond.
    """
    database = connection.engine.url.database
    if not database or database == ":memory:" or _WRITER in connection.info:
        return
    handle = os.open(f"{database}-writer", os.O_RDWR | os.O_CREAT, 0o600)
    deadline = time.monotonic() + _TURN_WAIT
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            connection.info[_WRITER] = handle
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                os.close(handle)
                return
            time.sleep(0.001)


def _release_writer(_dbapi_connection, record, *_exception) -> None:
    # Not at "commit": that event comes before SQLite's COMMIT, and the next writer would meet SQLite's lock.
    _end_turn(record.info)


def _end_turn(info: dict) -> None:
    if (handle := info.pop(_WRITER, None)) is not None:
        os.close(handle)  # closing the file ends its lock


def _end_sqlite(connection) -> None:
    if not connection.invalidated:  # a lost connection has no info to clear (and asking would reconnect)
        connection.info.pop(_SQLITE_BEGUN, None)


def _send_sqlite_begin(connection, cursor, statement, _parameters, _context, _executemany) -> None:
    """Send BEGIN IMMEDIATE before a transaction's first write (a savepoint and DDL count as writes).

    Reads before it run on their own, each seeing the latest commit, as at
    PostgreSQL's READ COMMITTED. A BEGIN before the reads would give each
    transaction one snapshot, but SQLite cannot turn a snapshot into a write once
    another connection has committed after it: it answers "database is locked" at
    once, without waiting. BEGIN IMMEDIATE takes the write lock first, waiting its
    turn under busy_timeout; from there on the transaction is serializable.
    """
    if connection.info.get(_SQLITE_BEGUN) is False and (_WRITE.match(statement) or _WRITE_IN_WITH.match(statement)):
        _take_turn(connection)
        cursor.execute("BEGIN IMMEDIATE")
        connection.info[_SQLITE_BEGUN] = True


def init_app(app: Flask) -> None:
    """Create the app's engine, roll back a failed request's session, close the session at teardown."""
    app.extensions[ENGINE_KEY] = make_engine(app.config["DATABASE_URL"])
    got_request_exception.connect(_roll_back_session, app)
    app.teardown_appcontext(_close_session)


def get_engine() -> Engine:
    return current_app.extensions[ENGINE_KEY]


def get_session() -> Session:
    """Return the session of the current request or CLI command."""
    if "db_session" not in g:
        g.db_session = Session(get_engine(), expire_on_commit=False)
    return g.db_session


def _roll_back_session(_sender, **_extra) -> None:
    """Before the error page is drawn: it reads the user, which a failed flush left unreadable."""
    session = g.get("db_session")
    if session is not None:
        session.rollback()


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
