"""The coordinators' actions on a grant year: its figures, purposes, rounds, allocation, reporting round, import.

Each action answers like the rest of the app: with htmx the posted section of
the year page (422 with the problem beside the field, 409 with the other
version); without, a redirect and a message, or the page again.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from tracker.accounts.access import COORDINATORS, allow
from tracker.db import get_session
from tracker.formvalues import clean_text, iso_date
from tracker.funds import editing, exchange, reporting_round
from tracker.funds.models import FundPurpose, FundYear, RequisitionRound, UsageReopening
from tracker.funds.views import index_page, year_or_404, year_response
from tracker.organisations import service as organisations
from tracker.viewkit import commit_or_refuse, parse_version, version_field, wants_fragment

bp = Blueprint("funds_manage", __name__, url_prefix="/medel")

MAX_UPLOAD = 2 * 1024 * 1024
IMPORT = "funds/import.html"
REFUSALS = (editing.FundsError, editing.FundsConflict)
# The region of the year page each part of the year's fields is edited in.
SECTION_BLOCKS = {"basics": "basics", "requisition": "rounds", "decision": "allocation", "compilation": "compiled",
                  "repayment": "repayment"}


@bp.post("/")
@allow(COORDINATORS)
def create_year():
    """Start a new grant year with Socialstyrelsen's usual dates."""
    session = get_session()
    raw = (request.form.get("year") or "").strip()
    year = int(raw) if raw.isascii() and raw.isdigit() and len(raw) == 4 else 0
    fund_year, refusal = commit_or_refuse(session, lambda: editing.create_year(
        session, year=year, title=request.form.get("title"), actor=current_user), editing.FundsError)
    if refusal is not None:
        return index_page(errors=refusal.errors, values=request.form, status=422)
    flash(_("Bidragsåret %(year)s är skapat. Fyll i årets belopp och datum.", year=fund_year.year))
    return redirect(url_for("funds.year_page", year=fund_year.year), code=303)


@bp.post("/<int:year>/uppgifter/<section>")
@allow(COORDINATORS)
def save_section(year: int, section: str):
    """Save one part of the year's figures and dates (basics, requisition, decision, compilation, repayment)."""
    fund_year = year_or_404(year)
    names = editing.SECTIONS.get(section) or abort(404)
    values, errors = editing.read_fields(request.form, names)
    expected = version_field()

    def write():
        if errors:
            raise editing.FundsError(errors)
        return editing.update_year(get_session(), fund_year=fund_year, values=values, expected_version=expected,
                                   actor=current_user)

    return _answer(fund_year, SECTION_BLOCKS[section], write, _("Uppgifterna är sparade."), key=section,
                   values=request.form)


@bp.post("/<int:year>/syften")
@bp.post("/<int:year>/syften/<int:purpose_id>")
@allow(COORDINATORS)
def save_purpose(year: int, purpose_id: int | None = None):
    """Add one of the year's purposes, or change one."""
    fund_year = year_or_404(year)
    purpose = _child(FundPurpose, purpose_id, fund_year) if purpose_id else None
    key = f"purpose-{purpose_id or 'new'}"
    return _answer(fund_year, "purposes", lambda: editing.save_purpose(
        get_session(), fund_year=fund_year, purpose=purpose, values=request.form, actor=current_user),
        _("Syftet är sparat."), key=key, values=request.form)


@bp.post("/<int:year>/syften/<int:purpose_id>/ta-bort")
@allow(COORDINATORS)
def remove_purpose(year: int, purpose_id: int):
    """Remove a purpose nobody has reported on."""
    fund_year = year_or_404(year)
    purpose = _child(FundPurpose, purpose_id, fund_year)
    return _answer(fund_year, "purposes", lambda: editing.remove_purpose(get_session(), purpose=purpose,
                                                                          actor=current_user),
                   _("Syftet är borttaget."), key=f"purpose-{purpose_id}")


