"""Saving an organisation's yearly figures for an effect goal: checked, versioned and audited.

Every saved version is kept (`MeasurementVersion`), an edit based on an old
version is refused (`MeasurementConflict`), and who may save is decided here,
not only in the views, because the import in `exchange` saves too.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from annotated_types import MaxLen
from flask_babel import gettext as _
from sqlmodel import Session, select

from tracker import clock
from tracker.accounts.access import may_report_for
from tracker.accounts.models import Role
from tracker.audit import service as audit
from tracker.clock import utcnow
from tracker.effect_goals.models import (
    EffectGoal,
    EffectGoalOrganisation,
    Measurement,
    MeasurementContent,
    MeasurementVersion,
)
from tracker.formvalues import MAX_COUNT, clean_text, whole_number
from tracker.organisations.models import Organisation
from tracker.programs.models import Program
from tracker.reporting.rules import too_long

CONTENT_FIELDS = tuple(MeasurementContent.model_fields)
# Read from the model so that the form and the table cannot disagree.
TEXT_LIMITS = {name: next(m.max_length for m in MeasurementContent.model_fields[name].metadata if isinstance(m, MaxLen))
               for name in ("source", "note")}


class MeasurementError(Exception):
    """Figures that break the rules; `errors` maps each field to a message to show beside it."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{name}: {message}" for name, message in errors.items()))
        self.errors = errors


class MeasurementConflict(Exception):
    """Somebody else saved the figures since the editor loaded them; `current` is what they saved."""

    def __init__(self, current: Measurement):
        super().__init__(f"measurement {current.id} is at version {current.version}")
        self.current = current


class NotAllowed(PermissionError):
    """The user may not change these figures."""


def read_measurement_form(goal: EffectGoal, form: Mapping[str, Any]) -> tuple[MeasurementContent, dict[str, str]]:
    """Form values as figures (unvalidated, to show back in the form) and each field's problem."""
    errors: dict[str, str] = {}
    figures = {}
    for name in ("numerator", "denominator"):
        figures[name], problem = whole_number(form.get(name))
        if problem:
            errors[name] = problem
    if goal.denominator_label is None and clean_text(form.get("denominator")):
        # Whatever was written, the problem is that a count goal has no denominator at all.
        errors["denominator"] = _no_denominator()
    content = MeasurementContent.model_construct(
        **figures, source=clean_text(form.get("source")), note=clean_text(form.get("note"))
    )
    return content, content_errors(goal, content) | errors


def content_errors(goal: EffectGoal, content: MeasurementContent) -> dict[str, str]:
    """Each field of the figures that breaks a rule for this goal, with a message in Swedish."""
    errors: dict[str, str] = {}
    numerator, denominator = content.numerator, content.denominator
    for name, value in (("numerator", numerator), ("denominator", denominator)):
        if value is not None and not 0 <= value <= MAX_COUNT:
            errors[name] = _("Skriv ett heltal, 0 eller större.") if value < 0 else _("Talet är för stort.")
    if numerator is None:
        errors["numerator"] = _("Fyll i ett tal.")
    if goal.denominator_label is None:
        if denominator is not None:
            errors["denominator"] = _no_denominator()
    elif denominator is None:
        errors["denominator"] = _("Fyll i ett tal.")
    elif not errors and numerator > denominator:
        errors["numerator"] = _("Täljaren kan inte vara större än nämnaren.")
    return errors | too_long(content, TEXT_LIMITS)


def check_year(program: Program, year: int) -> None:
    """Raise MeasurementError unless figures can be given for the year: in the programme, not in the future."""
    if not program.start_year <= year <= program.end_year:
        raise MeasurementError({"year": _("Välj ett år från %(first)s till %(last)s, programmets år.",
                                          first=program.start_year, last=program.end_year)})
    if year > clock.today().year:
        raise MeasurementError({"year": _("Året %(year)s har inte börjat än.", year=year)})


def read_year(program: Program | None, raw: Any) -> int:
    """Read a year written with four digits and check it against the programme (None: only the digits)."""
    text = str(raw if raw is not None else "").strip()
    if not (len(text) == 4 and text.isascii() and text.isdigit()):
        raise MeasurementError({"year": _("Skriv året med fyra siffror, till exempel %(example)s.",
                                          example=clock.today().year - 1)})
    if program is not None:
        check_year(program, int(text))
    return int(text)


