"""The engine's transactions: savepoints and DDL belong to their transaction, and a write after reads waits its turn."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy import text
from sqlmodel import Session, select

from tracker.db import ENGINE_KEY
from tracker.organisations.models import Organisation, OrgKind


def _org(slug: str) -> Organisation:
    return Organisation(slug=slug, name=f"Organisation {slug}", short_name=slug, kind=OrgKind.district)


def _slugs(engine) -> set[str]:
    with Session(engine) as session:
        return set(session.exec(select(Organisation.slug)))


@pytest.fixture
def engine(app):
    return app.extensions[ENGINE_KEY]


def test_a_savepoint_as_first_write_is_rolled_back_with_its_transaction(engine):
    with Session(engine) as session:
        with session.begin_nested():  # the transaction's first write, as in notifications.record_once
            session.add(_org("in-savepoint"))
        session.add(_org("after-savepoint"))
        session.flush()
        session.rollback()
    assert _slugs(engine) == set()


def test_a_savepoint_rolled_back_keeps_the_rest_of_its_transaction(engine):
    with Session(engine) as session:
        session.add(_org("before"))
        with pytest.raises(RuntimeError), session.begin_nested():
            session.add(_org("taken-back"))
            session.flush()
            raise RuntimeError("the savepoint's work is taken back")
        session.commit()
    assert _slugs(engine) == {"before"}


def test_ddl_is_rolled_back_with_its_transaction(engine):
    with engine.connect() as connection:
        connection.execute(text("CREATE TABLE scratch (id INTEGER PRIMARY KEY)"))
        connection.rollback()
    with engine.connect() as connection:
        assert "scratch" not in sa.inspect(connection).get_table_names()


def test_reads_before_the_first_write_see_the_latest_commit_on_both_databases(engine):
    # READ COMMITTED, PostgreSQL's default: the app and its tests read the same way on SQLite.
    with Session(engine) as reader:
        assert reader.exec(select(Organisation.slug)).all() == []
        with Session(engine) as writer:
            writer.add(_org("meanwhile"))
            writer.commit()
        assert reader.exec(select(Organisation.slug)).all() == ["meanwhile"]


def test_a_transaction_that_read_before_another_commit_can_still_write(engine):
    # On SQLite a read snapshot cannot be upgraded once someone else has committed
    # ("database is locked" at once, without waiting): the first write must start afresh.
    with Session(engine) as session:
        assert session.exec(select(Organisation)).all() == []
        with Session(engine) as other:
            other.add(_org("other"))
            other.commit()
        with session.begin_nested():
            session.add(_org("mine"))
        session.commit()
    assert _slugs(engine) == {"other", "mine"}


def test_a_plain_write_after_reading_an_older_snapshot_succeeds(engine):
    with engine.connect() as connection:
        connection.execute(text("SELECT count(*) FROM organisation")).scalar_one()
        with Session(engine) as other:
            other.add(_org("other"))
            other.commit()
        connection.execute(text(
            "INSERT INTO organisation (slug, name, short_name, kind, active) "
            "VALUES ('raw', 'Raw', 'raw', 'district', true)"))
        connection.commit()
    assert _slugs(engine) == {"other", "raw"}


def test_a_request_whose_commit_failed_still_gets_the_error_page(app, make_user, login):
    from tracker.accounts.access import allow
    from tracker.accounts.models import Role
    from tracker.db import get_session

    @app.post("/test/duplicate-organisations")
    @allow(Role.reader)
    def duplicate_organisations():
        session = get_session()
        session.add_all([_org("same"), _org("same")])
        session.commit()  # the unique slug fails the flush inside the commit

    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the error page answers
    client = login(make_user(Role.reader))

    response = client.post("/test/duplicate-organisations")

    assert response.status_code == 500
    assert "Ett oväntat fel inträffade. Ingenting sparades." in response.get_data(as_text=True)
    assert client.get("/").status_code == 200
    assert _slugs(app.extensions[ENGINE_KEY]) == set()



def test_a_connection_lost_in_the_middle_of_a_write_can_be_rolled_back(engine):
    with engine.connect() as connection:
        connection.execute(text("INSERT INTO organisation (slug, name, short_name, kind, active) "
                                "VALUES ('lost', 'Lost', 'lost', 'district', true)"))
        connection.invalidate()
        connection.rollback()  # the engine's end-of-transaction hook must not try to reconnect
    assert _slugs(engine) == set()


@pytest.fixture
def sqlite_engine(engine):
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's writers take turns on a file beside the database; PostgreSQL locks rows")
    return engine


def _turn_is_free(engine) -> bool:
    import fcntl
    import os

    handle = os.open(f"{engine.url.database}-writer", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(handle)


def test_sqlite_writers_take_turns_and_both_get_written(sqlite_engine):
    import threading

    second_done = threading.Event()
    errors: list[Exception] = []

    def second_writer():
        try:
            with Session(sqlite_engine) as session:
                session.add(_org("second"))
                session.commit()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        second_done.set()

    with Session(sqlite_engine) as first:
        first.add(_org("first"))
        first.flush()  # BEGIN IMMEDIATE: this connection holds the turn
        assert not _turn_is_free(sqlite_engine)
        thread = threading.Thread(target=second_writer)
        thread.start()
        assert not second_done.wait(0.2)  # it cannot get in while the first transaction is open
        first.commit()
    thread.join(20)
    assert second_done.is_set() and errors == []
    assert _slugs(sqlite_engine) == {"first", "second"}
    assert _turn_is_free(sqlite_engine)


def test_sqlite_writers_turn_ends_with_commit_rollback_failure_a_lost_connection_and_a_new_transaction(
        sqlite_engine):
    with Session(sqlite_engine) as session:
        session.add(_org("kept"))
        session.commit()
    assert _turn_is_free(sqlite_engine)
    with Session(sqlite_engine) as session:
        session.add(_org("taken-back"))
        session.flush()
        session.rollback()
    assert _turn_is_free(sqlite_engine)
    with Session(sqlite_engine) as session:
        session.add(_org("kept"))  # the slug is taken: the flush fails
        with pytest.raises(sa.exc.IntegrityError):
            session.flush()
    assert _turn_is_free(sqlite_engine)
    with sqlite_engine.connect() as connection:
        connection.execute(text("INSERT INTO organisation (slug, name, short_name, kind, active) "
                                "VALUES ('lost', 'Lost', 'lost', 'district', true)"))
        assert not _turn_is_free(sqlite_engine)
        connection.invalidate()
        assert _turn_is_free(sqlite_engine)
        connection.rollback()
    with sqlite_engine.connect() as connection:  # writes again after its commit without waiting for itself
        for slug in ("one", "two"):
            connection.execute(text("INSERT INTO organisation (slug, name, short_name, kind, active) "
                                    f"VALUES ('{slug}', '{slug}', '{slug}', 'district', true)"))
            connection.commit()
    assert _turn_is_free(sqlite_engine)
    assert _slugs(sqlite_engine) == {"kept", "one", "two"}
