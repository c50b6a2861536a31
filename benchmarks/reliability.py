"""Reliability benchmark: acknowledged writes under load, concurrent edits, crashes, backup under load, fuzzing.

Serves tracker with gunicorn (2 workers × 8 threads, as in production) on loopback
against a fresh migrated and seeded database (plus `demo-data --scale small` for an
open tertial), beside a `tracker scheduler` process. 50 contacts (one or two
organisations each) log in through the real form with CSRF on and for a bounded time
save drafts, submit, and read the tertial pages and the funds usage report. Meanwhile
a coordinator starts styrkort generations and "Kör nu" runs, the database is backed up
(`tracker backup`, or pg_dump), one worker and then the whole server are killed with
SIGKILL and the server is started again. Afterwards every acknowledged write must be in
the database at the version its answer gave (and every write acknowledged before the
backup began must be in the restored backup): lost writes, silent overwrites, server
errors and database-busy errors must all be 0.

    .venv/bin/python benchmarks/reliability.py [--db sqlite|postgresql|both] [--seconds 60]
        [--clients 50] [--fuzz-examples N]

PostgreSQL gets databases of its own (`--pg-database`, default tracker_reliability,
and <name>_restore) from .ci/start-postgres. Results: benchmarks/results/reliability.md.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import re
import secrets
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
RESULTS = ROOT / "benchmarks" / "results" / "reliability.md"
PASSWORD = "tillförlitlighet-lösenord-7"
HOT_ORG = "demo-org-001"  # every fifth contact reports for it: its first commitment is edited by all of them
FUNDS_YEAR = 2022  # has an allocation in the seeds; opened for reporting here
BUSY = re.compile(r"database is locked|database table is locked|SQLITE_BUSY|deadlock detected|"
                  r"could not serialize|lock timeout", re.IGNORECASE)
VERSION = re.compile(r'name="version" value="(\d*)"')
NO_ANSWER = 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# Preparing the database

@dataclass
class Contact:
    email: str
    orgs: list[str]
    funds_org: str | None


@dataclass
class World:
    period: str
    period_id: int
    commitments: dict[str, list[int]]  # organisation slug → its commitments in the demo programme
    versions: dict[int, int]  # commitment → its report's version in the open tertial
    hot_commitment: int
    contacts: list[Contact]
    coordinator: str
    reminder_days: int


def prepare(url: str, clients: int) -> World:
    """Migrate, seed, add demo data and the benchmark's users, open the funds year's reporting."""
    from sqlmodel import Session, select

    from tracker import clock, create_app, migrate
    from tracker.accounts.models import Role, User, UserOrganisation
    from tracker.accounts.service import hash_password
    from tracker.db import ENGINE_KEY
    from tracker.demo import service as demo
    from tracker.funds import reporting_round
    from tracker.funds.models import Allocation, FundYear
    from tracker.organisations.models import Organisation
    from tracker.periods.models import PeriodState, ReportingPeriod
    from tracker.programs.models import Commitment
    from tracker.reporting.models import StatusReport
    from tracker.seeding import service as seeding
    from tracker.seeding.files import read_bundle

    app = create_app({"ENV_NAME": "development", "DATABASE_URL": url, "SECRET_KEY": secrets.token_urlsafe(48)})
    engine = app.extensions[ENGINE_KEY]
    today = clock.today()
    with app.app_context(), Session(engine, expire_on_commit=False) as session:
        migrate.upgrade(engine)
        seeding.apply(session, read_bundle(ROOT / "seeds"), today=today)
        demo.generate(session, size=demo.SCALES["small"], today=today)
        period = session.exec(select(ReportingPeriod).where(ReportingPeriod.state == PeriodState.open)).one()
        slugs = dict(session.exec(select(Organisation.id, Organisation.slug)).all())
        commitments: dict[str, list[int]] = defaultdict(list)
        for cid, org_id in session.exec(select(Commitment.id, Commitment.organisation_id)
                                        .where(Commitment.active).order_by(Commitment.id)):
            if slugs[org_id].startswith("demo-org-"):
                commitments[slugs[org_id]].append(cid)
        fund_year = session.exec(select(FundYear).where(FundYear.year == FUNDS_YEAR)).one()
        funded = [slugs[i] for i in session.exec(select(Allocation.organisation_id).where(
            Allocation.fund_year_id == fund_year.id).order_by(Allocation.position, Allocation.id))]
        hashed, by_slug = hash_password(PASSWORD), {s: i for i, s in slugs.items()}
        coordinator = User(email="samordnare@rel.test", name="Samordnare", role=Role.coordinator,
                           password_hash=hashed)
        session.add(coordinator)
        contacts = [_contact(i, sorted(commitments), funded) for i in range(clients)]
        for i, contact in enumerate(contacts):
            user = User(email=contact.email, name=f"Kontakt {i}", role=Role.contact, password_hash=hashed)
            session.add(user)
            session.flush()
            for slug in contact.orgs + ([contact.funds_org] if contact.funds_org else []):
                session.add(UserOrganisation(user_id=user.id, organisation_id=by_slug[slug]))
        session.flush()
        reporting_round.open_reporting(session, fund_year=fund_year, deadline=today + timedelta(days=14),
                                       actor=coordinator)
        versions = dict(session.exec(select(StatusReport.commitment_id, StatusReport.version)
                                     .where(StatusReport.period_id == period.id)).all())
        session.commit()
        world = World(period.code, period.id, dict(commitments), versions, commitments[HOT_ORG][0], contacts,
                      coordinator.email, (period.deadline - today).days)
    engine.dispose()
    return world


def _contact(i: int, demo_orgs: list[str], funded: list[str]) -> Contact:
    """Every fifth contact reports for HOT_ORG; every second also for a nämnd in the funds year."""
    others = [s for s in demo_orgs if s != HOT_ORG]
    org = HOT_ORG if i % 5 == 0 else others[i % len(others)]
    return Contact(f"kontakt{i}@rel.test", [org], funded[(i // 2) % len(funded)] if i % 2 == 0 else None)


# The server and the scheduler

class Server:
    """gunicorn as in production (2 workers, threads), in a process group of its own so that it can be killed whole."""

    def __init__(self, env: dict, log: Path, port: int | None = None):
        self.env, self.log, self.port = env, log, port or free_port()
        self.process: subprocess.Popen | None = None

    def start(self) -> float:
        """Start and wait until the login page answers; return how long that took."""
        t0 = time.monotonic()
        with self.log.open("a") as log:
            self.process = subprocess.Popen(
                [str(BIN / "gunicorn"), "--workers", "2", "--worker-class", "gthread", "--threads", "8",
                 "--keep-alive", "30", "--graceful-timeout", "10", "--bind", f"127.0.0.1:{self.port}",
                 "--log-level", "warning", "tracker:create_app()"],
                env=self.env, cwd=ROOT, stdout=log, stderr=log, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                connection.request("GET", "/login")
                if connection.getresponse().status == 200:
                    return time.monotonic() - t0
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError("gunicorn did not start")

    def workers(self) -> list[int]:
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                pids.append(int(stat.parent.name))
        return sorted(pids)

    def kill_worker(self) -> int:
        pid = self.workers()[0]
        os.kill(pid, signal.SIGKILL)
        return pid

    def crash(self) -> None:
        """SIGKILL the master and its workers at once, as a machine losing the process would."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


