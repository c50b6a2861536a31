"""Pages where coordinators found a programme: a new one, or one that continues an earlier one.

Registered on the programme pages' blueprint (`views` imports this module at
its end). Both forms work as plain POSTs: a redirect to the new programme, or
the form again with each problem beside its field and status 422.
"""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from tracker.accounts.access import COORDINATORS, allow
from tracker.clock import today
from tracker.db import get_session
from tracker.periods import jobs as calendar_jobs
from tracker.programs import founding, service
from tracker.programs.editing import ProgramError
from tracker.programs.forms import add_refusal
from tracker.programs.founding_forms import CopyForm, ProgramForm, chosen_ids, copy_defaults
from tracker.programs.models import Program
from tracker.programs.views import REFUSALS, bp
from tracker.viewkit import commit_or_refuse

TEMPLATE = "programs/new.html"


@bp.route("/ny", methods=["GET", "POST"])
@allow(COORDINATORS)
def new_program():
    """Create an empty programme."""
    session = get_session()
    form = ProgramForm() if request.method == "POST" else ProgramForm(data={"kind": "programme"})
    if form.validate_on_submit():
        founded, error = commit_or_refuse(session, lambda: founding.found_program(
            session, data=form.to_create(), actor=current_user), *REFUSALS)
        if error is None:
            flash(_("Programmet ”%(program)s” är skapat. Lägg till mål och aktiviteter nedan.",
                    program=founded.program.short_name))
            return _to_new(founded.program)
        add_refusal(form, error)
    return _page(form, origin=None)


@bp.route("/<program>/kopiera", methods=["GET", "POST"])
@allow(COORDINATORS)
def copy_program(program: str):
    """Create a programme that continues this one, with the goals, activities and responsible chosen."""
    session = get_session()
    origin = service.get_program(session, program) or abort(404)
    tree = service.program_tree(session, origin)
    if request.method == "GET":
        form = CopyForm(data=copy_defaults(origin))
        return _page(form, origin=origin, tree=tree, goals={gv.goal.id for gv in tree},
                     activities={av.activity.id for gv in tree for av in gv.activities})
    form = CopyForm()
    goal_ids, activity_ids = chosen_ids(request.form.getlist("goal")), chosen_ids(request.form.getlist("activity"))
    if goal_ids is None or activity_ids is None:
        abort(400)
    state = {"origin": origin, "tree": tree, "goals": set(goal_ids), "activities": set(activity_ids)}
    if form.validate_on_submit():
        founded, error = commit_or_refuse(session, lambda: founding.found_program(
            session, data=form.to_create(), actor=current_user, origin=origin, goal_ids=goal_ids,
            activity_ids=activity_ids, with_responsible=form.with_responsible.data), *REFUSALS)
        if error is None:
            flash(_copied_message(founded))
            return _to_new(founded.program)
        if isinstance(error, ProgramError) and error.field == "goals":
            state["tree_error"] = str(error)
        else:
            add_refusal(form, error)
    return _page(form, **state)


def _page(form: ProgramForm, *, origin: Program | None, tree=(), goals=frozenset(), activities=frozenset(),
          tree_error: str | None = None):
    status = 422 if form.errors or tree_error else 200
    return render_template(TEMPLATE, form=form, origin=origin, tree=tree, goals=goals, activities=activities,
                           tree_error=tree_error), status


def _copied_message(founded: founding.Founded) -> str:
    message = _("Programmet ”%(program)s” är skapat och fortsätter från %(origin)s: %(goals)d mål, "
                "%(activities)d aktiviteter och %(commitments)d åtaganden följde med, utan rapporter.",
                program=founded.program.short_name, origin=founded.origin.short_name, goals=founded.goals,
                activities=founded.activities, commitments=founded.commitments)
    if founded.outside_period:
        message += " " + ngettext(
            "%(num)d aktivitet har en tidsperiod utanför programmets år och tolkas som hela programperioden "
            "tills tidsperioden ändras (se kommentaren om tolkningen).",
            "%(num)d aktiviteter har en tidsperiod utanför programmets år och tolkas som hela programperioden "
            "tills tidsperioden ändras (se kommentaren om tolkningen).", len(founded.outside_period))
    return message


def _to_new(program: Program):
    # The calendar follows the programmes' years at once, not only at the next daily run.
    created = calendar_jobs.extend_from_seed(get_session(), today=today(), config=current_app.config)
    if created:
        flash(_("Tertialkalendern har fått programmets kommande tertialer (%(summary)s).",
                summary=", ".join(period.label for period in created)))
    return redirect(url_for("programs.show", slug=program.slug), code=303)
