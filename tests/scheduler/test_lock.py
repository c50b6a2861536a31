"""The single-runner lock, between real processes and within one."""
from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.conftest import PG_URL, ROOT
from tracker.scheduler.lock import WAITING_MESSAGE, SchedulerLock

TIMEOUT = 20  # seconds before a line that never comes fails the test

# Holds the lock (or not) until its stdin closes; logs go to stdout, one line each.
CHILD = """
import logging, sys
logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="%(message)s")
from tracker.scheduler.lock import SchedulerLock
lock = SchedulerLock(sys.argv[1])
print("LOCKED" if lock.acquire(blocking=sys.argv[2] == "wait", poll=0.05) else "BUSY", flush=True)
sys.stdin.read()
lock.release()
"""


class Child:
    """A child process whose stdout lines arrive on a queue (read by a thread)."""

    def __init__(self, url: str, mode: str) -> None:
        env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
        self.proc = subprocess.Popen([sys.executable, "-c", CHILD, url, mode], cwd=ROOT, env=env,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, encoding="utf-8")
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def expect(self, wanted: str) -> None:
        """Wait for the line `wanted`; anything else is only allowed if it is a log line."""
        seen = []
        while True:
            try:
                line = self.lines.get(timeout=TIMEOUT)
            except queue.Empty:
                pytest.fail(f"no {wanted!r} within {TIMEOUT} s (saw {seen})")
            if line == wanted:
                return
            if line is None or line in ("LOCKED", "BUSY"):
                pytest.fail(f"expected {wanted!r}, got {line!r} (saw {seen})")
            seen.append(line)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.close()  # the child releases and exits
            try:
                self.proc.wait(timeout=TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        elif not self.proc.stdin.closed:
            self.proc.stdin.close()
        self.reader.join(TIMEOUT)
        self.proc.stdout.close()


def _two_runners(url: str) -> None:
    children = []
    try:
        first = Child(url, "wait")
        children.append(first)
        first.expect("LOCKED")

        second = Child(url, "try")
        children.append(second)
        second.expect("BUSY")

        waiter = Child(url, "wait")
        children.append(waiter)
        waiter.expect(WAITING_MESSAGE)  # it is waiting, not holding
        first.proc.kill()  # dies without releasing: the OS/server frees the lock
        first.proc.wait()
        waiter.expect("LOCKED")

        late = Child(url, "try")
        children.append(late)
        late.expect("BUSY")
    finally:
        for child in children:
            child.close()


@pytest.mark.skipif(bool(PG_URL), reason="SQLite file lock; the database is PostgreSQL")
def test_one_runner_at_a_time_on_sqlite(app):
    url = app.config["DATABASE_URL"]
    _two_runners(url)
    database = Path(url.removeprefix("sqlite:///"))
    assert (database.parent / (database.name + ".scheduler.lock")).exists()


@pytest.mark.skipif(not (PG_URL or "").startswith("postgresql"), reason="needs TRACKER_TEST_DATABASE_URL on PostgreSQL")
def test_one_runner_at_a_time_on_postgresql(app):
    _two_runners(app.config["DATABASE_URL"])


@pytest.mark.skipif(bool(PG_URL), reason="SQLite file lock")
def test_lock_in_process_and_released(app):
    url = app.config["DATABASE_URL"]
    with SchedulerLock(url) as held:
        assert held.held
        other = SchedulerLock(url)
        assert other.acquire(blocking=False) is False  # flock is per open file, even in one process
        stop = threading.Event()
        stop.set()
        assert other.acquire(blocking=True, poll=0.01, stop_event=stop) is False
    assert not held.held
    assert other.acquire(blocking=False) is True
    other.release()
