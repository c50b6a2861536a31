"""What the report editors show: the saved report or the user's own unsaved text, and what went wrong.

Rules live in `rules` (read_report, validate_report); these classes only
carry state to the templates. Field names are plain (`status`, `comment`, …);
ids are made unique per commitment (`c12-comment`).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _

from tracker.organisations.models import Organisation
from tracker.periods.models import ReportingPeriod
from tracker.reporting import service
from tracker.reporting.editing import GoalReports, ReportRow
from tracker.reporting.models import REPORT_STATE_LABELS, ReportState, StatusReport, StatusReportContent

ORIGINS = ("mine", "org")  # the page a plain form post returns to
FIELD_ORDER = ("status", "comment", "next_steps", "support_needed", "support_text")


def parse_version(raw: str | None) -> int | None:
    """The hidden `version` field: empty for a new report; ValueError if it is not a number."""
    raw = (raw or "").strip()
    if not raw:
        return None
    version = int(raw)
    if version < 1:
        raise ValueError(raw)
    return version


def origin_of(raw: str | None) -> str:
    return raw if raw in ORIGINS else "org"


@dataclass
class Notice:
    kind: str  # saved, submitted, info, error, conflict, closed
    text: str


@dataclass
class ReportEditor:
    """One commitment's report in one tertial, as its component shows it."""

    row: ReportRow
    organisation: Organisation
    period: ReportingPeriod
    previous_period: ReportingPeriod | None
    editable: bool
    origin: str
    content: StatusReportContent
    version: int | None
    names: dict[int, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    notice: Notice | None = None
    conflict: StatusReport | None = None

    @property
    def dom_id(self) -> str:
        return f"report-{self.row.commitment.id}"

    def field_id(self, name: str) -> str:
        return f"c{self.row.commitment.id}-{name}"

    @property
    def first_error(self) -> str | None:
        return next((name for name in FIELD_ORDER if name in self.errors), None)

    @property
    def submitted(self) -> bool:
        return self.row.report is not None and self.row.report.state == ReportState.submitted

    @property
    def unchanged(self) -> bool:
        return service.unchanged_from_previous(self.content, self.row.previous)

    @property
    def can_copy(self) -> bool:
        previous = self.row.previous
        return self.editable and previous is not None and bool(previous.comment or previous.next_steps)

    def name_of(self, user_id: int | None) -> str:
        return self.names[user_id] if user_id in self.names else _("okänd användare")

    @staticmethod
    def state_label(report: StatusReport) -> str:
        return _(REPORT_STATE_LABELS[ReportState(report.state)])


@dataclass
class OrganisationSection:
    """One organisation's commitments in one tertial, grouped by goal."""

    organisation: Organisation
    period: ReportingPeriod | None
    editable: bool = False
    goals: list[tuple[GoalReports, list[ReportEditor]]] = field(default_factory=list)
    other_periods: list[ReportingPeriod] = field(default_factory=list)
    problems: list[tuple[ReportRow, dict[str, str]]] = field(default_factory=list)
    notice: Notice | None = None
    origin: str = "org"

    @property
    def editors(self) -> list[ReportEditor]:
        return [editor for _goal, editors in self.goals for editor in editors]

    @property
    def many_programs(self) -> bool:
        return len({goal.program.id for goal, _editors in self.goals}) > 1

    def count(self, state: str | None) -> int:
        """How many commitments have a report in this state (None: no report yet)."""
        return sum(
            1 for e in self.editors
            if (e.row.report.state if e.row.report else None) == state
        )
