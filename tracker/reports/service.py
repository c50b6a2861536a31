"""The programme-wide report over a range of tertials: the halvtidsrapport, the årlig sammanställning and the
slutrapport.

One generator for all three: the mid-term report runs from the programme's first
tertial to a chosen one, the annual compilation over the tertials of a year, the
final report over all of the programme's tertials once the last has closed (its
own sections are counted by `final` from the same rows).
Six queries load the range however many organisations, commitments and
tertials there are (plain column rows); `figures` counts them in Python.
Three more read the programme's effect goals and the city's results.
What each figure means is written out in `method`, the report's appendix.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import null
from sqlmodel import Session, func, select

from tracker.audit.models import AuditEvent
from tracker.clock import utcnow
from tracker.effect_goals import masking
from tracker.effect_goals import service as effect_goals
from tracker.effect_goals.masking import DEFAULT_THRESHOLD
from tracker.effect_goals.service import EffectGoalResults
from tracker.i18n import N_
from tracker.organisations.models import Organisation
from tracker.periods.models import PeriodState, ReportingPeriod
from tracker.periods.service import parse_period_code
from tracker.programs.models import Activity, Commitment, Goal, Program
from tracker.programs.service import runs_in_year
from tracker.reporting.models import ReportState, StatusReport, StatusReportVersion
from tracker.reports.figures import count_figures
from tracker.reports.final import final_sections
from tracker.reports.report import DETAIL_LIMIT, ProgrammeReport, ReportKind, Tertial


class ReportRangeError(ValueError):
    """A tertial or year the programme's report cannot cover; the message is Swedish.

    `template` is a msgid and `params` its values, so that a page can show it translated.
    """

    def __init__(self, template: str, **params):
        super().__init__(template % params if params else template)
        self.template, self.params = template, params


def tertial_of(period) -> Tertial:
    return Tertial(code=f"{period.year}-T{period.number}", year=period.year, number=period.number,
                   label=f"Tertial {period.number} {period.year}", short_label=f"T{period.number} {period.year}",
                   starts_on=period.starts_on, ends_on=period.ends_on, deadline=period.deadline)


def program_tertials(session: Session, program: Program) -> list[ReportingPeriod]:
    """The calendar's tertials in the programme's years, oldest first (upcoming ones included)."""
    return list(session.exec(
        select(ReportingPeriod).where(ReportingPeriod.year.between(program.start_year, program.end_year))
        .order_by(ReportingPeriod.year, ReportingPeriod.number)))


def default_midterm_period(periods: list[ReportingPeriod]) -> ReportingPeriod | None:
    """The latest closed tertial of those given."""
    return next((p for p in reversed(periods) if p.state == PeriodState.closed), None)


def report_years(periods: list[ReportingPeriod]) -> list[int]:
    """The years with a tertial that has started, oldest first."""
    return sorted({p.year for p in periods if p.state != PeriodState.upcoming})


def midterm_range(session: Session, program: Program, to_period: ReportingPeriod | str
                  ) -> tuple[ReportingPeriod, ReportingPeriod]:
    """From the programme's first tertial in the calendar to `to_period` (a period or a code like "2023-T2")."""
    code = to_period if isinstance(to_period, str) else to_period.code
    try:
        year, number = parse_period_code(code)
    except ValueError:
        raise ReportRangeError(N_("”%(code)s” är ingen tertial. Skriv år och tertial, till exempel 2023-T2."),
                               code=code[:20]) from None
    _check_year(program, year)
    calendar = program_tertials(session, program)
    last = next((p for p in calendar if (p.year, p.number) == (year, number)), None)
    if last is None:
        raise ReportRangeError(N_("Tertial %(number)s %(year)s finns inte i tertialkalendern."),
                               number=number, year=year)
    if last.state == PeriodState.upcoming:
        raise ReportRangeError(N_("Tertial %(number)s %(year)s har inte börjat än."), number=number, year=year)
    return calendar[0], last


def annual_range(session: Session, program: Program, year: int) -> tuple[ReportingPeriod, ReportingPeriod]:
    """The year's tertials that have started (all three once the year is over)."""
    _check_year(program, year)
    in_year = [p for p in program_tertials(session, program) if p.year == year]
    if not in_year:
        raise ReportRangeError(N_("Det finns inga tertialer för %(year)s i tertialkalendern."), year=year)
    started = [p for p in in_year if p.state != PeriodState.upcoming]
    if not started:
        raise ReportRangeError(N_("Ingen tertial %(year)s har börjat än."), year=year)
    return started[0], started[-1]


