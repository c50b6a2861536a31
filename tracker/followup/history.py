"""A commitment's history: every saved report version across tertials, what changed, and what happened to it.

At most seven queries however long the history is. Drafts are the organisation's and the coordinators': for
anyone else the history, like the overview, shows only what was submitted.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlmodel import Session, select

from tracker.accounts.service import user_names
from tracker.audit.models import AuditEvent
from tracker.i18n import N_
from tracker.organisations.models import Organisation
from tracker.periods.models import PeriodReopening, ReportingPeriod
from tracker.programs.models import Activity, Commitment, Goal, Program
from tracker.reporting.models import ReportState, StatusReport, StatusReportContent, StatusReportVersion
from tracker.reporting.service import CONTENT_FIELDS, unchanged_from_previous

# Swedish msgids, translated where they are shown.
FIELD_LABELS = {
    "status": N_("Status"), "comment": N_("Kommentar"), "next_steps": N_("Nästa steg"),
    "support_needed": N_("Behöver stöd"), "support_text": N_("Vilket stöd"), "state": N_("Läge"),
}
AUDIT_TITLES = {
    "commitment.assigned": N_("Organisationen blev ansvarig för aktiviteten"),
    "commitment.deactivated": N_("Åtagandet avaktiverades"),
}


@dataclass(frozen=True)
class Change:
    field: str
    before: Any
    after: Any

    @property
    def label(self) -> str:
        return FIELD_LABELS.get(self.field, self.field)


@dataclass
class HistoryEvent:
    """One thing that happened to a commitment: a saved report version, an assignment, a reopening."""

    kind: str  # version, audit, reopened, reopening_closed
    at: datetime
    title: str
    who: str | None = None
    period: ReportingPeriod | None = None
    version: StatusReportVersion | None = None
    changes: list[Change] = field(default_factory=list)
    compared_with: ReportingPeriod | None = None  # the first version of a tertial is compared with the one before
    text: str | None = None
    first: bool = False  # the first version of its tertial that the viewer sees


@dataclass
class TertialSummary:
    period: ReportingPeriod
    report: StatusReport
    versions: int
    unchanged: bool


@dataclass
class CommitmentHistory:
    commitment: Commitment
    organisation: Organisation
    activity: Activity
    goal: Goal
    program: Program
    tertials: list[TertialSummary]
    events: list[HistoryEvent]


def get_commitment(session: Session, commitment_id: int) -> Commitment | None:
    return session.get(Commitment, commitment_id)


def _version_title(version: StatusReportVersion, before: StatusReportVersion | None) -> str:
    if version.state != ReportState.submitted:
        return _("Utkast sparades")
    if before is not None and before.state == ReportState.submitted:
        return _("Den inlämnade rapporten ändrades")
    return _("Rapporten lämnades in")


def _changes(before: StatusReportContent | None, after: StatusReportVersion, *, with_state: bool) -> list[Change]:
    names = (*CONTENT_FIELDS, "state") if with_state else CONTENT_FIELDS
    if before is None:
        return []
    return [Change(name, getattr(before, name, None), getattr(after, name))
            for name in names if getattr(before, name, None) != getattr(after, name)]


def commitment_history(session: Session, commitment: Commitment, *, with_drafts: bool) -> CommitmentHistory:
    """Every saved version across tertials, what changed between them, the assignment events and the
    reopenings for the organisation, oldest first (at most seven queries).

    Without drafts: no draft version, no tertial with only a draft, and a submission is compared with the
    report submitted before it, never with a draft.
    """
    activity, goal, program, organisation = session.exec(
        select(Activity, Goal, Program, Organisation).join(Goal, Activity.goal_id == Goal.id)
        .join(Program, Goal.program_id == Program.id).join(Organisation, Organisation.id == commitment.organisation_id)
        .where(Activity.id == commitment.activity_id)).one()
    reports = session.exec(
        select(StatusReport, ReportingPeriod).join(ReportingPeriod, StatusReport.period_id == ReportingPeriod.id)
        .where(StatusReport.commitment_id == commitment.id).order_by(ReportingPeriod.year, ReportingPeriod.number)
    ).all()
    versions: dict[int, list[StatusReportVersion]] = defaultdict(list)
    if reports:
        for version in session.exec(select(StatusReportVersion).where(
                StatusReportVersion.report_id.in_([r.id for r, _p in reports])).order_by(StatusReportVersion.version)):
            versions[version.report_id].append(version)
    audits = session.exec(select(AuditEvent).where(AuditEvent.entity_type == Commitment.__tablename__,
                                                   AuditEvent.entity_id == str(commitment.id))
                          .order_by(AuditEvent.occurred_at, AuditEvent.id)).all()
    reopenings = session.exec(
        select(PeriodReopening, ReportingPeriod).join(ReportingPeriod, PeriodReopening.period_id == ReportingPeriod.id)
        .where(PeriodReopening.organisation_id == commitment.organisation_id)).all()
    names = user_names(session, [v.saved_by_id for vs in versions.values() for v in vs]
                       + [a.actor_id for a in audits]
                       + [r.reopened_by_id for r, _p in reopenings] + [r.closed_by_id for r, _p in reopenings])
    tertials, events = _report_events(reports, versions, names, with_drafts=with_drafts)
    events += _audit_events(audits, names) + _reopening_events(reopenings, organisation, names)
    events.sort(key=lambda e: (e.at, (e.period.year, e.period.number) if e.period else (0, 0),
                               e.version.version if e.version else 0))
    return CommitmentHistory(commitment=commitment, organisation=organisation, activity=activity, goal=goal,
                             program=program, tertials=tertials, events=events)


def _report_events(reports, versions: dict[int, list[StatusReportVersion]], names: dict[int, str], *,
                   with_drafts: bool) -> tuple[list[TertialSummary], list[HistoryEvent]]:
    """Each tertial's summary and each saved version shown, with what changed since the version shown before
    it (the first version of a tertial is compared with the last report shown before it)."""
    events: list[HistoryEvent] = []
    tertials: list[TertialSummary] = []
    before: tuple[ReportingPeriod, StatusReportContent] | None = None  # the last report shown
    last: tuple[ReportingPeriod, StatusReportContent] | None = None  # the last report, shown or not
    for report, period in reports:
        shown = [v for v in versions[report.id] if with_drafts or v.state == ReportState.submitted]
        previous_version = None
        for version in shown:
            event = HistoryEvent(kind="version", at=version.saved_at, title=_version_title(version, previous_version),
                                 who=names.get(version.saved_by_id), period=period, version=version,
                                 first=previous_version is None)
            if previous_version is not None:
                event.changes = _changes(previous_version, version, with_state=True)
            elif before is not None:
                event.compared_with = before[0]
                event.changes = _changes(before[1], version, with_state=False)
            events.append(event)
            previous_version = version
        # "Unchanged" follows the overview's rule, for every viewer: a copy of the tertial before, whatever its state.
        earlier = last[1] if last and last[0].is_just_before(period) else None
        unchanged = report.state == ReportState.submitted and unchanged_from_previous(report, earlier)
        if shown:  # once submitted, a report stays submitted: a hidden report is a draft only
            tertials.append(TertialSummary(period, report, len(shown), unchanged))
            before = (period, report)
        last = (period, report)
    return tertials, events


def _audit_events(audits, names: dict[int, str]) -> list[HistoryEvent]:
    return [HistoryEvent(kind="audit", at=audit.occurred_at,
                         title=_(AUDIT_TITLES[audit.action]) if audit.action in AUDIT_TITLES else audit.action,
                         who=names.get(audit.actor_id) or _actor_label(audit.actor_label)) for audit in audits]


def _reopening_events(reopenings, organisation: Organisation, names: dict[int, str]) -> list[HistoryEvent]:
    events = []
    for reopening, period in reopenings:
        events.append(HistoryEvent(kind="reopened", at=reopening.reopened_at, period=period, text=reopening.reason,
                                   title=_("%(period)s återöppnades för %(org)s", period=period.label,
                                           org=organisation.short_name),
                                   who=names.get(reopening.reopened_by_id)))
        if reopening.closed_at is not None:
            events.append(HistoryEvent(kind="reopening_closed", at=reopening.closed_at, period=period,
                                       title=_("Återöppningen av %(period)s stängdes", period=period.label),
                                       who=names.get(reopening.closed_by_id)))
    return events


SYSTEM_ACTORS = {"system": N_("Systemet"), "seed": N_("Inläsningen av programdata")}


def _actor_label(label: str | None) -> str | None:
    """Who an audit event names when no user did it: the seed or the system, in words."""
    return _(SYSTEM_ACTORS[label]) if label in SYSTEM_ACTORS else label
