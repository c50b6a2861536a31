"""The final report's own sections (slutrapport), counted in Python from the rows `service` loaded.

The rules (written out for readers in `method.FINAL`):
- expected in a tertial: as in `figures` (still in the programme, or taken out
  on or after the day the tertial started; a submitted report always counts);
- final status: the status of the commitment's latest submitted report in the
  range, from whichever tertial it came; "Ej rapporterad" if it never reported;
- completed: final status Genomförd; dropped: Utgår, with the text of that report;
- carried over: still in the programme in the last tertial and neither
  Genomförd nor Utgår (never reported included);
- development: per tertial, the status each expected commitment reported for that
  tertial (not carried forward), and the support needs raised in it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from tracker.reporting.models import FINISHED_STATUSES, ReportStatus
from tracker.reports.figures import ended_on, goal_name
from tracker.reports.report import NOT_REPORTED, Distribution, StatusKeyed, Tertial


@dataclass
class FinalLine(StatusKeyed):
    """One organisation's commitment to an activity over the whole programme."""

    commitment_id: int
    organisation: str
    organisation_short: str
    goal: str
    activity: str
    time_frame: str
    ends_on: date
    in_last: bool  # still expected in the programme's last tertial
    history: list[str | None]  # per tertial: a status value, NOT_REPORTED, or None (not expected then)
    status: ReportStatus | None = None  # the latest submitted status
    status_tertial: Tertial | None = None  # … and the tertial it was reported for
    comment: str | None = None  # that report's text: why, for a dropped commitment
    next_steps: str | None = None

    @property
    def finished(self) -> bool:
        return self.status in FINISHED_STATUSES

    @property
    def reported_before_last(self) -> bool:
        """The final status is from an earlier tertial than the programme's last."""
        return self.status_tertial is not None and self.history[-1] != self.key


@dataclass
class ActivityOutcome:
    title: str
    time_frame: str
    ends_on: date
    active: bool
    lines: list[FinalLine] = field(default_factory=list)  # empty in the summarised layout
    distribution: Distribution = field(default_factory=Distribution)  # final statuses across its organisations
    dropped_by: list[str] = field(default_factory=list)  # organisations (short names) whose final status is Utgår
    carried_over: int = 0


@dataclass
class GoalOutcomes:
    name: str
    number: int | None
    title: str
    activities: list[ActivityOutcome] = field(default_factory=list)


@dataclass
class TertialDevelopment:
    """The statuses reported for one tertial by the commitments expected in it."""

    tertial: Tertial
    distribution: Distribution = field(default_factory=Distribution)
    support_needs: int = 0


@dataclass
class FinalSections:
    distribution: Distribution  # final status of every commitment expected in the programme
    development: list[TertialDevelopment]
    goals: list[GoalOutcomes]
    completed: list[FinalLine]
    dropped: list[FinalLine]
    carried_over: list[FinalLine]
    ended_unfinished: list[FinalLine]  # taken out before the last tertial without Genomförd or Utgår
    # How many of each; the lists above are empty in the summarised layout (more than DETAIL_LIMIT
    # organisations), where the activities' rows carry the counts instead.
    completed_count: int = 0
    dropped_count: int = 0
    carried_over_count: int = 0
    ended_unfinished_count: int = 0
    activities_carried_over: int = 0  # activities with at least one commitment carried over
    summarised: bool = False

    @property
    def commitments(self) -> int:
        return self.distribution.total

    @property
    def activities(self) -> int:
        return sum(len(goal.activities) for goal in self.goals)


def final_sections(loaded, tertials: list[Tertial], *, summarised: bool = False) -> FinalSections:
    """The final status, development and outcome lists of the programme over `tertials` (all of its own);
    `summarised`: counts per activity instead of a line per commitment."""
    activities = {a.id: a for a in loaded.activities}
    names = {g.id: goal_name(g) for g in loaded.goals}
    goals = {g.id: GoalOutcomes(names[g.id], g.number, g.title) for g in loaded.goals}
    outcomes: dict[int, ActivityOutcome] = {}
    development = [TertialDevelopment(t) for t in tertials]
    total = Distribution()
    lines: list[FinalLine] = []
    for c in loaded.commitments:
        activity = activities[c.activity_id]
        line = _line(loaded, tertials, c, activity, names[activity.goal_id], development)
        if line is None:
            continue  # never expected in the programme's tertials
        outcome = outcomes.get(activity.id)
        if outcome is None:
            outcome = outcomes[activity.id] = ActivityOutcome(activity.title, activity.time_frame, activity.ends_on,
                                                              activity.active)
            goals[activity.goal_id].activities.append(outcome)
        outcome.distribution.add(line.status)
        total.add(line.status)
        if line.status == ReportStatus.cancelled:
            outcome.dropped_by.append(line.organisation_short or line.organisation)
        outcome.carried_over += line.in_last and not line.finished
        if summarised:
            continue  # counted; the document shows no line per commitment
        outcome.lines.append(line)
        lines.append(line)
    completed = [line for line in lines if line.status == ReportStatus.done]
    dropped = [line for line in lines if line.status == ReportStatus.cancelled]
    carried_over = [line for line in lines if line.in_last and not line.finished]
    ended_unfinished = [line for line in lines if not line.in_last and not line.finished]
    outcomes_list = list(outcomes.values())
    carried_total = sum(o.carried_over for o in outcomes_list)
    return FinalSections(
        distribution=total, development=development, goals=[g for g in goals.values() if g.activities],
        completed=completed, dropped=dropped, carried_over=carried_over, ended_unfinished=ended_unfinished,
        completed_count=total.counts[ReportStatus.done.value],
        dropped_count=total.counts[ReportStatus.cancelled.value], carried_over_count=carried_total,
        ended_unfinished_count=total.total - total.counts[ReportStatus.done.value]
        - total.counts[ReportStatus.cancelled.value] - carried_total,
        activities_carried_over=sum(1 for o in outcomes_list if o.carried_over), summarised=summarised,
    )


def _line(loaded, tertials: list[Tertial], c, activity, goal: str,
          development: list[TertialDevelopment]) -> FinalLine | None:
    ended = ended_on(c, activity, loaded.activity_ended)
    history: list[str | None] = []
    latest = latest_tertial = None
    for index, (period, tertial) in enumerate(zip(loaded.periods, tertials, strict=True)):
        report = loaded.reports.get((c.id, period.id))
        if report is None and ended is not None and ended < tertial.starts_on:
            history.append(None)
            continue
        status = ReportStatus(report.status) if report is not None else None
        history.append(status.value if status else NOT_REPORTED)
        development[index].distribution.add(status)
        if report is not None:
            latest, latest_tertial = report, tertial
            development[index].support_needs += bool(report.support_needed)
    if all(key is None for key in history):
        return None
    return FinalLine(
        commitment_id=c.id, organisation=c.name, organisation_short=c.short_name, goal=goal,
        activity=activity.title, time_frame=activity.time_frame, ends_on=activity.ends_on,
        in_last=history[-1] is not None, history=history,
        status=ReportStatus(latest.status) if latest is not None else None, status_tertial=latest_tertial,
        comment=latest.comment if latest is not None else None,
        next_steps=latest.next_steps if latest is not None else None)
