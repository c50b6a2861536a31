"""Programme pages: goals → activities → responsible organisations; coordinators change them.

Every form works as a plain POST (a redirect with a flash message, or the
page again with the problem beside the field and status 422). The component
that assigns organisations replaces itself for htmx requests (told apart by
`htmx.target`).
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from jinja2_fragments.flask import render_block
from pydantic import ValidationError as ModelError

from tracker.accounts.access import ALL_ROLES, COORDINATORS, allow, organisation_ids_of
from tracker.accounts.models import Role
from tracker.db import get_session
from tracker.organisations import service as organisations
from tracker.programs import editing, responsibility, service
from tracker.programs.forms import (
    ActivityForm,
    GoalForm,
    Responsible,
    add_refusal,
    responsible,
    scope_ids,
)
from tracker.programs.models import Activity, Goal, Program
from tracker.viewkit import commit_or_refuse, wants_fragment

bp = Blueprint("programs", __name__, url_prefix="/program")

RESPONSIBLE = "programs/_responsible.html"
REFUSALS = (editing.ProgramError, ModelError)  # a rule of the service, or input its model does not accept


@bp.get("/<slug>")
@allow(ALL_ROLES)
def show(slug: str):
    """Show a programme's goals, activities, time frames and who is responsible."""
    return _program_page(_program_or_404(slug))


@bp.post("/<program>/mal")
@allow(COORDINATORS)
def add_goal(program: str):
    """Add a goal to the programme."""
    session, prog = get_session(), _program_or_404(program)
    form = GoalForm()
    return _save_goal(prog, form, lambda: editing.add_goal(session, program=prog, data=form.to_create(),
                                                           actor=current_user),
                      _goal_added, new_goal=scope_ids(form, "new-goal"))


@bp.post("/<program>/mal/<int:goal_id>")
@allow(COORDINATORS)
def edit_goal(program: str, goal_id: int):
    """Change a goal's number or title."""
    session, prog = get_session(), _program_or_404(program)
    goal = service.get_goal(session, prog, goal_id) or abort(404)
    form = GoalForm()
    return _save_goal(prog, form, lambda: editing.update_goal(session, goal=goal, program=prog,
                                                              data=form.to_update(), actor=current_user),
                      _goal_saved, goal_forms={goal_id: scope_ids(form, f"goal-{goal_id}")})


def _save_goal(prog: Program, form: GoalForm, write, message, **page):
    """Run an add or edit, then go back to the goal; otherwise show the page with the problem beside the field."""
    if form.validate_on_submit():
        goal, error = commit_or_refuse(get_session(), write, *REFUSALS)
        if error is None:
            flash(message(goal))
            return _to_program(prog, f"goal-{goal.id}")
        add_refusal(form, error)
    return _program_page(prog, status=422, **page)


@bp.route("/<program>/mal/<int:goal_id>/aktivitet", methods=["GET", "POST"])
@allow(COORDINATORS)
def add_activity(program: str, goal_id: int):
    """Add an activity under a goal."""
    session, prog = get_session(), _program_or_404(program)
    goal = service.get_goal(session, prog, goal_id) or abort(404)
    form = ActivityForm()
    return _save_activity(prog, goal, form, None, lambda: editing.add_activity(
        session, goal=goal, program=prog, data=form.to_create(), actor=current_user))


@bp.route("/<program>/aktivitet/<int:activity_id>", methods=["GET", "POST"])
@allow(COORDINATORS)
def edit_activity(program: str, activity_id: int):
    """Change an activity: title, description, time frame, target groups, partners and note."""
    session, prog = get_session(), _program_or_404(program)
    activity, goal = _activity_or_404(prog, activity_id)
    if request.method == "GET":
        groups, partners = service.activity_names(session, activity)
        form = ActivityForm(data={
            "title": activity.title, "description": activity.description, "time_frame": activity.time_frame,
            "note": activity.note, "target_groups": ", ".join(groups), "partners": ", ".join(partners),
        })
        return _activity_page(prog, goal, form, activity=activity)
    form = ActivityForm()
    return _save_activity(prog, goal, form, activity, lambda: editing.update_activity(
        session, activity=activity, program=prog, data=form.to_update(), actor=current_user))