def is_responsible(session: Session, goal: EffectGoal, organisation_id: int) -> bool:
    return session.get(EffectGoalOrganisation, (goal.id, organisation_id)) is not None


def get_measurement(session: Session, goal_id: int, organisation_id: int, year: int) -> Measurement | None:
    return session.exec(select(Measurement).where(
        Measurement.effect_goal_id == goal_id, Measurement.organisation_id == organisation_id,
        Measurement.year == year)).first()


def save_measurement(
    session: Session,
    *,
    goal: EffectGoal,
    organisation: Organisation,
    year: int,
    content: MeasurementContent,
    expected_version: int | None,
    actor: Any,
    via: str = "form",
) -> Measurement:
    """Save the organisation's figures for the year as a new version and audit it.

    `expected_version` is the version the editor started from (None: there were
    no figures yet). If somebody saved in between, MeasurementConflict carries
    their figures and nothing is written. Unchanged figures write nothing.
    """
    if not may_report_for(session, actor, organisation.id):
        raise NotAllowed(f"user {getattr(actor, 'id', None)} may not report for organisation {organisation.id}")
    if not is_responsible(session, goal, organisation.id):
        raise NotAllowed(f"organisation {organisation.id} does not report for effect goal {goal.id}")
    check_year(session.get(Program, goal.program_id), year)
    if errors := content_errors(goal, content):
        raise MeasurementError(errors)
    measurement = get_measurement(session, goal.id, organisation.id, year)
    before: dict[str, Any] = {}
    if measurement is None:
        # Figures are never deleted, so a version for figures that do not exist comes from a damaged
        # form, not from somebody else's save: nobody's figures can be overwritten, so save them.
        measurement = Measurement(effect_goal_id=goal.id, organisation_id=organisation.id, year=year, version=1)
    else:
        if expected_version != measurement.version:
            raise MeasurementConflict(measurement)
        before = _snapshot(measurement)
        if all(before[field] == getattr(content, field) for field in CONTENT_FIELDS):
            return measurement
        measurement.version += 1
    for field in CONTENT_FIELDS:
        setattr(measurement, field, getattr(content, field))
    measurement.updated_at, measurement.updated_by_id = utcnow(), getattr(actor, "id", None)
    session.add(measurement)
    session.flush()
    session.add(MeasurementVersion(
        measurement_id=measurement.id, version=measurement.version, saved_at=measurement.updated_at,
        saved_by_id=measurement.updated_by_id, via=via, **{field: getattr(content, field) for field in CONTENT_FIELDS},
    ))
    old, new = audit.diff(before, _snapshot(measurement))
    if not before:
        new.update(effect_goal_id=goal.id, organisation_id=organisation.id, year=year)
    audit.record(session, actor=actor, action="effect_goal.measurement_saved", entity=measurement,
                 before=old, after=new | {"via": via})
    return measurement


def measurement_versions(session: Session, measurement_id: int) -> list[MeasurementVersion]:
    return list(session.exec(select(MeasurementVersion).where(MeasurementVersion.measurement_id == measurement_id)
                             .order_by(MeasurementVersion.version)))


def set_baseline(session: Session, *, goal: EffectGoal, year: int | None, actor: Any) -> EffectGoal:
    """Set (or with None clear) the year a change target is measured against; coordinators only."""
    if getattr(actor, "role", None) != Role.coordinator:
        raise NotAllowed(f"user {getattr(actor, 'id', None)} may not set baselines")
    if year is not None:
        check_year(session.get(Program, goal.program_id), year)
    if goal.baseline_year == year:
        return goal
    before = goal.baseline_year
    goal.baseline_year = year
    session.add(goal)
    audit.record(session, actor=actor, action="effect_goal.baseline_set", entity=goal,
                 before={"baseline_year": before}, after={"baseline_year": year})
    return goal


def _no_denominator() -> str:
    return _("Effektmålet följs upp med ett antal, utan nämnare: lämna nämnaren tom.")


def _snapshot(measurement: Measurement) -> dict[str, Any]:
    return {field: getattr(measurement, field) for field in CONTENT_FIELDS} | {"version": measurement.version}
