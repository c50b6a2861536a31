"""Contacts report the status of their commitments each tertial (Mina åtaganden).

Every form works as a plain POST (answered with a redirect and a flash
message, or the page again with the problem shown); htmx requests, told apart
by `htmx.target`, get the component that replaces itself.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from jinja2_fragments.flask import render_block

from tracker.accounts.access import allow, check_org, organisation_ids_of
from tracker.accounts.models import Role
from tracker.accounts.service import user_names
from tracker.db import get_session
from tracker.extensions import htmx
from tracker.organisations import service as organisations
from tracker.organisations.models import Organisation
from tracker.periods.models import ReportingPeriod
from tracker.periods.service import get_period, list_periods, period_open_for, previous_period
from tracker.reporting import editing, rules, service
from tracker.reporting.editing import ReportRow
from tracker.reporting.forms import Notice, OrganisationSection, ReportEditor, origin_of, parse_version
from tracker.reporting.models import ReportState, StatusReport, StatusReportContent

bp = Blueprint("reporting", __name__)

REPORT = "reporting/_report.html"
ORGANISATION = "reporting/_organisation.html"
LIVE = "reporting/_live.html"


@bp.get("/mina-ataganden")
@allow(Role.contact)
def my_commitments():
    """Show the contact's commitments in the tertial open for each of their organisations."""
    return _my_page()


@bp.get("/rapportera/<slug>")
@allow(Role.contact, Role.coordinator)
def organisation(slug: str):
    """Show an organisation's reports for a tertial, editable while it is open for the organisation."""
    org = _organisation_or_404(slug)
    code = request.args.get("period")
    period = _period_or_404(code) if code else editing.default_period_for(get_session(), org.id)
    return _organisation_page(org, period)


@bp.post("/rapport/<int:commitment_id>/<period>")
@allow(Role.contact, Role.coordinator)
def save(commitment_id: int, period: str):
    """Save one commitment's report as a draft, or submit it."""
    session = get_session()
    row, tertial = _reportable(commitment_id, period)
    expected = _version_arg()
    try:
        report = editing.report_on(
            session, commitment=row.commitment, period=tertial, values=request.form, actor=current_user,
            expected_version=expected, submit=request.form.get("action") == "submit",
        )
        session.commit()
    except service.ReportingError as error:
        session.rollback()
        return _refused(commitment_id, tertial, error, expected)
    row.report = report
    editor = _editor(row, tertial, notice=_saved_notice(report))
    if _wants_fragment():
        return _fragment(editor, 200, editor.notice.text)
    flash(_("%(message)s: %(activity)s", message=editor.notice.text, activity=row.activity.title))
    return _back(editor.origin, editor.organisation, tertial, anchor=editor.dom_id)


@bp.post("/rapport/<int:commitment_id>/<period>/kopiera")
@allow(Role.contact, Role.coordinator)
def copy_previous(commitment_id: int, period: str):
    """Fill the form with last tertial's comment and next steps as a starting point; nothing is saved."""
    row, tertial = _reportable(commitment_id, period)
    content, _errors = rules.form_content(request.form)
    editor = _editor(row, tertial, content=content, version=_version_arg())
    if not editor.editable:
        closed = editing.closed_message(tertial)
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
    org = _organisation_or_404(slug)
    tertial = _period_or_404(period)
    origin = origin_of(request.form.get("from"))
    reports, problems = [], []
    try:
        reports = editing.submit_all(session, organisation_id=org.id, period=tertial, actor=current_user)
        session.commit()
    except service.ReportingError as error:
        session.rollback()
        notice, status = _not_submitted(error)
        problems = getattr(error, "problems", [])
    else:
        notice, status = _all_submitted(org, reports), 200
    section = _section(org, tertial, origin=origin, problems=problems, notice=notice)
    if _wants_fragment():
        # The summary replaces itself; each submitted report's component is refreshed out of band.
        html = render_block(ORGANISATION, "submit_all", section=section)
        submitted = {report.id for report in reports}
        for editor in section.editors:
            if editor.row.report is not None and editor.row.report.id in submitted:
                html += render_block(REPORT, "report", editor=editor, oob=True)
        return html + _live(notice.text), status
    if status == 200:
        flash(notice.text)
        return _back(origin, org, tertial, anchor=f"org-{org.id}")
    return _page(origin, section, status=status)