def start_scheduler(env: dict, log: Path) -> subprocess.Popen:
    with log.open("a") as out:
        return subprocess.Popen([str(BIN / "tracker"), "scheduler", "--poll", "1"], env=env, cwd=ROOT,
                                stdout=out, stderr=out, start_new_session=True)


# Clients

class Client:
    """One person with a keep-alive connection, a session cookie and the page's CSRF token."""

    def __init__(self, port: int):
        self.port = port
        self.connection: http.client.HTTPConnection | None = None
        self.cookie = ""
        self.csrf = ""
        self.last_status = 200

    def request(self, method: str, path: str, body: dict | None = None, headers: dict | None = None):
        """(status, text); status 0 when no answer came (the server is down or the connection broke)."""
        all_headers = {"Cookie": self.cookie, **(headers or {})}
        data = None
        if body is not None:
            data = urlencode(body, doseq=True)
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.csrf:
            all_headers["X-CSRFToken"] = self.csrf
        for attempt in (1, 2):
            try:
                if self.connection is None:
                    self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                self.connection.request(method, path, body=data, headers=all_headers)
                response = self.connection.getresponse()
                text = response.read().decode("utf-8", "replace")
                break
            except (OSError, http.client.HTTPException):
                self.connection.close()
                self.connection = None
                if attempt == 2 or method != "GET":
                    self.last_status = NO_ANSWER
                    return NO_ANSWER, ""  # a write is never sent twice: its outcome is unknown, not acknowledged
        for header, value in response.getheaders():
            if header.lower() == "set-cookie" and value.startswith("session="):
                self.cookie = value.split(";", 1)[0]
        self.last_status = response.status
        return response.status, text

    def disconnect(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def log_in(self, email: str) -> None:
        """Log in through the form, as a browser does (CSRF token from the page)."""
        self.cookie, self.csrf = "", ""
        _status, page = self.request("GET", "/login")
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        status, _ = self.request("POST", "/login", {"email": email, "password": PASSWORD, "csrf_token": token})
        if status != 303:
            raise RuntimeError(f"login of {email} answered {status}")
        _status, page = self.request("GET", "/")
        self.csrf = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)


@dataclass
class Write:
    """A write request and its answer; acknowledged when the answer was 200 or 303."""

    kind: str  # draft, submit, hot, funds
    key: int | str  # commitment id, or the nämnd's slug
    token: str
    sent_version: int | None
    status: int
    version: int | None  # what the answer reported (None for a 303 redirect)
    answered_at: float

    @property
    def acknowledged(self) -> bool:
        return self.status in (200, 303)


