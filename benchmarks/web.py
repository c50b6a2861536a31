"""Web benchmark: tracker's pages under 20 concurrent clients, against a bare Flask page.

Serves tracker with gunicorn on loopback on `demo-data --scale large`, drives 20
concurrent clients through the programme overview, Mina åtaganden, an
organisation page and htmx saves for a bounded time each, and reports p50/p95
per page as ratios to the p95 of a bare Flask+Jinja endpoint served by the same
gunicorn configuration in the same run (the machines are shared and noisy, so
only ratios mean something). Targets: pages ≤ 10× the bare p95, saves ≤ 5×.

    .venv/bin/python benchmarks/web.py [--scale large|small] [--seconds 10] [--clients 20]

Results: benchmarks/results/web.md (and printed).
"""
from __future__ import annotations

import argparse
import http.client
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
RESULTS = ROOT / "benchmarks" / "results" / "web.md"
PASSWORD = "benchmark-lösenord-1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare_database(url: str, scale: str) -> dict:
    """Migrate, load demo data and create the benchmark's users; return what the clients need."""
    os.environ["TRACKER_DATABASE_URL"] = url
    from sqlmodel import Session, select

    from tracker import migrate
    from tracker.accounts.models import Role, User, UserOrganisation
    from tracker.accounts.service import hash_password
    from tracker.db import make_engine
    from tracker.demo import service as demo
    from tracker.organisations.models import Organisation
    from tracker.periods.models import PeriodState, ReportingPeriod
    from tracker.programs.models import Commitment
    from tracker.reporting.models import StatusReport

    engine = make_engine(url)
    migrate.upgrade(engine)
    with Session(engine) as session:
        t0 = time.perf_counter()
        result = demo.generate(session, size=demo.SCALES[scale], today=date.today())
        print(f"demo-data --scale {scale}: {result.commitments} commitments, {result.reports} reports "
              f"in {time.perf_counter() - t0:.0f} s", flush=True)
        org = session.exec(select(Organisation).where(Organisation.slug == "demo-org-001")).one()
        hashed = hash_password(PASSWORD)
        contact = User(email="kontakt@bench.test", name="Bench Kontakt", role=Role.contact, password_hash=hashed)
        coordinator = User(email="samordnare@bench.test", name="Bench Samordnare", role=Role.coordinator,
                           password_hash=hashed)
        session.add_all([contact, coordinator])
        session.flush()
        session.add(UserOrganisation(user_id=contact.id, organisation_id=org.id))
        period = session.exec(select(ReportingPeriod).where(ReportingPeriod.state == PeriodState.open)).one()
        commitments = session.exec(
            select(Commitment.id).where(Commitment.organisation_id == org.id).order_by(Commitment.id)
        ).all()
        period_code = period.code
        versions = {
            cid: str(version) for cid, version in session.exec(
                select(StatusReport.commitment_id, StatusReport.version)
                .where(StatusReport.period_id == period.id, StatusReport.commitment_id.in_(commitments)))
        }
        session.commit()
    engine.dispose()
    return {"org": "demo-org-001", "program": f"demo-{scale}", "period": period_code,
            "commitments": list(commitments), "versions": versions}


class Server:
    """gunicorn on loopback; the same settings for tracker and the baseline."""

    def __init__(self, app: str, env: dict, cwd: Path):
        self.port = free_port()
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), "--workers", "2", "--threads", "8", "--worker-class", "gthread", "--keep-alive", "30",
             "--bind", f"127.0.0.1:{self.port}", "--log-level", "warning", app],
            env=env, cwd=cwd,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"{app} did not start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)


class Client:
    """One user with a keep-alive connection and a session cookie."""

    def __init__(self, port: int):
        self.port = port
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookie = ""
        self.csrf = ""

    def request(self, method: str, path: str, body: dict | None = None, headers: dict | None = None):
        all_headers = {"Cookie": self.cookie, **(headers or {})}
        data = None
        if body is not None:
            data = urlencode(body, doseq=True)
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.csrf:
            all_headers["X-CSRFToken"] = self.csrf
        try:
            self.connection.request(method, path, body=data, headers=all_headers)
            response = self.connection.getresponse()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            # The server closed an idle keep-alive connection: reconnect once.
            self.connection.close()
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            self.connection.request(method, path, body=data, headers=all_headers)
            response = self.connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        for header, value in response.getheaders():
            if header.lower() == "set-cookie" and value.startswith("session="):
                self.cookie = value.split(";", 1)[0]
        return response.status, text

    def log_in(self, email: str) -> None:
        _status, page = self.request("GET", "/login")
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        status, _ = self.request("POST", "/login", {"email": email, "password": PASSWORD, "csrf_token": token})
        assert status == 303, f"login failed: {status}"
        _status, page = self.request("GET", "/")
        match = re.search(r'"X-CSRFToken": "([^"]+)"', page)
        self.csrf = match.group(1) if match else ""


