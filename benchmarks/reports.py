"""Programme report benchmark: the halvtidsrapport, the årlig sammanställning and the slutrapport at both scales.

For each scale (`demo-data --scale small|large`, each in a database of its own) and each report,
a child process reads the data and draws the PDF exactly as `tracker reports …` does
(`generation.render`: the nine queries, the counting, ReportLab, the checksum), and reports its
time, its peak memory (the child's `ru_maxrss`, imports included), the pages and the bytes.

Baseline, measured in the same run (the machines are shared and noisy, so the ratios are what
count): a child that lays out a ReportLab document of plain paragraphs with the same number of
pages as the report, in the same kit (`build_report_pdf`, two passes for the contents). "× floor"
is the report's time over that document's; "rss floor" is the child's memory after importing
the app, before reading anything.

Targets at large scale: each report ≤ 10 s and ≤ 400 MB peak.

The demo programme runs a year past its last tertial, so its final range is not closed: the
slutrapport is drawn over the same range as the halvtidsrapport (first tertial to the latest closed
one), which is what the slutrapport would cover.

    .venv/bin/python benchmarks/reports.py [--scale small --scale large] [--database-url postgresql+psycopg://…]

A PostgreSQL database given with `--database-url` is emptied (its public schema dropped) for each
scale: give it one of its own (`TRACKER_PG_DATABASE=tracker_reports bash .ci/start-postgres`).
Results: benchmarks/results/reports.md (and printed).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "reports.md"
sys.path.insert(0, str(ROOT))
KINDS = ("midterm", "annual", "final")
LIMIT_SECONDS, LIMIT_MB = 10, 400


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def prepare(url: str, scale: str) -> None:
    """Migrate an empty database and load the scale's demo data into it."""
    from sqlalchemy import text
    from sqlmodel import Session

    from tracker import migrate
    from tracker.db import make_engine
    from tracker.demo import service as demo

    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    migrate.upgrade(engine)
    with Session(engine) as session:
        started = time.perf_counter()
        result = demo.generate(session, size=demo.SCALES[scale], today=date.today())
        session.commit()
    if engine.dialect.name == "postgresql":  # as autovacuum would soon after a bulk load; without statistics
        with engine.begin() as connection:  # the planner can pick a nested loop that runs for many minutes
            connection.execute(text("ANALYZE"))
    engine.dispose()
    print(f"{engine.dialect.name}: demo-data --scale {scale}: {result.organisations} organisations, "
          f"{result.commitments} commitments, {result.reports} reports in {time.perf_counter() - started:.0f} s",
          flush=True)


def child_report(url: str, scale: str, kind: str) -> dict:
    """Generate one report as the command does; runs in a child process of its own."""
    from sqlmodel import Session, select

    from tracker.archive import generation
    from tracker.archive.models import DocumentKind
    from tracker.db import make_engine
    from tracker.programs.models import Program
    from tracker.reports import pdf, pdf_final, service  # noqa: F401 (imported before the floor is read)

    floor = _maxrss_mb()
    with Session(make_engine(url)) as session:
        program = session.exec(select(Program).where(Program.slug == f"demo-{scale}")).one()
        periods = service.program_tertials(session, program)
        closed = service.default_midterm_period(periods)
        if kind == "annual":
            first, last = service.annual_range(session, program, closed.year)
        else:
            first, last = service.midterm_range(session, program, closed)
        subject = generation.report_subject(kind=DocumentKind(kind), program=program, first=first, last=last)
        started = time.perf_counter()
        rendered = generation.render(session, subject)
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "pages": rendered.page_count, "bytes": len(rendered.pdf),
            "rss_mb": _maxrss_mb(), "floor_mb": floor}


def child_floor(pages: int) -> dict:
    """A document of plain paragraphs with `pages` pages in the report's kit."""
    from reportlab.platypus import PageBreak

    from tracker.archive.generation import _PAGE
    from tracker.pdf.styles import para
    from tracker.reports.pdf_layout import build_report_pdf

    text = ("Arbetet fortsätter enligt plan. Samverkan med förskolor och skolor i stadsdelen. " * 6).strip()
    story = []
    for page in range(pages):
        story += [para(f"Sida {page + 1}", "h2"), *(para(text) for _ in range(7)), PageBreak()]
    started = time.perf_counter()
    pdf = build_report_pdf(story, title="Golv", header="Golv", footer="Golv", subject="Golv")
    return {"seconds": time.perf_counter() - started, "pages": len(_PAGE.findall(pdf)), "bytes": len(pdf),
            "rss_mb": _maxrss_mb()}


def _run_child(*args: str) -> dict:
    env = {**os.environ, "TRACKER_ENV": "development"}
    out = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True, text=True, env=env,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(url: str, scale: str) -> list[dict]:
    rows = []
    for kind in KINDS:
        report = _run_child(url, scale, kind)
        floor = _run_child("floor", str(report["pages"]))
        rows.append({"scale": scale, "kind": kind, **report, "floor_seconds": floor["seconds"],
                     "floor_rss_mb": floor["rss_mb"]})
        print(json.dumps(rows[-1]), flush=True)
    return rows


NAMES = {"midterm": "halvtidsrapport", "annual": "årlig sammanställning", "final": "slutrapport"}


def write(results: dict[str, list[dict]]) -> str:
    lines = ["# Programme reports: time and peak memory", "",
             f"Measured {date.today().isoformat()} with `benchmarks/reports.py` on {os.cpu_count()} cores; "
             "each report generated in a child process as `tracker reports …` does. Floor: a document of plain "
             "paragraphs with the same number of pages in the same kit, in the same run. Targets at large scale: "
             f"≤ {LIMIT_SECONDS} s and ≤ {LIMIT_MB} MB peak.", ""]
    for database, rows in results.items():
        lines += [f"## {database}", "",
                  "| scale | report | time | × floor | peak memory | rss after imports | pages | bytes | target |",
                  "|---|---|---:|---:|---:|---:|---:|---:|---|"]
        for r in rows:
            met = "–" if r["scale"] != "large" else (
                "met" if r["seconds"] <= LIMIT_SECONDS and r["rss_mb"] <= LIMIT_MB else "**missed**")
            lines.append(f"| {r['scale']} | {NAMES[r['kind']]} | {r['seconds']:.1f} s | "
                         f"{r['seconds'] / r['floor_seconds']:.1f}× | {r['rss_mb']:.0f} MB | {r['floor_mb']:.0f} MB | "
                         f"{r['pages']} | {r['bytes']:,} | {met} |")
        by = {(r["scale"], r["kind"]): r for r in rows}
        ratios = [f"{NAMES[k]} {by['large', k]['seconds'] / by['small', k]['seconds']:.1f}×" for k in KINDS
                  if ("large", k) in by and ("small", k) in by]
        if ratios:
            lines += ["", "Large over small, time: " + ", ".join(ratios) + "."]
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", action="append", choices=["small", "large"])
    parser.add_argument("--database-url", help="a PostgreSQL database of its own (emptied per scale)")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        result = child_floor(int(args.child[1])) if args.child[0] == "floor" else child_report(*args.child)
        print(json.dumps(result))
        return
    scales = args.scale or ["small", "large"]
    results: dict[str, list[dict]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for scale in scales:
            url = f"sqlite:///{Path(tmp) / f'{scale}.db'}"
            prepare(url, scale)
            results.setdefault("SQLite", []).extend(measure(url, scale))
        if args.database_url:
            for scale in scales:
                prepare(args.database_url, scale)
                results.setdefault("PostgreSQL", []).extend(measure(args.database_url, scale))
    text = write(results)
    RESULTS.write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
