"""Web benchmark: tracker's pages under 20 concurrent clients, against a bare Flask page.

For each database (PostgreSQL, started as CI starts it, in its own database
`tracker_bench`; and a new SQLite file) and each scale, loads the real seeds,
`demo-data --scale small|large` and national-scale effect-goal and funds rows
(benchmarks/national.py), serves tracker with gunicorn on loopback, drives 20
concurrent clients through each page and htmx saves for a bounded time each,
and reports p50/p95 per page as ratios to the p95 of a bare Flask+Jinja endpoint
served by the same gunicorn configuration in the same run (the machines are
shared and noisy, so only ratios mean something). Targets: pages ≤ 10× the bare
p95, saves ≤ 5×.

    .venv/bin/python benchmarks/web.py [--database postgresql|sqlite|both] [--scale small|large|both]
                                       [--seconds 10] [--clients 20]

A full run (both databases, both scales, 10 s per page) takes about 12 minutes on two
cores: loading the large data takes about 90 s on PostgreSQL and 40 s on SQLite, and each
table's twelve scenarios about 2 minutes. `--scale small --seconds 3` takes 2 minutes.

Results: benchmarks/results/web.md (one table per database and scale; also printed).
"""
from __future__ import annotations

import argparse
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from loadkit import Client, Server, pct, run_load  # beside this file

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "web.md"
PASSWORD = "benchmark-lösenord-1"
PG_DATABASE = "tracker_bench"
DATABASES = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}
sys.path.insert(0, str(ROOT))  # benchmarks.national


def new_database(database: str, workdir: Path, scale: str) -> str:
    """The URL of a new, empty database: PostgreSQL's `tracker_bench` (recreated) or a new SQLite file."""
    if database == "sqlite":
        return f"sqlite:///{workdir / f'bench-{scale}.db'}"
    started = subprocess.run(["bash", str(ROOT / ".ci" / "start-postgres")], check=True, capture_output=True,
                             text=True, env={**os.environ, "TRACKER_PG_DATABASE": PG_DATABASE})
    return started.stdout.strip().splitlines()[-1]


def prepare_database(url: str, scale: str) -> dict:
    """Migrate, load the seeds, demo and national rows and the benchmark's users; return what the clients need."""
    os.environ["TRACKER_DATABASE_URL"] = url
    from sqlmodel import Session, select

    from benchmarks.national import add_national_rows
    from tracker import migrate
    from tracker.accounts.models import Role, User, UserOrganisation
    from tracker.accounts.service import hash_password
    from tracker.db import make_engine
    from tracker.demo import service as demo
    from tracker.effect_goals.models import EffectGoal
    from tracker.funds.models import FundYear
    from tracker.organisations.models import Organisation
    from tracker.periods.models import PeriodState, ReportingPeriod
    from tracker.programs.models import Commitment
    from tracker.reporting.models import StatusReport
    from tracker.seeding import service as seeding
    from tracker.seeding.files import read_bundle

    engine = make_engine(url)
    migrate.upgrade(engine)
    with Session(engine) as session:
        t0 = time.perf_counter()
        seeding.apply(session, read_bundle(ROOT / "seeds"), today=date.today())
        result = demo.generate(session, size=demo.SCALES[scale], today=date.today())
        added = add_national_rows(session, today=date.today())
        print(f"seeds, demo-data --scale {scale}: {result.organisations} organisations, {result.commitments} "
              f"commitments, {result.reports} reports, {added['measurements']} effect-goal measurements, "
              f"{added['usage reports']} usage reports in {time.perf_counter() - t0:.0f} s", flush=True)
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
        goal_id = session.exec(select(EffectGoal.id).order_by(EffectGoal.id)).first()
        fund_year = session.exec(select(FundYear.year).order_by(FundYear.year.desc())).first()
        session.commit()
    engine.dispose()
    return {"org": "demo-org-001", "program": f"demo-{scale}", "period": period_code, "url": url,
            "commitments": list(commitments), "versions": versions, "goal": goal_id, "fund_year": fund_year,
            "organisations": result.organisations, "all_commitments": result.commitments}