@bp.post("/<int:year>/omgangar")
@bp.post("/<int:year>/omgangar/<int:round_id>")
@allow(COORDINATORS)
def save_round(year: int, round_id: int | None = None):
    """Add a requisition round, or change one."""
    fund_year = year_or_404(year)
    round_ = _child(RequisitionRound, round_id, fund_year) if round_id else None
    return _answer(fund_year, "rounds", lambda: editing.save_round(
        get_session(), fund_year=fund_year, round_=round_, form=request.form, actor=current_user),
        _("Rekvisitionsomgången är sparad."), key=f"round-{round_id or 'new'}", values=request.form)


@bp.post("/<int:year>/omgangar/<int:round_id>/ta-bort")
@allow(COORDINATORS)
def remove_round(year: int, round_id: int):
    fund_year = year_or_404(year)
    round_ = _child(RequisitionRound, round_id, fund_year)
    return _answer(fund_year, "rounds", lambda: editing.remove_round(get_session(), round_=round_,
                                                                      actor=current_user),
                   _("Rekvisitionsomgången är borttagen."), key=f"round-{round_id}")


@bp.post("/<int:year>/fordelning")
@allow(COORDINATORS)
def save_allocation(year: int):
    """Set what a nämnd is allocated (a new row, or a new version of its row)."""
    session = get_session()
    fund_year = year_or_404(year)
    slug = (request.form.get("organisation") or "").strip()
    organisation = organisations.get_by_slug(session, slug) if slug else None
    existing = editing.allocation_of(session, fund_year, organisation) if organisation else None
    key = f"allocation-{slug}" if existing else "allocation-new"
    amount, problem = editing.read_amount(request.form.get("amount"))
    try:
        expected = parse_version(request.form.get("version"))
    except ValueError:
        abort(400)

    def write():
        if problem:
            raise editing.FundsError({"amount": problem})
        return editing.save_allocation(session, fund_year=fund_year, organisation=organisation, amount=amount,
                                       citywide=bool(request.form.get("citywide")),
                                       note=clean_text(request.form.get("note")),
                                       expected_version=expected if existing else None, actor=current_user)

    return _answer(fund_year, "allocation", write, _("Fördelningen är sparad."), key=key, values=request.form)


@bp.post("/<int:year>/fordelning/<org>/ta-bort")
@allow(COORDINATORS)
def remove_allocation(year: int, org: str):
    session = get_session()
    fund_year = year_or_404(year)
    organisation = organisations.get_by_slug(session, org) or abort(404)
    allocation = editing.allocation_of(session, fund_year, organisation) or abort(404)
    return _answer(fund_year, "allocation", lambda: editing.remove_allocation(
        session, fund_year=fund_year, allocation=allocation, organisation=organisation, actor=current_user),
        _("%(org)s är borttagen ur fördelningen.", org=organisation.short_name), key=f"allocation-{org}")


@bp.post("/<int:year>/aterrapportering/oppna")
@allow(COORDINATORS)
def open_reporting(year: int):
    """Open the usage reports for the allocation's nämnder, with their last day."""
    fund_year = year_or_404(year)
    deadline, problem = iso_date(request.form.get("internal_deadline"))

    def write():
        if problem:
            raise editing.FundsError({"internal_deadline": problem})
        reporting_round.open_reporting(get_session(), fund_year=fund_year, deadline=deadline, actor=current_user)

    return _answer(fund_year, "reporting", write, _("Återrapporteringen är öppen."), values=request.form)


@bp.post("/<int:year>/aterrapportering/stang")
@allow(COORDINATORS)
def close_reporting(year: int):
    """Close the round: no more corrections unless it is reopened for a nämnd."""
    fund_year = year_or_404(year)
    return _answer(fund_year, "reporting", lambda: reporting_round.close_reporting(get_session(), fund_year=fund_year,
                                                                            actor=current_user),
                   _("Återrapporteringen är stängd."))


