"""Styrkort benchmark: a whole tertial's styrkort at `--scale large`, against two references.

Measured in the same run (the machines are shared and noisy, so the ratios are what count):

* tracker: `generation.generate` as `tracker scorecards generate` runs it — read each
  organisation's data from the database, draw the PDF, archive it (file + record);
* floor: the same ReportLab layout drawn from data already in memory (`render_scorecard` alone);
* WeasyPrint: the same content as HTML (the styrkort page's template and CSS) rendered to PDF,
  what many Flask apps do; on a sample of organisations, since it is slow;
* parallel: the whole tertial generated with one process per core, against the serial run.

The whole tertial, serial and parallel, is generated in a child process of its own so that its
peak memory is measured alone: the child's maximum resident set (`ru_maxrss`) and, for the
parallel run, each worker's high-water mark (VmHWM, sampled from /proc while it runs; the
workers come from a fork server, so they are not the child's own children to `getrusage`).

Targets: tracker ≤ 1.3× the floor, ≥ 3× faster than WeasyPrint, parallel ≥ 1.8× serial throughput.

    .venv/bin/pip install -e '.[benchmark]'     # WeasyPrint, only for this benchmark
    .venv/bin/python benchmarks/scorecards.py [--scale large|small] [--sample 20] [--workers 2]

Results: benchmarks/results/scorecards.md (and printed).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "scorecards.md"
sys.path.insert(0, str(ROOT))


def prepare(url: str, scale: str):
    from sqlmodel import Session, select

    from tracker import migrate
    from tracker.db import make_engine
    from tracker.demo import service as demo
    from tracker.periods.models import PeriodState, ReportingPeriod

    engine = make_engine(url)
    migrate.upgrade(engine)
    with Session(engine) as session:
        started = time.perf_counter()
        result = demo.generate(session, size=demo.SCALES[scale], today=date.today())
        session.commit()
        print(f"demo-data --scale {scale}: {result.organisations} organisations, {result.commitments} commitments, "
              f"{result.reports} reports in {time.perf_counter() - started:.0f} s", flush=True)
        period = session.exec(select(ReportingPeriod).where(ReportingPeriod.state == PeriodState.closed)
                               .order_by(ReportingPeriod.year.desc(), ReportingPeriod.number.desc())).first()
    return engine, period.id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=["small", "large"], default="large")
    parser.add_argument("--sample", type=int, default=10, help="organisations rendered by every method")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--whole-tertial", nargs=4, metavar=("URL", "PERIOD_ID", "DIR", "WORKERS"),
                        help=argparse.SUPPRESS)  # the child process that generates the whole tertial
    args = parser.parse_args()
    os.environ.setdefault("TRACKER_ENV", "development")
    if args.whole_tertial:
        url, period_id, directory, workers = args.whole_tertial
        print(json.dumps(whole_tertial(url, int(period_id), Path(directory), workers=int(workers))))
        return
    with tempfile.TemporaryDirectory(prefix="tracker-bench-") as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        engine, period_id = prepare(url, args.scale)
        results = measure(engine, period_id, Path(tmp), sample=args.sample, workers=args.workers)
    report(results, args)


def in_child(url: str, period_id: int, directory: Path, *, workers: int) -> dict:
    """Generate the whole tertial in a new process; return its time and peak memory (MB)."""
    answer = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--whole-tertial", url, str(period_id),
                             str(directory), str(workers)], capture_output=True, text=True)
    if answer.returncode != 0:
        raise RuntimeError(f"the whole-tertial run failed:\n{answer.stderr}")
    return json.loads(answer.stdout.strip().splitlines()[-1])


def whole_tertial(url: str, period_id: int, directory: Path, *, workers: int) -> dict:
    """In the child: every styrkort of the tertial, timed, with this process's and its workers' peaks."""
    from sqlmodel import Session

    import tracker.models  # noqa: F401  (every table, and the hooks that keep the data version)
    from tracker.archive import generation
    from tracker.db import make_engine
    from tracker.periods.models import ReportingPeriod

    engine = make_engine(url)
    workers_peak: dict[int, tuple[str, int]] = {}
    done = threading.Event()
    sampler = threading.Thread(target=_sample_descendants, args=(workers_peak, done), daemon=True)
    sampler.start()
    with Session(engine) as session:
        subjects = generation.scorecard_subjects(session, period=session.get(ReportingPeriod, period_id))
        seconds = _timed(lambda: generation.generate(session, directory, subjects, generated_by_id=None,
                                                     generated_by_label="benchmark", workers=workers))
    done.set()
    sampler.join()
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux
    helpers = sorted((role, kb / 1024) for role, kb in workers_peak.values())
    return {"seconds": seconds, "own_mb": own, "processes": helpers}


def _sample_descendants(peaks: dict[int, tuple[str, int]], done: threading.Event) -> None:
    """Keep each descendant process's role and high-water mark (kB) until `done`; its last reading stands."""
    me = os.getpid()
    while not done.wait(0.05):
        parents = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat") as stat:
                        parents[int(entry)] = int(stat.read().rsplit(")", 1)[1].split()[1])
                except (OSError, IndexError, ValueError):
                    continue
        family, grown = {me}, True
        while grown:
            more = {pid for pid, parent in parents.items() if parent in family} - family
            family |= more
            grown = bool(more)
        for pid in family - {me}:
            try:
                with open(f"/proc/{pid}/status") as status:
                    hwm = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
                with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
                    command = cmdline.read().decode(errors="replace")
            except (OSError, StopIteration):
                continue
            # Workers are forked from the fork server and keep its command line.
            role = ("resource tracker" if "resource_tracker" in command
                    else "fork server" if parents.get(pid) == me else "worker")
            peaks[pid] = (role, max(peaks.get(pid, (role, 0))[1], hwm))


