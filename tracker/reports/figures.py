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

from datetime import date, datetime

from tracker.clock import local_day
from tracker.reporting.models import FINISHED_STATUSES, ReportStatus
from tracker.reports.report import (
    NOT_REPORTED,
    ActivityEntry,
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
    return moment is not None and local_day(moment) <= tertial.deadline


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
        self.organisations: dict[int, OrganisationSection] = {}
        self.needs: list[tuple] = []  # (sort key…, organisation, need)
        self.total = Distribution()
        self.overdue = self.deviating = 0
        self.activities_in_last: set[int] = set()
        self.organisations_in_last: set[str] = set()

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
        for index, (period, tertial) in enumerate(zip(self.loaded.periods, self.tertials, strict=True)):
            report = self.loaded.reports.get((c.id, period.id))
            if report is None and ended is not None and ended < tertial.starts_on:
                continue  # not expected in this tertial
            expected_in.append(index)
            on_time = report is not None and submitted_on_time(report, tertial)
            late = report is not None and not on_time
            for row in (self.compliance[index], org):
                row.expected, row.on_time, row.late = row.expected + 1, row.on_time + on_time, row.late + late
            if report is not None and report.support_needed:
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
        for distribution in (self.total, goal.distribution, org.distribution):
            distribution.add(line.status)
        if line.overdue or line.deviating:
            goal.attention.append(line)
        self.overdue += line.overdue
        self.deviating += line.deviating
        self.activities_in_last.add(activity.id)
        self.organisations_in_last.add(org.slug)

    def sections(self) -> dict:
        total = self.total
        summary = Summary(
            commitments=total.total, reported=total.total - total.counts[NOT_REPORTED], distribution=total,
            overdue=self.overdue, deviating=self.deviating, support_needs=len(self.needs),
            organisations=len(self.organisations_in_last), activities=len(self.activities_in_last))
        return {
            "summary": summary, "goals": list(self.goals.values()),
            "organisations": sorted(self.organisations.values(), key=lambda o: swedish_order(o.name)),
            "support": _support_groups(self.needs), "compliance": self.compliance,
            "activities": _activity_appendix(self.loaded),
        }


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
