"""The programme-wide report (halvtidsrapport, årlig sammanställning, slutrapport) as plain data for the page and the PDF.

Labels are Swedish msgids (N_): the page translates them, the PDF prints them as they are.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from tracker.effect_goals.masking import DEFAULT_THRESHOLD
from tracker.effect_goals.service import EffectGoalResults
from tracker.i18n import N_
from tracker.reporting.models import STATUS_LABELS, STATUS_SYMBOLS, ReportStatus

if TYPE_CHECKING:
    from tracker.reports.final import FinalSections

# Above this many organisations the main document summarises per activity (counts across organisations, the
# organisations named only where deviating, overdue or asking for support) instead of a line per commitment;
# the real programme's ~20 keep the full detail. Written out for readers in `method.SUMMARISED`.
DETAIL_LIMIT = 40
NAMES_SHOWN = 5  # organisations named in a summary row before "och N till"

NOT_REPORTED = "not_reported"
NOT_REPORTED_LABEL = N_("Ej rapporterad")
NOT_REPORTED_SYMBOL = "–"
DISTRIBUTION_KEYS = (*(s.value for s in ReportStatus), NOT_REPORTED)


class ReportKind(StrEnum):
    midterm = "midterm"
    annual = "annual"
    final = "final"


def percent(part: int, whole: int) -> int | None:
    """Whole per cent, halves rounded up (12.5 % is 13 %); None when there is nothing to divide by."""
    return int(100 * part / whole + 0.5) if whole else None


@dataclass(frozen=True)
class Tertial:
    code: str  # "2023-T2"
    year: int
    number: int
    label: str  # "Tertial 2 2023"
    short_label: str  # "T2 2023"
    starts_on: date
    ends_on: date
    deadline: date


@dataclass(frozen=True)
class StatusCount:
    key: str  # a ReportStatus value or NOT_REPORTED
    label: str
    symbol: str
    count: int
    percent: int


@dataclass(frozen=True)
class Segment:
    key: str
    count: int
    offset: float  # per cent of the bar before this part
    width: float  # per cent of the bar


def _segments(counts: list[tuple[str, int]]) -> list[Segment]:
    total, offset, out = sum(n for _key, n in counts), 0.0, []
    for key, count in counts:
        if count:
            width = round(100 * count / total, 3)
            out.append(Segment(key, count, round(offset, 3), width))
            offset += width
    return out


@dataclass
class Distribution:
    """How many commitments have each status; not reported is a category of its own, never dropped."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(DISTRIBUTION_KEYS, 0))

    def add(self, status: ReportStatus | None) -> None:
        self.counts[status.value if status else NOT_REPORTED] += 1

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def items(self) -> list[StatusCount]:
        """Every category in a fixed order, zeros included (a table row per status)."""
        total = self.total
        return [StatusCount(key, status_label(key), status_symbol(key), count, percent(count, total) or 0)
                for key, count in self.counts.items()]

    @property
    def segments(self) -> list[Segment]:
        """The non-empty categories as parts of a bar 100 wide."""
        return _segments([(c.key, c.count) for c in self.items])

    @property
    def text(self) -> str:
        """E.g. "3 Pågår, 1 Ej rapporterad" (Swedish)."""
        return ", ".join(f"{c.count} {c.label}" for c in self.items if c.count) or "Inga åtaganden"


def status_label(key: str) -> str:
    return NOT_REPORTED_LABEL if key == NOT_REPORTED else STATUS_LABELS[ReportStatus(key)]


def status_symbol(key: str) -> str:
    return NOT_REPORTED_SYMBOL if key == NOT_REPORTED else STATUS_SYMBOLS[ReportStatus(key)]


class StatusKeyed:
    """A line with a `status` (None: not reported): its key, label and symbol as the reports print them."""

    status: ReportStatus | None

    @property
    def key(self) -> str:
        return self.status.value if self.status else NOT_REPORTED

    @property
    def status_label(self) -> str:
        return status_label(self.key)

    @property
    def status_symbol(self) -> str:
        return status_symbol(self.key)


@dataclass
class CommitmentLine(StatusKeyed):
    """One organisation's commitment to an activity, as it stood in the last tertial of the range."""

    commitment_id: int
    organisation: str
    organisation_short: str
    goal: str
    activity: str
    time_frame: str
    ends_on: date
    in_last: bool  # expected to report in the last tertial (false: the commitment ended before it)
    status: ReportStatus | None = None
    comment: str | None = None
    next_steps: str | None = None
    overdue: bool = False

    @property
    def deviating(self) -> bool:
        return self.status == ReportStatus.deviation


