"""The styrkort as plain data: what the page and the PDF show, with no database behind it."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from tracker.effect_goals import display
from tracker.effect_goals.masking import DEFAULT_THRESHOLD, change_hidden, count_hidden, share_hidden
from tracker.effect_goals.models import EffectGoal, TargetType
from tracker.effect_goals.rollup import Result
from tracker.i18n import N_
from tracker.periods.models import PeriodState
from tracker.reporting.models import STATUS_LABELS, ReportStatus

NOT_REPORTED = N_("Ej rapporterad")


class Change(StrEnum):
    up = "up"
    down = "down"
    same = "same"
    changed = "changed"
    first = "first"


CHANGE_LABELS = {
    Change.up: N_("Förbättrad"),
    Change.down: N_("Försämrad"),
    Change.same: N_("Oförändrad"),
    Change.changed: N_("Ändrad"),
    Change.first: N_("Ingen rapport förra tertialen"),
}
CHANGE_SYMBOLS = {Change.up: "↑", Change.down: "↓", Change.same: "=", Change.changed: "↔", Change.first: "+"}


class TextChange(StrEnum):
    new = "new"
    unchanged = "unchanged"


TEXT_CHANGE_LABELS = {
    TextChange.new: N_("Ny text"),
    TextChange.unchanged: N_("Oförändrad text från förra tertialen"),
}


@dataclass(frozen=True)
class Tertial:
    code: str
    label: str  # "Tertial 1 2024"
    short_label: str  # "T1 2024"


@dataclass(frozen=True)
class TrailPoint:
    tertial: Tertial
    status: ReportStatus | None  # None: no submitted report

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status] if self.status else NOT_REPORTED


@dataclass
class ScorecardRow:
    """One commitment in the tertial."""

    commitment_id: int
    activity_title: str
    time_frame: str
    starts_on: date
    ends_on: date
    time_frame_parsed: bool
    still_assigned: bool
    reported: bool = False
    status: ReportStatus | None = None
    comment: str | None = None
    next_steps: str | None = None
    support_needed: bool = False
    support_text: str | None = None
    previous_status: ReportStatus | None = None
    change: Change | None = None
    text_change: TextChange | None = None
    overdue: bool = False
    trail: list[TrailPoint] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status] if self.status else NOT_REPORTED


@dataclass
class ScorecardGoal:
    number: int | None
    title: str
    rows: list[ScorecardRow] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"Mål {self.number}: {self.title}" if self.number else self.title


@dataclass
class ScorecardProgram:
    name: str
    short_name: str
    goals: list[ScorecardGoal] = field(default_factory=list)


@dataclass(frozen=True)
class StatusCount:
    status: ReportStatus | None  # None: not reported
    label: str
    symbol: str
    count: int


@dataclass
class Summary:
    commitments: int
    reported: int
    by_status: list[StatusCount]
    overdue: int
    support_needed: int

    @property
    def share_reported(self) -> int:
        """Per cent of the commitments with a submitted report (0 when there are none)."""
        return round(100 * self.reported / self.commitments) if self.commitments else 0


@dataclass(frozen=True)
class EffectGoalResults:
    """An effect goal with its results per year, exact: whoever shows them masks them (`effect_goals.display`).

    Shaped like an `EffectGoal` where `display` reads one (target type, value and baseline year).
    The styrkort holds the organisation's own results, the programme report the city's.
    """

    program_name: str
    code: str
    wording: str
    target_type: TargetType
    target_value: int
    baseline_year: int | None
    numerator_label: str
    denominator_label: str | None
    data_source: str | None
    results: tuple[Result, ...]  # oldest year first
    # Years whose figures a masked view withholds whole although they are not small themselves: the
    # city's total minus the other organisations' figures would give a masked organisation's back.
    withheld_years: tuple[int, ...] = ()

    @classmethod
    def of(cls, goal: EffectGoal, program_name: str, results: list[Result], *,
           withheld_years: list[int] = ()) -> EffectGoalResults:
        return cls(program_name=program_name, code=goal.code, wording=goal.wording,
                   target_type=TargetType(goal.target_type), target_value=goal.target_value,
                   baseline_year=goal.baseline_year, numerator_label=goal.numerator_label,
                   denominator_label=goal.denominator_label, data_source=goal.data_source, results=tuple(results),
                   withheld_years=tuple(withheld_years))


def withheld(goal: EffectGoalResults, result: Result, threshold: int | None) -> bool:
    """Whether a masked view (`threshold` not None) withholds the result whole: its value, its parts beyond
    saying that a small base is small, and its assessment (which would bound the value)."""
    if threshold is None or result.value is None:
        return False
    if result.year in goal.withheld_years:
        return True
    if goal.target_type == TargetType.change_at_least:
        return change_hidden(result.numerator, result.baseline, threshold)
    return share_hidden(result.numerator, result.denominator, threshold)


def value_text(goal: EffectGoalResults, result: Result, threshold: int | None,
               gettext: Callable = display.swedish) -> str:
    return gettext(display.MASKED_SHARE) if withheld(goal, result, threshold) else display.value_text(
        goal, result, threshold, gettext)


def parts_text(goal: EffectGoalResults, result: Result, threshold: int | None,
               gettext: Callable = display.swedish) -> str:
    """`display.parts_text`, except for a withheld result: "38 av 40" would tell the 2 that withholding the
    share hides, so only a small base is said to be small (as on the effect-goal pages)."""
    if not withheld(goal, result, threshold):
        return display.parts_text(goal, result, threshold, gettext)
    base = result.numerator if result.denominator is None else result.denominator
    return display.count_text(base, threshold, gettext) if count_hidden(base, threshold) else "–"


def baseline_text(goal: EffectGoalResults, result: Result, threshold: int | None,
                  gettext: Callable = display.swedish) -> str:
    """A change target's count in its baseline year, withheld in the years a result would be."""
    if threshold is not None and result.year in goal.withheld_years and not count_hidden(result.numerator, threshold):
        return "–"
    return display.count_text(result.numerator, threshold, gettext)


def is_baseline(goal: EffectGoalResults, result: Result) -> bool:
    """A change target's baseline year: compared with itself it is the starting count, not a result to assess."""
    return goal.target_type == TargetType.change_at_least and result.year == goal.baseline_year


@dataclass
class Scorecard:
    organisation_name: str
    organisation_short_name: str
    organisation_slug: str
    tertial: Tertial
    period_state: PeriodState
    period_ends_on: date
    previous: Tertial | None
    trail_tertials: list[Tertial]
    programs: list[ScorecardProgram]
    summary: Summary
    data_as_of: datetime  # when the data was read (UTC)
    effect_goals: list[EffectGoalResults] = field(default_factory=list)  # in programme order
    mask_threshold: int = DEFAULT_THRESHOLD  # counts below it are masked wherever the card is shown masked

    @property
    def rows(self) -> list[ScorecardRow]:
        return [row for p in self.programs for g in p.goals for row in g.rows]
