"""What the report editors show: the saved report or the user's own unsaved text, and what went wrong.

Rules live in `rules` (read_report, validate_report); these classes only
carry state to the templates, and the builders below make them from the
session and what the view read from the request. Field names are plain
(`status`, `comment`, …); ids are made unique per commitment (`c12-comment`).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

from flask import url_for
from flask_babel import format_datetime, format_number, ngettext
from flask_babel import gettext as _
from sqlmodel import Session

from tracker.accounts.service import user_names
from tracker.organisations.models import Organisation
from tracker.periods.models import ReportingPeriod
from tracker.periods.service import period_open_for, previous_period
from tracker.reporting import editing, service
from tracker.reporting.editing import GoalReports, ReportRow
from tracker.reporting.models import (
    REPORT_STATE_LABELS,
    TEXT_LIMITS,
    ReportState,
    ReportStatus,
    StatusReport,
    StatusReportContent,
)
from tracker.reporting.rows import RowFilter

ORIGINS = ("mine", "org")  # the page a plain form post returns to
FIELD_ORDER = ("status", "comment", "next_steps", "support_needed", "support_text")


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
    open: bool = False  # in a list: the whole editor in place of the commitment's compact row
    focus: bool = False  # just loaded on demand: its heading takes the focus
    level: int = 4  # the heading level of the activity's title

    @property
    def dom_id(self) -> str:
        return f"report-{self.row.commitment.id}"

    @property
    def row_id(self) -> str:
        return f"row-{self.row.commitment.id}"

    @property
    def state(self) -> str:
        """The report's state in the tertial: draft, submitted or missing (no report saved)."""
        return self.row.report.state if self.row.report is not None else "missing"

    @property
    def deviation(self) -> bool:
        return self.row.report is not None and self.row.report.status == ReportStatus.deviation

    @property
    def support_needed(self) -> bool:
        return self.row.report is not None and self.row.report.support_needed

    @property
    def editor_url(self) -> str:
        """The editor alone: swapped in for the row with htmx, a page of its own without JavaScript."""
        args = {"from": "mine"} if self.origin == "mine" else {}
        return url_for("reporting.editor", commitment_id=self.row.commitment.id, period=self.period.code, **args)

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

    @cached_property
    def limits(self) -> dict[str, str]:
        """Each text field's limit as its hint writes it: "5 000" in Swedish, "5,000" in English (worked out once)."""
        # Swedish groups digits with a no-break space; the hints have always had a plain one.
        return {name: format_number(limit).replace("\u00a0", " ") for name, limit in TEXT_LIMITS.items()}

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
    filter: RowFilter = field(default_factory=RowFilter)

    @property
    def editors(self) -> list[ReportEditor]:
        return [editor for _goal, editors in self.goals for editor in editors]

    @property
    def shown(self) -> list[tuple[GoalReports, list[ReportEditor]]]:
        """The goals and commitments the filter lets through (an editor open in the list always shows)."""
        shown = [(goal, [e for e in editors if e.open or self.filter.matches(goal=goal.goal.id, state=e.state)])
                 for goal, editors in self.goals]
        return [(goal, editors) for goal, editors in shown if editors]

    @property
    def many_programs(self) -> bool:
        return len({goal.program.id for goal, _editors in self.goals}) > 1

    def count(self, state: str | None) -> int:
        """How many commitments have a report in this state (None: no report yet)."""
        return sum(
            1 for e in self.editors
            if (e.row.report.state if e.row.report else None) == state
        )


# Building the editors

def report_editor(session: Session, row: ReportRow, period: ReportingPeriod, *, origin: str,
                  editable: bool | None = None, known_names: dict[int, str] | None = None,
                  **changes) -> ReportEditor:
    """One commitment's editor from a row read for the tertial (its report and the one before).

    `editable` when the caller knows already whether the tertial is open for it; `known_names` are
    users whose names the caller has at hand (the one who just saved), not read again.
    """
    report = row.report
    editor = ReportEditor(
        row=row, organisation=row.organisation, period=period, previous_period=row.previous_period,
        editable=period_open_for(session, period, row.organisation.id) if editable is None else editable,
        origin=origin, content=report or StatusReportContent(), version=report.version if report else None,
    )
    for name, value in changes.items():
        setattr(editor, name, value)
    ids = {editor.conflict.updated_by_id if editor.conflict else None}
    if report is not None:
        ids |= {report.updated_by_id, report.submitted_by_id}
    known = {i: n for i, n in (known_names or {}).items() if i in ids}
    editor.names = known | user_names(session, ids - known.keys())
    return editor