def _all_submitted(org: Organisation, reports: list[StatusReport]) -> Notice:
    if not reports:
        return Notice("submitted", _("Alla sparade rapporter för %(org)s var redan inlämnade.", org=org.short_name))
    return Notice("submitted", ngettext("%(num)d rapport för %(org)s är inlämnad.",
                                        "%(num)d rapporter för %(org)s är inlämnade.", len(reports),
                                        org=org.short_name))


def _not_submitted(error: service.ReportingError) -> tuple[Notice, int]:
    if isinstance(error, editing.ReportsNotSubmittedError):
        return Notice("error", _("Ingenting lämnades in. %(count)s av åtagandena behöver rättas först.",
                                 count=len(error.problems))), 422
    if isinstance(error, service.PeriodClosedError):
        return Notice("closed", _("%(closed)s Ingenting lämnades in.", closed=error)), 409
    return Notice("conflict", _("Någon annan sparade en rapport samtidigt. Ingenting lämnades in. "
                                "Ladda om sidan och försök igen.")), 409


# Reading the request

def _organisation_or_404(slug: str) -> Organisation:
    org = organisations.get_by_slug(get_session(), slug) or abort(404)
    check_org(get_session(), current_user, org.id, report=True)
    return org


def _period_or_404(code: str) -> ReportingPeriod:
    try:
        period = get_period(get_session(), code)
    except ValueError:
        abort(404)
    return period or abort(404)


def _reportable(commitment_id: int, code: str) -> tuple[ReportRow, ReportingPeriod]:
    """The commitment and tertial of the URL; 404 if either is unknown, 403 if not the user's."""
    period = _period_or_404(code)
    row = editing.commitment_row(get_session(), commitment_id, period=period) or abort(404)
    check_org(get_session(), current_user, row.commitment.organisation_id, report=True)
    return row, period


def _version_arg() -> int | None:
    try:
        return parse_version(request.form.get("version"))
    except ValueError:
        abort(400)


def _wants_fragment() -> bool:
    return bool(htmx.target) and not htmx.boosted


# Building what the templates show

def _editor(row: ReportRow, period: ReportingPeriod, **changes) -> ReportEditor:
    session = get_session()
    report = row.report
    editor = ReportEditor(
        row=row, organisation=session.get(Organisation, row.commitment.organisation_id), period=period,
        previous_period=previous_period(session, period),
        editable=period_open_for(session, period, row.commitment.organisation_id),
        origin=origin_of(request.form.get("from")), content=report or StatusReportContent(),
        version=report.version if report else None,
    )
    for name, value in changes.items():
        setattr(editor, name, value)
    ids = [editor.conflict.updated_by_id if editor.conflict else None]
    if report is not None:
        ids += [report.updated_by_id, report.submitted_by_id]
    editor.names = user_names(session, ids)
    return editor


def _section(org: Organisation, period: ReportingPeriod | None, *, origin: str, others=(),
             overrides: dict[int, ReportEditor] | None = None, **changes) -> OrganisationSection:
    """An organisation's editors in a tertial; `overrides` are editors already built for this request."""
    session = get_session()
    section = OrganisationSection(organisation=org, period=period, other_periods=list(others), origin=origin, **changes)
    if period is None:
        return section
    overrides = {cid: e for cid, e in (overrides or {}).items() if e.period.id == period.id}
    section.editable = period_open_for(session, period, org.id)
    goals = editing.organisation_reports(session, organisation_id=org.id, period=period)
    reports = [row.report for goal in goals for row in goal.rows if row.report is not None]
    names = user_names(session, [r.updated_by_id for r in reports] + [r.submitted_by_id for r in reports])
    previous = previous_period(session, period)
    errors_of = {row.commitment.id: errors for row, errors in section.problems}
    for goal in goals:
        editors = []
        for row in goal.rows:
            editor = overrides.get(row.commitment.id) or ReportEditor(
                row=row, organisation=org, period=period, previous_period=previous, editable=section.editable,
                origin=origin, content=row.report or StatusReportContent(),
                version=row.report.version if row.report else None, names=names,
                errors=errors_of.get(row.commitment.id, {}),
            )
            editors.append(editor)
        section.goals.append((goal, editors))
    return section


