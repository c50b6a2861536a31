"""Tertial calendar and status reports: every saved version is kept."""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, and_, or_, select

from tracker.accounts.models import User
from tracker.audit import service as audit
from tracker.db import utcnow
from tracker.organisations.models import Organisation
from tracker.programs.models import Activity, Commitment, Goal, Program
from tracker.reporting.models import (
    PeriodReopening,
    PeriodState,
    ReportingPeriod,
    ReportState,
    ReportStatus,
    StatusReport,
    StatusReportContent,
    StatusReportVersion,
)

TERTIAL_MONTHS = {1: (1, 4), 2: (5, 8), 3: (9, 12)}
PERIOD_CODE = re.compile(r"^(?P<year>\d{4})-T(?P<number>[123])$")
CONTENT_FIELDS = tuple(StatusReportContent.model_fields)


class ReportingError(Exception):
    """A report or period change that the rules do not allow."""


class PeriodClosedError(ReportingError):
    pass


class VersionConflictError(ReportingError):
    """Somebody else saved the report since the editor loaded it."""

    def __init__(self, current: StatusReport):
        super().__init__(f"report {current.id} is at version {current.version}")
        self.current = current


class InvalidReportError(ReportingError):
    """Form values that break the reporting rules; `errors` maps each field to a message in Swedish."""

    def __init__(self, errors: dict[str, str], content: StatusReportContent):
        super().__init__("; ".join(f"{name}: {message}" for name, message in errors.items()))
        self.errors, self.content = errors, content


@dataclass
class ReportRow:
    """A commitment with what is needed to report on it in one tertial."""

    commitment: Commitment
    activity: Activity
    goal: Goal
    program: Program
    report: StatusReport | None = None
    previous: StatusReport | None = None


@dataclass
class GoalReports:
    goal: Goal
    program: Program
    rows: list[ReportRow] = dataclass_field(default_factory=list)


class ReportsNotSubmittedError(ReportingError):
    """Submitting all ("Lämna in alla") refused: these reports cannot be submitted, so none was."""

    def __init__(self, problems: list[tuple[ReportRow, dict[str, str]]]):
        super().__init__(f"{len(problems)} reports cannot be submitted")
        self.problems = problems


@dataclass(frozen=True)
class Deadline:
    month: int
    day: int
    next_year: bool = False

    def for_year(self, year: int) -> date:
        return date(year + 1 if self.next_year else year, self.month, self.day)


def parse_period_code(code: str) -> tuple[int, int]:
    """Read "2023-T2" as (2023, 2); raise ValueError otherwise."""
    match = PERIOD_CODE.match(code.strip())
    if not match:
        raise ValueError(f"ogiltig tertial {code!r}: skriv år-T och nummer, t.ex. 2023-T2")
    return int(match["year"]), int(match["number"])


def tertial_dates(year: int, number: int) -> tuple[date, date]:
    first_month, last_month = TERTIAL_MONTHS[number]
    next_month_start = date(year + 1, 1, 1) if last_month == 12 else date(year, last_month + 1, 1)
    return date(year, first_month, 1), date.fromordinal(next_month_start.toordinal() - 1)


def tertials_between(first: tuple[int, int], last: tuple[int, int]) -> list[tuple[int, int]]:
    """Every (year, number) from first to last inclusive."""
    out, (year, number) = [], first
    while (year, number) <= last:
        out.append((year, number))
        year, number = (year + 1, 1) if number == 3 else (year, number + 1)
    return out


def state_on(today: date, starts_on: date, deadline: date) -> PeriodState:
    """The natural state of a period on a date: open from its start to its deadline."""
    if today < starts_on:
        return PeriodState.upcoming
    return PeriodState.open if today <= deadline else PeriodState.closed


def build_period(year: int, number: int, deadline: Deadline, today: date) -> ReportingPeriod:
    starts_on, ends_on = tertial_dates(year, number)
    due = deadline.for_year(year)
    return ReportingPeriod(
        year=year, number=number, starts_on=starts_on, ends_on=ends_on, deadline=due,
        state=state_on(today, starts_on, due),
    )


def get_period(session: Session, code: str) -> ReportingPeriod | None:
    year, number = parse_period_code(code)
    return session.exec(
        select(ReportingPeriod).where(ReportingPeriod.year == year, ReportingPeriod.number == number)
    ).first()


def list_periods(session: Session) -> list[ReportingPeriod]:
    return list(session.exec(select(ReportingPeriod).order_by(ReportingPeriod.year, ReportingPeriod.number)))


