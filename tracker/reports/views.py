"""The programme-wide reports: the halvtidsrapport, the årlig sammanställning and the slutrapport, for leadership."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tracker.accounts.access import COORDINATORS, READERS, allow
from tracker.archive import service as archive
from tracker.archive.models import DocumentKind
from tracker.clock import utcnow
from tracker.db import get_session
from tracker.effect_goals import display, masking
from tracker.effect_goals.masking import DEFAULT_THRESHOLD
from tracker.periods.models import PeriodState
from tracker.programs.models import Program
from tracker.programs.service import get_program
from tracker.reports import service
from tracker.reports.method import method
from tracker.reports.report import DETAIL_LIMIT, NAMES_SHOWN, ReportKind

bp = Blueprint("reports", __name__, url_prefix="/rapporter")

PAGE = "reports/show.html"
FINAL_PAGE = "reports/final.html"


@bp.get("/<program_slug>/halvtidsrapport")
@allow(READERS)
def midterm(program_slug: str):
    """Show the mid-term report from the programme's first tertial to the chosen one (else the latest closed)."""
    session = get_session()
    program = _program_or_404(program_slug)
    periods = service.program_tertials(session, program)
    chosen = request.args.get("till") or getattr(service.default_midterm_period(periods), "code", None)
    if chosen is None:
        return _page(program, periods, kind=ReportKind.midterm,
                     notice=_("Det finns ingen stängd tertial i programmet än, så det finns ingen halvtidsrapport "
                              "att visa."))
    try:
        first, last = service.midterm_range(session, program, chosen)
    except service.ReportRangeError as error:
        return _page(program, periods, kind=ReportKind.midterm, notice=_(error.template, **error.params)), 404
    report = service.build_programme_report(session, program=program, first=first, last=last,
                                            kind=ReportKind.midterm, mask_threshold=_threshold())
    return _page(program, periods, kind=ReportKind.midterm, report=report)


@bp.get("/<program_slug>/sammanstallning")
@allow(READERS)
def annual_chooser(program_slug: str):
    """Go to the annual compilation of the chosen year (else of the latest year with a closed tertial)."""
    program = _program_or_404(program_slug)
    periods = service.program_tertials(get_session(), program)
    year = request.args.get("ar", "")
    if not (year.isascii() and year.isdigit()):
        closed = service.default_midterm_period(periods)
        years = service.report_years(periods)
        year = str(closed.year if closed else years[-1]) if years else None
    if year is None:
        return _page(program, periods, kind=ReportKind.annual,
                     notice=_("Ingen tertial i programmet har börjat än, så det finns ingen årlig sammanställning "
                              "att visa."))
    return redirect(url_for("reports.annual", program_slug=program.slug, year=int(year[:4])), code=303)


@bp.get("/<program_slug>/sammanstallning/<int:year>")
@allow(READERS)
def annual(program_slug: str, year: int):
    """Show the annual compilation of the year's tertials."""
    session = get_session()
    program = _program_or_404(program_slug)
    periods = service.program_tertials(session, program)
    try:
        first, last = service.annual_range(session, program, year)
    except service.ReportRangeError as error:
        return _page(program, periods, kind=ReportKind.annual, year=year,
                     notice=_(error.template, **error.params)), 404
    report = service.build_programme_report(session, program=program, first=first, last=last,
                                            kind=ReportKind.annual, mask_threshold=_threshold())
    return _page(program, periods, kind=ReportKind.annual, report=report, year=year)


@bp.get("/<program_slug>/slutrapport")
@allow(READERS)
def final(program_slug: str):
    """Show the final report over the programme's whole period, once its last tertial has closed."""
    session = get_session()
    program = _program_or_404(program_slug)
    periods = service.program_tertials(session, program)
    try:
        first, last = service.final_range(session, program)
    except service.ReportRangeError as error:
        return _page(program, periods, kind=ReportKind.final, notice=_(error.template, **error.params))
    report = service.build_programme_report(session, program=program, first=first, last=last,
                                            kind=ReportKind.final, mask_threshold=_threshold())
    return _page(program, periods, kind=ReportKind.final, report=report)


def _page(program: Program, periods, *, kind: ReportKind, report=None, notice: str | None = None,
          year: int | None = None):
    started = [p for p in periods if p.state != PeriodState.upcoming]
    archived = []
    if report is not None:
        key = archive.report_key(DocumentKind(kind), program.slug, report.last.code)
        archived = archive.versions(get_session(), [key])[key]
    coordinator = current_user.role in COORDINATORS
    # The effect goals' city figures: exact for coordinators only, masked for everyone else.
    threshold = masking.viewer_of(get_session(), current_user, threshold=_threshold()).city
    return render_template(FINAL_PAGE if kind == ReportKind.final else PAGE, program=program, kind=kind,
                           report=report, notice=notice, archived=archived,
                           method=method(effect_goals=bool(report and report.effect_goals), threshold=_threshold(),
                                         final=kind == ReportKind.final,
                                         summarised=bool(report and report.summarised)),
                           effect_threshold=threshold, can_generate=coordinator,
                           effect_tables=display.results_tables(report.effect_goals, threshold, _, city=True)
                           if report else [],
                           tertial_choices=list(reversed(started)), year_choices=service.report_years(periods)[::-1],
                           chosen_tertial=report.last.code if report else request.args.get("till"),
                           chosen_year=report.year if report else year, generated_at=utcnow(),
                           DETAIL_LIMIT=DETAIL_LIMIT, NAMES_SHOWN=NAMES_SHOWN)


def _threshold() -> int:
    return current_app.config.get("EFFECT_GOAL_MASK_THRESHOLD", DEFAULT_THRESHOLD)


def _program_or_404(slug: str) -> Program:
    return get_program(get_session(), slug) or abort(404)
