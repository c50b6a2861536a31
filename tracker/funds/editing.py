"""Coordinators' writes on a grant year: its figures, purposes, rounds, allocation and reporting round.

Every write is checked here (not only in the views: the import writes too),
versioned (`versions`) where the record has versions, audited, and refused as a
whole with a message per field. The caller commits.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from flask_babel import gettext as _
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from tracker.accounts.models import Role
from tracker.audit import service as audit
from tracker.clock import utcnow
from tracker.formvalues import clean_text, iso_date, whole_number
from tracker.funds import versions
from tracker.funds.models import (
    Allocation,
    FundPurpose,
    FundYear,
    FundYearContent,
    RequisitionRound,
    UsageArea,
    UsageReport,
)
from tracker.organisations.models import Organisation

DEFAULT_TITLE = "Utvecklingsmedel för arbetet mot våld i nära relationer %(year)s"
MAX_KRONOR = 10**12  # far above any grant; a larger figure is a typing mistake
NOTE_LIMIT = 2000  # an allocation's note
TITLE_LIMIT = 300  # FundYearContent.title
AMOUNT_FIELDS = ("national_total", "national_municipal", "entitlement", "requisitioned_total",
                 "allocation_stated_total", "stated_used", "stated_unspent", "repayment_amount")
DATE_FIELDS = ("usage_from", "usage_to", "requisition_deadline", "report_deadline", "repayment_deadline",
               "allocation_decided_on", "internal_deadline", "compiled_on", "repayment_due_on", "repayment_paid_on")
TEXT_FIELDS = ("title", "allocation_reference", "allocation_key", "repayment_invoice", "source", "note")
BOOL_FIELDS = ("retroactive",)
# The year page's forms, each saving part of the year.
SECTIONS = {
    "basics": ("title", "national_total", "national_municipal", "entitlement", "usage_from", "usage_to",
               "retroactive", "requisition_deadline", "report_deadline", "repayment_deadline", "source", "note"),
    "requisition": ("requisitioned_total",),
    "decision": ("allocation_reference", "allocation_decided_on", "allocation_stated_total", "allocation_key"),
    "compilation": ("stated_used", "stated_unspent", "compiled_on"),
    "repayment": ("repayment_amount", "repayment_due_on", "repayment_invoice", "repayment_paid_on"),
}


class FundsError(Exception):
    """Input that breaks the rules; `errors` maps each field to a message to show beside it."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{name}: {message}" for name, message in errors.items()))
        self.errors = errors


class FundsConflict(Exception):
    """Somebody else saved the record since the editor loaded it; `current` is what they saved."""

    def __init__(self, current: Any):
        super().__init__(f"{type(current).__name__} {current.id} is at version {current.version}")
        self.current = current


class NotAllowed(PermissionError):
    """The user may not make this change."""


def require_coordinator(actor: Any) -> None:
    if getattr(actor, "role", None) != Role.coordinator:
        raise NotAllowed(f"user {getattr(actor, 'id', None)} is not a coordinator")


def read_amount(raw: Any) -> tuple[int | None, str | None]:
    """An amount in whole kronor ("1 234 567", "1234567 kr"); empty is unknown (None)."""
    value, problem = whole_number(raw, maximum=MAX_KRONOR, unit="kr")
    if problem and str(raw).strip().startswith(("-", "\u2212")):  # also the minus sign Word and Excel write
        problem = _("Beloppet kan inte vara negativt. Skriv ett heltal i kronor, 0 eller större.")
    elif problem and problem != _("Talet är för stort."):
        problem = _("Skriv beloppet i hela kronor, utan decimaler, till exempel 250 000.")
    return value, problem


