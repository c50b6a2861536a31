"""Generating documents: which ones a request means, rendering them (in parallel for a whole
tertial) and archiving each one as it is done.

Rendering is CPU-bound Python, so a whole tertial is spread over worker processes;
each worker reads its own data and runs the pure PDF builder, and the parent
process archives the results one by one.
"""
from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import re
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict
from pathlib import Path

from flask import current_app, has_app_context
from sqlmodel import Session, and_, or_, select

from tracker.archive import service as archive
from tracker.archive.models import ArchivedDocument, DocumentKind
from tracker.archive.service import Rendered, Subject
from tracker.clock import utcnow
from tracker.db import make_engine
from tracker.effect_goals.models import EffectGoal, EffectGoalOrganisation
from tracker.notifications import publications
from tracker.organisations.models import Organisation
from tracker.periods.models import ReportingPeriod
from tracker.programs.models import Activity, Commitment, Goal, Program
from tracker.reporting.models import ReportState, StatusReport

_PAGE = re.compile(rb"/Type\s*/Page(?![A-Za-z])")


class GenerationFailed(Exception):
    """Some documents could not be generated; the others were archived (`documents`). Swedish message."""

    def __init__(self, message: str, documents: list[ArchivedDocument]):
        super().__init__(message)
        self.documents = documents


def running_programs(session: Session, year: int) -> list[Program]:
    """Programmes that run in the year and have activities or effect goals to follow up."""
    followed_up = or_(Program.id.in_(select(Goal.program_id).join(Activity, Activity.goal_id == Goal.id)),
                      Program.id.in_(select(EffectGoal.program_id).where(EffectGoal.active)))
    return list(session.exec(
        select(Program).where(Program.start_year <= year, Program.end_year >= year, followed_up)
        .order_by(Program.start_year, Program.id)
    ))


def scorecard_subjects(session: Session, *, period: ReportingPeriod,
                       organisation: Organisation | None = None) -> list[Subject]:
    """One styrkort per running programme and responsible organisation (or for one organisation).

    An organisation is responsible in a programme when it has an active commitment
    there, reported on one in the tertial, or reports figures for one of its effect goals. Asked for by name, an organisation
    responsible nowhere still gets a styrkort for each programme, saying so.
    """
    programs = running_programs(session, period.year)
    reported = select(StatusReport.commitment_id).where(StatusReport.period_id == period.id,
                                                        StatusReport.state == ReportState.submitted)
    running = [p.id for p in programs] or [-1]
    chosen = Organisation.id == organisation.id if organisation else Organisation.active
    committed = (
        select(Goal.program_id, Organisation.id, Organisation.slug)
        .join(Activity, Activity.goal_id == Goal.id)
        .join(Commitment, Commitment.activity_id == Activity.id)
        .join(Organisation, Commitment.organisation_id == Organisation.id)
        .where(Goal.program_id.in_(running), or_(and_(Commitment.active, Activity.active),
                                                 Commitment.id.in_(reported)), chosen))
    reporting_figures = (
        select(EffectGoal.program_id, Organisation.id, Organisation.slug)
        .join(EffectGoalOrganisation, EffectGoalOrganisation.effect_goal_id == EffectGoal.id)
        .join(Organisation, EffectGoalOrganisation.organisation_id == Organisation.id)
        .where(EffectGoal.program_id.in_(running), EffectGoal.active, chosen))
    pairs = sorted(set(session.exec(committed.union(reporting_figures)).all()), key=lambda row: row[2])
    responsible: dict[int, list[tuple[int, str]]] = {p.id: [] for p in programs}
    for program_id, org_id, slug in pairs:
        responsible[program_id].append((org_id, slug))
    if organisation is not None and not pairs:
        responsible = {p.id: [(organisation.id, organisation.slug)] for p in programs}
    return [
        Subject(DocumentKind.scorecard, archive.scorecard_key(p.slug, period.code, slug), p.id, period.id,
                organisation_id=org_id)
        for p in programs for org_id, slug in responsible[p.id]
    ]


def report_subject(*, kind: DocumentKind, program: Program, first: ReportingPeriod,
                   last: ReportingPeriod) -> Subject:
    return Subject(kind, archive.report_key(kind, program.slug, last.code), program.id, last.id,
                   first_period_id=first.id)