def _save_activity(prog, goal, form: ActivityForm, activity, write):
    """Run an add or edit, then go back to the programme; otherwise show the form again with the problem."""
    if not form.validate_on_submit():
        return _activity_page(prog, goal, form, activity=activity)
    saved, error = commit_or_refuse(get_session(), write, *REFUSALS)
    if error is not None:
        add_refusal(form, error)
        return _activity_page(prog, goal, form, activity=activity)
    time_frame = _time_frame_text(prog, saved.time_frame)
    flash(_("Aktiviteten är sparad. %(time_frame)s", time_frame=time_frame) if activity else
          _("Aktiviteten är tillagd. %(time_frame)s", time_frame=time_frame))
    return _to_program(prog, f"activity-{saved.id}")


@bp.post("/<program>/aktivitet/<int:activity_id>/avsluta")
@allow(COORDINATORS)
def deactivate_activity(program: str, activity_id: int):
    """Take an activity out of the programme; commitments and reports are kept."""
    prog, activity = _change_activity(program, activity_id, editing.deactivate_activity)
    flash(_("Aktiviteten ”%(activity)s” är avslutad. Åtaganden och rapporter finns kvar, och aktiviteten kan "
            "återaktiveras under Avslutade aktiviteter.", activity=activity.title))
    return _to_program(prog, "deactivated")


@bp.post("/<program>/aktivitet/<int:activity_id>/ateraktivera")
@allow(COORDINATORS)
def reactivate_activity(program: str, activity_id: int):
    """Bring a deactivated activity back into the programme."""
    prog, activity = _change_activity(program, activity_id, editing.reactivate_activity)
    flash(_("Aktiviteten ”%(activity)s” är återaktiverad.", activity=activity.title))
    return _to_program(prog, f"activity-{activity.id}")


def _change_activity(slug: str, activity_id: int, change) -> tuple[Program, Activity]:
    """Make a change the rules never refuse (deactivate, reactivate) and commit it."""
    session, prog = get_session(), _program_or_404(slug)
    activity, _goal = _activity_or_404(prog, activity_id)
    change(session, activity=activity, actor=current_user)
    session.commit()
    return prog, activity


@bp.post("/<program>/aktivitet/<int:activity_id>/ansvariga")
@allow(COORDINATORS)
def assign(program: str, activity_id: int):
    """Make one or more organisations responsible for an activity (reactivates old commitments)."""
    session, prog = get_session(), _program_or_404(program)
    activity, _goal = _activity_or_404(prog, activity_id)
    slugs = request.form.getlist("organisation")
    added, error = commit_or_refuse(session, lambda: responsibility.assign_by_slugs(
        session, activity=activity, slugs=slugs, actor=current_user), editing.ProgramError)
    if error is not None:
        return _responsible_refused(prog, activity, error=str(error), selected=slugs)
    names = ", ".join(o.short_name for o in added)
    message = ngettext("%(names)s är nu ansvarig för aktiviteten.", "%(names)s är nu ansvariga för aktiviteten.",
                       len(added), names=names) if added else _("De valda var redan ansvariga.")
    return _responsible_done(prog, activity, message)


@bp.post("/<program>/aktivitet/<int:activity_id>/ansvariga/<slug>/ta-bort")
@allow(COORDINATORS)
def unassign(program: str, activity_id: int, slug: str):
    """End an organisation's responsibility; with reports, only after the coordinator confirms."""
    session, prog = get_session(), _program_or_404(program)
    activity, _goal = _activity_or_404(prog, activity_id)
    org = organisations.get_by_slug(session, slug) or abort(404)
    kept, error = commit_or_refuse(session, lambda: responsibility.unassign(
        session, activity=activity, organisation=org, actor=current_user,
        confirmed=request.form.get("confirm") == "1"), editing.ProgramError)
    if isinstance(error, responsibility.ConfirmationNeeded):
        if wants_fragment():
            return _responsible_fragment(prog, activity, confirm=org, confirm_text=str(error))
        return render_template("programs/confirm_unassign.html", program=prog, activity=activity,
                               organisation=org, text=str(error))
    if error is not None:
        if wants_fragment():
            return _responsible_fragment(prog, activity, status=409, problem=str(error))
        flash(str(error))
        return _to_program(prog, f"activity-{activity.id}")
    if kept:
        message = ngettext("%(org)s är inte längre ansvarig för aktiviteten. Åtagandet är avaktiverat; "
                           "%(num)d rapport finns kvar.",
                           "%(org)s är inte längre ansvarig för aktiviteten. Åtagandet är avaktiverat; "
                           "%(num)d rapporter finns kvar.", kept, org=org.short_name)
    else:
        message = _("%(org)s är inte längre ansvarig för aktiviteten.", org=org.short_name)
    return _responsible_done(prog, activity, message)


# Reading the request