def save_action(info: dict):
    """An htmx save of one draft; each client edits its own commitment, tracking the version.

    The version comes from the answer's hidden field when it has one; when it has none
    (a compact row instead of the editor) a saved draft is the next version; after a
    conflict the benchmark reads the saved version from the database and tries again,
    so that it keeps working whatever the page and its fragments look like.
    """
    versions: dict[int, str] = dict(info["versions"])

    def post(client: Client, commitment: int, n: int):
        return client.request(
            "POST", f"/rapport/{commitment}/{info['period']}",
            {"status": "in_progress", "comment": f"Benchmark-ändring {n}", "next_steps": "Fortsätta",
             "version": versions.get(commitment, ""), "action": "draft"},
            headers={"HX-Request": "true", "HX-Target": f"report-{commitment}"},
        )

    def act(client: Client, index: int, n: int) -> int:
        commitment = info["commitments"][index % len(info["commitments"])]
        status, body = post(client, commitment, n)
        if status == 409:
            versions[commitment] = saved_version(info, commitment)
            status, body = post(client, commitment, n)
        match = re.search(r'name="version"[^>]*value="(\d*)"', body) or re.search(
            r'value="(\d+)"[^>]*name="version"', body)
        if match:
            versions[commitment] = match.group(1)
        elif status == 200:
            versions[commitment] = str(int(versions.get(commitment) or 0) + 1)
        return status

    return act


def saved_version(info: dict, commitment: int) -> str:
    """The version of the commitment's report in the open tertial, read from the database."""
    from sqlalchemy import create_engine, text

    year, number = info["period"].split("-T")
    engine = info.setdefault("reader", create_engine(info["url"]))
    with engine.connect() as connection:
        version = connection.execute(text(
            "SELECT r.version FROM statusreport r JOIN reportingperiod p ON p.id = r.period_id "
            "WHERE r.commitment_id = :commitment AND p.year = :year AND p.number = :number"),
            {"commitment": commitment, "year": int(year), "number": int(number)}).scalar()
    return "" if version is None else str(version)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["postgresql", "sqlite", "both"], default="both")
    parser.add_argument("--scale", choices=["small", "large", "both"], default="both")
    parser.add_argument("--seconds", type=float, default=10.0, help="load time per page")
    parser.add_argument("--clients", type=int, default=20)
    args = parser.parse_args()

    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="tracker-bench-"))
    databases = list(DATABASES) if args.database == "both" else [args.database]
    scales = ["small", "large"] if args.scale == "both" else [args.scale]
    tables = []
    for database in databases:
        for scale in scales:
            print(f"\n== {DATABASES[database]}, {scale} ==", flush=True)
            info = prepare_database(new_database(database, workdir, scale), scale)
            tables.append((database, scale, info, measure(info, args)))
    write_results(tables, args, time.monotonic() - started)


