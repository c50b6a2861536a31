"""Contacts report the status of their commitments each tertial (Mina åtaganden).

Each commitment is a compact row; its editor is loaded on demand (in place of
the row with htmx, a page of its own without JavaScript). Every form works as a
plain POST (answered with a redirect and a flash message, or the page again
with the problem shown); htmx requests, told apart by `htmx.target`, get the
component that replaces itself.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from jinja2_fragments.flask import render_block
from sqlalchemy.exc import IntegrityError

from tracker.accounts.access import allow, check_org, organisation_ids_of
from tracker.accounts.models import Role
from tracker.clock import today
from tracker.db import get_session
from tracker.organisations.models import Organisation
from tracker.pagecache import remembered
from tracker.periods.models import ReportingPeriod
from tracker.periods.service import list_periods
from tracker.programs.models import Program
from tracker.programs.service import has_ended, runs_in_year
from tracker.reporting import editing, editors, rules, service
from tracker.reporting.editing import ReportRow
from tracker.reporting.editors import Notice, OrganisationSection, ReportEditor, origin_of
from tracker.reporting.rows import ROW_STATES, RowFilter, goal_choices
from tracker.viewkit import commit_or_refuse, organisation_or_404, period_or_404, version_field, wants_fragment

bp = Blueprint("reporting", __name__)


@bp.record_once
def _row_states(state) -> None:
    state.app.jinja_env.globals["ROW_STATES"] = ROW_STATES


@bp.app_template_global()
def program_ended(program: Program) -> bool:
    """In every template: the programme has ended (shown as avslutat; its history stays readable)."""
    return has_ended(program, today())

REPORT = "reporting/_report.html"
ROW = "reporting/_row.html"
ORGANISATION = "reporting/_organisation.html"
LIVE = "reporting/_live.html"


@bp.get("/mina-ataganden")
@allow(Role.contact)
@remembered
def my_commitments():
    """Show the contact's commitments in the tertial open for each of their organisations, filtered."""
    return _my_page()


@bp.get("/rapportera/<slug>")
@allow(Role.contact, Role.coordinator)
@remembered
def organisation(slug: str):
    """Show an organisation's reports for a tertial, editable while it is open for the organisation."""
    session = get_session()
    org = organisation_or_404(session, slug, report=True)
    code = request.args.get("period")
    period = period_or_404(session, code) if code else editing.default_period_for(session, org.id)
    return _organisation_page(org, period)


@bp.get("/rapport/<int:commitment_id>/<period>")
@allow(Role.contact, Role.coordinator)
def editor(commitment_id: int, period: str):
    """Show one commitment's report editor: in place of its row for htmx, else as a page of its own."""
    row, tertial = _reportable(commitment_id, period)
    editor = editors.report_editor(get_session(), row, tertial, origin=origin_of(request.args.get("from")))
    if wants_fragment(editor.row_id):
        if request.args.get("view") == "row":  # closed again: the compact row, its link focused
            editor.focus = True
            return render_block(ROW, "row", editor=editor)
        editor.open = editor.focus = True
        return render_block(ROW, "editor_row", editor=editor)
    editor.level = 2
    return render_template("reporting/commitment.html", editor=editor)


@bp.post("/rapport/<int:commitment_id>/<period>")
@allow(Role.contact, Role.coordinator)
def save(commitment_id: int, period: str):
    """Save one commitment's report as a draft, or submit it."""
    session = get_session()
    tertial = period_or_404(session, period)
    row = _commitment_or_404(commitment_id)
    if not runs_in_year(row.program, tertial.year):  # not asked for outside its programme's years
        abort(404)
    expected = version_field()
    report, error = commit_or_refuse(session, lambda: editing.report_on(
        session, commitment=row.commitment, period=tertial, values=request.form, actor=current_user,
        expected_version=expected, submit=request.form.get("action") == "submit",
    ), service.ReportingError, IntegrityError)
    if isinstance(error, IntegrityError):
        error = editing.race_lost(session, commitment_id=commitment_id, period_id=tertial.id)
    if error is not None:
        return _refused(commitment_id, tertial, error, expected)
    editor = editors.saved_editor(session, row, tertial, report, origin=_origin(),
                                 saver=(current_user.id, current_user.name))
    if wants_fragment():
        return _fragment(editor, 200, editor.notice.text)
    flash(_("%(message)s: %(activity)s", message=editor.notice.text, activity=row.activity.title))
    return _back(editor.origin, editor.organisation, tertial, anchor=editor.row_id)