def saved_editor(session: Session, row: ReportRow, period: ReportingPeriod, report: StatusReport, *,
                 origin: str, saver: tuple[int, str]) -> ReportEditor:
    """The editor after a save by `saver` (id, name): the new version, in a tertial the save has just found open."""
    row.report = report
    editing.read_previous(session, row, period)
    return report_editor(session, row, period, origin=origin, editable=True, notice=saved_notice(report),
                         known_names=dict([saver]))


def organisation_section(session: Session, org: Organisation, period: ReportingPeriod | None, *, origin: str,
                         others: Iterable[ReportingPeriod] = (), overrides: dict[int, ReportEditor] | None = None,
                         editable: bool | None = None, **changes) -> OrganisationSection:
    """An organisation's commitments in a tertial, each a compact row; `overrides` are editors open in the list.

    The rows' editors carry no user names: only an open editor shows who saved.
    """
    section = OrganisationSection(organisation=org, period=period, other_periods=list(others), origin=origin, **changes)
    if period is None:
        return section
    overrides = {cid: e for cid, e in (overrides or {}).items() if e.period.id == period.id}
    section.editable = period_open_for(session, period, org.id) if editable is None else editable
    goals = editing.organisation_reports(session, organisation_id=org.id, period=period)
    previous = previous_period(session, period)
    errors_of = {row.commitment.id: errors for row, errors in section.problems}
    for goal in goals:
        editors = []
        for row in goal.rows:
            editor = overrides.get(row.commitment.id) or ReportEditor(
                row=row, organisation=org, period=period, previous_period=previous, editable=section.editable,
                origin=origin, content=row.report or StatusReportContent(),
                version=row.report.version if row.report else None,
                errors=errors_of.get(row.commitment.id, {}),
            )
            editors.append(editor)
        section.goals.append((goal, editors))
    return section


def my_sections(session: Session, organisation_ids: Iterable[int], *, replace: OrganisationSection | None = None,
                filter: RowFilter | None = None) -> list[OrganisationSection]:
    """A contact's organisations, each in the first tertial open for it (`replace` as the request left it)."""
    sections = []
    for org in editing.organisations(session, organisation_ids):
        if replace is not None and replace.organisation.id == org.id:
            sections.append(replace)
            continue
        open_now = editing.open_periods_for(session, org.id)
        sections.append(organisation_section(session, org, open_now[0] if open_now else None, origin="mine",
                                             others=open_now[1:], filter=filter or RowFilter()))
    return sections


# What the notices say

def saved_notice(report: StatusReport) -> Notice:
    time = format_datetime(report.updated_at, "HH:mm")
    if report.state == ReportState.submitted:
        return Notice("submitted", _("Inlämnad %(time)s", time=time))
    return Notice("saved", _("Utkast sparat %(time)s", time=time))


def all_submitted(org: Organisation, reports: list[StatusReport]) -> Notice:
    if not reports:
        return Notice("submitted", _("Alla sparade rapporter för %(org)s var redan inlämnade.", org=org.short_name))
    return Notice("submitted", ngettext("%(num)d rapport för %(org)s är inlämnad.",
                                        "%(num)d rapporter för %(org)s är inlämnade.", len(reports),
                                        org=org.short_name))


def not_submitted(error: Exception) -> tuple[Notice, int]:
    """Why "Lämna in alla" submitted nothing, and the status to answer with."""
    if isinstance(error, editing.ReportsNotSubmittedError):
        return Notice("error", _("Ingenting lämnades in. %(count)s av åtagandena behöver rättas först.",
                                 count=len(error.problems))), 422
    if isinstance(error, service.PeriodClosedError):
        return Notice("closed", _("%(closed)s Ingenting lämnades in.", closed=error)), 409
    return Notice("conflict", _("Någon annan sparade en rapport samtidigt. Ingenting lämnades in. "
                                "Ladda om sidan och försök igen.")), 409
