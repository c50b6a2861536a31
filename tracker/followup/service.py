"""Follow-up of a programme: the spread of statuses, reporting compliance and a commitment's history.

Every function loads what it shows in a fixed number of queries and groups
the rows in Python, so a page costs the same number of queries for 19
organisations as for 190.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cached_property
from typing import Any

from flask_babel import gettext as _
from sqlmodel import Session, func, select

from tracker.accounts.models import Role, User, UserOrganisation
from tracker.audit.models import AuditEvent
from tracker.followup.filters import NOT_REPORTED, NOT_REPORTED_LABEL, NOT_REPORTED_SYMBOL, Filters
from tracker.i18n import N_
from tracker.organisations.models import Organisation
from tracker.programs.models import Activity, Commitment, Goal, Program
from tracker.reporting.models import (
    STATUS_LABELS,
    STATUS_SYMBOLS,
    PeriodReopening,
    PeriodState,
    ReportingPeriod,
    ReportState,
    ReportStatus,
    StatusReport,
    StatusReportContent,
    StatusReportVersion,
)
from tracker.reporting.service import (
    CONTENT_FIELDS,
    list_periods,
    parse_period_code,
    previous_period,
    unchanged_from_previous,
    user_names,
)

DEFAULT_PROGRAM = "program-mot-vald-2021-2025"
SPREAD_KEYS = (*(s.value for s in ReportStatus), NOT_REPORTED)
FINISHED = (ReportStatus.done, ReportStatus.cancelled)  # never overdue


class NotFound(LookupError):
    """A programme, tertial or commitment asked for in the URL does not exist."""


# Choosing what to show

def choose_program(session: Session, slug: str | None) -> tuple[Program | None, list[Program]]:
    """The programme with this slug (NotFound if none), else the 2021–2025 programme, else the first."""
    programs = list(session.exec(select(Program).order_by(Program.start_year, Program.name)))
    if slug:
        chosen = next((p for p in programs if p.slug == slug), None)
        if chosen is None:
            raise NotFound(slug)
        return chosen, programs
    return next((p for p in programs if p.slug == DEFAULT_PROGRAM), programs[0] if programs else None), programs


def default_period(periods: list[ReportingPeriod]) -> ReportingPeriod | None:
    """The earliest open tertial, else the latest closed one, else the next to open."""
    for state, pick in ((PeriodState.open, 0), (PeriodState.closed, -1), (PeriodState.upcoming, 0)):
        found = [p for p in periods if p.state == state]
        if found:
            return found[pick]
    return None


def choose_period(session: Session, code: str | None) -> tuple[ReportingPeriod | None, list[ReportingPeriod]]:
    """The tertial with this code (NotFound if it is not in the calendar), else the default one."""
    periods = list_periods(session)
    if not code:
        return default_period(periods), periods
    try:
        year, number = parse_period_code(code)
    except ValueError:
        raise NotFound(code) from None
    chosen = next((p for p in periods if (p.year, p.number) == (year, number)), None)
    if chosen is None:
        raise NotFound(code)
    return chosen, periods


# The programme overview

@dataclass
class CommitmentFollowup:
    """One organisation's commitment to an activity, as reported in one tertial."""

    commitment: Commitment
    organisation: Organisation
    activity: Activity
    period: ReportingPeriod
    report: StatusReport | None = None  # in the tertial, draft or submitted
    previous: StatusReport | None = None  # in the tertial before

    @cached_property
    def reported(self) -> bool:
        """Only a submitted report counts: a draft is not something leadership can rely on."""
        return self.report is not None and self.report.state == ReportState.submitted and self.report.status is not None

    @cached_property
    def status(self) -> ReportStatus | None:
        return ReportStatus(self.report.status) if self.reported else None

    @property
    def key(self) -> str:
        return self.status.value if self.reported else NOT_REPORTED

    @property
    def draft(self) -> bool:
        return self.report is not None and not self.reported

    @property
    def unchanged(self) -> bool:
        return self.reported and unchanged_from_previous(self.report, self.previous)

    @property
    def support_needed(self) -> bool:
        return self.reported and self.report.support_needed

    @property
    def overdue(self) -> bool:
        """The activity's time frame ended before the tertial did, and it is neither done nor cancelled."""
        return self.activity.ends_on < self.period.ends_on and self.status not in FINISHED


