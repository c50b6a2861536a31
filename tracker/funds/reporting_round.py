"""The round of usage reports of a grant year: opened with the nämnder's last day, closed, reopened for one nämnd.

The same rules as the tertials: while open every nämnd of the allocation reports
and corrects; once closed, only a nämnd it is reopened for (with the reason why).
Coordinators only; audited and versioned; the caller commits.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from tracker.audit import service as audit
from tracker.clock import utcnow
from tracker.formvalues import clean_text
from tracker.funds import versions
from tracker.funds.editing import FundsError, require_coordinator, update_year
from tracker.funds.models import Allocation, FundYear, ReportingState, UsageReopening, UsageReport
from tracker.organisations.models import Organisation

REASON_LIMIT = 2000


def open_reporting(session: Session, *, fund_year: FundYear, deadline: date | None, actor: Any) -> None:
    """Open the usage reports for every nämnd of the allocation, with the nämnder's last day."""
    require_coordinator(actor)
    if deadline is None:
        raise FundsError({"internal_deadline": _("Välj nämndernas sista dag för återrapporten.")})
    if deadline < date(fund_year.year, 1, 1):
        raise FundsError({"internal_deadline": _("Sista dagen kan inte ligga före bidragsåret.")})
    update_year(session, fund_year=fund_year, values={"internal_deadline": deadline}, expected_version=None,
                actor=actor)
    if fund_year.reporting == ReportingState.open:
        return  # only the deadline moved
    _close_reopenings(session, fund_year, actor=actor)  # open for everyone: reopenings are not needed
    _set_reporting(session, fund_year, ReportingState.open, actor=actor)


def close_reporting(session: Session, *, fund_year: FundYear, actor: Any) -> None:
    """Close the round: no more corrections, except for a nämnd it is reopened for; open reopenings end."""
    require_coordinator(actor)
    if fund_year.reporting != ReportingState.open:
        raise FundsError({"reporting": _("Återrapporteringen är inte öppen.")})
    _close_reopenings(session, fund_year, actor=actor)
    _set_reporting(session, fund_year, ReportingState.closed, actor=actor)


def reopen_for(session: Session, *, fund_year: FundYear, organisation: Organisation | None, reason: str | None,
               actor: Any) -> UsageReopening:
    """Open a closed round again for one nämnd, with the reason why."""
    require_coordinator(actor)
    if fund_year.reporting != ReportingState.closed:
        raise FundsError({"organisation": _("Återrapporteringen är inte stängd, så den behöver inte återöppnas.")})
    reason = clean_text(reason)
    if organisation is None:
        raise FundsError({"organisation": _("Välj vilken nämnd återrapporteringen ska återöppnas för.")})
    if not _takes_part(session, fund_year, organisation):
        raise FundsError({"organisation": _("%(org)s finns inte i årets fördelning och återrapporterar inte.",
                                            org=organisation.short_name)})
    if not reason:
        raise FundsError({"reason": _("Skriv varför återrapporteringen återöppnas. Skälet sparas och visas.")})
    if len(reason) > REASON_LIMIT:
        raise FundsError({"reason": _("Skälet får vara högst %(limit)s tecken. Nu är det %(length)s tecken.",
                                      limit=REASON_LIMIT, length=len(reason))})
    already = FundsError({"organisation": _("Återrapporteringen är redan återöppnad för %(org)s.",
                                            org=organisation.short_name)})
    if session.exec(select(UsageReopening).where(UsageReopening.fund_year_id == fund_year.id,
                                                 UsageReopening.organisation_id == organisation.id,
                                                 UsageReopening.closed_at.is_(None))).first():
        raise already
    reopening = UsageReopening(fund_year_id=fund_year.id, organisation_id=organisation.id, reason=reason,
                               reopened_at=utcnow(), reopened_by_id=getattr(actor, "id", None))
    try:
        # Added inside the savepoint: a concurrent duplicate (the partial unique index) rolls back only it.
        with session.begin_nested():
            session.add(reopening)
            session.flush()
    except IntegrityError:
        raise already from None
    audit.record(session, actor=actor, action="funds.reporting_reopened", entity=reopening,
                 after={"year": fund_year.year, "organisation": organisation.slug, "reason": reason})
    return reopening


def _takes_part(session: Session, fund_year: FundYear, organisation: Organisation) -> bool:
    """Whether the nämnd reports for the year: it is in the allocation, or has a report."""
    return any(session.exec(select(model.id).where(model.fund_year_id == fund_year.id,
                                                   model.organisation_id == organisation.id)).first()
               for model in (Allocation, UsageReport))


def close_reopening(session: Session, *, reopening: UsageReopening, actor: Any) -> None:
    require_coordinator(actor)
    if reopening.closed_at is not None:
        raise FundsError({"reopening": _("Återöppningen är redan stängd.")})
    _close_reopening(session, reopening, actor=actor)


def _close_reopenings(session: Session, fund_year: FundYear, *, actor: Any) -> None:
    for reopening in session.exec(select(UsageReopening).where(UsageReopening.fund_year_id == fund_year.id,
                                                               UsageReopening.closed_at.is_(None))):
        _close_reopening(session, reopening, actor=actor)


def _close_reopening(session: Session, reopening: UsageReopening, *, actor: Any) -> None:
    reopening.closed_at, reopening.closed_by_id = utcnow(), getattr(actor, "id", None)
    session.add(reopening)
    audit.record(session, actor=actor, action="funds.reopening_closed", entity=reopening,
                 before={"closed_at": None}, after={"closed_at": reopening.closed_at})


def _set_reporting(session: Session, fund_year: FundYear, state: ReportingState, *, actor: Any) -> None:
    before = fund_year.reporting
    fund_year.reporting = state
    fund_year.version += 1
    fund_year.updated_at, fund_year.updated_by_id = utcnow(), getattr(actor, "id", None)
    session.add(fund_year)
    versions.keep_version(session, fund_year, versions.snapshot(fund_year), actor=actor)
    audit.record(session, actor=actor, action="funds.reporting_changed", entity=fund_year,
                 before={"reporting": before}, after={"reporting": state, "year": fund_year.year})
