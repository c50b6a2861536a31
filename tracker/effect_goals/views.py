"""Effektmål: the goals' yearly results for everyone who follows the programme, figures in from the organisations.

Figures are masked by who is looking (see `masking.Viewer`). Every form works as a
plain POST (a redirect with a flash message, or the page again with the problem
beside the field: 422, or the other person's figures: 409); htmx requests,
told apart by `htmx.target`, get the component that replaces itself.
"""
from __future__ import annotations

from itertools import groupby

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user
from jinja2_fragments.flask import render_block

from tracker import clock
from tracker.accounts.access import COORDINATORS, READERS, REPORTERS, allow
from tracker.accounts.models import Role
from tracker.accounts.service import user_names
from tracker.db import get_session
from tracker.effect_goals import display, editing, exchange, forms, masking, pages, service
from tracker.effect_goals.forms import MeasurementEditor, Notice
from tracker.effect_goals.models import EffectGoal, Measurement
from tracker.organisations.models import Organisation
from tracker.pagecache import remembered
from tracker.programs.models import Program
from tracker.viewkit import commit_or_refuse, organisation_or_404, version_field, wants_fragment

bp = Blueprint("effect_goals", __name__, url_prefix="/effektmal")

VIEWERS = READERS | {Role.contact}
SHOW, INPUT, IMPORT = "effect_goals/show.html", "effect_goals/input.html", "effect_goals/import.html"
ROW, LIVE = "effect_goals/_measurement.html", "effect_goals/_live.html"
RESULTS_ID = "goal-results"
MAX_UPLOAD = 2 * 1024 * 1024  # a year's figures for every goal and organisation are a few kB
EXPORT_TYPES = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "csv": "text/csv; charset=utf-8"}


@bp.get("/")
@allow(VIEWERS)
@remembered
def index():
    """Show every effect goal with the city's result per year, grouped by programme."""
    session, viewer = get_session(), _viewer()
    results = service.goal_results(session, service.list_goals(session), today=clock.today())
    views = [pages.goal_view(r, viewer) for r in results]
    programs = [(program, list(group)) for program, group in groupby(views, key=lambda v: v.results.program)]
    responsible = sorted({row.organisation.id: row.organisation for r in results for row in r.organisations}.values(),
                         key=lambda o: o.name)
    years = sorted({year for r in results for year in r.years})
    return render_template(
        "effect_goals/index.html", programs=programs, organisations=responsible, years=years,
        mine=[o for o in responsible if o.id in viewer.own], default_year=forms.default_year(years, clock.today().year),
        coordinator=current_user.role == Role.coordinator,
    )


@bp.get("/<int:goal_id>")
@allow(VIEWERS)
@remembered
def show(goal_id: int):
    """Show a goal's city results per year and each organisation's, masked by who is looking."""
    return _goal_page(*_goal_or_404(goal_id))


@bp.post("/<int:goal_id>/baslinje")
@allow(COORDINATORS)
def baseline(goal_id: int):
    """Set (or clear) the year a change target is measured against."""
    session = get_session()
    goal, program = _goal_or_404(goal_id)
    raw = request.form.get("baseline_year", "")
    try:
        year = forms.parse_year(raw)
    except ValueError:
        return _goal_page(goal, program, status=422, baseline={"value": raw, "error": _("Välj ett år i listan.")})
    _saved, error = commit_or_refuse(session, lambda: editing.set_baseline(session, goal=goal, year=year,
                                                                         actor=current_user), editing.MeasurementError)
    if error is not None:
        message = error.errors.get("year") or str(error)
        return _goal_page(goal, program, status=422, baseline={"value": raw, "error": message})
    message = _("Basåret är nu %(year)s.", year=year) if year else _("Basåret är borttaget.")
    if wants_fragment(RESULTS_ID):
        return _goal_page(goal, program, baseline={"message": message})
    flash(message)
    return redirect(url_for("effect_goals.show", goal_id=goal.id), code=303)


@bp.get("/inmatning")
@allow(REPORTERS)
def choose():
    """Go to the input page for the organisation and year chosen in the index's form."""
    try:
        year = forms.parse_year(request.args.get("ar"))
    except ValueError:
        abort(404)
    slug = request.args.get("org", "")
    if not slug or year is None:
        return redirect(url_for("effect_goals.index"), code=303)
    return redirect(url_for("effect_goals.input_page", org=slug, year=year), code=303)