@dataclass(frozen=True)
class SpreadPart:
    key: str
    label: str
    symbol: str
    count: int
    offset: float  # percent of the bar before this part
    width: float  # percent of the bar


@dataclass
class Spread:
    """How many commitments have each status; not reported is a count of its own, never averaged in."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SPREAD_KEYS, 0))
    drafts: int = 0
    unchanged: int = 0
    support: int = 0
    overdue: int = 0

    def add(self, row: CommitmentFollowup) -> None:
        self.counts[row.key] += 1
        self.drafts += row.draft
        self.unchanged += row.unchanged
        self.support += row.support_needed
        self.overdue += row.overdue

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def not_reported(self) -> int:
        return self.counts[NOT_REPORTED]

    @property
    def parts(self) -> list[SpreadPart]:
        parts, offset, total = [], 0.0, self.total
        for key in SPREAD_KEYS:
            count = self.counts[key]
            if not count:
                continue
            width = round(100 * count / total, 3)
            label, symbol = (NOT_REPORTED_LABEL, NOT_REPORTED_SYMBOL) if key == NOT_REPORTED else (
                STATUS_LABELS[ReportStatus(key)], STATUS_SYMBOLS[ReportStatus(key)])
            parts.append(SpreadPart(key, label, symbol, count, round(offset, 3), width))
            offset += width
        return parts

    @property
    def text(self) -> str:
        """E.g. "9 Pågår, 3 Pågår med avvikelse, 1 Genomförd, 2 ej rapporterat"."""
        return ", ".join(f"{part.count} {part.label}" for part in self.parts) or "Inga åtaganden"


@dataclass
class ActivityFollowup:
    activity: Activity
    goal: Goal
    rows: list[CommitmentFollowup] = field(default_factory=list)
    spread: Spread = field(default_factory=Spread)
    responsible: int = 0  # organisations responsible, whether or not the filters show them

    @property
    def dom_id(self) -> str:
        return f"activity-{self.activity.id}"


@dataclass
class GoalFollowup:
    goal: Goal
    activities: list[ActivityFollowup] = field(default_factory=list)

    @property
    def name(self) -> str:
        if self.goal.number:
            return _("Mål %(number)s: %(title)s", number=self.goal.number, title=self.goal.title)
        return self.goal.title


@dataclass
class Overview:
    program: Program
    period: ReportingPeriod
    previous: ReportingPeriod | None
    filters: Filters
    goals: list[GoalFollowup]
    goal_choices: list[Goal]
    organisation_choices: list[Organisation]
    total: Spread
    page: int = 1
    pages: int = 1
    activity_count: int = 0

    def args(self, filters: Filters | None = None) -> dict[str, str]:
        """Query arguments for this programme and tertial with these filters (None: no filters)."""
        return {"program": self.program.slug, "period": self.period.code, **(filters.as_args() if filters else {})}

    @property
    def activities(self) -> list[ActivityFollowup]:
        return [a for g in self.goals for a in g.activities]

    def goal_label(self, goal_id: int | None) -> str | None:
        goal = next((g for g in self.goal_choices if g.id == goal_id), None)
        return None if goal is None else GoalFollowup(goal).name

    def organisation_label(self, slug: str | None) -> str | None:
        return next((o.short_name for o in self.organisation_choices if o.slug == slug), None)


def _in_program(query, program: Program, activity_id: int | None):
    """Limit a query over commitments to the programme's active ones (and one activity)."""
    query = (query.join(Activity, Commitment.activity_id == Activity.id).join(Goal, Activity.goal_id == Goal.id)
             .where(Goal.program_id == program.id, Activity.active, Commitment.active))
    return query.where(Activity.id == activity_id) if activity_id is not None else query