@dataclass
class Load:
    world: World
    port: int
    stop_at: float
    writes: list[Write] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)  # (kind, status)
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    stale_conflicts: int = 0  # 409 answers that did not carry a newer version
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, kind: str, status: int, started: float) -> None:
        with self.lock:
            self.statuses[(kind, status)] += 1
            if status:
                self.latencies[kind].append((time.monotonic() - started) * 1000)


def run_contact(load: Load, client: Client, index: int, contact: Contact) -> None:
    """Until time is up: save drafts, submit, edit the hot report, save the funds report, read pages."""
    rng = random.Random(index)
    world, versions = load.world, dict(load.world.versions)
    funds_version: int | None = None
    own = [c for org in contact.orgs for c in world.commitments[org]]
    hot = HOT_ORG in contact.orgs
    n = 0
    while time.monotonic() < load.stop_at:
        n += 1
        token = f"w{index}-{n}-{secrets.token_hex(3)}"
        roll = rng.random()
        if roll < 0.30 or (hot and roll < 0.45):
            kind = "hot" if hot and roll >= 0.20 else "draft"
            commitment = world.hot_commitment if kind == "hot" else rng.choice(own)
            save_report(load, client, kind, commitment, token, versions, submit=False, htmx=True)
        elif roll < 0.45:
            save_report(load, client, "submit", rng.choice(own), token, versions, submit=True, htmx=n % 2 == 0)
        elif roll < 0.55 and contact.funds_org:
            funds_version = save_funds(load, client, contact.funds_org, token, funds_version)
        else:
            read_page(load, client, rng, contact)
        if client.last_status == NO_ANSWER:
            time.sleep(0.2)  # the server is down (killed): try again shortly, as a person would


def save_report(load: Load, client: Client, kind: str, commitment: int, token: str, versions: dict,
                *, submit: bool, htmx: bool) -> None:
    sent = versions.get(commitment)
    headers = {"HX-Request": "true", "HX-Target": f"report-{commitment}"} if htmx else {}
    started = time.monotonic()
    status, body = client.request("POST", f"/rapport/{commitment}/{load.world.period}", {
        "status": "in_progress", "comment": f"Belastningstest {token}", "next_steps": "Fortsätta",
        "version": "" if sent is None else str(sent), "action": "submit" if submit else "draft", "from": "org",
    }, headers)
    load.note(kind, status, started)
    reported = _version_in(body, f"report-{commitment}")
    if status == 409:
        if reported is None or (sent is not None and reported <= sent):
            with load.lock:
                load.stale_conflicts += 1
    if reported is not None:
        versions[commitment] = reported
    with load.lock:
        acknowledged_version = reported if status == 200 else None  # a 303 reports none
        load.writes.append(Write(kind, commitment, token, sent, status, acknowledged_version, time.time()))


def save_funds(load: Load, client: Client, org: str, token: str, version: int | None) -> int | None:
    started = time.monotonic()
    status, body = client.request("POST", f"/medel/{FUNDS_YEAR}/aterrapportering/{org}", {
        "version": "" if version is None else str(version), "action": "draft", "used": "", "unspent": "",
        "reasons_text": f"Belastningstest {token}",
    }, {"HX-Request": "true", "HX-Target": "usage-report"})
    load.note("funds", status, started)
    reported = _version_in(body, "usage-report")
    with load.lock:
        load.writes.append(Write("funds", org, token, version, status, reported if status == 200 else None,
                                 time.time()))
    return reported if reported is not None else version


def read_page(load: Load, client: Client, rng: random.Random, contact: Contact) -> None:
    org = rng.choice(contact.orgs)
    choices = [("read:mina", "/mina-ataganden"), ("read:org", f"/rapportera/{org}?period={load.world.period}")]
    if contact.funds_org:
        choices.append(("read:funds", f"/medel/{FUNDS_YEAR}/aterrapportering/{contact.funds_org}"))
    kind, path = rng.choice(choices)
    started = time.monotonic()
    status, _body = client.request("GET", path)
    load.note(kind, status, started)


def _version_in(body: str, dom_id: str) -> int | None:
    """The version in the form of the editor `dom_id` (a fragment, or the whole page a plain post gets)."""
    start = body.find(f'id="{dom_id}"')
    match = VERSION.search(body, start) if start >= 0 else None
    return int(match.group(1)) if match and match.group(1) else None


# Events during the load

@dataclass
class Events:
    log: list[str] = field(default_factory=list)
    backup_started: float | None = None
    backup_file: Path | None = None
    backup_note: str = ""
    killed_worker: int | None = None
    downtime: float | None = None
    work_started: int = 0
    generations: int = 0
    manual_runs: int = 0
    coordinator_errors: int = 0

    def say(self, t0: float, text: str) -> None:
        line = f"{time.monotonic() - t0:5.1f} s  {text}"
        self.log.append(line)
        print("   ", line, flush=True)


