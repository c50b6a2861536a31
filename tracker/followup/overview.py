"""The programme overview: goals → activities → the spread of the commitments' statuses in a tertial.

Loaded in a fixed number of queries and grouped in Python, so a page costs
the same number of queries for 19 organisations as for 190.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property

from flask_babel import gettext as _
from sqlmodel import Session, select

from tracker.followup.counting import count_in_sql, in_program
from tracker.followup.filters import NOT_REPORTED, NOT_REPORTED_LABEL, NOT_REPORTED_SYMBOL, Filters
from tracker.organisations.models import Organisation
from tracker.periods.models import ReportingPeriod
from tracker.periods.service import previous_period
from tracker.programs.models import Activity, Commitment, Goal, Program
from tracker.reporting.models import (
    FINISHED_STATUSES,
    STATUS_LABELS,
    STATUS_SYMBOLS,
    ReportState,
    ReportStatus,
    StatusReport,
)
from tracker.reporting.service import unchanged_from_previous

SPREAD_KEYS = (*(s.value for s in ReportStatus), NOT_REPORTED)


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
        return self.activity.ends_on < self.period.ends_on and self.status not in FINISHED_STATUSES


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
    matched: int = 0  # of those, the commitments the filters pick

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
                   activity_id: int | None = None, page: int = 1, page_size: int | None = None,
                   rows: bool = True) -> Overview:
    """Goals → activities → the spread of the commitments' statuses in the tertial (six queries).

    With `page_size`, only that page of the matching activities is listed; the
    total spread still counts every matching commitment. With `rows=False` the
    per-commitment rows are left out and, where no row is needed (no text
    search), the counting is done by the database.
    """
    previous = previous_period(session, period)
    goals = session.exec(select(Goal).where(Goal.program_id == program.id)
                         .order_by(Goal.position, Goal.number, Goal.id)).all()
    responsible_orgs = in_program(select(Commitment.organisation_id), program, None)
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
    by_goal = {g.id: GoalFollowup(goal=g) for g in goals}
    by_activity = {a.id: ActivityFollowup(activity=a, goal=by_goal[a.goal_id].goal) for a in activities}
    total = Spread()
    if not rows and activity_id is None and not filters.text:
        count_in_sql(session, program=program, period=period, previous=previous, filters=filters,
                      by_activity=by_activity, total=total)
    else:
        _count_rows(session, program=program, period=period, previous=previous, filters=filters,
                    activity_id=activity_id, organisations=organisations, by_activity=by_activity, total=total)
    shown = [followup for followup in by_activity.values()
             if not (filters.goal and followup.goal.id != filters.goal)
             and not (filters.selects_commitments and not followup.matched)]
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


def _count_rows(session: Session, *, program, period, previous, filters, activity_id, organisations,
                by_activity, total) -> None:
    """Build a row per commitment (the detail page lists them; the text filter reads them)."""
    organisation_by_id = {o.id: o for o in organisations}
    # Plain rows, not ORM objects: a large programme has tens of thousands of
    # commitments and reports here, and building objects for them dominated the time.
    pairs = [(c, organisation_by_id[c.organisation_id]) for c in session.exec(in_program(
        select(*Commitment.__table__.c).join(Organisation, Commitment.organisation_id == Organisation.id),
        program, activity_id, period).order_by(Organisation.name, Organisation.id))]
    period_ids = [period.id] + ([previous.id] if previous else [])
    reports = {(r.commitment_id, r.period_id): r for r in session.exec(in_program(
        select(*StatusReport.__table__.c).join(Commitment, StatusReport.commitment_id == Commitment.id),
        program, activity_id, period).where(StatusReport.period_id.in_(period_ids)))}

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
            followup.matched += 1
            followup.spread.add(row)
            total.add(row)


def get_activity(session: Session, activity_id: int) -> tuple[Activity, Program] | None:
    """An active activity and its programme."""
    found = session.exec(select(Activity, Program).join(Goal, Activity.goal_id == Goal.id)
                         .join(Program, Goal.program_id == Program.id)
                         .where(Activity.id == activity_id, Activity.active)).first()
    return (found[0], found[1]) if found else None