def matches(row: CommitmentFollowup, filters: Filters) -> bool:
    """Whether a commitment is one the filters ask for."""
    if filters.goal and row.activity.goal_id != filters.goal:
        return False
    if filters.organisation and row.organisation.slug != filters.organisation:
        return False
    if filters.status and row.key != filters.status:
        return False
    if (filters.support and not row.support_needed) or (filters.overdue and not row.overdue):
        return False
    if filters.text:
        needle = filters.text.casefold()
        comment = row.report.comment if row.reported else None
        return any(needle in (text or "").casefold() for text in (row.activity.title, comment))
    return True


def build_overview(session: Session, *, program: Program, period: ReportingPeriod, filters: Filters,
                   activity_id: int | None = None, page: int = 1, page_size: int | None = None) -> Overview:
    """Goals → activities → the spread of the commitments' statuses in the tertial (six queries).

    With `page_size`, only that page of the matching activities is listed; the
    total spread still counts every matching commitment.
    """
    previous = previous_period(session, period)
    goals = session.exec(select(Goal).where(Goal.program_id == program.id)
                         .order_by(Goal.position, Goal.number, Goal.id)).all()
    responsible_orgs = _in_program(select(Commitment.organisation_id), program, None)
    organisations = session.exec(select(Organisation).where(Organisation.id.in_(responsible_orgs))
                                 .order_by(Organisation.name)).all()
    # A goal or organisation that is not in the programme is dropped rather than showing nothing.
    filters = replace(filters, goal=filters.goal if any(g.id == filters.goal for g in goals) else None,
                      organisation=filters.organisation if any(o.slug == filters.organisation
                                                               for o in organisations) else None)
    activity_query = (select(Activity).join(Goal, Activity.goal_id == Goal.id)
                      .where(Goal.program_id == program.id, Activity.active))
    if activity_id is not None:
        activity_query = activity_query.where(Activity.id == activity_id)
    activities = session.exec(activity_query.order_by(Activity.position, Activity.id)).all()
    # Plain rows, not ORM objects: a large programme has tens of thousands of
    # commitments and reports here, and building objects for them dominated the time.
    organisation_by_id = {o.id: o for o in organisations}
    pairs = [(c, organisation_by_id[c.organisation_id]) for c in session.exec(_in_program(
        select(*Commitment.__table__.c).join(Organisation, Commitment.organisation_id == Organisation.id),
        program, activity_id).order_by(Organisation.name, Organisation.id))]
    period_ids = [period.id] + ([previous.id] if previous else [])
    reports = {(r.commitment_id, r.period_id): r for r in session.exec(_in_program(
        select(*StatusReport.__table__.c).join(Commitment, StatusReport.commitment_id == Commitment.id),
        program, activity_id).where(StatusReport.period_id.in_(period_ids)))}

    by_goal = {g.id: GoalFollowup(goal=g) for g in goals}
    by_activity = {a.id: ActivityFollowup(activity=a, goal=by_goal[a.goal_id].goal) for a in activities}
    total = Spread()
    for commitment, organisation in pairs:
        followup = by_activity[commitment.activity_id]
        followup.responsible += 1
        row = CommitmentFollowup(
            commitment=commitment, organisation=organisation, activity=followup.activity, period=period,
            report=reports.get((commitment.id, period.id)),
            previous=reports.get((commitment.id, previous.id)) if previous else None,
        )
        if matches(row, filters):
            followup.rows.append(row)
            followup.spread.add(row)
            total.add(row)
    shown = [followup for followup in by_activity.values()
             if not (filters.goal and followup.goal.id != filters.goal)
             and not (filters.selects_commitments and not followup.rows)]
    # Goal order, then activity order, as the programme is read.
    goal_order = {g.id: index for index, g in enumerate(goals)}
    shown.sort(key=lambda f: goal_order[f.goal.id])
    matching = len(shown)
    pages = max(1, -(-matching // page_size)) if page_size else 1
    page = min(max(page, 1), pages)
    if page_size:
        shown = shown[(page - 1) * page_size: page * page_size]
    for followup in shown:
        by_goal[followup.goal.id].activities.append(followup)
    return Overview(program=program, period=period, previous=previous, filters=filters,
                    goals=[g for g in by_goal.values() if g.activities], goal_choices=list(goals),
                    organisation_choices=list(organisations), total=total, page=page, pages=pages,
                    activity_count=matching)


def get_activity(session: Session, activity_id: int) -> tuple[Activity, Program] | None:
    """An active activity and its programme."""
    found = session.exec(select(Activity, Program).join(Goal, Activity.goal_id == Goal.id)
                         .join(Program, Goal.program_id == Program.id)
                         .where(Activity.id == activity_id, Activity.active)).first()
    return (found[0], found[1]) if found else None


# Reporting compliance

@dataclass
class LastSave:
    name: str
    saved_at: datetime | None


@dataclass
class OrganisationCompliance:
    organisation: Organisation | None  # None for the total row
    commitments: int = 0
    submitted: int = 0
    drafts: int = 0
    contacts: list[LastSave] = field(default_factory=list)
    last_save: LastSave | None = None  # by anyone: a contact or a coordinator

    @property
    def untouched(self) -> int:
        return self.commitments - self.submitted - self.drafts

    @property
    def share(self) -> float | None:
        return self.submitted / self.commitments if self.commitments else None

    @property
    def percent(self) -> int | None:
        """The share submitted in whole percent, halves rounded up (12.5 % is 13 %)."""
        return None if self.share is None else int(self.share * 100 + 0.5)


COMPLIANCE_SORTS = ("organisation", "share", "last_saved")


def _sort_key(sort: str):
    if sort == "share":
        return lambda row: (row.share if row.share is not None else 2.0, row.organisation.name)
    if sort == "last_saved":
        return lambda row: (row.last_save is not None, row.last_save.saved_at if row.last_save else None,
                            row.organisation.name)
    return lambda row: row.organisation.name


def compliance(session: Session, *, period: ReportingPeriod, sort: str = "organisation"
               ) -> tuple[list[OrganisationCompliance], OrganisationCompliance]:
    """Per organisation with active commitments: how many are submitted, in draft or untouched, and
    when each of its contacts last saved a report in the tertial; and the total row (six queries).

    "Last saved" reads every saved version, so a contact's save still counts after a colleague saved on top.
    """
    counted = (select(Organisation, func.count(Commitment.id))
               .join(Commitment, Commitment.organisation_id == Organisation.id)
               .join(Activity, Commitment.activity_id == Activity.id)
               .where(Commitment.active, Activity.active).group_by(Organisation.id))
    rows = {org.id: OrganisationCompliance(organisation=org, commitments=n) for org, n in session.exec(counted)}
    in_period = (select(Commitment.organisation_id, StatusReport.state, func.count(StatusReport.id))
                 .join(Commitment, StatusReport.commitment_id == Commitment.id)
                 .join(Activity, Commitment.activity_id == Activity.id)
                 .where(StatusReport.period_id == period.id, Commitment.active, Activity.active)
                 .group_by(Commitment.organisation_id, StatusReport.state))
    for org_id, state, n in session.exec(in_period):
        if org_id in rows:
            if state == ReportState.submitted:
                rows[org_id].submitted += n
            else:
                rows[org_id].drafts += n
    saves = _latest_saves(session, period)
    contacts = session.exec(select(UserOrganisation.organisation_id, User.id, User.name)
                            .join(User, UserOrganisation.user_id == User.id)
                            .where(User.role == Role.contact, User.active).order_by(User.name)).all()
    names = dict(user_names(session, {user_id for (_org, user_id) in saves}))
    names.update({user_id: name for _org, user_id, name in contacts})
    for org_id, user_id, name in contacts:
        if org_id in rows:
            rows[org_id].contacts.append(LastSave(name, saves.get((org_id, user_id))))
    for (org_id, user_id), saved_at in saves.items():
        row = rows.get(org_id)
        if row is not None and (row.last_save is None or saved_at > row.last_save.saved_at):
            row.last_save = LastSave(names[user_id] if user_id in names else _("Okänd användare"), saved_at)
    ordered = sorted(rows.values(), key=_sort_key(sort if sort in COMPLIANCE_SORTS else "organisation"))
    total = OrganisationCompliance(organisation=None)
    for row in ordered:
        total.commitments += row.commitments
        total.submitted += row.submitted
        total.drafts += row.drafts
        if row.last_save and (total.last_save is None or row.last_save.saved_at > total.last_save.saved_at):
            total.last_save = row.last_save
    return ordered, total


def _latest_saves(session: Session, period: ReportingPeriod) -> dict[tuple[int, int], datetime]:
    """(organisation id, user id) → when the user last saved one of the organisation's reports in the tertial."""
    latest: dict[tuple[int, int], datetime] = {}
    by_version = (select(Commitment.organisation_id, StatusReportVersion.saved_by_id,
                         func.max(StatusReportVersion.saved_at))
                  .join(StatusReport, StatusReportVersion.report_id == StatusReport.id)
                  .join(Commitment, StatusReport.commitment_id == Commitment.id)
                  .where(StatusReport.period_id == period.id, StatusReportVersion.saved_by_id.is_not(None))
                  .group_by(Commitment.organisation_id, StatusReportVersion.saved_by_id))
    by_report = (select(Commitment.organisation_id, StatusReport.updated_by_id, func.max(StatusReport.updated_at))
                 .join(Commitment, StatusReport.commitment_id == Commitment.id)
                 .where(StatusReport.period_id == period.id, StatusReport.updated_by_id.is_not(None))
                 .group_by(Commitment.organisation_id, StatusReport.updated_by_id))
    for query in (by_version, by_report):
        for org_id, user_id, saved_at in session.exec(query):
            key = (org_id, user_id)
            if saved_at is not None and (key not in latest or saved_at > latest[key]):
                latest[key] = saved_at
    return latest


# A commitment's history

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


def _follows(earlier: ReportingPeriod, later: ReportingPeriod) -> bool:
    """Whether `earlier` is the tertial just before `later`."""
    return (earlier.year, earlier.number) == ((later.year - 1, 3) if later.number == 1 else (later.year, later.number - 1))


def _changes(before: StatusReportContent | None, after: StatusReportVersion, *, with_state: bool) -> list[Change]:
    names = (*CONTENT_FIELDS, "state") if with_state else CONTENT_FIELDS
    if before is None:
        return []
    return [Change(name, getattr(before, name, None), getattr(after, name))
            for name in names if getattr(before, name, None) != getattr(after, name)]


def commitment_history(session: Session, commitment: Commitment) -> CommitmentHistory:
    """Every saved version across tertials, what changed between them, the assignment events and the
    reopenings for the organisation, oldest first (at most seven queries)."""
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
    tertials, events = _report_events(reports, versions, names)
    events += _audit_events(audits, names) + _reopening_events(reopenings, organisation, names)
    events.sort(key=lambda e: (e.at, (e.period.year, e.period.number) if e.period else (0, 0),
                               e.version.version if e.version else 0))
    return CommitmentHistory(commitment=commitment, organisation=organisation, activity=activity, goal=goal,
                             program=program, tertials=tertials, events=events)


def _report_events(reports, versions: dict[int, list[StatusReportVersion]], names: dict[int, str]
                   ) -> tuple[list[TertialSummary], list[HistoryEvent]]:
    """Each tertial's summary and each saved version, with what changed since the version before it
    (the first version of a tertial is compared with the last report before it)."""
    events: list[HistoryEvent] = []
    tertials: list[TertialSummary] = []
    before: tuple[ReportingPeriod, StatusReportContent] | None = None
    for report, period in reports:
        previous_version = None
        for version in versions[report.id]:
            event = HistoryEvent(kind="version", at=version.saved_at, title=_version_title(version, previous_version),
                                 who=names.get(version.saved_by_id), period=period, version=version)
            if previous_version is not None:
                event.changes = _changes(previous_version, version, with_state=True)
            elif before is not None:
                event.compared_with = before[0]
                event.changes = _changes(before[1], version, with_state=False)
            events.append(event)
            previous_version = version
        earlier = before[1] if before and _follows(before[0], period) else None
        unchanged = report.state == ReportState.submitted and unchanged_from_previous(report, earlier)
        tertials.append(TertialSummary(period, report, len(versions[report.id]), unchanged))
        before = (period, report)
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
