"""One scheduler per installation: a lock held for the life of the scheduler process.

PostgreSQL: a session advisory lock on a dedicated connection (never a pooled one,
which would keep the lock after "close"). SQLite: `flock` on `<db>.scheduler.lock`
beside the database file. Either way the operating system or the server frees the
lock when the process dies, so a waiting scheduler takes over.
"""
from __future__ import annotations

import fcntl
import logging
import os
import threading
from pathlib import Path

from sqlalchemy.engine import URL, make_url

log = logging.getLogger(__name__)
# A fixed 64-bit key for pg_advisory_lock: the bytes of "trackSCH" as a signed bigint.
ADVISORY_LOCK_KEY = int.from_bytes(b"trackSCH", "big", signed=True)
WAITING_MESSAGE = "väntar på schemaläggningslåset"


class LockError(RuntimeError):
    pass


def lock_file_for(url: URL) -> Path:
    """`<db>.scheduler.lock` beside the SQLite database file."""
    if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
        raise LockError(f"Schemaläggningslåset kräver en SQLite-databasfil, inte {url.database!r}.")
    database = Path(url.database).resolve()
    return database.with_name(database.name + ".scheduler.lock")


class SchedulerLock:
    """`with SchedulerLock(url): ...` waits for the lock; `acquire(blocking=False)` only tries."""

    def __init__(self, url: str | URL, *, poll: float = 5.0) -> None:
        self.url = make_url(url) if isinstance(url, str) else url
        self.poll = poll
        self._connection = None  # PostgreSQL: the dedicated psycopg connection holding the lock
        self._file = None  # SQLite: the open, flocked file
        if self.url.get_backend_name() not in ("postgresql", "sqlite"):
            raise LockError(f"Ingen schemaläggningslåsning för {self.url.get_backend_name()}.")

    @property
    def held(self) -> bool:
        return self._connection is not None or self._file is not None

    def acquire(self, blocking: bool = True, poll: float | None = None, *,
                stop_event: threading.Event | None = None) -> bool:
        """Take the lock. Blocking: retry every `poll` seconds until taken (or `stop_event` is set)."""
        if self.held:
            return True
        poll = self.poll if poll is None else poll
        stop_event = stop_event or threading.Event()
        logged = False
        while not stop_event.is_set():
            if self._try():
                log.info("Schemaläggningslåset är taget (pid %s).", os.getpid())
                return True
            if not blocking:
                return False
            if not logged:
                log.info(WAITING_MESSAGE)
                logged = True
            stop_event.wait(poll)
        return False

    def healthy(self) -> bool:
        """Is the lock still ours? False once the PostgreSQL session is gone (server restart,
        terminated backend, network) or the lock file was removed or replaced."""
        if self._connection is not None:
            import psycopg

            try:
                held = self._connection.execute(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
                    " AND pid = pg_backend_pid()").fetchone()[0]
            except psycopg.Error:
                return False
            return held > 0
        if self._file is not None:
            try:
                return os.fstat(self._file.fileno()).st_ino == os.stat(lock_file_for(self.url)).st_ino
            except OSError:
                return False
        return False

    def release(self) -> None:
        if self._connection is not None:
            connection, self._connection = self._connection, None
            try:
                connection.execute("SELECT pg_advisory_unlock(%s)", (ADVISORY_LOCK_KEY,))
            except Exception:  # noqa: BLE001  (closing the connection frees the lock anyway)
                log.warning("Kunde inte släppa schemaläggningslåset; stänger anslutningen.", exc_info=True)
            finally:
                connection.close()
        if self._file is not None:
            handle, self._file = self._file, None
            try:
                fcntl.flock(handle, fcntl.LOCK_UN)
            finally:
                handle.close()

    def __enter__(self) -> SchedulerLock:
        self.acquire(blocking=True)
        return self

    def __exit__(self, *_exc) -> None:
        self.release()

    def _try(self) -> bool:
        if self.url.get_backend_name() == "postgresql":
            return self._try_postgresql()
        return self._try_sqlite()

    def _try_postgresql(self) -> bool:
        import psycopg

        dsn = self.url.set(drivername="postgresql").render_as_string(hide_password=False)
        # Keepalives: if the server stops hearing from us, it ends the session and frees the lock.
        connection = psycopg.connect(dsn, autocommit=True, application_name="tracker scheduler",
                                     keepalives=1, keepalives_idle=30, keepalives_interval=10,
                                     keepalives_count=3)
        try:
            taken = connection.execute("SELECT pg_try_advisory_lock(%s)", (ADVISORY_LOCK_KEY,)).fetchone()[0]
        except BaseException:
            connection.close()
            raise
        if taken:
            self._connection = connection
            return True
        connection.close()
        return False

    def _try_sqlite(self) -> bool:
        path = lock_file_for(self.url)
        handle = open(path, "a+b")  # noqa: SIM115  (kept open while the lock is held)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        except BaseException:
            handle.close()
            raise
        self._file = handle
        return True
