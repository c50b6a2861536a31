"""Two real `tracker scheduler` processes: only one runs jobs, and an email goes out once."""
from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading

import pytest
from sqlmodel import Session, select

from tests.conftest import ROOT
from tracker.db import ENGINE_KEY
from tracker.notifications import service
from tracker.notifications.models import NotificationKind
from tracker.scheduler.lock import WAITING_MESSAGE
from tracker.scheduler.models import JobRun

TIMEOUT = 60
DELIVERED = "Jobbet deliver_notifications: ok"


class SchedulerProcess:
    """`tracker scheduler` as a child process; its log lines arrive on a queue."""

    def __init__(self, env: dict[str, str]) -> None:
        command = [sys.executable, "-c", "from tracker.__main__ import main; main()", "scheduler", "--poll", "0.1"]
        self.proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, encoding="utf-8")
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.proc.stderr:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def expect(self, wanted: str) -> None:
        while True:
            try:
                line = self.lines.get(timeout=TIMEOUT)
            except queue.Empty:
                pytest.fail(f"no {wanted!r} within {TIMEOUT} s; saw:\n" + "\n".join(self.seen))
            if line is None:
                pytest.fail(f"the process ended before {wanted!r}; saw:\n" + "\n".join(self.seen))
            self.seen.append(line)
            if wanted in line:
                return

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.reader.join(TIMEOUT)
        self.proc.stderr.close()
        return self.proc.returncode


def test_two_scheduler_processes_send_a_notification_once(app, session, make_user, smtp_server, tmp_path):
    received, controller = smtp_server
    user = make_user(email="kontakt@example.se")
    service.notify(session, user=user, kind=NotificationKind.deadline_reminder, key="2026-T3:3d",
                   subject="Påminnelse: rapportera T3 2026", text="Hej!", html="<p>Hej!</p>")
    session.commit()
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "TRACKER_ENV": "test",
           "TRACKER_DATABASE_URL": app.config["DATABASE_URL"], "TRACKER_SMTP_HOST": "127.0.0.1",
           "TRACKER_SMTP_PORT": str(controller.port), "TRACKER_SMTP_SECURITY": "none",
           "TRACKER_SCORECARD_DIR": str(tmp_path / "scorecards"), "TRACKER_BACKUP_DIR": str(tmp_path / "backups"),
           "TRACKER_OUTBOX_DIR": str(tmp_path / "outbox")}
    first = SchedulerProcess(env)
    second = None
    try:
        first.expect(DELIVERED)
        second = SchedulerProcess(env)
        second.expect(WAITING_MESSAGE)
        assert [r.recipients for r in received.received] == [["kontakt@example.se"]]

        first.proc.kill()  # dies without stopping cleanly: the lock is freed by the OS or the server
        first.proc.wait()
        second.expect("Schemaläggningslåset är taget")
        second.expect(DELIVERED)  # the waiting process took over and ran the job at start ...
        assert second.stop() == 0
    finally:
        first.stop()
        if second is not None:
            second.stop()
    # ... and sent nothing again.
    assert len(received.received) == 1
    assert received.received[0].message["Subject"] == "Påminnelse: rapportera T3 2026"
    with Session(app.extensions[ENGINE_KEY]) as check:
        deliveries = check.exec(select(JobRun).where(JobRun.job_id == "deliver_notifications")).all()
    assert len(deliveries) == 2
    assert len({run.process for run in deliveries}) == 2  # one run in each process, one after the other