def capped(names: list[str], limit: int = NAMES_SHOWN) -> str:
    """ "Farsta, Bromma och 3 till" (Swedish): at most `limit` names, the rest counted; "–" for none."""
    if not names:
        return "–"
    if len(names) <= limit:
        return ", ".join(names)
    return f"{', '.join(names[:limit])} och {len(names) - limit} till"


@dataclass
class ActivitySummary:
    """One activity across its organisations, as it stood in the last tertial (the summarised layout)."""

    title: str
    time_frame: str
    active: bool
    distribution: Distribution = field(default_factory=Distribution)
    deviating: list[str] = field(default_factory=list)  # organisations (short names), programme order
    overdue: list[str] = field(default_factory=list)
    support: list[str] = field(default_factory=list)  # with a support need in the range, once each
    support_needs: int = 0

    @property
    def needs_attention(self) -> bool:
        return bool(self.deviating or self.overdue or self.support)


@dataclass
class GoalSection:
    name: str  # "Mål 1: …"
    number: int | None
    title: str
    distribution: Distribution = field(default_factory=Distribution)
    attention: list[CommitmentLine] = field(default_factory=list)  # overdue or deviating, in programme order
    activities: list[ActivitySummary] = field(default_factory=list)  # the summarised layout only

    @property
    def commitments(self) -> int:
        return self.distribution.total


@dataclass
class OrganisationSection:
    name: str
    short_name: str
    slug: str
    lines: list[CommitmentLine] = field(default_factory=list)
    distribution: Distribution = field(default_factory=Distribution)
    expected: int = 0  # reports expected over the range
    on_time: int = 0
    late: int = 0
    overdue: int = 0  # in the last tertial
    deviating: int = 0
    support_needs: int = 0  # over the range

    @property
    def share_on_time(self) -> int | None:
        return percent(self.on_time, self.expected)


@dataclass(frozen=True)
class SupportNeed:
    tertial: Tertial
    goal: str
    activity: str
    text: str


@dataclass
class SupportGroup:
    organisation: str
    needs: list[SupportNeed] = field(default_factory=list)


@dataclass
class TertialCompliance:
    tertial: Tertial
    expected: int = 0
    on_time: int = 0
    late: int = 0

    @property
    def not_submitted(self) -> int:
        return self.expected - self.on_time - self.late

    @property
    def share_on_time(self) -> int | None:
        return percent(self.on_time, self.expected)

    @property
    def share_submitted(self) -> int | None:
        return percent(self.on_time + self.late, self.expected)

    @property
    def segments(self) -> list[Segment]:
        """On time, late and not submitted as parts of a bar 100 wide."""
        return _segments([("on_time", self.on_time), ("late", self.late), ("not_submitted", self.not_submitted)])


@dataclass(frozen=True)
class ActivityEntry:
    title: str
    time_frame: str
    starts_on: date
    ends_on: date
    time_frame_parsed: bool
    active: bool
    organisations: tuple[str, ...]  # responsible now (short names)


@dataclass
class GoalActivities:
    name: str
    number: int | None
    title: str
    activities: list[ActivityEntry] = field(default_factory=list)


@dataclass
class Summary:
    commitments: int  # expected in the last tertial
    reported: int  # of those, with a submitted report in the last tertial
    distribution: Distribution
    overdue: int
    deviating: int
    support_needs: int  # raised in submitted reports over the range
    organisations: int  # with a commitment expected in the last tertial
    activities: int  # likewise

    @property
    def share_reported(self) -> int | None:
        return percent(self.reported, self.commitments)


@dataclass
class ProgrammeReport:
    kind: ReportKind
    title: str  # Swedish: "Halvtidsrapport", "Årlig sammanställning 2023", "Slutrapport"
    program_name: str
    program_short_name: str
    program_slug: str
    year: int | None  # the annual compilation's year
    first: Tertial
    last: Tertial
    tertials: list[Tertial]
    data_as_of: datetime  # when the data was read (UTC)
    summary: Summary
    goals: list[GoalSection]
    organisations: list[OrganisationSection]
    support: list[SupportGroup]
    compliance: list[TertialCompliance]
    activities: list[GoalActivities]
    effect_goals: list[EffectGoalResults] = field(default_factory=list)  # the city's results, years of the range
    mask_threshold: int = DEFAULT_THRESHOLD  # counts below it are masked wherever the report is shown masked
    final: FinalSections | None = None  # the final report's own sections (`final`), else None
    summarised: bool = False  # more than DETAIL_LIMIT organisations: per activity, no line per commitment

    @property
    def range_label(self) -> str:
        """E.g. "Tertial 3 2021 – Tertial 2 2023" (one label when the range is one tertial)."""
        return self.first.label if self.first == self.last else f"{self.first.label} – {self.last.label}"