def coordinate(load: Load, server: Server, coordinator: Client, args, env: dict, workdir: Path, db: str,
               pg: dict) -> Events:
    """Run the timeline: generations and job runs, backup, kill a worker, crash and restart the server."""
    events, t0, seconds = Events(), time.monotonic(), args.seconds
    timeline = [(0.08, "work"), (0.25, "backup"), (0.40, "kill-worker"), (0.55, "work"), (0.70, "crash"),
                (0.80, "work")]
    backup_thread = None
    for fraction, what in timeline:
        _wait_until(t0 + fraction * seconds)
        if what == "work":
            start_background_work(load, coordinator, events, t0)
        elif what == "backup":
            backup_thread = threading.Thread(target=take_backup, args=(events, env, workdir, db, pg, t0))
            backup_thread.start()
        elif what == "kill-worker":
            events.killed_worker = server.kill_worker()
            events.say(t0, f"kill -9 worker {events.killed_worker}")
        else:
            events.say(t0, f"kill -9 the whole server (master {server.process.pid} and its workers)")
            server.crash()
            down = time.monotonic()
            server.start()
            events.downtime = time.monotonic() - down
            events.say(t0, f"restarted; serving again after {events.downtime:.1f} s")
    if backup_thread:
        backup_thread.join()
    return events


def start_background_work(load: Load, coordinator: Client, events: Events, t0: float) -> None:
    """A styrkort generation of the open tertial (all organisations first, then one), and two "Kör nu" runs."""
    coordinator.disconnect()  # a kept-alive connection may lead to a killed worker: posts are never resent
    organisation = "" if not events.work_started else f"demo-org-{events.work_started + 1:03d}"
    events.work_started += 1
    status, _ = coordinator.request("POST", "/arkiv/generera/styrkort",
                                    {"scorecard-period": load.world.period, "scorecard-organisation": organisation})
    events.generations += status == 303
    events.coordinator_errors += status != 303
    for job in ("deadline_reminders", "deliver_notifications"):
        status, _ = coordinator.request("POST", f"/schemalagda-jobb/{job}/kor", {})
        events.manual_runs += status == 303
        events.coordinator_errors += status != 303
    events.say(t0, "styrkort generation and Kör nu (deadline_reminders, deliver_notifications) started")


def take_backup(events: Events, env: dict, workdir: Path, db: str, pg: dict, t0: float) -> None:
    events.backup_started = time.time()
    events.say(t0, "backup started")
    if db == "sqlite":
        done = subprocess.run([str(BIN / "tracker"), "backup", "--dir", str(workdir / "backups")], env=env,
                              cwd=ROOT, capture_output=True, text=True)
        if done.returncode == 0:
            events.backup_file = Path(done.stdout.strip().splitlines()[-1])
        events.backup_note = done.stderr.strip()[-500:]
    elif _has("pg_dump"):
        target = workdir / "tracker.dump"
        done = subprocess.run(["pg_dump", "--format=custom", f"--file={target}", pg["libpq"]], capture_output=True,
                              text=True)
        events.backup_file = target if done.returncode == 0 else None
        events.backup_note = done.stderr.strip()[-500:]
    else:
        events.backup_note = "pg_dump is not installed on this machine"
    events.say(t0, f"backup done: {events.backup_file or events.backup_note}")


def _wait_until(moment: float) -> None:
    while (left := moment - time.monotonic()) > 0:
        time.sleep(min(left, 0.2))


def _has(program: str) -> bool:
    return subprocess.run(["which", program], capture_output=True).returncode == 0


# Checking afterwards

@dataclass
class Check:
    lost: list[str] = field(default_factory=list)
    overwrites: list[str] = field(default_factory=list)
    integrity: str = ""
    sanity: str = ""


def check_writes(url: str, world: World, writes: list[Write]) -> Check:
    """Every acknowledged write is in the database at the version its answer gave; none overwrote another."""
    history, funds = read_history(url, world)
    result = Check()
    seen: dict[tuple, str] = {}
    for write in writes:
        if not write.acknowledged:
            continue
        text = f"Belastningstest {write.token}"
        if write.kind == "funds":
            versions = funds.get(write.key, {})
            found = [v for v, content in versions.items() if text in content]
        else:
            versions = history.get(write.key, {})
            found = [v for v, (comment, state) in versions.items()
                     if comment == text and (write.kind != "submit" or state == "submitted")]
        where = f"{write.kind} {write.key} v{write.version} {write.token}"
        if not found:
            result.lost.append(where)
            result.overwrites.append(f"{where}: its content is in no version")
        elif write.version is not None and write.version not in found:
            result.lost.append(f"{where}: at version {found}, not the version answered")
        if write.version is not None:
            other = seen.setdefault((write.kind == "funds", write.key, write.version), write.token)
            if other != write.token:
                result.overwrites.append(f"{where}: the same version was acknowledged to {other}")
    return result