def _program_or_404(slug: str) -> Program:
    return service.get_program(get_session(), slug) or abort(404)


def _activity_or_404(program: Program, activity_id: int) -> tuple[Activity, Goal]:
    return service.get_activity(get_session(), program, activity_id) or abort(404)


def _can_edit() -> bool:
    return current_user.is_authenticated and current_user.role in COORDINATORS


# Building what the templates show

def _goal_added(goal: Goal) -> str:
    if goal.number:
        return _("Mål %(number)s är tillagt.", number=goal.number)
    return _("Målet ”%(title)s” är tillagt.", title=goal.title)


def _goal_saved(goal: Goal) -> str:
    if goal.number:
        return _("Mål %(number)s är sparat.", number=goal.number)
    return _("Målet ”%(title)s” är sparat.", title=goal.title)


def _time_frame_text(program: Program, text: str) -> str:
    """How a time frame is read, in words: the dates, or that it means the whole programme period."""
    frame = service.time_frame_for(program, text)
    dates = f"{format_date(frame.starts_on, 'd MMMM y')} – {format_date(frame.ends_on, 'd MMMM y')}"
    if frame.parsed:
        return _("Tidsperioden ”%(text)s” tolkas som %(dates)s.", text=text, dates=dates)
    return _("Tidsperioden ”%(text)s” kunde inte tolkas och tolkas som hela programperioden (%(dates)s).",
             text=text, dates=dates)


def _program_page(program: Program, *, status: int = 200, new_goal: GoalForm | None = None,
                  goal_forms: dict[int, GoalForm] | None = None, override: Responsible | None = None):
    """The programme page; coordinators also get the forms (those given show what was posted)."""
    session = get_session()
    goals = service.program_tree(session, program)
    origin = session.get(Program, program.origin_id) if program.origin_id is not None else None
    context: dict = {"program": program, "goals": goals, "editable": _can_edit(), "origin": origin,
                     # A contact may open only their own organisations' pages: link no other (it would be a 403).
                     "linked_orgs": organisation_ids_of(session, current_user)
                     if current_user.role == Role.contact else None}
    if context["editable"]:
        everyone = service.active_organisations(session)
        forms = goal_forms or {}
        context.update(
            new_goal=new_goal or scope_ids(GoalForm(formdata=None), "new-goal"),
            goal_forms={gv.goal.id: forms.get(gv.goal.id) or scope_ids(
                GoalForm(formdata=None, data={"number": gv.goal.number or "", "title": gv.goal.title}),
                f"goal-{gv.goal.id}") for gv in goals},
            responsible={av.activity.id: responsible(program, av.activity, av.organisations, everyone)
                         for gv in goals for av in gv.activities},
            deactivated=service.deactivated_activities(session, program),
        )
        if override is not None:
            context["responsible"][override.activity.id] = override
    return render_template("programs/show.html", **context), status


def _activity_page(program: Program, goal: Goal, form: ActivityForm, *, activity: Activity | None):
    text = (form.time_frame.data or "").strip()
    reading = (_time_frame_text(program, text), service.time_frame_for(program, text).parsed) if text else None
    status = 422 if form.errors else 200
    return render_template("programs/activity_form.html", program=program, goal=goal, form=form,
                           activity=activity, reading=reading), status


def _responsible(program: Program, activity: Activity, **state) -> Responsible:
    session = get_session()
    return responsible(program, activity, service.responsible_organisations(session, activity),
                       service.active_organisations(session), **state)


# Answering

def _to_program(program: Program, anchor: str):
    return redirect(f"{url_for('programs.show', slug=program.slug)}#{anchor}", code=303)


def _responsible_fragment(program: Program, activity: Activity, *, status: int = 200, **state):
    return render_block(RESPONSIBLE, "responsible", r=_responsible(program, activity, **state)), status


def _responsible_done(program: Program, activity: Activity, message: str):
    if wants_fragment():
        return _responsible_fragment(program, activity, message=message)
    flash(message)
    return _to_program(program, f"activity-{activity.id}")


def _responsible_refused(program: Program, activity: Activity, *, error: str, selected: list[str]):
    if wants_fragment():
        return _responsible_fragment(program, activity, status=422, error=error, selected=selected)
    if not activity.active:  # not on the page: say it at the top
        flash(error)
        return _to_program(program, "deactivated")
    override = _responsible(program, activity, error=error, selected=selected)
    return _program_page(program, status=422, override=override)


# The pages that found a programme add their routes to this blueprint.
from tracker.programs import founding_views  # noqa: E402, F401
