"""Utvecklingsmedel: every grant year, a year's cycle, a nämnd's usage report and the city's compilation.

Forms work as plain POSTs (a redirect with a message, or the page again with the
problem beside the field: 422, or the other person's version: 409); htmx
requests, told apart by `htmx.target`, get the region that replaces itself.
The coordinators' actions on a year are in `manage`.
"""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user
from jinja2_fragments.flask import render_block
from sqlalchemy.exc import IntegrityError

from tracker import clock
from tracker.accounts.access import COORDINATORS, READERS, REPORTERS, allow, check_org
from tracker.accounts.models import Role
from tracker.accounts.service import user_names
from tracker.db import get_session
from tracker.funds import compilation, display, documents, editing, exchange, pages, reporting, service
from tracker.funds.ledger import CHECK_SYMBOLS, REPORT_STATE_SYMBOLS, REPORT_STATE_TEXTS, STAGES, CheckState
from tracker.funds.models import Evaluation, FundYear, Outcome, ReasonCategory, ReportingState
from tracker.organisations import service as organisations
from tracker.pagecache import remembered
from tracker.viewkit import commit_or_refuse, version_field, wants_fragment

bp = Blueprint("funds", __name__, url_prefix="/medel")

VIEWERS = READERS | {Role.contact}
INDEX, YEAR, REPORT, COMPILATION = ("funds/index.html", "funds/year.html", "funds/report.html",
                                    "funds/compilation.html")


@bp.app_template_filter("kronor")
def _kronor(value: int | None, unit: bool = True) -> str:
    return display.kronor(value, _, unit=unit)


@bp.app_template_filter("signed_kronor")
def _signed_kronor(value: int | None) -> str:
    return display.signed_kronor(value, _)


@bp.app_context_processor
def _funds_globals() -> dict:
    return {"CHECK_SYMBOLS": CHECK_SYMBOLS, "FUNDS_STAGES": STAGES, "REPORT_STATE_TEXTS": REPORT_STATE_TEXTS,
            "REPORT_STATE_SYMBOLS": REPORT_STATE_SYMBOLS, "REASONS": list(ReasonCategory),
            "OUTCOMES": list(Outcome), "EVALUATIONS": list(Evaluation), "CheckState": CheckState,
            "FUNDS_LABELS": {m.value: m.label for enum in (Outcome, Evaluation, ReportingState, ReasonCategory)
                             for m in enum},
            "check_text": lambda check: display.check_text(check, _),
            "count_of": lambda count, total: display.count_of(count, total, _),
            "unknown_text": lambda total: display.unknown_text(total, _)}


@bp.get("/")
@allow(VIEWERS)
@remembered
def index():
    """Show every grant year with its cycle's figures side by side, its flags and where it stands."""
    return index_page()


@bp.get("/<int:year>")
@allow(VIEWERS)
@remembered
def year_page(year: int):
    """Show a grant year: purposes, rounds, the allocation as decided, reporting progress and the flags."""
    return year_response(year_or_404(year))


@bp.get("/<int:year>/aterrapportering/<org>")
@allow(VIEWERS)
def report_form(year: int, org: str):
    """Show a nämnd's report on its use of the year's funds (the form, for those who report for it)."""
    return _report_page(_report_editor(year, org, report=False))


@bp.post("/<int:year>/aterrapportering/<org>")
@allow(REPORTERS)
def save_report(year: int, org: str):
    """Save a nämnd's usage report as a draft, or submit it (or a correction of it)."""
    editor = _report_editor(year, org, report=True)
    return _save_report(editor.fund_year, editor.organisation, editor)


@bp.get("/<int:year>/sammanstallning")
@allow(READERS)
def compilation_page(year: int):
    """Show the city's compilation of the year, grouped by purpose area, with its charts and checks."""
    session = get_session()
    fund_year = year_or_404(year)
    view = pages.year_view(session, fund_year, current_user, today=clock.today())
    return render_template(COMPILATION, view=view, comp=compilation.build_compilation(view.ledger),
                           documents=documents.compilation_versions(session, fund_year),
                           coordinator=current_user.role == Role.coordinator)


@bp.post("/<int:year>/sammanstallning/dokument")
@allow(COORDINATORS)
def compilation_documents(year: int):
    """Write the compilation as PDF and Word into the archive, as new versions."""
    session = get_session()
    fund_year = year_or_404(year)
    stored = documents.archive_compilation(session, current_app.config["SCORECARD_DIR"], fund_year,
                                           actor=current_user)
    session.commit()
    flash(_("Sammanställningen är sparad i arkivet som PDF och Word (version %(version)s).",
            version=stored[0].version))
    return redirect(url_for("funds.compilation_page", year=year) + "#documents", code=303)