def read_fields(form: Mapping[str, Any], names: tuple[str, ...]) -> tuple[dict[str, Any], dict[str, str]]:
    """The named year fields from a form, read by kind, and each field's problem."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name in names:
        raw = form.get(name)
        if name in AMOUNT_FIELDS:
            values[name], problem = read_amount(raw)
        elif name in DATE_FIELDS:
            values[name], problem = iso_date(raw)
        elif name in BOOL_FIELDS:
            values[name], problem = str(raw or "").lower() in {"1", "on", "true", "ja", "yes"}, None
        else:
            values[name], problem = clean_text(raw), None
        if problem:
            errors[name] = problem
    return values, errors


def create_year(session: Session, *, year: int, title: str | None, actor: Any) -> FundYear:
    """Start a new grant year with Socialstyrelsen's usual dates; its figures are filled in afterwards."""
    require_coordinator(actor)
    if not 2000 <= year <= 2100:
        raise FundsError({"year": _("Skriv året med fyra siffror, till exempel %(example)s.", example=2025)})
    if session.exec(select(FundYear).where(FundYear.year == year)).first():
        raise FundsError({"year": _("Bidragsåret %(year)s finns redan.", year=year)})
    # Stored, so in Swedish whatever language the coordinator reads the app in.
    title = clean_text(title) or DEFAULT_TITLE % {"year": year}
    if len(title) > TITLE_LIMIT:
        raise FundsError({"title": _("Texten är för lång: högst %(limit)s tecken.", limit=TITLE_LIMIT)})
    fund_year = FundYear(
        year=year, title=title, usage_from=date(year, 1, 1), usage_to=date(year, 12, 31), retroactive=True,
        requisition_deadline=date(year, 6, 1), report_deadline=date(year + 1, 3, 31),
        repayment_deadline=date(year + 1, 6, 30), updated_by_id=getattr(actor, "id", None))
    session.add(fund_year)
    versions.keep_version(session, fund_year, versions.snapshot(fund_year), actor=actor)
    audit.record(session, actor=actor, action="funds.year_created", entity=fund_year, after={"year": year})
    return fund_year


def update_year(session: Session, *, fund_year: FundYear, values: Mapping[str, Any], expected_version: int | None,
                actor: Any, via: str = "form") -> FundYear:
    """Save some of the year's fields as a new version; unchanged values write nothing."""
    require_coordinator(actor)
    if expected_version is not None and expected_version != fund_year.version:
        raise FundsConflict(fund_year)
    before = versions.snapshot(fund_year)
    candidate = {name: getattr(fund_year, name) for name in FundYearContent.model_fields} | dict(values)
    try:
        FundYearContent.model_validate(candidate)
    except ValidationError as exc:
        raise FundsError({str(e["loc"][0]): _field_problem(e) for e in exc.errors()}) from None
    _check_usage(candidate["usage_from"], candidate["usage_to"])  # before anything is changed
    for name, value in values.items():
        setattr(fund_year, name, value)
    after = versions.snapshot(fund_year)
    if after == before:
        return fund_year
    fund_year.version += 1
    fund_year.updated_at, fund_year.updated_by_id = utcnow(), getattr(actor, "id", None)
    session.add(fund_year)
    versions.keep_version(session, fund_year, after, actor=actor, via=via)
    old, new = audit.diff(before, after)
    audit.record(session, actor=actor, action="funds.year_saved", entity=fund_year, before=old,
                 after=new | {"year": fund_year.year, "via": via})
    return fund_year