def final_range(session: Session, program: Program) -> tuple[ReportingPeriod, ReportingPeriod]:
    """The programme's first tertial to its last (the last of its end year), once the last has closed."""
    calendar = [p for p in program_tertials(session, program) if runs_in_year(program, p.year)]
    in_last_year = [p for p in calendar if p.year == program.end_year]
    if not in_last_year:
        raise ReportRangeError(N_("Programmets sista år, %(year)s, har inga tertialer i tertialkalendern än. "
                                  "Slutrapporten kan skapas när programmets sista tertial har stängts."),
                               year=program.end_year)
    last = in_last_year[-1]
    if last.state != PeriodState.closed:
        raise ReportRangeError(N_("Slutrapporten kan skapas när programmets sista tertial, Tertial %(number)s "
                                  "%(year)s, har stängts."), number=last.number, year=last.year)
    return calendar[0], last


TITLES = {ReportKind.midterm: "Halvtidsrapport", ReportKind.final: "Slutrapport"}


def _check_year(program: Program, year: int) -> None:
    if not program.start_year <= year <= program.end_year:
        raise ReportRangeError(N_("%(year)s ligger utanför programmets period %(start)s–%(end)s."),
                               year=year, start=program.start_year, end=program.end_year)


def build_programme_report(session: Session, *, program: Program, first: ReportingPeriod, last: ReportingPeriod,
                           kind: ReportKind | str | None = None, mask_threshold: int = DEFAULT_THRESHOLD
                           ) -> ProgrammeReport:
    """The report for the programme from `first` to `last` (nine queries).

    `kind` defaults to the annual compilation when the range lies within one
    year, else the mid-term report; the final report adds its own sections.
    `mask_threshold` is carried for whoever shows the report masked (a PDF always is).
    """
    if (first.year, first.number) > (last.year, last.number):
        raise ReportRangeError(N_("Rapportens första tertial måste komma före den sista."))
    kind = ReportKind(kind) if kind else (ReportKind.annual if first.year == last.year else ReportKind.midterm)
    data_as_of = utcnow()
    loaded = _load(session, program, first, last)
    tertials = [tertial_of(p) for p in loaded.periods]
    figures = count_figures(loaded, tertials)
    return ProgrammeReport(
        kind=kind, title=TITLES.get(kind) or f"Årlig sammanställning {last.year}",
        program_name=program.name, program_short_name=program.short_name, program_slug=program.slug,
        year=last.year if kind == ReportKind.annual else None, first=tertials[0], last=tertials[-1],
        tertials=tertials, data_as_of=data_as_of, **figures,
        effect_goals=_effect_goals(session, program, first.year, last.year, mask_threshold),
        mask_threshold=mask_threshold,
        final=final_sections(loaded, tertials, summarised=figures["summarised"]) if kind == ReportKind.final else None,
    )


def _effect_goals(session: Session, program: Program, first_year: int, last_year: int, threshold: int
                  ) -> list[EffectGoalResults]:
    """The city's result for each of the programme's effect goals in each year of the range (three queries),
    with how a reader sees each: the decision the effect-goal pages and exports make (`masking.disclose`)."""
    goals = effect_goals.list_goals(session, program_id=program.id)
    # The range's last year, not today: an archived report must not change with the date it is drawn.
    results = effect_goals.goal_results(session, goals, today=date(last_year, 12, 31))
    reader, out = masking.Viewer(threshold), []
    for r in results:
        disclosure, years = masking.disclose(r, reader), [year for year in r.years if year >= first_year]
        out.append(EffectGoalResults.of(r.goal, r.program.name, [r.city[year] for year in years],
                                        shown=[disclosure.city(year) for year in years]))
    return out


@dataclass
class Loaded:
    """The range's rows, as plain column rows."""

    periods: list
    goals: list
    activities: list
    commitments: list  # with the organisation's names, in programme order
    activity_ended: dict  # activity id → when it was last taken out of the programme (UTC)
    reports: dict  # (commitment id, period id) → the submitted report, with its first submission
    summarised: bool = False  # more than DETAIL_LIMIT organisations: the summarised layout, no report texts