@bp.post("/rapport/<int:commitment_id>/<period>/kopiera")
@allow(Role.contact, Role.coordinator)
def copy_previous(commitment_id: int, period: str):
    """Fill the form with last tertial's comment and next steps as a starting point; nothing is saved."""
    row, tertial = _reportable(commitment_id, period)
    content, _errors = rules.form_content(request.form)
    editor = editors.report_editor(get_session(), row, tertial, origin=_origin(), content=content,
                                   version=version_field())
    if not editor.editable:
        closed = service.not_open_message(tertial)
        editor.notice = Notice("closed", _("%(closed)s Ingenting kopierades.", closed=closed))
        return _show(editor, 409, editor.notice.text)
    previous = row.previous
    if previous is None or not (previous.comment or previous.next_steps):
        editor.notice = Notice("info", _("Det finns ingen text från förra tertialen att kopiera."))
        return _show(editor, 200, _("Ingen text att kopiera"))
    editor.content = content.model_copy(update={"comment": previous.comment, "next_steps": previous.next_steps})
    editor.notice = Notice("info", _("Förra tertialens kommentar och nästa steg är inkopierade. Uppdatera texten "
                                     "så att den stämmer nu. Ingenting är sparat förrän du sparar."))
    return _show(editor, 200, _("Förra tertialens text är inkopierad, inte sparad"))


@bp.post("/rapportera/<slug>/<period>/lamna-in")
@allow(Role.contact, Role.coordinator)
def submit_all(slug: str, period: str):
    """Submit all of an organisation's drafts for the tertial, or none if any of them cannot be."""
    session = get_session()
    org = organisation_or_404(session, slug, report=True)
    tertial = period_or_404(session, period)
    origin = _origin()
    reports, error = commit_or_refuse(session, lambda: editing.submit_all(
        session, organisation_id=org.id, period=tertial, actor=current_user), service.ReportingError, IntegrityError)
    if error is None:
        notice, status, problems = editors.all_submitted(org, reports), 200, []
    else:
        (notice, status), problems, reports = editors.not_submitted(error), getattr(error, "problems", []), []
    # Whether the tertial is open is known unless the write broke off on a lost race.
    editable = None if isinstance(error, IntegrityError) else not isinstance(error, service.PeriodClosedError)
    section = editors.organisation_section(session, org, tertial, origin=origin, problems=problems, notice=notice,
                                           editable=editable)
    if wants_fragment():
        # The summary replaces itself; each submitted report's component is refreshed out of band.
        html = render_block(ORGANISATION, "submit_all", section=section)
        submitted = {report.id for report in reports}
        for editor in section.editors:  # an editor open in the list closes to its row, now submitted
            if editor.row.report is not None and editor.row.report.id in submitted:
                # A <tr> outside a table is dropped by the HTML parser unless it comes in a <template>.
                html += "<template>" + render_block(ROW, "row", editor=editor, oob=True) + "</template>"
        return html + _live(notice.text), status
    if status == 200:
        flash(notice.text)
        return _back(origin, org, tertial, anchor=f"org-{org.id}")
    return _page(origin, section, status=status)


# Reading the request

def _commitment_or_404(commitment_id: int, period: ReportingPeriod | None = None) -> ReportRow:
    """The commitment of the URL (with its reports in `period`); 404 if unknown, 403 if not the user's."""
    row = editing.commitment_row(get_session(), commitment_id, period=period) or abort(404)
    check_org(get_session(), current_user, row.commitment.organisation_id, report=True)
    return row


def _reportable(commitment_id: int, code: str) -> tuple[ReportRow, ReportingPeriod]:
    """The commitment and tertial of the URL, with the commitment's reports in that tertial and the one before."""
    period = period_or_404(get_session(), code)
    return _commitment_or_404(commitment_id, period), period


def _origin() -> str:
    return origin_of(request.form.get("from"))


def _filter() -> RowFilter:
    return RowFilter.from_args(request.args)


# Pages

def _my_page(*, replace: OrganisationSection | None = None, status: int = 200):
    session = get_session()
    row_filter = _filter()
    sections = editors.my_sections(session, organisation_ids_of(session, current_user), replace=replace,
                                   filter=row_filter)
    any_open = any(s.period for s in sections)
    return _listing("reporting/my_commitments.html", sections, row_filter, status, any_open=any_open,
                    next_period=None if any_open else editing.next_period(session))