def measure(engine, period_id: int, tmp: Path, *, sample: int, workers: int) -> dict:
    from sqlmodel import Session

    from tracker.archive import generation
    from tracker.organisations.models import Organisation
    from tracker.periods.models import ReportingPeriod
    from tracker.scorecards import pdf, service

    with Session(engine) as session:
        period = session.get(ReportingPeriod, period_id)
        subjects = generation.scorecard_subjects(session, period=period)
        step = max(1, len(subjects) // sample)
        sampled = subjects[::step][:sample]
        cards = {s.key: service.build_scorecard(session, organisation=session.get(Organisation, s.organisation_id),
                                                period=period, program_id=s.program_id) for s in subjects}
        commitments = statistics.mean(card.summary.commitments for card in cards.values())
        print(f"{len(subjects)} styrkort for {period.label}, {commitments:.0f} commitments each on average",
              flush=True)

        generated_at = cards[subjects[0].key].data_as_of
        pdf.render_scorecard(cards[subjects[0].key], generated_at=generated_at)  # warm-up: fonts, imports
        floor = _timed(lambda: [pdf.render_scorecard(cards[s.key], generated_at=generated_at) for s in subjects])
        pages = [len(pdf.render_scorecard(cards[s.key], generated_at=generated_at)) for s in sampled]
        url = session.get_bind().url.render_as_string(hide_password=False)
        session.commit()  # nothing held open while the children write
        serial_run = in_child(url, period_id, tmp / "serial", workers=1)
        parallel_run = in_child(url, period_id, tmp / "parallel", workers=workers)
        serial, parallel = serial_run["seconds"], parallel_run["seconds"]
        sample_floor = _timed(lambda: [pdf.render_scorecard(cards[s.key], generated_at=generated_at)
                                       for s in sampled])
        sample_tracker = _timed(lambda: generation.generate(session, tmp / "sample", sampled, generated_by_id=None,
                                                            generated_by_label="benchmark"))
        weasy = _weasyprint(session, period, sampled, cards)
    return {"count": len(subjects), "sampled": len(sampled), "commitments": commitments, "floor": floor,
            "serial": serial, "parallel": parallel, "sample_floor": sample_floor, "sample_tracker": sample_tracker,
            "weasy": weasy, "workers": workers, "bytes": statistics.mean(pages),
            "serial_run": serial_run, "parallel_run": parallel_run}


def _timed(work) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def _weasyprint(session, period, sampled, cards) -> float | None:
    """Render the styrkort page's HTML (same template and CSS as the web app) with WeasyPrint."""
    try:
        import weasyprint
    except ImportError:
        print("WeasyPrint is not installed (pip install -e '.[benchmark]'): skipping that reference.")
        return None
    from flask import render_template

    from tracker import create_app
    from tracker.organisations.models import Organisation
    from tracker.scorecards.service import CHANGE_LABELS, CHANGE_SYMBOLS, TEXT_CHANGE_LABELS

    app = create_app({"ENV_NAME": "development", "DATABASE_URL": str(session.get_bind().url)})
    css = ROOT / "tracker" / "static" / "css"
    # The page's own stylesheets, parsed once (fair to WeasyPrint); the <link>s are dropped.
    stylesheets = [weasyprint.CSS(string=(css / name).read_text()) for name in ("app.css", "scorecards.css")]
    with app.test_request_context("/"):
        pages = [re.sub(r"<link [^>]*>|<script [^>]*></script>", "", render_template(
            "scorecards/show.html", organisation=session.get(Organisation, s.organisation_id), card=cards[s.key],
            periods=[period], archived=[], CHANGE_LABELS=CHANGE_LABELS, CHANGE_SYMBOLS=CHANGE_SYMBOLS,
            TEXT_CHANGE_LABELS=TEXT_CHANGE_LABELS)) for s in sampled]
    weasyprint.HTML(string=pages[0]).write_pdf(stylesheets=stylesheets)  # warm-up: fonts, imports
    return _timed(lambda: [weasyprint.HTML(string=page).write_pdf(stylesheets=stylesheets) for page in pages])


def report(r: dict, args) -> None:
    per = lambda seconds, n: 1000 * seconds / n  # noqa: E731  (ms per styrkort)
    floor_ms, serial_ms = per(r["floor"], r["count"]), per(r["serial"], r["count"])
    sample_floor_ms, sample_tracker_ms = per(r["sample_floor"], r["sampled"]), per(r["sample_tracker"], r["sampled"])
    speedup = r["serial"] / r["parallel"]
    rows = [
        ("ReportLab floor (in-memory data)", f"{floor_ms:.1f} ms", "1.00×", ""),
        ("tracker (database → PDF → archive)", f"{serial_ms:.1f} ms", f"{serial_ms / floor_ms:.2f}× floor", "≤ 1.3×"),
        (f"parallel, {r['workers']} processes", f"{per(r['parallel'], r['count']):.1f} ms",
         f"{speedup:.2f}× serial throughput", "≥ 1.8×"),
    ]
    if r["weasy"] is not None:
        weasy_ms = per(r["weasy"], r["sampled"])
        rows.append((f"WeasyPrint (same content as HTML), {r['sampled']} sampled", f"{weasy_ms:.1f} ms",
                     f"{weasy_ms / sample_tracker_ms:.1f}× slower than tracker on the sample "
                     f"({sample_tracker_ms:.1f} ms; floor {sample_floor_ms:.1f} ms)", "≥ 3×"))
    lines = [
        "# Styrkort benchmark", "",
        f"`benchmarks/scorecards.py --scale {args.scale}`, {time.strftime('%Y-%m-%d')}, "
        f"{os.cpu_count()} cores: {r['count']} styrkort for one tertial, {r['commitments']:.0f} commitments "
        f"each on average ({r['bytes'] / 1024:.0f} KB per PDF).", "",
        "| method | time per styrkort | ratio | target |", "|---|---:|---|---|",
        *[f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows], "",
        "Whole tertial, each run in a process of its own (peak memory: the process's maximum resident set; "
        "for the parallel run also each worker's, the fork server's and multiprocessing's resource tracker's; "
        "their sum is an upper bound of what was resident at once, since the workers share the fork server's "
        "pages):",
        "", "| run | time | peak memory | other processes' peaks | all processes (sum of peaks) |",
        "|---|---:|---:|---:|---:|",
        _whole_row("serial", r["serial_run"]),
        _whole_row(f"parallel, {r['workers']} processes", r["parallel_run"]),
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    RESULTS.write_text(text)


def _whole_row(name: str, run: dict) -> str:
    others = ", ".join(f"{role} {mb:.0f} MB" for role, mb in run["processes"]) or "–"
    total = run["own_mb"] + sum(mb for _role, mb in run["processes"])
    return f"| {name} | {run['seconds']:.1f} s | {run['own_mb']:.0f} MB | {others} | {total:.0f} MB |"


if __name__ == "__main__":
    main()