@bp.get("/inmatning/<org>/<int:year>")
@allow(REPORTERS)
def input_page(org: str, year: int):
    """Show one form row per goal the organisation reports figures for, for the year."""
    return _input_page(organisation_or_404(get_session(), org, report=True), year)


@bp.post("/inmatning/<org>/<int:year>/<int:goal_id>")
@allow(REPORTERS)
def save(org: str, year: int, goal_id: int):
    """Save an organisation's figures for one goal and year."""
    session = get_session()
    organisation = organisation_or_404(session, org, report=True)
    goal, _program = _goal_or_404(goal_id)
    if not editing.is_responsible(session, goal, organisation.id):
        abort(404)
    expected = version_field()
    editor = MeasurementEditor(goal, organisation, year, forms.sent_values(request.form), expected)
    content, errors = editing.read_measurement_form(goal, request.form)

    def write() -> Measurement:
        if errors:
            raise editing.MeasurementError(errors)
        return editing.save_measurement(session, goal=goal, organisation=organisation, year=year, content=content,
                                        expected_version=expected, actor=current_user)

    measurement, refusal = commit_or_refuse(session, write, editing.MeasurementError, editing.MeasurementConflict,
                                            editing.NotAllowed)
    if isinstance(refusal, editing.NotAllowed):
        abort(403)
    if isinstance(refusal, editing.MeasurementError):
        editor.errors = {name: text for name, text in refusal.errors.items() if name != "year"}
        editor.saved = editing.get_measurement(session, goal.id, organisation.id, year)
        editor.notice = Notice("error", refusal.errors.get("year") or _("Siffrorna sparades inte. Rätta det som är "
                                                                       "markerat."))
        return _answer(editor, 422, _("Siffrorna sparades inte"))
    if isinstance(refusal, editing.MeasurementConflict):
        # The next save goes on top of the figures the user has now seen.
        editor.version, editor.saved, editor.conflict = refusal.current.version, refusal.current, refusal.current
        editor.notice = Notice("conflict", _(
            "Någon annan har sparat siffror för målet och året sedan du öppnade sidan. Dina siffror är inte "
            "sparade men finns kvar i formuläret. Jämför med de sparade siffrorna och spara igen om dina ska gälla."))
        return _answer(editor, 409, _("Siffrorna sparades inte: någon annan har sparat sedan du öppnade sidan"))
    editor.values, editor.version, editor.saved = forms.values_of(measurement), measurement.version, measurement
    editor.notice = Notice("saved", _("Sparat %(time)s", time=format_datetime(measurement.updated_at, "HH:mm")))
    if wants_fragment(editor.dom_id):
        return _answer(editor, 200, _("Sparat"))
    flash(_("Siffrorna är sparade: %(goal)s", goal=goal.wording))
    return redirect(url_for("effect_goals.input_page", org=organisation.slug, year=year) + f"#{editor.dom_id}",
                    code=303)


@bp.get("/export.xlsx")
@allow(VIEWERS)
def export_xlsx():
    """Download a year's figures as an Excel file, masked as on the pages."""
    return _export("xlsx")


@bp.get("/export.csv")
@allow(VIEWERS)
def export_csv():
    """Download a year's figures as a CSV file, masked as on the pages."""
    return _export("csv")


