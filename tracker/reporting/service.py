"""Tertial calendar and status reports: every saved version is kept.

The rules a report must follow are in `rules`; what the report editors list,
save and submit is in `editing`.
"""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlmodel import Session, select

from tracker.audit import service as audit
from tracker.clock import utcnow
from tracker.periods.models import PeriodState, ReportingPeriod
from tracker.periods.service import period_open_for
from tracker.programs.models import Commitment
from tracker.reporting.models import ReportState, StatusReport, StatusReportContent, StatusReportVersion

CONTENT_FIELDS = tuple(StatusReportContent.model_fields)


class ReportingError(Exception):
    """A report or period change that the rules do not allow."""


class PeriodClosedError(ReportingError):
    """The tertial is not open for the organisation's reports: it has not opened yet, or it has closed."""


class VersionConflictError(ReportingError):
    """Somebody else saved the report since the editor loaded it."""

    def __init__(self, current: StatusReport):
        super().__init__(f"report {current.id} is at version {current.version}")
        self.current = current


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


def not_open_message(period: ReportingPeriod) -> str:
    """Why nobody can report on the tertial now (a reopened tertial is open for its organisation)."""
    if period.state == PeriodState.upcoming:
        return _("%(period)s har inte öppnat för rapportering än.", period=period.label)
    return _("%(period)s är stängd för rapportering.", period=period.label)


def check_open(session: Session, period: ReportingPeriod, organisation_id: int) -> None:
    """Raise PeriodClosedError unless the organisation may report on the tertial now."""
    if not period_open_for(session, period, organisation_id):
        raise PeriodClosedError(not_open_message(period))


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
    """Save a new version of a commitment's report for a period and audit it, if the tertial is open for it.

    `expected_version` is the version the editor started from (None for a new
    report). If somebody saved in between, VersionConflictError carries the
    current report; nothing is written.
    """
    check_open(session, period, commitment.organisation_id)
    return add_version(session, get_report(session, commitment.id, period.id), commitment=commitment,
                       period=period, content=content, actor=actor, expected_version=expected_version, submit=submit)


def add_version(
    session: Session,
    report: StatusReport | None,
    *,
    commitment: Commitment,
    period: ReportingPeriod,
    content: StatusReportContent,
    actor: Any,
    expected_version: int | None,
    submit: bool,
) -> StatusReport:
    """save_report for a caller that has checked the tertial and read the report (None if there is none yet).

    Flushed, so that a race lost at the database's unique constraints raises
    IntegrityError here; rolling back is the caller's business.
    """
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
    session.flush()
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