def save_purpose(session: Session, *, fund_year: FundYear, purpose: FundPurpose | None, values: Mapping[str, Any],
                 actor: Any) -> FundPurpose:
    """Add a purpose to the year, or change one; a code is given once and never changes."""
    require_coordinator(actor)
    short_title, title, summary = (clean_text(values.get(k)) for k in ("short_title", "title", "summary"))
    errors = {}
    if not short_title or len(short_title) > 120:
        errors["short_title"] = _("Skriv en kort rubrik, högst 120 tecken.")
    if not title or len(title) > 2000:
        errors["title"] = _("Skriv syftet som i anvisningarna, högst 2 000 tecken.")
    if summary and len(summary) > 8000:
        errors["summary"] = _("Texten får vara högst 8 000 tecken.")
    if errors:
        raise FundsError(errors)
    before = {}
    if purpose is None:
        taken = {p.code for p in session.exec(select(FundPurpose).where(FundPurpose.fund_year_id == fund_year.id))}
        number = len(taken) + 1
        while f"syfte-{number}" in taken:
            number += 1
        purpose = FundPurpose(fund_year_id=fund_year.id, code=f"syfte-{number}", position=number)
    else:
        before = {"short_title": purpose.short_title, "title": purpose.title, "summary": purpose.summary}
        if before == {"short_title": short_title, "title": title, "summary": summary}:
            return purpose
    purpose.short_title, purpose.title, purpose.summary = short_title, title, summary
    session.add(purpose)
    session.flush()
    old, new = audit.diff(before, {"short_title": short_title, "title": title, "summary": summary})
    audit.record(session, actor=actor, action="funds.purpose_saved", entity=purpose, before=old,
                 after=new | {"year": fund_year.year, "code": purpose.code})
    return purpose


def remove_purpose(session: Session, *, purpose: FundPurpose, actor: Any) -> None:
    """Remove a purpose nobody has reported on."""
    require_coordinator(actor)
    if session.exec(select(UsageArea).where(UsageArea.purpose_id == purpose.id)).first():
        raise FundsError({"purpose": _("Nämnder har rapporterat om syftet, så det kan inte tas bort. "
                                       "Ändra texten i stället.")})
    audit.record(session, actor=actor, action="funds.purpose_removed", entity=purpose,
                 before={"code": purpose.code, "short_title": purpose.short_title, "title": purpose.title})
    session.delete(purpose)


def save_round(session: Session, *, fund_year: FundYear, round_: RequisitionRound | None,
               form: Mapping[str, Any], actor: Any) -> RequisitionRound:
    """Add a requisition round, or change one; an empty amount is unknown."""
    require_coordinator(actor)
    label, note = clean_text(form.get("label")), clean_text(form.get("note"))
    amount, amount_problem = read_amount(form.get("amount"))
    requested_on, date_problem = iso_date(form.get("requested_on"))
    errors = {k: v for k, v in (("amount", amount_problem), ("requested_on", date_problem)) if v}
    if not label or len(label) > 120:
        errors["label"] = _("Skriv vad omgången kallas, till exempel ”Våren %(year)s”, högst 120 tecken.",
                            year=fund_year.year)
    if errors:
        raise FundsError(errors)
    before = {}
    if round_ is None:
        count = len(session.exec(select(RequisitionRound).where(RequisitionRound.fund_year_id == fund_year.id)).all())
        round_ = RequisitionRound(fund_year_id=fund_year.id, position=count)
    else:
        before = {"label": round_.label, "amount": round_.amount, "requested_on": round_.requested_on,
                  "note": round_.note}
    round_.label, round_.amount, round_.requested_on, round_.note = label, amount, requested_on, note
    session.add(round_)
    session.flush()
    old, new = audit.diff(before, {"label": label, "amount": amount, "requested_on": requested_on, "note": note})
    audit.record(session, actor=actor, action="funds.round_saved", entity=round_, before=old,
                 after=new | {"year": fund_year.year})
    return round_


def remove_round(session: Session, *, round_: RequisitionRound, actor: Any) -> None:
    require_coordinator(actor)
    audit.record(session, actor=actor, action="funds.round_removed", entity=round_,
                 before={"label": round_.label, "amount": round_.amount, "requested_on": round_.requested_on})
    session.delete(round_)