def read_history(url: str, world: World) -> tuple[dict, dict]:
    """Every version of the open tertial's reports (comment, state) and of the funds year's usage reports."""
    from sqlmodel import Session, select

    from tracker.db import make_engine
    from tracker.funds.models import FundsVersion, FundYear, UsageReport
    from tracker.organisations.models import Organisation
    from tracker.reporting.models import StatusReport, StatusReportVersion

    engine = make_engine(url)
    history: dict[int, dict[int, tuple]] = defaultdict(dict)
    funds: dict[str, dict[int, str]] = defaultdict(dict)
    with Session(engine) as session:
        for cid, version, comment, state in session.exec(
                select(StatusReport.commitment_id, StatusReportVersion.version, StatusReportVersion.comment,
                       StatusReportVersion.state)
                .join(StatusReport, StatusReportVersion.report_id == StatusReport.id)
                .where(StatusReport.period_id == world.period_id)):
            history[cid][version] = (comment, state)
        for slug, version, content in session.exec(
                select(Organisation.slug, FundsVersion.version, FundsVersion.content)
                .join(UsageReport, (FundsVersion.record_id == UsageReport.id)
                      & (FundsVersion.record_type == "usagereport"))
                .join(Organisation, UsageReport.organisation_id == Organisation.id)
                .join(FundYear, UsageReport.fund_year_id == FundYear.id).where(FundYear.year == FUNDS_YEAR)):
            funds[slug][version] = json.dumps(content, ensure_ascii=False)
    engine.dispose()
    return history, funds


def check_database(url: str) -> tuple[str, str]:
    """SQLite's integrity check (or PostgreSQL's answer), and the invariant every report's version keeps."""
    from sqlalchemy import text

    from tracker.db import make_engine

    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as connection:
            problems = [row[0] for row in connection.execute("PRAGMA integrity_check")]
            problems += [str(row) for row in connection.execute("PRAGMA foreign_key_check")]
        integrity = "ok" if problems == ["ok"] else "; ".join(problems[:5])
    engine = make_engine(url)
    with engine.connect() as connection:
        if not url.startswith("sqlite"):
            integrity = "ok: " + connection.execute(text("SELECT version()")).scalar_one().split(",")[0]
        broken = connection.execute(text(
            "SELECT count(*) FROM statusreport r WHERE r.version <> "
            "(SELECT max(v.version) FROM statusreportversion v WHERE v.report_id = r.id)")).scalar_one()
        reports = connection.execute(text("SELECT count(*) FROM statusreportversion")).scalar_one()
    engine.dispose()
    return integrity, f"{reports} report versions, {broken} reports whose version is not their latest"


def restore_backup(events: Events, env: dict, workdir: Path, db: str, pg: dict) -> str | None:
    """Restore the backup into a fresh database; return its URL (None if there is no backup)."""
    if events.backup_file is None:
        return None
    if db == "sqlite":
        url = f"sqlite:///{workdir / 'restored.db'}"
        done = subprocess.run([str(BIN / "tracker"), "restore", str(events.backup_file), "--yes"],
                              env={**env, "TRACKER_DATABASE_URL": url}, cwd=ROOT, capture_output=True, text=True)
    else:
        url = pg["restore_url"]
        done = subprocess.run(["pg_restore", "--no-owner", f"--dbname={pg['restore_libpq']}",
                               str(events.backup_file)], capture_output=True, text=True)
    if done.returncode != 0:
        events.backup_note += f" restore failed: {done.stderr.strip()[-300:]}"
        return None
    return url


@dataclass
class LogFindings:
    busy: list[str] = field(default_factory=list)  # database-busy errors: logs, job runs, generations
    server_errors: list[str] = field(default_factory=list)  # "Exception on <route>": the exception it ended in


def read_logs(logs: list[Path], url: str) -> LogFindings:
    """Busy errors in the logs and in recorded job runs and generations, and the server errors logged."""
    found, route = LogFindings(), None
    for log in logs:
        for line in log.read_text(errors="replace").splitlines():
            if "Exception on " in line:
                route = line.split("Exception on ", 1)[1]
            elif re.match(r"^[\w.]+(Error|Exception|Detected)\b", line):
                if BUSY.search(line) and re.match(r"^(sqlite3|psycopg)[\w.]*: ", line):  # the driver's, once each
                    found.busy.append(line[:200])
                if route:
                    found.server_errors.append(f"{route}: {line[:160]}")
                    route = None
    from sqlalchemy import text

    from tracker.db import make_engine

    engine = make_engine(url)
    with engine.connect() as connection:
        messages = [m for (m,) in connection.execute(text(
            "SELECT message FROM jobrun WHERE message IS NOT NULL UNION ALL "
            "SELECT error FROM generationjob WHERE error IS NOT NULL"))]
    engine.dispose()
    found.busy += [m[:200] for m in messages if BUSY.search(m or "")]
    return found


def job_outcomes(url: str) -> str:
    from sqlalchemy import text

    from tracker.db import make_engine

    engine = make_engine(url)
    with engine.connect() as connection:
        runs = Counter(f"{outcome}" for (outcome,) in connection.execute(text("SELECT outcome FROM jobrun")))
        jobs = Counter(f"{state}" for (state,) in connection.execute(text("SELECT state FROM generationjob")))
        documents = connection.execute(text("SELECT count(*) FROM archiveddocument")).scalar_one()
        notices = connection.execute(text("SELECT count(*) FROM notification")).scalar_one()
    engine.dispose()
    return (f"job runs {dict(runs)}, generations {dict(jobs)}, {documents} documents archived, "
            f"{notices} notifications recorded")