@bp.get("/import")
@allow(COORDINATORS)
def import_form():
    """Show the form for importing figures from a file."""
    return render_template(IMPORT, max_mb=MAX_UPLOAD // (1024 * 1024))


@bp.post("/import")
@allow(COORDINATORS)
def import_upload():
    """Import figures from an Excel or CSV file: all of them, or none and every problem listed."""
    session = get_session()
    upload = request.files.get("fil")
    if upload is None or not upload.filename:
        return _import_refused(error=_("Välj en fil att importera."))
    # The form is already parsed (the CSRF check reads it); the size is checked before the rows are read.
    data = upload.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        return _import_refused(error=_("Filen är större än %(size)s MB. Dela upp den i flera filer.",
                                       size=MAX_UPLOAD // (1024 * 1024)))
    result, rejected = commit_or_refuse(session, lambda: exchange.import_file(
        session, filename=upload.filename, data=data, actor=current_user), exchange.ImportRejected)
    if rejected is not None:
        return _import_refused(problems=rejected.problems)
    flash(_("Importen är klar: %(created)s nya, %(updated)s ändrade och %(unchanged)s oförändrade mätvärden.",
            created=result.created, updated=result.updated, unchanged=result.unchanged))
    return redirect(url_for("effect_goals.import_form"), code=303)


# Reading the request

def _viewer() -> masking.Viewer:
    return masking.viewer_of(get_session(), current_user, threshold=current_app.config["EFFECT_GOAL_MASK_THRESHOLD"])


def _goal_or_404(goal_id: int) -> tuple[EffectGoal, Program]:
    session = get_session()
    goal = session.get(EffectGoal, goal_id)
    if goal is None or not goal.active:
        abort(404)
    return goal, session.get(Program, goal.program_id)


# Answering

def _goal_page(goal: EffectGoal, program: Program, *, status: int = 200, baseline: dict | None = None):
    results = service.goal_results(get_session(), [(goal, program)], today=clock.today())[0]
    context = {"view": pages.goal_view(results, _viewer()), "program": program, "results_id": RESULTS_ID,
               "baseline": baseline or {}, "coordinator": current_user.role == Role.coordinator,
               "baseline_years": range(program.start_year, program.end_year + 1)}
    if wants_fragment(RESULTS_ID):
        return render_block(SHOW, "results", **context), status
    return render_template(SHOW, **context), status


def _input_page(organisation: Organisation, year: int, *, override: MeasurementEditor | None = None,
                status: int = 200):
    session, today = get_session(), clock.today()
    goals = service.goals_of_organisation(session, organisation.id)
    years = sorted({y for _goal, program in goals for y in service.follow_up_years(program, today)})
    open_goals = [(g, p) for g, p in goals if year in service.follow_up_years(p, today)]
    results = service.goal_results(session, open_goals, today=today, organisation_id=organisation.id)
    saved = {r.goal.id: (r.organisations[0].figures.get(year) if r.organisations else None) for r in results}
    names = user_names(session, [m.updated_by_id for m in saved.values() if m is not None])
    editors = [override if override is not None and override.goal.id == r.goal.id else
               MeasurementEditor(r.goal, organisation, year, forms.values_of(saved[r.goal.id]),
                                 saved[r.goal.id].version if saved[r.goal.id] else None, saved[r.goal.id], names=names)
               for r in results]
    if override is not None and override.goal.id not in {e.goal.id for e in editors}:
        editors.append(override)  # figures sent for a year the goal has no row for: say why they were refused
    return render_template(INPUT, organisation=organisation, year=year, years=years, editors=editors), status


def _answer(editor: MeasurementEditor, status: int, announcement: str):
    ids = [m.updated_by_id for m in (editor.saved, editor.conflict) if isinstance(m, Measurement)]
    editor.names = user_names(get_session(), ids)
    if not wants_fragment(editor.dom_id):
        return _input_page(editor.organisation, editor.year, override=editor, status=status)
    announcement = _("%(message)s: %(goal)s", message=announcement, goal=editor.goal.wording)
    html = render_block(ROW, "measurement", editor=editor)
    return html + render_block(LIVE, "live", text=announcement), status


def _export(kind: str):
    session, viewer = get_session(), _viewer()
    try:
        year = forms.parse_year(request.args.get("ar")) or clock.today().year - 1
    except ValueError:
        abort(400)
    exact = current_user.role == Role.contact or viewer.city is None
    if current_user.role == Role.contact:  # their own organisations' rows, exact, as on their input pages
        rows = exchange.export_table(session, year=year, organisation_ids=set(viewer.own))
    else:  # a coordinator's exact; a reader's as the pages show them (`masking.disclose`)
        rows = exchange.export_table(session, year=year, threshold=viewer.city)
    data = (exchange.to_xlsx(rows, method=display.method_lines(None if exact else viewer.city)) if kind == "xlsx"
            else exchange.to_csv(rows))
    return Response(data, content_type=EXPORT_TYPES[kind], headers={
        "Content-Disposition": f'attachment; filename="effektmal-{year}.{kind}"'})


def _import_refused(*, error: str | None = None, problems: list[str] = ()):
    return render_template(IMPORT, max_mb=MAX_UPLOAD // (1024 * 1024), error=error, problems=list(problems)), 422
