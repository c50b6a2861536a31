"""A nämnd's usage report (återrapportering): read from a form, checked, saved as a new version.

The rules are the tertial reports': drafts, then submit; corrections until the
coordinator closes the round; after that only where the round is reopened for
the nämnd. Contacts report for their own nämnder, coordinators for any. The
import in `exchange` saves through `save_report` too.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from tracker.accounts.access import may_report_for
from tracker.audit import service as audit
from tracker.clock import utcnow
from tracker.formvalues import clean_text
from tracker.funds import versions
from tracker.funds.editing import FundsConflict, FundsError, NotAllowed, read_amount
from tracker.funds.models import (
    Evaluation,
    FundPurpose,
    FundYear,
    Outcome,
    ReasonCategory,
    ReportingState,
    ReportState,
    UsageArea,
    UsageReopening,
    UsageReport,
)
from tracker.organisations.models import Organisation
from tracker.reporting.rules import too_long

TEXT_LIMITS = {"reasons_text": 3000, "evaluation_text": 3000, "work": 8000}


@dataclass
class AreaInput:
    work: str | None = None
    amount: int | None = None
    outcome: Outcome | None = None

    @property
    def empty(self) -> bool:
        return self.work is None and self.amount is None and self.outcome is None


@dataclass
class ReportInput:
    """What a nämnd reports; amounts None when not given."""

    used: int | None = None
    unspent: int | None = None
    reasons: list[ReasonCategory] = field(default_factory=list)
    reasons_text: str | None = None
    evaluated: Evaluation | None = None
    evaluation_text: str | None = None
    areas: dict[int, AreaInput] = field(default_factory=dict)  # purpose id → area


class NotOpen(Exception):
    """The year is not open for this nämnd's report; the message says why."""


def area_field(purpose: FundPurpose, name: str) -> str:
    return f"area-{purpose.id}-{name}"


def read_report_form(form: Any, purposes: list[FundPurpose]) -> tuple[ReportInput, dict[str, str]]:
    """Form values as a report (what could be read) and each field's problem."""
    errors: dict[str, str] = {}
    content = ReportInput()
    for name in ("used", "unspent"):
        value, problem = read_amount(form.get(name))
        setattr(content, name, value)
        if problem:
            errors[name] = problem
    reasons = form.getlist("reasons") if hasattr(form, "getlist") else form.get("reasons") or []
    if isinstance(reasons, str):
        reasons = [reasons]
    for raw in reasons:
        try:
            content.reasons.append(ReasonCategory(raw))
        except ValueError:
            errors["reasons"] = _("Välj bland orsakerna i listan.")
    content.reasons_text, content.evaluation_text = clean_text(form.get("reasons_text")), clean_text(
        form.get("evaluation_text"))
    content.evaluated, problem = _choice(Evaluation, form.get("evaluated"))
    if problem:
        errors["evaluated"] = problem
    for purpose in purposes:
        area = AreaInput(work=clean_text(form.get(area_field(purpose, "work"))))
        area.amount, problem = read_amount(form.get(area_field(purpose, "amount")))
        if problem:
            errors[area_field(purpose, "amount")] = problem
        area.outcome, problem = _choice(Outcome, form.get(area_field(purpose, "outcome")))
        if problem:
            errors[area_field(purpose, "outcome")] = problem
        if not area.empty:
            content.areas[purpose.id] = area
    return content, errors


def validate_report(content: ReportInput, purposes: list[FundPurpose], *, submit: bool) -> dict[str, str]:
    """Each field that breaks a rule, with a message in Swedish; submitting asks for more than a draft."""
    errors = too_long(content, {name: TEXT_LIMITS[name] for name in ("reasons_text", "evaluation_text")})
    by_id = {p.id: p for p in purposes}
    for purpose_id, area in content.areas.items():
        purpose = by_id.get(purpose_id)
        if purpose is None:
            errors["areas"] = _("Ett av syftena hör inte till året.")
            continue
        if problem := too_long(area, {"work": TEXT_LIMITS["work"]}).get("work"):
            errors[area_field(purpose, "work")] = problem
        if submit and area.work is None and (area.amount is not None or area.outcome is not None):
            errors[area_field(purpose, "work")] = _("Beskriv vad som gjordes inom området.")
        if submit and area.work is not None and area.outcome is None:
            errors[area_field(purpose, "outcome")] = _("Välj hur väl resultatet motsvarar det förväntade "
                                                       "(”Vet ej” går också).")
    if not submit:
        return errors
    if content.used is None:
        errors["used"] = _("Fyll i hur mycket som har använts, i kronor (0 om inget).")
    if content.unspent is None:
        errors["unspent"] = _("Fyll i hur mycket som inte har använts, i kronor (0 om allt är använt).")
    if content.unspent and not content.reasons and not content.reasons_text:
        errors["reasons"] = _("Ange varför inte allt har använts: välj en orsak eller beskriv den.")
    if content.evaluated is None:
        errors["evaluated"] = _("Välj om användningen har utvärderats.")
    if content.used and not any(a.work for a in content.areas.values()):
        errors["areas"] = _("Beskriv vad medlen har använts till inom minst ett av syftena.")
    return errors