def render(session: Session, subject: Subject) -> Rendered:
    """Read the subject's data and draw its PDF."""
    from tracker.reports import pdf as report_pdf
    from tracker.reports import service as reports
    from tracker.scorecards import pdf as scorecard_pdf
    from tracker.scorecards import service as scorecards

    period = session.get(ReportingPeriod, subject.period_id)
    if subject.kind == DocumentKind.scorecard:
        data = scorecards.build_scorecard(session, organisation=session.get(Organisation, subject.organisation_id),
                                          period=period, program_id=subject.program_id,
                                          mask_threshold=mask_threshold())
        pdf = scorecard_pdf.render_scorecard(data, generated_at=utcnow())
    else:
        data = reports.build_programme_report(session, program=session.get(Program, subject.program_id),
                                              first=session.get(ReportingPeriod, subject.first_period_id),
                                              last=period, kind=str(subject.kind), mask_threshold=mask_threshold())
        pdf = report_pdf.render_programme_report(data, generated_at=utcnow())
    return Rendered(pdf=pdf, page_count=len(_PAGE.findall(pdf)), data_version=fingerprint(data),
                    data_as_of=data.data_as_of)


def mask_threshold() -> int:
    """The installation's masking threshold, as the pages use it (worker processes have no app context)."""
    if has_app_context():
        return current_app.config["EFFECT_GOAL_MASK_THRESHOLD"]
    return int(os.environ.get("TRACKER_EFFECT_GOAL_MASK_THRESHOLD", "5"))


def fingerprint(data) -> str:
    """A checksum of the data a document shows (not of when it was read): same data, same version."""
    values = asdict(data)
    values.pop("data_as_of", None)
    return hashlib.sha256(json.dumps(values, default=str, sort_keys=True).encode()).hexdigest()


def generate(session: Session, root: Path, subjects: list[Subject], *, generated_by_id: int | None,
             generated_by_label: str, job_id: int | None = None, workers: int = 1,
             progress: Callable[[ArchivedDocument | None], None] | None = None) -> list[ArchivedDocument]:
    """Render and archive every subject; with `workers` > 1 in that many processes.

    A document that fails does not stop the others; the failures are raised together at the end.
    """
    documents: list[ArchivedDocument] = []
    failures: list[str] = []

    def archive_one(subject: Subject, rendered: Rendered | None, error: BaseException | None) -> None:
        if error is not None:
            failures.append(f"{subject.key}: {error}")
        else:
            documents.append(archive.store(session, root, subject=subject, rendered=rendered,
                                           generated_by_id=generated_by_id,
                                           generated_by_label=generated_by_label, job_id=job_id))
        if progress:
            progress(documents[-1] if error is None else None)

    if workers <= 1 or len(subjects) < 2:
        for subject in subjects:
            try:
                rendered, error = render(session, subject), None
            except Exception as exc:  # reported with the others at the end
                session.rollback()
                rendered, error = None, exc
            archive_one(subject, rendered, error)
    else:
        url = session.get_bind().url.render_as_string(hide_password=False)
        with ProcessPoolExecutor(min(workers, len(subjects)), mp_context=_context(),
                                 initializer=_start_worker, initargs=(url,)) as pool:
            futures = {pool.submit(_render_in_worker, subject): subject for subject in subjects}
            for future in as_completed(futures):
                archive_one(futures[future], *(_outcome(future)))
    publications.announce(session, documents)
    if failures:
        raise GenerationFailed(f"{len(failures)} av {len(subjects)} dokument kunde inte skapas: "
                               + "; ".join(failures), documents)
    return documents


def _outcome(future) -> tuple[Rendered | None, BaseException | None]:
    error = future.exception()
    return (None, error) if error is not None else (future.result(), None)


def _context():
    # A fork server starts workers from a clean process: safe from a threaded web server.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["tracker.archive.generation", "tracker.scorecards.pdf", "tracker.reports.pdf",
                                    "tracker.reports.pdf_final"])
    return context


_worker_engine = None


def _start_worker(url: str) -> None:
    global _worker_engine
    _worker_engine = make_engine(url)


def _render_in_worker(subject: Subject) -> Rendered:
    with Session(_worker_engine) as session:
        return render(session, subject)