def run_load(name: str, clients: list[Client], action, seconds: float) -> list[float]:
    """Each client repeats `action(client, i)` until time is up; return latencies (ms)."""
    latencies: list[float] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds
    errors: list[str] = []

    def worker(client: Client, index: int) -> None:
        local, n = [], 0
        while time.monotonic() < stop_at:
            t0 = time.perf_counter()
            status = action(client, index, n)
            local.append((time.perf_counter() - t0) * 1000)
            if status >= 400:
                errors.append(f"{name}: HTTP {status}")
            n += 1
        with lock:
            latencies.extend(local)

    threads = [threading.Thread(target=worker, args=(c, i)) for i, c in enumerate(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise RuntimeError(f"{len(errors)} errors, first: {errors[0]}")
    return latencies


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]


def save_action(info: dict):
    """An htmx save of one draft; each client edits its own commitment, tracking the version."""
    versions: dict[int, str] = dict(info["versions"])

    def act(client: Client, index: int, n: int) -> int:
        commitment = info["commitments"][index % len(info["commitments"])]
        status, body = client.request(
            "POST", f"/rapport/{commitment}/{info['period']}",
            {"status": "in_progress", "comment": f"Benchmark-ändring {n}", "next_steps": "Fortsätta",
             "version": versions.get(commitment, ""), "action": "draft"},
            headers={"HX-Request": "true", "HX-Target": f"report-{commitment}"},
        )
        match = re.search(r'name="version"[^>]*value="(\d*)"', body) or re.search(
            r'value="(\d+)"[^>]*name="version"', body)
        if match:
            versions[commitment] = match.group(1)
        return status

    return act


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=["small", "large"], default="large")
    parser.add_argument("--seconds", type=float, default=10.0, help="load time per page")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--database-url", default=None, help="default: a new SQLite file")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="tracker-bench-"))
    url = args.database_url or f"sqlite:///{workdir / 'bench.db'}"
    info = prepare_database(url, args.scale)
    env = {**os.environ, "TRACKER_ENV": "production", "TRACKER_DATABASE_URL": url,
           "TRACKER_SECRET_KEY": secrets.token_urlsafe(48), "TRACKER_COOKIE_SECURE": "0",
           "TRACKER_LOGIN_LIMIT": "1000 per minute"}
    tracker_server = Server("tracker:create_app()", env, ROOT)
    bare_server = Server("bare_app:app", env, ROOT / "benchmarks")
    try:
        bare_clients = [Client(bare_server.port) for _ in range(args.clients)]
        coordinators = [Client(tracker_server.port) for _ in range(args.clients)]
        contacts = [Client(tracker_server.port) for _ in range(args.clients)]
        for c in coordinators:
            c.log_in("samordnare@bench.test")
        for c in contacts:
            c.log_in("kontakt@bench.test")

        def get(path):
            return lambda client, i, n: client.request("GET", path)[0]

        scenarios = [
            ("Baslinje (bar Flask+Jinja)", bare_clients, get("/")),
            ("Programöversikt", coordinators,
             get(f"/uppfoljning/?program={info['program']}&period={info['period']}")),
            ("Mina åtaganden", contacts, get("/mina-ataganden")),
            ("Organisationssida", coordinators, get(f"/organisation/{info['org']}")),
            ("Spara utkast (htmx)", contacts, save_action(info)),
            ("Baslinje igen", bare_clients, get("/")),
        ]
        rows = []
        for name, clients, action in scenarios:
            action(clients[0], 0, 0)  # warm up
            latencies = run_load(name, clients, action, args.seconds)
            rows.append((name, len(latencies), pct(latencies, 50), pct(latencies, 95)))
            print(f"{name:<28} n={len(latencies):>6}  p50={rows[-1][2]:7.1f} ms  p95={rows[-1][3]:7.1f} ms",
                  flush=True)
    finally:
        tracker_server.stop()
        bare_server.stop()
    write_results(rows, args, info)


def write_results(rows, args, info) -> None:
    baseline_p95 = max(r[3] for r in rows if r[0].startswith("Baslinje"))
    lines = [
        "# Web benchmark", "",
        f"Run {time.strftime('%Y-%m-%d %H:%M')} on {os.cpu_count()} cores: `benchmarks/web.py --scale {args.scale} "
        f"--seconds {args.seconds:g} --clients {args.clients}`, gunicorn 2 workers × 8 threads on loopback, "
        f"{len(info['commitments'])} commitments for the contact's organisation, tertial {info['period']}.",
        "", "Ratios are p95 against the bare Flask+Jinja page's p95 (the larger of its two runs). "
        "Targets: pages ≤ 10×, saves ≤ 5×.", "",
        "| page | requests | p50 ms | p95 ms | p95 / baseline p95 | target |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for name, n, p50, p95 in rows:
        target = "" if name.startswith("Baslinje") else ("≤ 5×" if "Spara" in name else "≤ 10×")
        lines.append(f"| {name} | {n} | {p50:.1f} | {p95:.1f} | {p95 / baseline_p95:.1f}× | {target} |")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"\nwrote {RESULTS}")


if __name__ == "__main__":
    main()