def save_allocation(session: Session, *, fund_year: FundYear, organisation: Organisation | None, amount: int | None,
                    citywide: bool, note: str | None, expected_version: int | None, actor: Any,
                    via: str = "form") -> Allocation:
    """Set what a nämnd is allocated (None: unknown) as a new version of its row."""
    require_coordinator(actor)
    if organisation is None:
        raise FundsError({"organisation": _("Välj en nämnd i listan.")})
    if not organisation.existed_in(fund_year.year):
        raise FundsError({"organisation": _("%(org)s fanns inte år %(year)s.", org=organisation.name,
                                            year=fund_year.year)})
    if amount is not None and not 0 <= amount <= MAX_KRONOR:
        raise FundsError({"amount": _("Beloppet kan inte vara negativt. Skriv ett heltal i kronor, 0 eller större.")})
    if note and len(note) > NOTE_LIMIT:
        raise FundsError({"note": _("Texten får vara högst 2 000 tecken.")})
    allocation = allocation_of(session, fund_year, organisation)
    before: dict[str, Any] = {}
    if allocation is None:
        count = len(session.exec(select(Allocation).where(Allocation.fund_year_id == fund_year.id)).all())
        allocation = Allocation(fund_year_id=fund_year.id, organisation_id=organisation.id, position=count)
    else:
        if expected_version is not None and expected_version != allocation.version:
            raise FundsConflict(allocation)
        before = versions.snapshot(allocation)
        if before == before | {"amount": amount, "citywide": citywide, "note": note}:
            return allocation
        allocation.version += 1
    allocation.amount, allocation.citywide, allocation.note = amount, citywide, note
    allocation.updated_at, allocation.updated_by_id = utcnow(), getattr(actor, "id", None)
    if not before:
        try:
            with session.begin_nested():  # two new rows at once: the unique (year, nämnd) stops the second
                session.add(allocation)
                session.flush()
        except IntegrityError:
            raise FundsConflict(allocation_of(session, fund_year, organisation)) from None
    session.add(allocation)
    after = versions.snapshot(allocation)
    versions.keep_version(session, allocation, after, actor=actor, via=via)
    old, new = audit.diff(before, after)
    audit.record(session, actor=actor, action="funds.allocation_saved", entity=allocation, before=old,
                 after=new | {"year": fund_year.year, "organisation": organisation.slug, "via": via})
    return allocation


def remove_allocation(session: Session, *, fund_year: FundYear, allocation: Allocation, organisation: Organisation,
                      actor: Any) -> None:
    """Take a nämnd out of the allocation; its earlier versions are kept."""
    require_coordinator(actor)
    if session.exec(select(UsageReport).where(UsageReport.fund_year_id == fund_year.id,
                                              UsageReport.organisation_id == organisation.id)).first():
        raise FundsError({"organisation": _("%(org)s har börjat återrapportera och kan inte tas bort ur fördelningen.",
                                            org=organisation.short_name)})
    audit.record(session, actor=actor, action="funds.allocation_removed", entity=allocation,
                 before=versions.snapshot(allocation) | {"year": fund_year.year, "organisation": organisation.slug})
    session.delete(allocation)


def allocation_of(session: Session, fund_year: FundYear, organisation: Organisation) -> Allocation | None:
    """The nämnd's row in the year's allocation, if it has one."""
    return session.exec(select(Allocation).where(Allocation.fund_year_id == fund_year.id,
                                                 Allocation.organisation_id == organisation.id)).first()


def _check_usage(usage_from: date | None, usage_to: date | None) -> None:
    if usage_from and usage_to and usage_to < usage_from:
        raise FundsError({"usage_to": _("Sista dagen kan inte ligga före första dagen.")})


def _field_problem(error: Mapping[str, Any]) -> str:
    if error["type"] in {"greater_than_equal", "greater_than"}:
        return _("Beloppet kan inte vara negativt. Skriv ett heltal i kronor, 0 eller större.")
    if error["type"] in {"string_too_long", "too_long"}:
        return _("Texten är för lång: högst %(limit)s tecken.", limit=error.get("ctx", {}).get("max_length", ""))
    if error["type"] in {"string_too_short", "missing"} or error.get("input", "") is None:
        return _("Fyll i fältet.")
    return _("Värdet kan inte sparas här.")