# One database

def run_database(db: str, args, workdir: Path) -> dict:
    pg = postgres_databases(args.pg_database) if db == "postgresql" else {}
    url = pg["url"] if pg else f"sqlite:///{workdir / 'tracker.db'}"
    t0 = time.monotonic()
    world = prepare(url, args.clients)
    prepared = time.monotonic() - t0
    print(f"[{db}] prepared in {prepared:.0f} s: tertial {world.period}, {sum(map(len, world.commitments.values()))} "
          f"commitments in {len(world.commitments)} demo organisations", flush=True)
    env = server_env(url, world, workdir)
    server_log, scheduler_log = workdir / "gunicorn.log", workdir / "scheduler.log"
    server, scheduler = Server(env, server_log), []
    server.start()
    try:
        figures = drive(db, args, world, server, env, workdir, pg,
                        start_scheduler=lambda: scheduler.append(start_scheduler(env, scheduler_log)))
    finally:
        server.stop()
        for process in scheduler:
            process.terminate()
            process.wait(timeout=30)
    figures.update(verify(db, url, world, figures, [server_log, scheduler_log], env, workdir, pg))
    figures.update(prepared=prepared, url=re.sub(r":[^:@/]+@", ":…@", url), period=world.period,
                   world_contacts=world.contacts)
    return figures


def drive(db: str, args, world: World, server: Server, env: dict, workdir: Path, pg: dict, *,
          start_scheduler) -> dict:
    clients, failed_logins = [Client(server.port) for _ in world.contacts], []
    t0 = time.monotonic()
    for client, contact in zip(clients, world.contacts, strict=True):
        try:
            client.log_in(contact.email)
        except (RuntimeError, AttributeError) as error:
            failed_logins.append(str(error))
            client.cookie = ""
    coordinator = Client(server.port)
    coordinator.log_in(world.coordinator)
    print(f"[{db}] {len(clients)} contacts and a coordinator logged in through the form in "
          f"{time.monotonic() - t0:.1f} s; load for {args.seconds:g} s", flush=True)
    start_scheduler()  # with the load: its start-up run of the daily jobs writes reminders meanwhile
    load = Load(world, server.port, time.monotonic() + args.seconds)
    threads = [threading.Thread(target=run_contact, args=(load, c, i, world.contacts[i]))
               for i, c in enumerate(clients) if c.cookie]
    for thread in threads:
        thread.start()
    events = coordinate(load, server, coordinator, args, env, workdir, db, pg)
    for thread in threads:
        thread.join()
    status, _ = clients[0].request("GET", "/mina-ataganden")
    return {"load": load, "events": events, "serves_after": status, "failed_logins": failed_logins}


def verify(db: str, url: str, world: World, figures: dict, logs: list[Path], env: dict, workdir: Path,
           pg: dict) -> dict:
    load, events = figures["load"], figures["events"]
    check = check_writes(url, world, load.writes)
    integrity, sanity = check_database(url)
    logged = read_logs(logs, url)
    restored_url = restore_backup(events, env, workdir, db, pg)
    before_backup = [w for w in load.writes if events.backup_started and w.answered_at < events.backup_started]
    restored = check_writes(restored_url, world, before_backup) if restored_url else None
    return {"check": check, "integrity": integrity, "sanity": sanity, "logged": logged,
            "restored": restored, "before_backup": before_backup,
            "jobs": job_outcomes(url)}


def server_env(url: str, world: World, workdir: Path) -> dict:
    return {**os.environ, "TRACKER_ENV": "production", "TRACKER_DATABASE_URL": url,
            "TRACKER_SECRET_KEY": secrets.token_urlsafe(48), "TRACKER_COOKIE_SECURE": "0",
            "TRACKER_HSTS_MAX_AGE": "0", "TRACKER_LOGIN_LIMIT": "10000 per minute",
            "TRACKER_SCORECARD_DIR": str(workdir / "scorecards"), "TRACKER_OUTBOX_DIR": str(workdir / "outbox"),
            "TRACKER_BACKUP_DIR": str(workdir / "backups"), "TRACKER_SMTP_HOST": "",
            # The scheduler's start-up run then writes reminders for every contact, during the load.
            "TRACKER_REMINDER_DAYS": str(world.reminder_days), "TRACKER_FUNDS_REMINDER_DAYS": "14"}


def postgres_databases(name: str) -> dict:
    """Fresh databases of our own (for the run and for the restore) from .ci/start-postgres."""
    urls = {}
    for key, database in (("url", name), ("restore_url", f"{name}_restore")):
        done = subprocess.run(["bash", str(ROOT / ".ci" / "start-postgres")], capture_output=True, text=True,
                              env={**os.environ, "TRACKER_PG_DATABASE": database}, check=True)
        urls[key] = done.stdout.strip().splitlines()[-1]
    urls["libpq"] = urls["url"].replace("+psycopg", "")
    urls["restore_libpq"] = urls["restore_url"].replace("+psycopg", "")
    return urls