def _load(session: Session, program: Program, first: ReportingPeriod, last: ReportingPeriod) -> Loaded:
    serial = ReportingPeriod.year * 3 + ReportingPeriod.number
    periods = session.exec(
        select(ReportingPeriod.id, ReportingPeriod.year, ReportingPeriod.number, ReportingPeriod.starts_on,
               ReportingPeriod.ends_on, ReportingPeriod.deadline)
        .where(serial.between(first.year * 3 + first.number, last.year * 3 + last.number))
        .order_by(ReportingPeriod.year, ReportingPeriod.number)).all()
    goal_order = (Goal.position, Goal.number, Goal.id)
    goals = session.exec(select(Goal.id, Goal.number, Goal.title).where(Goal.program_id == program.id)
                         .order_by(*goal_order)).all()
    activities = session.exec(
        select(Activity.id, Activity.goal_id, Activity.title, Activity.time_frame, Activity.starts_on,
               Activity.ends_on, Activity.time_frame_parsed, Activity.active)
        .join(Goal, Activity.goal_id == Goal.id).where(Goal.program_id == program.id)
        .order_by(*goal_order, Activity.position, Activity.id)).all()
    commitments = session.exec(
        select(Commitment.id, Commitment.activity_id, Commitment.organisation_id, Commitment.active,
               Commitment.deactivated_at, Organisation.name, Organisation.short_name, Organisation.slug)
        .join(Organisation, Commitment.organisation_id == Organisation.id)
        .join(Activity, Commitment.activity_id == Activity.id).join(Goal, Activity.goal_id == Goal.id)
        .where(Goal.program_id == program.id)
        .order_by(*goal_order, Activity.position, Activity.id, Organisation.name, Organisation.id)).all()
    ended = session.exec(
        select(AuditEvent.entity_id, func.max(AuditEvent.occurred_at))
        .where(AuditEvent.entity_type == Activity.__tablename__, AuditEvent.action == "activity.deactivated")
        .group_by(AuditEvent.entity_id)).all()
    period_ids = [p.id for p in periods]
    summarised = len({c.organisation_id for c in commitments}) > DETAIL_LIMIT
    first_submission = (
        select(StatusReportVersion.report_id, func.min(StatusReportVersion.saved_at).label("first_submitted_at"))
        .join(StatusReport, StatusReportVersion.report_id == StatusReport.id)
        .where(StatusReportVersion.state == ReportState.submitted, StatusReport.period_id.in_(period_ids))
        .group_by(StatusReportVersion.report_id).subquery())
    # The summarised layout prints no report's text: not reading them keeps a national report small.
    texts = (StatusReport.comment, StatusReport.next_steps, StatusReport.support_text) if not summarised else (
        null().label("comment"), null().label("next_steps"), null().label("support_text"))
    # Only a submitted report with a status counts, as on the overview and the styrkort. Core rows, not ORM
    # loading: a national range has a quarter of a million of them.
    reports = session.connection().execute(
        select(StatusReport.commitment_id, StatusReport.period_id, StatusReport.status, *texts,
               StatusReport.support_needed,
               # When it was first submitted, else when it was (one time column: a quarter of a million rows)
               func.coalesce(first_submission.c.first_submitted_at, StatusReport.submitted_at)
               .label("first_submitted_at"), null().label("submitted_at"))
        .join(Commitment, StatusReport.commitment_id == Commitment.id)
        .join(Activity, Commitment.activity_id == Activity.id).join(Goal, Activity.goal_id == Goal.id)
        .outerjoin(first_submission, first_submission.c.report_id == StatusReport.id)
        .where(Goal.program_id == program.id, StatusReport.period_id.in_(period_ids),
               StatusReport.state == ReportState.submitted, StatusReport.status.is_not(None))).all()
    return Loaded(
        periods=list(periods), goals=list(goals), activities=list(activities), commitments=list(commitments),
        activity_ended={int(entity_id): at for entity_id, at in ended if entity_id and entity_id.isdigit()},
        reports={(r.commitment_id, r.period_id): r for r in reports}, summarised=summarised,
    )