def period_open_for(session: Session, period: ReportingPeriod, organisation_id: int) -> bool:
    """Open for everyone, or closed but reopened for this organisation."""
    if period.state == PeriodState.open:
        return True
    if period.state != PeriodState.closed:
        return False
    return session.exec(
        select(PeriodReopening.id).where(
            PeriodReopening.period_id == period.id,
            PeriodReopening.organisation_id == organisation_id,
            PeriodReopening.closed_at.is_(None),
        )
    ).first() is not None


def previous_period(session: Session, period: ReportingPeriod) -> ReportingPeriod | None:
    """The tertial before this one, if it is in the calendar."""
    year, number = (period.year - 1, 3) if period.number == 1 else (period.year, period.number - 1)
    return session.exec(
        select(ReportingPeriod).where(ReportingPeriod.year == year, ReportingPeriod.number == number)
    ).first()


def unchanged_from_previous(current: StatusReportContent | None, previous: StatusReportContent | None) -> bool:
    """True when a report's texts are an unedited copy of the previous tertial's."""
    if current is None or previous is None or not (current.comment or current.next_steps):
        return False
    return (current.comment or "").strip() == (previous.comment or "").strip() and (
        current.next_steps or ""
    ).strip() == (previous.next_steps or "").strip()


def get_report(session: Session, commitment_id: int, period_id: int) -> StatusReport | None:
    return session.exec(
        select(StatusReport).where(
            StatusReport.commitment_id == commitment_id, StatusReport.period_id == period_id
        )
    ).first()


def save_report(
    session: Session,
    *,
    commitment: Commitment,
    period: ReportingPeriod,
    content: StatusReportContent,
    actor: Any,
    expected_version: int | None,
    submit: bool = False,
) -> StatusReport:
    """Save a new version of a commitment's report for a period and audit it.

    `expected_version` is the version the editor started from (None for a new
    report). If somebody saved in between, VersionConflictError carries the
    current report; nothing is written.
    """
    if not period_open_for(session, period, commitment.organisation_id):
        raise PeriodClosedError(f"{period.label} är stängd för rapportering")
    report = get_report(session, commitment.id, period.id)
    now = utcnow()
    before: dict[str, Any] = {}
    if report is None:
        if expected_version is not None:
            raise ReportingError(_("Rapporten finns inte längre."))
        report = StatusReport(commitment_id=commitment.id, period_id=period.id, version=1)
    else:
        if expected_version != report.version:
            raise VersionConflictError(report)
        before = _snapshot(report)
        report.version += 1
    for field in CONTENT_FIELDS:
        setattr(report, field, getattr(content, field))
    if submit:
        report.state = ReportState.submitted
        report.submitted_at, report.submitted_by_id = now, getattr(actor, "id", None)
    report.updated_at, report.updated_by_id = now, getattr(actor, "id", None)
    session.add(report)
    session.flush()
    session.add(
        StatusReportVersion(
            report_id=report.id,
            version=report.version,
            state=report.state,
            saved_at=now,
            saved_by_id=getattr(actor, "id", None),
            **{field: getattr(content, field) for field in CONTENT_FIELDS},
        )
    )
    old, new = audit.diff(before, _snapshot(report))
    audit.record(
        session, actor=actor, action="status_report.submitted" if submit else "status_report.saved",
        entity=report, before=old, after=new,
    )
    return report


def report_versions(session: Session, report_id: int) -> list[StatusReportVersion]:
    return list(
        session.exec(
            select(StatusReportVersion)
            .where(StatusReportVersion.report_id == report_id)
            .order_by(StatusReportVersion.version)
        )
    )


def _snapshot(report: StatusReport) -> dict[str, Any]:
    values = {field: getattr(report, field) for field in CONTENT_FIELDS}
    values.update(state=report.state, version=report.version)
    return values


# Reporting on commitments: the rules a report must follow and the contact's operations.

TEXT_LIMITS = {"comment": 5000, "next_steps": 5000, "support_text": 2000}
REASON_REQUIRED = {
    ReportStatus.deviation: _l("Skriv i kommentaren varför aktiviteten pågår med avvikelse."),
    ReportStatus.cancelled: _l("Skriv i kommentaren varför aktiviteten utgår."),
}
CHECKED = {"on", "1", "true", "y", "yes", "ja"}


def _thousands(number: int) -> str:
    return f"{number:,}".replace(",", " ")