# Fuzzing

def run_fuzz(examples: int, db: str, pg_database: str) -> dict:
    """tests/test_fuzz.py with `examples` drawn examples per route and role, on a database of its own."""
    env = {**os.environ, "TRACKER_FUZZ_EXAMPLES": str(examples)}
    env.pop("TRACKER_TEST_DATABASE_URL", None)
    if db == "postgresql":
        env["TRACKER_TEST_DATABASE_URL"] = subprocess.run(
            ["bash", str(ROOT / ".ci" / "start-postgres")], capture_output=True, text=True, check=True,
            env={**os.environ, "TRACKER_PG_DATABASE": f"{pg_database}_fuzz"}).stdout.strip().splitlines()[-1]
    t0 = time.monotonic()
    done = subprocess.run([str(BIN / "pytest"), "-q", "-p", "no:cacheprovider", "tests/test_fuzz.py"], cwd=ROOT,
                          env=env, capture_output=True, text=True)
    summary = (done.stdout.strip().splitlines() or ["(no output)"])[-1]
    found = re.findall(r"^E\s+((?:GET|POST) /\S*): (.*?) — (.*)$", done.stdout, re.M)
    first = {}
    for route, error, request in found:  # one example per route and error
        first.setdefault((route, error), request)
    failures = [f"{route}: {error} — {request}" for (route, error), request in sorted(first.items())]
    return {"db": db, "examples": examples, "seconds": time.monotonic() - t0, "passed": done.returncode == 0,
            "summary": summary, "failures": failures[:10]}


# Results

