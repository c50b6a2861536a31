"""Styrkort benchmark: a whole tertial's styrkort at `--scale large`, against two references.

Measured in the same run (the machines are shared and noisy, so the ratios are what count):

* tracker: `generation.generate` as `tracker scorecards generate` runs it — read each
  organisation's data from the database, draw the PDF, archive it (file + record);
* floor: the same ReportLab layout drawn from data already in memory (`render_scorecard` alone);
* WeasyPrint: the same content as HTML (the styrkort page's template and CSS) rendered to PDF,
  what many Flask apps do; on a sample of organisations, since it is slow;
* parallel: the whole tertial generated with one process per core, against the serial run.

Targets: tracker ≤ 1.3× the floor, ≥ 3× faster than WeasyPrint, parallel ≥ 1.8× serial throughput.

    .venv/bin/pip install -e '.[benchmark]'     # WeasyPrint, only for this benchmark
    .venv/bin/python benchmarks/scorecards.py [--scale large|small] [--sample 20] [--workers 2]

Results: benchmarks/results/scorecards.md (and printed).
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
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
    args = parser.parse_args()
    os.environ.setdefault("TRACKER_ENV", "development")
    with tempfile.TemporaryDirectory(prefix="tracker-bench-") as tmp:
        engine, period_id = prepare(f"sqlite:///{tmp}/bench.db", args.scale)
        results = measure(engine, period_id, Path(tmp), sample=args.sample, workers=args.workers)
    report(results, args)


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
        serial = _timed(lambda: generation.generate(session, tmp / "serial", subjects, generated_by_id=None,
                                                    generated_by_label="benchmark"))
        parallel = _timed(lambda: generation.generate(session, tmp / "parallel", subjects, generated_by_id=None,
                                                      generated_by_label="benchmark", workers=workers))
        sample_floor = _timed(lambda: [pdf.render_scorecard(cards[s.key], generated_at=generated_at)
                                       for s in sampled])
        sample_tracker = _timed(lambda: generation.generate(session, tmp / "sample", sampled, generated_by_id=None,
                                                            generated_by_label="benchmark"))
        weasy = _weasyprint(session, period, sampled, cards)
    return {"count": len(subjects), "sampled": len(sampled), "commitments": commitments, "floor": floor,
            "serial": serial, "parallel": parallel, "sample_floor": sample_floor, "sample_tracker": sample_tracker,
            "weasy": weasy, "workers": workers, "bytes": statistics.mean(pages)}


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
        f"Whole tertial: serial {r['serial']:.1f} s, parallel {r['parallel']:.1f} s.",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    RESULTS.write_text(text)


if __name__ == "__main__":
    main()