def validate_report(content: StatusReportContent, *, submit: bool) -> dict[str, str]:
    """Each field that breaks a reporting rule, with a message in Swedish to show beside it."""
    errors: dict[str, str] = {}
    for name, limit in TEXT_LIMITS.items():
        length = len(getattr(content, name) or "")
        if length > limit:
            errors[name] = _("Texten får vara högst %(limit)s tecken. Nu är den %(length)s tecken: "
                             "korta den med %(excess)s.", limit=_thousands(limit), length=_thousands(length),
                             excess=_thousands(length - limit))
    if submit and content.status is None:
        errors["status"] = _("Välj en status innan du lämnar in.")
    reason = REASON_REQUIRED.get(content.status)
    if reason and not (content.comment or "").strip():
        errors.setdefault("comment", str(reason))
    if content.support_needed and not (content.support_text or "").strip():
        errors.setdefault("support_text", _("Beskriv vilket stöd ni behöver."))
    return errors


def _text(value: Any) -> str | None:
    # Browsers send line breaks as CRLF; count them as one character, as the textarea does.
    text = str(value or "").replace("\r\n", "\n").strip()
    return text or None


def form_content(values: Mapping[str, Any]) -> tuple[StatusReportContent, dict[str, str]]:
    """Form values as report content, unvalidated (to show back in the form), and what could not be read."""
    errors: dict[str, str] = {}
    status = None
    if raw_status := _text(values.get("status")):
        try:
            status = ReportStatus(raw_status)
        except ValueError:
            errors["status"] = _("Välj en av statusarna i listan.")
    content = StatusReportContent.model_construct(
        status=status,
        comment=_text(values.get("comment")),
        next_steps=_text(values.get("next_steps")),
        support_needed=str(values.get("support_needed") or "").lower() in CHECKED,
        support_text=_text(values.get("support_text")),
    )
    return content, errors


def read_report(values: Mapping[str, Any], *, submit: bool) -> StatusReportContent:
    """Turn form values into validated report content, or raise InvalidReportError."""
    content, errors = form_content(values)
    errors = validate_report(content, submit=submit) | errors
    if errors:
        raise InvalidReportError(errors, content)
    return StatusReportContent.model_validate(content.model_dump())


def closed_message(period: ReportingPeriod) -> str:
    if period.state == PeriodState.upcoming:
        return _("%(period)s har inte öppnat för rapportering än.", period=period.label)
    return _("%(period)s är stängd för rapportering.", period=period.label)


def open_periods_for(session: Session, organisation_id: int) -> list[ReportingPeriod]:
    """Tertials the organisation can report on now: open ones and those reopened for it."""
    reopened = select(PeriodReopening.period_id).where(
        PeriodReopening.organisation_id == organisation_id, PeriodReopening.closed_at.is_(None)
    )
    return list(session.exec(
        select(ReportingPeriod)
        .where(or_(ReportingPeriod.state == PeriodState.open,
                   and_(ReportingPeriod.state == PeriodState.closed, ReportingPeriod.id.in_(reopened))))
        .order_by(ReportingPeriod.year, ReportingPeriod.number)
    ))


def next_period(session: Session) -> ReportingPeriod | None:
    """The first tertial that has not opened yet, if the calendar has one."""
    return session.exec(
        select(ReportingPeriod).where(ReportingPeriod.state == PeriodState.upcoming)
        .order_by(ReportingPeriod.year, ReportingPeriod.number)
    ).first()


def default_period_for(session: Session, organisation_id: int) -> ReportingPeriod | None:
    """The earliest tertial open for the organisation, else the latest closed one, else the next."""
    open_now = open_periods_for(session, organisation_id)
    if open_now:
        return open_now[0]
    latest_closed = session.exec(
        select(ReportingPeriod).where(ReportingPeriod.state == PeriodState.closed)
        .order_by(ReportingPeriod.year.desc(), ReportingPeriod.number.desc())
    ).first()
    return latest_closed or next_period(session)


def _commitment_rows():
    return (
        select(Commitment, Activity, Goal, Program)
        .join(Activity, Commitment.activity_id == Activity.id)
        .join(Goal, Activity.goal_id == Goal.id)
        .join(Program, Goal.program_id == Program.id)
        .where(Commitment.active, Activity.active)
    )


def commitment_row(session: Session, commitment_id: int, *, period: ReportingPeriod | None = None) -> ReportRow | None:
    """An active commitment with its activity, goal and programme (and reports in `period`), or None."""
    found = session.exec(_commitment_rows().where(Commitment.id == commitment_id)).first()
    if found is None:
        return None
    row = ReportRow(*found)
    if period is not None:
        row.report = get_report(session, commitment_id, period.id)
        previous = previous_period(session, period)
        row.previous = get_report(session, commitment_id, previous.id) if previous else None
    return row