def pct(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else (values[0] if values else 0.0)


def section(db: str, f: dict, args) -> list[str]:
    load, events, check = f["load"], f["events"], f["check"]
    acknowledged = [w for w in load.writes if w.acknowledged]
    conflicts = [w for w in load.writes if w.status == 409]
    unanswered = [w for w in load.writes if w.status == NO_ANSWER]
    server_errors = sum(n for (_kind, status), n in load.statuses.items() if status >= 500)
    other = sum(n for (kind, status), n in load.statuses.items()
                if status not in (200, 303, 409, NO_ANSWER) and status < 500)
    hot = [w for w in load.writes if w.kind == "hot"]
    hot_ok, hot_409 = sum(w.acknowledged for w in hot), sum(w.status == 409 for w in hot)
    hot_unanswered = sum(w.status == NO_ANSWER for w in hot)
    requests = sum(load.statuses.values())
    unanswered_requests = sum(n for (_kind, status), n in load.statuses.items() if status == NO_ANSWER)
    restored, before = f["restored"], f["before_backup"]
    backup_line = (f"{sum(w.acknowledged for w in before)} writes acknowledged before it began; "
                   f"**{len(restored.lost)} missing** from the restored copy" if restored is not None
                   else f"not checked: {events.backup_note or 'no backup'}")
    lines = [
        f"## {'SQLite' if db == 'sqlite' else 'PostgreSQL'}", "",
        f"Database `{f['url']}`, prepared (migrate, seed, demo-data small, users) in {f['prepared']:.0f} s; "
        f"open tertial {f['period']}, funds year {FUNDS_YEAR} open for usage reports.", "",
        "| figure | value | must be |", "|---|---:|---|",
        f"| requests answered / sent | {requests - unanswered_requests} / {requests} | |",
        f"| logins through the form that failed | {len(f['failed_logins'])} of {len(f['world_contacts'])} | 0 |",
        f"| acknowledged writes (200/303) | {len(acknowledged)} | |",
        f"| **lost acknowledged writes** | **{len(check.lost)}** | 0 |",
        f"| **server errors (5xx answers)** | **{server_errors}** | 0 |",
        f"| server errors in the logs | {len(f['logged'].server_errors)} | 0 |",
        f"| **database-busy errors** (logs, job runs, generations) | **{len(f['logged'].busy)}** | 0 |",
        f"| other 4xx answers | {other} | 0 |",
        f"| conflicts answered 409 | {len(conflicts)} | |",
        f"| 409 answers without a newer version | {load.stale_conflicts} | 0 |",
        f"| writes without an answer (server killed) | {len(unanswered)} | |",
        f"| one report, {sum(c.orgs[0] == HOT_ORG for c in f['world_contacts'])} editors: applied / 409 / "
        f"unanswered / other | {hot_ok} / {hot_409} / {hot_unanswered} / {len(hot) - hot_ok - hot_409 - hot_unanswered}"
        f" of {len(hot)} | other 0 |",
        f"| **silent overwrites** | **{len(check.overwrites)}** | 0 |",
        f"| integrity after the crashes | {f['integrity']} | ok |",
        f"| report versions | {f['sanity']} | 0 not latest |",
        f"| kill -9 a worker, then the whole server | worker {events.killed_worker}; serving again "
        f"{events.downtime:.1f} s after the crash | serves again |",
        f"| app serves after the run | HTTP {f['serves_after']} | 200 |",
        f"| backup under load | {backup_line} | 0 missing |",
        f"| scheduler and background work | {f['jobs']} | no busy errors |",
        f"| coordinator during the load | {events.generations} generations and {events.manual_runs} \"Kör nu\" "
        f"started, {events.coordinator_errors} refused or unanswered | 0 refused |",
        "", "| request | n | p50 ms | p95 ms |", "|---|---:|---:|---:|",
    ]
    for kind in sorted(load.latencies):
        values = load.latencies[kind]
        lines.append(f"| {kind} | {len(values)} | {pct(values, 50):.0f} | {pct(values, 95):.0f} |")
    lines += ["", "Timeline:", "", *[f"    {line}" for line in events.log]]
    for title, items in (("Lost", check.lost), ("Overwrites", check.overwrites),
                         ("Server errors", f["logged"].server_errors), ("Busy errors", f["logged"].busy)):
        if items:
            lines += ["", f"{title} (first 5):", "", *[f"- `{item}`" for item in items[:5]]]
    return lines


def write_results(sections: dict[str, list[str]], args, fuzz: list[dict] | None) -> None:
    kept = _kept_sections()
    kept.update(sections)
    lines = [
        "# Reliability benchmark", "",
        f"Run {time.strftime('%Y-%m-%d %H:%M')} on {platform.node() or 'this machine'} ({os.cpu_count()} cores, "
        f"{platform.platform()}, Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}): "
        f"`benchmarks/reliability.py --db {args.db} --seconds {args.seconds:g} --clients {args.clients}"
        f"{f' --fuzz-examples {args.fuzz_examples}' if args.fuzz_examples else ''}`.", "",
        "gunicorn 2 workers × 8 threads (gthread) on loopback with TRACKER_ENV=production (CSRF on), beside "
        "`tracker scheduler`. Each contact logs in through the form, then loops: htmx draft saves of its "
        "organisation's commitments, submits (htmx and plain form), edits of one shared report (the contacts "
        f"of {HOT_ORG}), draft saves of its nämnd's usage report for {FUNDS_YEAR}, and reads of Mina åtaganden, "
        "the organisation's tertial page and the usage report. During the load: styrkort generations and "
        "\"Kör nu\" runs (8 %, 55 %, 85 % of the time), a backup (25 %), kill -9 of one worker (40 %) and of "
        "the whole server (70 %), then a restart.", "",
        "A write is acknowledged when its answer is 200 or 303; lost means no version of the report holds "
        "its text at the version its answer gave; a silent overwrite is an acknowledged write whose text is "
        "in no version, or two acknowledged writes given the same version. A write sent to a worker as it "
        "was killed gets no answer: it is not acknowledged (it may or may not be saved). A job run or "
        "generation that was running in a killed worker stays \"running\" until it counts as stale.", "",
    ]
    if fuzz:
        kept["fuzz"] = ["## Fuzzing", "", f"`tests/test_fuzz.py` with {fuzz[0]['examples']} drawn examples per "
                        "route and role, after the edge requests (the same every run):", ""]
        for run in fuzz:
            kept["fuzz"] += [f"- {'SQLite' if run['db'] == 'sqlite' else 'PostgreSQL'}: "
                             f"{'passed' if run['passed'] else '**FAILED**'} in {run['seconds']:.0f} s "
                             f"({run['summary']})", *[f"  - `{failure}`" for failure in run["failures"]]]
    for part in ("sqlite", "postgresql", "fuzz", "notes"):
        if part in kept:
            lines += [f"<!-- {part} -->", *kept[part], f"<!-- /{part} -->", ""]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines).rstrip() + "\n", encoding="utf-8")
    print(f"\nwrote {RESULTS}")


def _kept_sections() -> dict[str, list[str]]:
    """The other database's section from an earlier run (when only one is run now), and the notes kept by hand."""
    if not RESULTS.exists():
        return {}
    text = RESULTS.read_text(encoding="utf-8")
    return {db: match.group(1).strip("\n").splitlines()
            for db in ("sqlite", "postgresql", "fuzz", "notes")
            if (match := re.search(rf"<!-- {db} -->\n(.*?)<!-- /{db} -->", text, re.S))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both", "none"], default="both")
    parser.add_argument("--seconds", type=float, default=60.0, help="load time per database")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--fuzz-examples", type=int, default=0, help="also run tests/test_fuzz.py this long")
    parser.add_argument("--pg-database", default="tracker_reliability")
    args = parser.parse_args()
    databases = {"both": ["sqlite", "postgresql"], "none": []}.get(args.db, [args.db])
    sections = {}
    for db in databases:
        workdir = Path(tempfile.mkdtemp(prefix=f"tracker-reliability-{db}-"))
        figures = run_database(db, args, workdir)
        sections[db] = section(db, figures, args)
        print("\n".join(sections[db]), flush=True)
    fuzz = [run_fuzz(args.fuzz_examples, db, args.pg_database) for db in databases or ["sqlite"]
            ] if args.fuzz_examples else None
    write_results(sections, args, fuzz)


if __name__ == "__main__":
    main()