@bp.get("/<int:year>/export.xlsx")
@allow(READERS)
def export_year(year: int):
    """Download the year as an Excel file: allocation, usage per nämnd and area, reasons and outcomes."""
    data = exchange.export_year(get_session(), year_or_404(year))
    return Response(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="utvecklingsmedel-{year}.xlsx"'})


# Shared with `manage`

def index_page(*, errors: dict | None = None, values=None, status: int = 200):
    session, today = get_session(), clock.today()
    views = [pages.year_view(session, fund_year, current_user, today=today)
             for fund_year in service.list_years(session)]
    return render_template(INDEX, views=views, coordinator=current_user.role == Role.coordinator,
                           new_year=today.year, errors=errors or {}, values=values or {}), status


def year_or_404(year: int) -> FundYear:
    return service.get_year(get_session(), year) or abort(404)


def year_response(fund_year: FundYear, *, section: str | None = None, status: int = 200,
                  state: dict | None = None):
    """The year page, or with htmx the section that was posted (and the stage and flags, out of band)."""
    session = get_session()
    view = pages.year_view(session, fund_year, current_user, today=clock.today())
    context = {"view": view, "state": state or {}, "addable": pages.addable_organisations(session, view)
               if view.coordinator else [], "editable": view.coordinator,
               "figures": compilation.headline_figures(view.ledger)}
    if section and wants_fragment(f"section-{section}"):
        html = render_block(YEAR, section, **context)
        html += render_block(YEAR, "flags", oob=True, **context) + render_block(YEAR, "stage", oob=True, **context)
        return html, status
    return render_template(YEAR, **context), status


# The usage report

def _report_editor(year: int, org: str, *, report: bool) -> pages.ReportEditor:
    """The year's and nämnd's report; 404 unless the nämnd has a part in the year, 403 unless the user may see it."""
    session = get_session()
    fund_year = year_or_404(year)
    organisation = organisations.get_by_slug(session, org) or abort(404)
    check_org(session, current_user, organisation.id, report=report)
    editor = pages.report_editor(session, fund_year, organisation, today=clock.today())
    if editor.report is None and not editor.has_allocation:
        abort(404)
    return editor


def _save_report(fund_year: FundYear, organisation, editor: pages.ReportEditor):
    session = get_session()
    expected = version_field()
    submit = request.form.get("action") == "submit"
    content, errors = reporting.read_report_form(request.form, editor.purposes)
    editor.values = pages.sent_values(request.form, editor.purposes)

    def write():
        if errors:
            raise editing.FundsError(errors)
        return reporting.save_report(session, fund_year=fund_year, organisation=organisation, content=content,
                                     expected_version=expected, submit=submit, actor=current_user)

    report, refusal = commit_or_refuse(session, write, editing.FundsError, editing.FundsConflict,
                                       editing.NotAllowed, reporting.NotOpen, IntegrityError)
    if isinstance(refusal, IntegrityError):  # two saves read the same version: the other one was first
        refusal = editing.FundsConflict(reporting.get_report(session, fund_year, organisation.id))
    if isinstance(refusal, editing.NotAllowed):
        abort(403)
    if isinstance(refusal, reporting.NotOpen):
        editor.notice = ("error", str(refusal))
        return _report_page(editor, 422)
    if isinstance(refusal, editing.FundsError):
        editor.errors = refusal.errors
        editor.notice = ("error", _("Återrapporten sparades inte. Rätta det som är markerat."))
        return _report_page(editor, 422)
    if isinstance(refusal, editing.FundsConflict):
        editor.conflict, editor.version = refusal.current, refusal.current.version
        editor.conflict_areas = reporting.areas_of(session, refusal.current)
        editor.notice = ("conflict", _(
            "Någon annan har sparat återrapporten sedan du öppnade sidan. Dina uppgifter är inte sparade men "
            "finns kvar i formuläret. Jämför med den sparade versionen och spara igen om dina ska gälla."))
        return _report_page(editor, 409)
    fresh = pages.report_editor(session, fund_year, organisation, today=clock.today())
    when = format_datetime(report.updated_at, "HH:mm")
    fresh.notice = ("saved", _("Inlämnad %(time)s. Du kan rätta återrapporten tills samordnaren stänger den.",
                               time=when) if report.state == "submitted" else _("Utkastet är sparat %(time)s.",
                                                                                time=when))
    if wants_fragment(pages.ReportEditor.dom_id):
        return _report_page(fresh)
    flash(fresh.notice[1])
    return redirect(url_for("funds.report_form", year=fund_year.year, org=organisation.slug), code=303)


def _report_page(editor: pages.ReportEditor, status: int = 200):
    ids = [r.updated_by_id for r in (editor.report, editor.conflict) if r is not None]
    ids += [editor.report.submitted_by_id] if editor.report is not None else []
    names = user_names(get_session(), [i for i in ids if i])
    writable = current_user.role in REPORTERS
    context = {"e": editor, "names": names, "writable": writable}
    if wants_fragment(editor.dom_id):
        return render_block(REPORT, "editor", **context), status
    return render_template(REPORT, **context), status

