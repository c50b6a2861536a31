"""The styrkort as plain data: what the page and the PDF show, with no database behind it."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from tracker.effect_goals.masking import DEFAULT_THRESHOLD
from tracker.effect_goals.service import EffectGoalResults
from tracker.funds.summary import OrganisationFunds
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
    continues_from: str | None = None  # the name of the programme this one was copied from
    continues_from_slug: str | None = None


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
    effect_goals: list[EffectGoalResults] = field(default_factory=list)  # in programme order, exact
    mask_threshold: int = DEFAULT_THRESHOLD  # counts below it are masked wherever the card is shown masked
    funds: list[OrganisationFunds] = field(default_factory=list)  # the development funds of the tertial's year

    @property
    def rows(self) -> list[ScorecardRow]:
        return [row for p in self.programs for g in p.goals for row in g.rows]