@bp.post("/<int:year>/aterrapportering/ateroppna")
@allow(COORDINATORS)
def reopen(year: int):
    """Open the closed round again for one nämnd, with the reason why."""
    session = get_session()
    fund_year = year_or_404(year)
    slug = (request.form.get("organisation") or "").strip()
    organisation = organisations.get_by_slug(session, slug) if slug else None
    return _answer(fund_year, "reporting", lambda: reporting_round.reopen_for(
        session, fund_year=fund_year, organisation=organisation, reason=request.form.get("reason"),
        actor=current_user), _("Återrapporteringen är återöppnad för %(org)s.",
                               org=organisation.short_name if organisation else ""), values=request.form)


@bp.post("/<int:year>/aterrapportering/ateroppningar/<int:reopening_id>/stang")
@allow(COORDINATORS)
def close_reopening(year: int, reopening_id: int):
    fund_year = year_or_404(year)
    reopening = _child(UsageReopening, reopening_id, fund_year)
    return _answer(fund_year, "reporting", lambda: reporting_round.close_reopening(get_session(), reopening=reopening,
                                                                            actor=current_user),
                   _("Återöppningen är stängd."))


@bp.route("/<int:year>/import", methods=["GET", "POST"])
@allow(COORDINATORS)
def import_year(year: int):
    """Import the year's allocation and reports from an Excel file: all of it, or nothing and every problem."""
    session = get_session()
    fund_year = year_or_404(year)
    if request.method == "GET":
        return render_template(IMPORT, fund_year=fund_year, max_mb=MAX_UPLOAD // (1024 * 1024))
    upload = request.files.get("fil")
    if upload is None or not upload.filename:
        return _import_refused(fund_year, error=_("Välj en fil att importera."))
    data = upload.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        return _import_refused(fund_year, error=_("Filen är större än %(size)s MB.", size=MAX_UPLOAD // 1048576))
    result, rejected = commit_or_refuse(session, lambda: exchange.import_year(
        session, fund_year, filename=upload.filename, data=data, actor=current_user), exchange.ImportRejected)
    if rejected is not None:
        return _import_refused(fund_year, problems=rejected.problems)
    flash(result.message)
    return redirect(url_for("funds.year_page", year=fund_year.year), code=303)


def _import_refused(fund_year: FundYear, *, error: str | None = None, problems: list[str] = ()):
    return render_template(IMPORT, fund_year=fund_year, max_mb=MAX_UPLOAD // (1024 * 1024), error=error,
                           problems=list(problems)), 422


def _child(model, record_id: int, fund_year: FundYear):
    record = get_session().get(model, record_id)
    if record is None or record.fund_year_id != fund_year.id:
        abort(404)
    return record


def _answer(fund_year: FundYear, section: str, write, message: str, *, key: str | None = None, values=None):
    """Commit the write and answer with the section (or a redirect); a refusal re-renders it with the problem."""
    session = get_session()
    _result, refusal = commit_or_refuse(session, write, *REFUSALS, IntegrityError)
    key = key or section
    if isinstance(refusal, IntegrityError):  # two saves of the same version at once: the other was first
        refusal = editing.FundsConflict(fund_year)
    if isinstance(refusal, editing.FundsConflict):
        session.refresh(fund_year)
        state = {key: {"conflict": True, "values": {}, "errors": {},
                       "message": _("Någon annan har sparat sedan du öppnade sidan. Ingenting ändrades: "
                                    "se de sparade uppgifterna och försök igen.")}}
        return year_response(fund_year, section=section, status=409, state=state)
    if refusal is not None:
        session.refresh(fund_year)
        state = {key: {"errors": refusal.errors, "values": values or {}}}
        return year_response(fund_year, section=section, status=422, state=state)
    session.refresh(fund_year)
    if wants_fragment(f"section-{section}"):
        return year_response(fund_year, section=section, state={key if key in SECTION_BLOCKS else section:
                                                                {"message": message}})
    flash(message)
    return redirect(url_for("funds.year_page", year=fund_year.year) + f"#section-{section}", code=303)