def _my_page(*, replace: OrganisationSection | None = None, status: int = 200):
    session = get_session()
    sections = []
    for org in editing.organisations(session, organisation_ids_of(get_session(), current_user)):
        if replace is not None and replace.organisation.id == org.id:
            sections.append(replace)
            continue
        open_now = editing.open_periods_for(session, org.id)
        sections.append(_section(org, open_now[0] if open_now else None, origin="mine", others=open_now[1:]))
    any_open = any(s.period for s in sections)
    return render_template("reporting/my_commitments.html", sections=sections, any_open=any_open,
                           next_period=None if any_open else editing.next_period(session)), status


def _organisation_page(org: Organisation, period: ReportingPeriod | None, *,
                       section: OrganisationSection | None = None, status: int = 200):
    section = section or _section(org, period, origin="org")
    return render_template("reporting/organisation.html", section=section,
                           periods=list_periods(get_session())), status


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
    row = editing.commitment_row(get_session(), commitment_id, period=period)
    content, _read_errors = rules.form_content(request.form)
    if isinstance(error, rules.InvalidReportError):
        editor = _editor(row, period, content=error.content, version=expected, errors=error.errors)
        editor.notice = Notice("error", _("Rapporten sparades inte. Rätta det som är markerat."))
        return _show(editor, 422, ngettext("Rapporten sparades inte: %(num)d fel",
                                           "Rapporten sparades inte: %(num)d fel", len(error.errors)))
    if isinstance(error, service.VersionConflictError):
        # The next save goes on top of the version the user has now seen.
        editor = _editor(row, period, content=content, version=error.current.version, conflict=error.current)
        editor.notice = Notice("conflict", _(
            "Rapporten har sparats av någon annan (eller i ett annat fönster) sedan du öppnade den. Ingenting av "
            "det du skrev har sparats, men din text finns kvar i formuläret. Jämför med den sparade versionen, "
            "ändra om det behövs och spara igen: då sparas din text ovanpå den."))
        return _show(editor, 409, _("Rapporten sparades inte: den har sparats av någon annan sedan du öppnade den"))
    editor = _editor(row, period, content=content, version=row.report.version if row.report else None)
    closed = isinstance(error, service.PeriodClosedError)
    editor.editable = editor.editable and not closed
    editor.notice = Notice("closed" if closed else "error", _("%(error)s Ingenting sparades.", error=error))
    return _show(editor, 409, editor.notice.text)


def _show(editor: ReportEditor, status: int, announcement: str):
    if _wants_fragment():
        return _fragment(editor, status, announcement)
    section = _section(editor.organisation, editor.period, origin=editor.origin,
                       overrides={editor.row.commitment.id: editor})
    return _page(editor.origin, section, status=status)


def _fragment(editor: ReportEditor, status: int, announcement: str):
    announcement = _("%(message)s: %(activity)s", message=announcement, activity=editor.row.activity.title)
    return render_block(REPORT, "report", editor=editor) + _live(announcement), status


def _live(text: str) -> str:
    return render_block(LIVE, "live", text=text)


def _saved_notice(report: StatusReport) -> Notice:
    time = format_datetime(report.updated_at, "HH:mm")
    if report.state == ReportState.submitted:
        return Notice("submitted", _("Inlämnad %(time)s", time=time))
    return Notice("saved", _("Utkast sparat %(time)s", time=time))


def _back(origin: str, org: Organisation, period: ReportingPeriod, *, anchor: str):
    if origin == "mine" and current_user.role == Role.contact:
        url = url_for("reporting.my_commitments")
    else:
        url = url_for("reporting.organisation", slug=org.slug, period=period.code)
    return redirect(f"{url}#{anchor}", code=303)
