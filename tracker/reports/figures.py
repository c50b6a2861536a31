"""The programme report's figures, counted in Python from the rows `service` loaded.

The rules (written out for readers in `method`):
- expected: a commitment is expected to report in a tertial when it and its
  activity are still in the programme, or were taken out on or after the day
  the tertial started; a commitment with a submitted report in the tertial is
  always expected;
- reported: a submitted report with a status; a draft is not reported;
- on time: first submitted on or before the tertial's deadline (the day, in Stockholm);
- status: the status submitted for the last tertial of the range, else "Ej rapporterad";
- overdue: the activity's time frame ended before the last tertial did and the
  status is neither Genomförd nor Utgår.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from tracker.clock import STOCKHOLM, local_day
from tracker.reporting.models import FINISHED_STATUSES, ReportStatus
from tracker.reports.report import (
    NOT_REPORTED,
    ActivityEntry,
    ActivitySummary,
    CommitmentLine,
    Distribution,
    GoalActivities,
    GoalSection,
    OrganisationSection,
    Summary,
    SupportGroup,
    SupportNeed,
    Tertial,
    TertialCompliance,
)

# Taken out of the programme at a time nobody recorded: as if before it began.
LONG_AGO = date.min


def goal_name(goal) -> str:
    return f"Mål {goal.number}: {goal.title}" if goal.number else goal.title


def swedish_order(name: str) -> str:
    """A sort key that puts å, ä, ö after z in that order, as a Swedish reader expects."""
    return name.casefold().translate({ord("å"): "z\u0001", ord("ä"): "z\u0002", ord("ö"): "z\u0003"})


def ended_on(commitment, activity, activity_ended: dict[int, datetime]) -> date | None:
    """The day the commitment or its activity was taken out of the programme; None while both are in it."""
    days = []
    if not commitment.active:
        days.append(local_day(commitment.deactivated_at) if commitment.deactivated_at else LONG_AGO)
    if not activity.active:
        at = activity_ended.get(activity.id)
        days.append(local_day(at) if at else LONG_AGO)
    return min(days) if days else None


def submitted_on_time(report, tertial: Tertial) -> bool:
    """First submitted (the earliest submitted version) on or before the deadline day, Stockholm time."""
    moment = report.first_submitted_at or report.submitted_at
    return moment is not None and moment < deadline_passes(tertial)


def deadline_passes(tertial: Tertial) -> datetime:
    """The moment the deadline day ends in Stockholm: submitted before it is on time (compared as instants,
    which is the same as comparing Stockholm days and much cheaper a quarter of a million times)."""
    return datetime.combine(tertial.deadline + timedelta(days=1), time(0), tzinfo=STOCKHOLM)


def count_figures(loaded, tertials: list[Tertial]) -> dict:
    """The summary, goal, organisation, support, compliance and activity sections of the report."""
    tally = _Tally(loaded, tertials)
    for position, commitment in enumerate(loaded.commitments):
        tally.add(position, commitment)
    return tally.sections()


class _Tally:
    """Counts one commitment at a time into every section it belongs to."""

    def __init__(self, loaded, tertials: list[Tertial]):
        self.loaded, self.tertials = loaded, tertials
        self.activities = {a.id: a for a in loaded.activities}
        self.goal_names = {g.id: goal_name(g) for g in loaded.goals}
        self.goals = {g.id: GoalSection(self.goal_names[g.id], g.number, g.title) for g in loaded.goals}
        self.compliance = [TertialCompliance(t) for t in tertials]
        self.cutoffs = [deadline_passes(t) for t in tertials]
        self.organisations: dict[int, OrganisationSection] = {}
        self.needs: list[tuple] = []  # (sort key…, organisation, need)
        self.total = Distribution()
        self.overdue = self.deviating = 0
        self.activities_in_last: set[int] = set()
        self.organisations_in_last: set[str] = set()
        self.summaries: dict[int, ActivitySummary] = {}  # activity id → the activity across organisations

    def add(self, position: int, c) -> None:
        activity = self.activities[c.activity_id]
        org = self.organisations.get(c.organisation_id) or OrganisationSection(c.name, c.short_name, c.slug)
        expected_in = self._count_reports(position, c, activity, org)
        if not expected_in:
            return  # never expected in the range
        self.organisations[c.organisation_id] = org
        line = CommitmentLine(
            commitment_id=c.id, organisation=c.name, organisation_short=c.short_name,
            goal=self.goal_names[activity.goal_id], activity=activity.title, time_frame=activity.time_frame,
            ends_on=activity.ends_on, in_last=expected_in[-1] == len(self.tertials) - 1)
        org.lines.append(line)
        if line.in_last:
            self._count_status(line, self.loaded.reports.get((c.id, self.loaded.periods[-1].id)), activity, org)

    def _count_reports(self, position: int, c, activity, org: OrganisationSection) -> list[int]:
        """Count the commitment's expected reports per tertial; return the tertials it was expected in."""
        ended = ended_on(c, activity, self.loaded.activity_ended)
        expected_in = []
        reports = self.loaded.reports
        for index, (period, tertial, cutoff) in enumerate(zip(self.loaded.periods, self.tertials, self.cutoffs,
                                                               strict=True)):
            report = reports.get((c.id, period.id))
            if report is None and ended is not None and ended < tertial.starts_on:
                continue  # not expected in this tertial
            expected_in.append(index)
            moment = report and (report.first_submitted_at or report.submitted_at)
            on_time = moment is not None and moment < cutoff  # as `submitted_on_time`
            late = report is not None and not on_time
            for row in (self.compliance[index], org):
                row.expected, row.on_time, row.late = row.expected + 1, row.on_time + on_time, row.late + late
            if report is not None and report.support_needed:
                org.support_needs += 1
                summary = self._summary_of(activity)
                summary.support_needs += 1
                if not summary.support or summary.support[-1] != _org_label(c):
                    summary.support.append(_org_label(c))
                self.needs.append((swedish_order(c.name), index, position, c.name, SupportNeed(
                    tertial, self.goal_names[activity.goal_id], activity.title, report.support_text or "")))
        return expected_in

    def _count_status(self, line: CommitmentLine, report, activity, org: OrganisationSection) -> None:
        """The status in the last tertial: into the distributions, the overdue and deviating lists."""
        if report is not None:
            line.status = ReportStatus(report.status)
            line.comment, line.next_steps = report.comment, report.next_steps
        line.overdue = activity.ends_on < self.tertials[-1].ends_on and line.status not in FINISHED_STATUSES
        goal = self.goals[activity.goal_id]
        summary = self._summary_of(activity)
        for distribution in (self.total, goal.distribution, org.distribution, summary.distribution):
            distribution.add(line.status)
        if line.overdue or line.deviating:
            goal.attention.append(line)
        name = line.organisation_short or line.organisation
        if line.overdue:
            summary.overdue.append(name)
        if line.deviating:
            summary.deviating.append(name)
        org.overdue += line.overdue
        org.deviating += line.deviating
        self.overdue += line.overdue
        self.deviating += line.deviating
        self.activities_in_last.add(activity.id)
        self.organisations_in_last.add(org.slug)

    def _summary_of(self, activity) -> ActivitySummary:
        summary = self.summaries.get(activity.id)
        if summary is None:
            summary = self.summaries[activity.id] = ActivitySummary(activity.title, activity.time_frame,
                                                                    activity.active)
        return summary

    def _summarise(self) -> None:
        """The summarised layout: a row per activity instead of a line per commitment (lines dropped: the
        document does not show them, so neither memory nor its checksum should carry them)."""
        for org in self.organisations.values():
            org.lines = []
        for goal in self.goals.values():
            goal.attention = []
        for activity in self.loaded.activities:  # programme order
            summary = self.summaries.get(activity.id)
            if summary is not None:
                self.goals[activity.goal_id].activities.append(summary)

    def sections(self) -> dict:
        total = self.total
        summarised = self.loaded.summarised
        if summarised:
            self._summarise()
        summary = Summary(
            commitments=total.total, reported=total.total - total.counts[NOT_REPORTED], distribution=total,
            overdue=self.overdue, deviating=self.deviating, support_needs=len(self.needs),
            organisations=len(self.organisations_in_last), activities=len(self.activities_in_last))
        return {
            "summary": summary, "goals": list(self.goals.values()),
            "organisations": sorted(self.organisations.values(), key=lambda o: swedish_order(o.name)),
            "support": [] if summarised else _support_groups(self.needs), "compliance": self.compliance,
            "activities": _activity_appendix(self.loaded), "summarised": summarised,
        }


def _org_label(c) -> str:
    return c.short_name or c.name


def _support_groups(needs: list[tuple]) -> list[SupportGroup]:
    """By organisation (Swedish order), then by tertial and the programme's order."""
    groups: dict[str, SupportGroup] = {}
    for _key, _tertial, _position, organisation, need in sorted(needs, key=lambda n: n[:3]):
        groups.setdefault(organisation, SupportGroup(organisation)).needs.append(need)
    return list(groups.values())


def _activity_appendix(loaded) -> list[GoalActivities]:
    responsible: dict[int, list[str]] = {}
    for c in loaded.commitments:
        if c.active:
            responsible.setdefault(c.activity_id, []).append(c.short_name)
    out = {g.id: GoalActivities(goal_name(g), g.number, g.title) for g in loaded.goals}
    for a in loaded.activities:
        out[a.goal_id].activities.append(ActivityEntry(
            title=a.title, time_frame=a.time_frame, starts_on=a.starts_on, ends_on=a.ends_on,
            time_frame_parsed=a.time_frame_parsed, active=a.active,
            organisations=tuple(sorted(responsible.get(a.id, []), key=swedish_order))))
    return [g for g in out.values() if g.activities]