def measure(info: dict, args) -> list[tuple[str, int, float, float]]:
    """Serve tracker and the bare page, load each scenario in turn; return (name, n, p50, p95) rows."""
    env = {**os.environ, "TRACKER_ENV": "production", "TRACKER_DATABASE_URL": info["url"],
           "TRACKER_SECRET_KEY": secrets.token_urlsafe(48), "TRACKER_COOKIE_SECURE": "0",
           "TRACKER_LOGIN_LIMIT": "1000 per minute"}
    tracker_server = Server("tracker:create_app()", env, ROOT)
    bare_server = Server("bare_app:app", env, ROOT / "benchmarks")
    try:
        bare_clients = [Client(bare_server.port) for _ in range(args.clients)]
        coordinators = [Client(tracker_server.port) for _ in range(args.clients)]
        contacts = [Client(tracker_server.port) for _ in range(args.clients)]
        for c in coordinators:
            c.log_in("samordnare@bench.test", PASSWORD)
        for c in contacts:
            c.log_in("kontakt@bench.test", PASSWORD)

        def get(path):
            return lambda client, i, n: client.request("GET", path)[0]

        scenarios = [
            ("Baslinje (bar Flask+Jinja)", bare_clients, get("/")),
            ("Startsida (samordnare)", coordinators, get("/")),
            ("Programöversikt", coordinators,
             get(f"/uppfoljning/?program={info['program']}&period={info['period']}")),
            ("Mina åtaganden", contacts, get("/mina-ataganden")),
            ("Organisationssida", coordinators, get(f"/organisation/{info['org']}")),
            ("Styrkortssida", coordinators, get(f"/styrkort/{info['org']}")),
            ("Rapporteringsläge", coordinators, get("/uppfoljning/rapportering")),
            ("Effektmålssida", coordinators, get(f"/effektmal/{info['goal']}")),
            ("Utvecklingsmedel", coordinators, get("/medel/")),
            (f"Medelsår {info['fund_year']}", coordinators, get(f"/medel/{info['fund_year']}")),
            ("Spara utkast (htmx)", contacts, save_action(info)),
            ("Baslinje igen", bare_clients, get("/")),
        ]
        rows = []
        for name, clients, action in scenarios:
            status = action(clients[0], 0, 0)  # warm up
            if status != 200:
                raise RuntimeError(f"{name}: HTTP {status} on the first request")
            latencies = run_load(name, clients, action, args.seconds)
            rows.append((name, len(latencies), pct(latencies, 50), pct(latencies, 95)))
            print(f"{name:<28} n={len(latencies):>6}  p50={rows[-1][2]:7.1f} ms  p95={rows[-1][3]:7.1f} ms",
                  flush=True)
    finally:
        tracker_server.stop()
        bare_server.stop()
        if "reader" in info:
            info.pop("reader").dispose()
    return rows


def write_results(tables, args, elapsed: float) -> None:
    lines = [
        "# Web benchmark", "",
        f"Run {time.strftime('%Y-%m-%d %H:%M')} on {os.cpu_count()} cores (a shared machine): "
        f"`benchmarks/web.py --database {args.database} --scale {args.scale} --seconds {args.seconds:g} "
        f"--clients {args.clients}`, gunicorn 2 workers × 8 threads on loopback; the whole run took "
        f"{elapsed / 60:.0f} min (loading the data included). Each database holds the real seeds, "
        "`demo-data` of its scale and every demo organisation's effect-goal figures and usage reports "
        "(benchmarks/national.py); PostgreSQL is this machine's cluster started by `.ci/start-postgres` "
        f"(database `{PG_DATABASE}`), SQLite a new file.",
        "", "Ratios are p95 against the bare Flask+Jinja page's p95 (the larger of its two runs) in the same "
        "table's run. Targets: pages ≤ 10×, saves ≤ 5×.",
    ]
    for database, scale, info, rows in tables:
        baseline_p95 = max(r[3] for r in rows if r[0].startswith("Baslinje"))
        lines += [
            "", f"## {DATABASES[database]}, {scale} scale", "",
            f"{info['organisations']} demo organisations, {info['all_commitments']} commitments; "
            f"{len(info['commitments'])} commitments for the contact's organisation, tertial {info['period']}.", "",
            "| page | requests | p50 ms | p95 ms | p50 / baseline p95 | p95 / baseline p95 | target | met |",
            "|---|---:|---:|---:|---:|---:|---|---|",
        ]
        for name, n, p50, p95 in rows:
            limit = None if name.startswith("Baslinje") else (5 if "Spara" in name else 10)
            ratio = p95 / baseline_p95
            target = f"≤ {limit}×" if limit else ""
            met = "" if limit is None else ("yes" if ratio <= limit else "**no**")
            lines.append(f"| {name} | {n} | {p50:.1f} | {p95:.1f} | {p50 / baseline_p95:.1f}× | {ratio:.1f}× "
                         f"| {target} | {met} |")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"\nwrote {RESULTS} ({elapsed:.0f} s)")


if __name__ == "__main__":
    main()