def open_for(session: Session, fund_year: FundYear, organisation_id: int) -> bool:
    """Whether the nämnd can report for the year now: the round is open, or reopened for it."""
    if fund_year.reporting == ReportingState.open:
        return True
    if fund_year.reporting == ReportingState.closed:
        return session.exec(select(UsageReopening).where(
            UsageReopening.fund_year_id == fund_year.id, UsageReopening.organisation_id == organisation_id,
            UsageReopening.closed_at.is_(None))).first() is not None
    return False


def not_open_message(fund_year: FundYear) -> str:
    if fund_year.reporting == ReportingState.not_open:
        return _("Återrapporteringen för %(year)s har inte öppnat än.", year=fund_year.year)
    return _("Återrapporteringen för %(year)s är stängd. Kontakta samordnaren om något behöver rättas.",
             year=fund_year.year)


def get_report(session: Session, fund_year: FundYear, organisation_id: int) -> UsageReport | None:
    return session.exec(select(UsageReport).where(UsageReport.fund_year_id == fund_year.id,
                                                  UsageReport.organisation_id == organisation_id)).first()


def areas_of(session: Session, report: UsageReport | None) -> dict[int, UsageArea]:
    if report is None or report.id is None:
        return {}
    return {a.purpose_id: a for a in session.exec(select(UsageArea).where(UsageArea.report_id == report.id))}


def save_report(session: Session, *, fund_year: FundYear, organisation: Organisation, content: ReportInput,
                expected_version: int | None, submit: bool, actor: Any, via: str = "form") -> UsageReport:
    """Save the nämnd's report as a new version (and submit it); unchanged content writes nothing.

    A report once submitted stays submitted: a later save is a correction and
    must meet the same rules. `expected_version` is the version the editor
    started from; if somebody saved in between, FundsConflict carries theirs.
    """
    if not may_report_for(session, actor, organisation.id):
        raise NotAllowed(f"user {getattr(actor, 'id', None)} may not report for organisation {organisation.id}")
    if not open_for(session, fund_year, organisation.id):
        raise NotOpen(not_open_message(fund_year))
    if not organisation.existed_in(fund_year.year):
        raise FundsError({"organisation": _("%(org)s fanns inte år %(year)s.", org=organisation.name,
                                            year=fund_year.year)})
    purposes = list(session.exec(select(FundPurpose).where(FundPurpose.fund_year_id == fund_year.id)))
    report = get_report(session, fund_year, organisation.id)
    if report is not None and expected_version != report.version:
        raise FundsConflict(report)  # before the rules: the editor first sees what the other person saved
    submit = submit or (report is not None and report.state == ReportState.submitted)
    if errors := validate_report(content, purposes, submit=submit):
        raise FundsError(errors)
    areas = areas_of(session, report)
    before: dict[str, Any] = {}
    if report is None:
        report = UsageReport(fund_year_id=fund_year.id, organisation_id=organisation.id)
    else:
        before = versions.snapshot(report, list(areas.values()))
    report.used, report.unspent = content.used, content.unspent
    report.reasons = [r.value for r in content.reasons]
    report.reasons_text, report.evaluated, report.evaluation_text = (content.reasons_text, content.evaluated,
                                                                     content.evaluation_text)
    newly_submitted = submit and report.state != ReportState.submitted
    if newly_submitted:
        report.state = ReportState.submitted
    try:
        with session.begin_nested():  # two first saves at once: the unique (year, nämnd) stops the second
            session.add(report)
            session.flush()
    except IntegrityError:
        raise FundsConflict(get_report(session, fund_year, organisation.id)) from None
    kept = _write_areas(session, report, areas, content.areas)
    after = versions.snapshot(report, kept)
    if before and after == before:
        return report
    if before:
        report.version += 1
    now = utcnow()
    report.updated_at, report.updated_by_id = now, getattr(actor, "id", None)
    if newly_submitted:
        report.submitted_at, report.submitted_by_id = now, getattr(actor, "id", None)
    session.add(report)
    versions.keep_version(session, report, after, actor=actor, via=via)
    old, new = audit.diff(before, after)
    action = "funds.report_submitted" if newly_submitted else "funds.report_saved"
    audit.record(session, actor=actor, action=action, entity=report, before=old,
                 after=new | {"year": fund_year.year, "organisation": organisation.slug, "via": via})
    return report


def _write_areas(session: Session, report: UsageReport, existing: dict[int, UsageArea],
                 wanted: dict[int, AreaInput]) -> list[UsageArea]:
    kept = []
    for purpose_id, area in existing.items():
        if purpose_id not in wanted:
            session.delete(area)  # emptied in the form; the earlier text stays in the report's versions
    for purpose_id, values in wanted.items():
        area = existing.get(purpose_id) or UsageArea(report_id=report.id, purpose_id=purpose_id)
        area.work, area.amount, area.outcome = values.work, values.amount, values.outcome
        session.add(area)
        kept.append(area)
    session.flush()
    return kept


def _choice(enum, raw: Any):
    text = str(raw or "").strip()
    if not text:
        return None, None
    try:
        return enum(text), None
    except ValueError:
        return None, _("Välj ett av alternativen.")

