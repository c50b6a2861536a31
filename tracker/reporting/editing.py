"""The report editors: the commitments and tertials a contact reports on, and saving or submitting them.

What is saved is checked by the rules in `rules` and kept as a new version by
`service.add_version`. Nothing here commits or rolls back: that is the caller's.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from flask_babel import gettext as _
from sqlmodel import Session, and_, or_, select

from tracker.organisations.models import Organisation
from tracker.periods.models import PeriodReopening, PeriodState, ReportingPeriod
from tracker.periods.service import previous_period
from tracker.programs.models import Activity, Commitment, Goal, Program
from tracker.programs.service import runs_in
from tracker.reporting.models import ReportState, StatusReport, StatusReportContent
from tracker.reporting.rules import read_report, validate_report
from tracker.reporting.service import (
    CONTENT_FIELDS,
    ReportingError,
    VersionConflictError,
    add_version,
    check_open,
    get_report,
)


@dataclass
class ReportRow:
    """A commitment with what is needed to report on it in one tertial."""

    commitment: Commitment
    activity: Activity
    goal: Goal
    program: Program
    organisation: Organisation
    report: StatusReport | None = None
    previous: StatusReport | None = None  # the report in the tertial before, when the row was read for a tertial
    previous_period: ReportingPeriod | None = None


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
        select(Commitment, Activity, Goal, Program, Organisation)
        .join(Activity, Commitment.activity_id == Activity.id)
        .join(Goal, Activity.goal_id == Goal.id)
        .join(Program, Goal.program_id == Program.id)
        .join(Organisation, Commitment.organisation_id == Organisation.id)
        .where(Commitment.active, Activity.active)
    )


def commitment_row(session: Session, commitment_id: int, *, period: ReportingPeriod | None = None) -> ReportRow | None:
    """An active commitment with its activity, goal, programme and organisation (and reports in `period`), or None."""
    query = _commitment_rows().where(Commitment.id == commitment_id)
    if period is not None:  # asked for only in tertials inside its programme's years
        query = query.where(runs_in(period.year))
    found = session.exec(query).first()
    if found is None:
        return None
    row = ReportRow(*found)
    if period is not None:
        row.report = get_report(session, commitment_id, period.id)
        read_previous(session, row, period)
    return row


def read_previous(session: Session, row: ReportRow, period: ReportingPeriod) -> None:
    """Set the row's tertial before `period` and its report there (either may be missing), in one query."""
    year, number = period.previous_code
    found = session.exec(
        select(ReportingPeriod, StatusReport)
        .outerjoin(StatusReport, and_(StatusReport.period_id == ReportingPeriod.id,
                                      StatusReport.commitment_id == row.commitment.id))
        .where(ReportingPeriod.year == year, ReportingPeriod.number == number)
    ).first()
    row.previous_period, row.previous = found if found is not None else (None, None)


def organisations(session: Session, ids: Iterable[int]) -> list[Organisation]:
    """The organisations with these ids, by name."""
    return list(session.exec(select(Organisation).where(Organisation.id.in_(list(ids))).order_by(Organisation.name)))


def organisation_reports(session: Session, *, organisation_id: int, period: ReportingPeriod) -> list[GoalReports]:
    """The organisation's active commitments by goal, with this and the previous tertial's reports.

    Three queries however many commitments there are.
    """
    found = session.exec(
        _commitment_rows().where(Commitment.organisation_id == organisation_id, runs_in(period.year))
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
        row.previous_period = previous
        goals.setdefault(row.goal.id, GoalReports(goal=row.goal, program=row.program)).rows.append(row)
    return list(goals.values())


def race_lost(session: Session, *, commitment_id: int, period_id: int) -> ReportingError:
    """What a save that broke the database's unique constraints tells the user, once the caller has rolled back.

    Two saves that both read version n both write version n + 1: the second
    breaks a unique constraint, and the winner's report is the conflict.
    """
    current = get_report(session, commitment_id, period_id)
    if current is None:
        return ReportingError(_("Rapporten kunde inte sparas. Försök igen."))
    return VersionConflictError(current)


def report_on(
    session: Session, *, commitment: Commitment, period: ReportingPeriod, values: Mapping[str, Any],
    actor: Any, expected_version: int | None, submit: bool = False,
) -> StatusReport:
    """Validate a report's form values and save them as a new version (submitted if asked).

    A report once submitted stays submitted: a correction is checked as a
    submission and saved as a new submitted version. Raises PeriodClosedError,
    InvalidReportError, VersionConflictError or ReportingError (nothing is
    written then), or IntegrityError when a race is lost (see race_lost).
    """
    check_open(session, period, commitment.organisation_id)
    current = get_report(session, commitment.id, period.id)
    submit = submit or (current is not None and current.state == ReportState.submitted)
    content = read_report(values, submit=submit)
    return add_version(session, current, commitment=commitment, period=period, content=content, actor=actor,
                       expected_version=expected_version, submit=submit)


def submit_all(session: Session, *, organisation_id: int, period: ReportingPeriod, actor: Any) -> list[StatusReport]:
    """Submit every saved draft of the organisation's commitments for the tertial, or none of them.

    Raises ReportsNotSubmittedError naming each commitment without a report or
    whose draft breaks the rules. Reports already submitted are left as they are.
    """
    check_open(session, period, organisation_id)
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
        add_version(
            session, row.report, commitment=row.commitment, period=period, actor=actor, submit=True,
            content=StatusReportContent.model_validate({name: getattr(row.report, name) for name in CONTENT_FIELDS}),
            expected_version=row.report.version,
        )
        for row in drafts
    ]