def _organisation_page(org: Organisation, period: ReportingPeriod | None, *,
                       section: OrganisationSection | None = None, status: int = 200):
    row_filter = _filter()
    section = section or editors.organisation_section(get_session(), org, period, origin="org", filter=row_filter)
    return _listing("reporting/organisation.html", [section], row_filter, status, section=section,
                    periods=list_periods(get_session()))


def _listing(template: str, sections: list[OrganisationSection], row_filter: RowFilter, status: int, **context):
    """A page of compact rows; a filter asked for with htmx gets the list alone and an announcement."""
    context.update(sections=sections, filter=row_filter, goals=goal_choices(sections))
    if wants_fragment("commitments"):
        shown = sum(len(editors) for s in sections for _goal, editors in s.shown)
        total = sum(len(s.editors) for s in sections)
        return render_block(template, "commitments", **context) + _live(
            ngettext("Visar %(num)d av %(total)d åtaganden", "Visar %(num)d av %(total)d åtaganden", shown,
                     total=total)), status
    return render_template(template, **context), status


def _page(origin: str, section: OrganisationSection, *, status: int):
    """The whole page a plain form post came from, with this section as the request left it."""
    if origin == "mine" and current_user.role == Role.contact and _is_mine(section):
        return _my_page(replace=section, status=status)
    section.origin = "org"
    return _organisation_page(section.organisation, section.period, section=section, status=status)


def _is_mine(section: OrganisationSection) -> bool:
    open_now = editing.open_periods_for(get_session(), section.organisation.id)
    return bool(open_now) and section.period is not None and open_now[0].id == section.period.id


# Answering

def _refused(commitment_id: int, period: ReportingPeriod, error: service.ReportingError, expected: int | None):
    """Show the user's own text again with why it was not saved (422 rules, 409 conflict or closed)."""
    session = get_session()
    row = editing.commitment_row(session, commitment_id, period=period)
    content, _read_errors = rules.form_content(request.form)
    if isinstance(error, rules.InvalidReportError):
        editor = editors.report_editor(session, row, period, origin=_origin(), content=error.content,
                                       version=expected, errors=error.errors)
        editor.notice = Notice("error", _("Rapporten sparades inte. Rätta det som är markerat."))
        return _show(editor, 422, ngettext("Rapporten sparades inte: %(num)d fel",
                                           "Rapporten sparades inte: %(num)d fel", len(error.errors)))
    if isinstance(error, service.VersionConflictError):
        # The next save goes on top of the version the user has now seen.
        editor = editors.report_editor(session, row, period, origin=_origin(), content=content,
                                       version=error.current.version, conflict=error.current)
        editor.notice = Notice("conflict", _(
            "Rapporten har sparats av någon annan (eller i ett annat fönster) sedan du öppnade den. Ingenting av "
            "det du skrev har sparats, men din text finns kvar i formuläret. Jämför med den sparade versionen, "
            "ändra om det behövs och spara igen: då sparas din text ovanpå den."))
        return _show(editor, 409, _("Rapporten sparades inte: den har sparats av någon annan sedan du öppnade den"))
    closed = isinstance(error, service.PeriodClosedError)
    editor = editors.report_editor(session, row, period, origin=_origin(), editable=False if closed else None,
                                   content=content, version=row.report.version if row.report else None)
    editor.notice = Notice("closed" if closed else "error", _("%(error)s Ingenting sparades.", error=error))
    return _show(editor, 409, editor.notice.text)


def _show(editor: ReportEditor, status: int, announcement: str):
    if wants_fragment():
        return _fragment(editor, status, announcement)
    editor.open = True
    section = editors.organisation_section(get_session(), editor.organisation, editor.period, origin=editor.origin,
                                           overrides={editor.row.commitment.id: editor})
    return _page(editor.origin, section, status=status)


def _fragment(editor: ReportEditor, status: int, announcement: str):
    editor.open = request.form.get("in_list") == "1"  # opened in a list (not on its own page): it can close
    announcement = _("%(message)s: %(activity)s", message=announcement, activity=editor.row.activity.title)
    return render_block(REPORT, "report", editor=editor) + _live(announcement), status


def _live(text: str) -> str:
    return render_block(LIVE, "live", text=text)


def _back(origin: str, org: Organisation, period: ReportingPeriod, *, anchor: str):
    if origin == "mine" and current_user.role == Role.contact:
        url = url_for("reporting.my_commitments")
    else:
        url = url_for("reporting.organisation", slug=org.slug, period=period.code)
    return redirect(f"{url}#{anchor}", code=303)
