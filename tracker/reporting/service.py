"""Tertial calendar and status reports: every saved version is kept.

The rules a report must follow are in `rules`; what the report editors list,
save and submit is in `editing`.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlmodel import Session, select

from tracker.accounts.models import User
from tracker.audit import service as audit
from tracker.db import utcnow
from tracker.programs.models import Commitment
from tracker.reporting.models import (
    PeriodReopening,
    PeriodState,
    ReportingPeriod,
    ReportState,
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


def user_names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    """The names of the users who saved or submitted reports."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return dict(session.exec(select(User.id, User.name).where(User.id.in_(wanted))).all())