def organisations(session: Session, ids: Iterable[int]) -> list[Organisation]:
    """The organisations with these ids, by name."""
    return list(session.exec(select(Organisation).where(Organisation.id.in_(list(ids))).order_by(Organisation.name)))


def organisation_reports(session: Session, *, organisation_id: int, period: ReportingPeriod) -> list[GoalReports]:
    """The organisation's active commitments by goal, with this and the previous tertial's reports.

    Three queries however many commitments there are.
    """
    found = session.exec(
        _commitment_rows().where(Commitment.organisation_id == organisation_id)
        .order_by(Program.start_year, Program.id, Goal.position, Goal.number, Activity.position, Activity.id)
    ).all()
    rows = [ReportRow(*columns) for columns in found]
    previous = previous_period(session, period)
    period_ids = [period.id] + ([previous.id] if previous else [])
    reports = {
        (r.commitment_id, r.period_id): r
        for r in session.exec(select(StatusReport).where(
            StatusReport.commitment_id.in_([row.commitment.id for row in rows]),
            StatusReport.period_id.in_(period_ids),
        ))
    } if rows else {}
    goals: dict[int, GoalReports] = {}
    for row in rows:
        row.report = reports.get((row.commitment.id, period.id))
        row.previous = reports.get((row.commitment.id, previous.id)) if previous else None
        goals.setdefault(row.goal.id, GoalReports(goal=row.goal, program=row.program)).rows.append(row)
    return list(goals.values())


def user_names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    """The names of the users who saved or submitted reports."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return dict(session.exec(select(User.id, User.name).where(User.id.in_(wanted))).all())


def _save_or_conflict(
    session: Session, *, commitment: Commitment, period: ReportingPeriod, content: StatusReportContent,
    actor: Any, expected_version: int | None, submit: bool,
) -> StatusReport:
    """save_report, flushed; a race lost at the database's unique constraints becomes a conflict.

    Two saves that both read version n both write version n + 1: the second
    insert breaks a unique constraint. The session is rolled back (nothing of
    this request is written) and the winner's report is reported as the conflict.
    """
    commitment_id, period_id = commitment.id, period.id
    try:
        report = save_report(session, commitment=commitment, period=period, content=content, actor=actor,
                             expected_version=expected_version, submit=submit)
        session.flush()
    except IntegrityError:
        session.rollback()
        current = get_report(session, commitment_id, period_id)
        if current is None:
            raise ReportingError(_("Rapporten kunde inte sparas. Försök igen.")) from None
        raise VersionConflictError(current) from None
    return report


def report_on(
    session: Session, *, commitment: Commitment, period: ReportingPeriod, values: Mapping[str, Any],
    actor: Any, expected_version: int | None, submit: bool = False,
) -> StatusReport:
    """Validate a report's form values and save them as a new version (submitted if asked).

    A report once submitted stays submitted: a correction is checked as a
    submission and saved as a new submitted version. Raises PeriodClosedError,
    InvalidReportError, VersionConflictError or ReportingError; nothing is
    written then.
    """
    if not period_open_for(session, period, commitment.organisation_id):
        raise PeriodClosedError(closed_message(period))
    current = get_report(session, commitment.id, period.id)
    submit = submit or (current is not None and current.state == ReportState.submitted)
    content = read_report(values, submit=submit)
    return _save_or_conflict(session, commitment=commitment, period=period, content=content, actor=actor,
                             expected_version=expected_version, submit=submit)


def submit_all(session: Session, *, organisation_id: int, period: ReportingPeriod, actor: Any) -> list[StatusReport]:
    """Submit every saved draft of the organisation's commitments for the tertial, or none of them.

    Raises ReportsNotSubmittedError naming each commitment without a report or
    whose draft breaks the rules. Reports already submitted are left as they are.
    """
    if not period_open_for(session, period, organisation_id):
        raise PeriodClosedError(closed_message(period))
    problems, drafts = [], []
    for goal in organisation_reports(session, organisation_id=organisation_id, period=period):
        for row in goal.rows:
            if row.report is None:
                problems.append((row, {"status": _("Ingen rapport är sparad än. Välj en status och spara.")}))
            elif row.report.state == ReportState.draft:
                errors = validate_report(row.report, submit=True)
                if errors:
                    problems.append((row, errors))
                else:
                    drafts.append(row)
    if problems:
        raise ReportsNotSubmittedError(problems)
    return [
        _save_or_conflict(
            session, commitment=row.commitment, period=period, actor=actor, submit=True,
            content=StatusReportContent.model_validate({name: getattr(row.report, name) for name in CONTENT_FIELDS}),
            expected_version=row.report.version,
        )
        for row in drafts
    ]
