"""An organisation's scorecard (styrkort) for a tertial, as plain data for the page and the PDF.

Only submitted reports count: a draft is work in progress. Three queries
build a scorecard however many commitments and reports there are, two
more its effect goals, and one more per programme that continues another.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlmodel import Session, and_, or_, select

from tracker.clock import local_day, utcnow
from tracker.effect_goals import masking
from tracker.effect_goals import service as effect_goals
from tracker.effect_goals.masking import DEFAULT_THRESHOLD
from tracker.effect_goals.models import EffectGoal, EffectGoalOrganisation, Measurement
from tracker.effect_goals.rollup import Figures, result
from tracker.effect_goals.service import EffectGoalResults
from tracker.funds.summary import organisation_funds
from tracker.organisations.models import Organisation
from tracker.periods.models import PeriodState, ReportingPeriod
from tracker.programs.models import Activity, Commitment, Goal, Program
from tracker.programs.service import runs_in
from tracker.reporting import service as reporting
from tracker.reporting.models import (
    FINISHED_STATUSES,
    STATUS_LABELS,
    STATUS_SYMBOLS,
    ReportState,
    ReportStatus,
    StatusReport,
)
from tracker.scorecards.card import (  # noqa: F401  (the card's names are part of this service's interface)
    CHANGE_LABELS,
    CHANGE_SYMBOLS,
    NOT_REPORTED,
    TEXT_CHANGE_LABELS,
    Change,
    Scorecard,
    ScorecardGoal,
    ScorecardProgram,
    ScorecardRow,
    StatusCount,
    Summary,
    Tertial,
    TextChange,
    TrailPoint,
)

TRAIL_LENGTH = 6
# How far along a status is; "Utgår" is not on this scale (a change to or from it is just a change).
PROGRESS = {ReportStatus.not_started: 0, ReportStatus.deviation: 1, ReportStatus.in_progress: 2,
            ReportStatus.done: 3}


def tertial_of(period: ReportingPeriod) -> Tertial:
    return Tertial(code=period.code, label=period.label, short_label=f"T{period.number} {period.year}")


def default_period(session: Session, organisation_id: int) -> ReportingPeriod | None:
    """The latest tertial with a submitted report from the organisation, else the latest closed one."""
    reported = session.exec(
        select(ReportingPeriod)
        .join(StatusReport, StatusReport.period_id == ReportingPeriod.id)
        .join(Commitment, StatusReport.commitment_id == Commitment.id)
        .where(Commitment.organisation_id == organisation_id, StatusReport.state == ReportState.submitted)
        .order_by(ReportingPeriod.year.desc(), ReportingPeriod.number.desc())
    ).first()
    if reported is not None:
        return reported
    return session.exec(
        select(ReportingPeriod).where(ReportingPeriod.state == PeriodState.closed)
        .order_by(ReportingPeriod.year.desc(), ReportingPeriod.number.desc())
    ).first()


def build_scorecard(session: Session, *, organisation: Organisation, period: ReportingPeriod,
                    program_id: int | None = None, mask_threshold: int = DEFAULT_THRESHOLD) -> Scorecard:
    """The organisation's commitments in the tertial with status, change, trail and a summary; its effect goals.

    Commitments are those the organisation has now, and those it reported on
    in the tertial even if the responsibility has ended since; in one programme if `program_id` says so.
    `mask_threshold` is carried for whoever shows the card masked (a PDF always is).
    """
    data_as_of = utcnow()
    rows = _rows(session, organisation.id, period, program_id)
    trail = list(reversed(session.exec(
        select(ReportingPeriod)
        .where(or_(ReportingPeriod.year < period.year,
                   and_(ReportingPeriod.year == period.year, ReportingPeriod.number <= period.number)))
        .order_by(ReportingPeriod.year.desc(), ReportingPeriod.number.desc())
        .limit(TRAIL_LENGTH)
    ).all()))
    previous = trail[-2] if len(trail) > 1 and trail[-2].is_just_before(period) else None
    reports = {
        (r.commitment_id, r.period_id): r
        for r in session.exec(
            select(StatusReport).join(Commitment, StatusReport.commitment_id == Commitment.id)
            .where(Commitment.organisation_id == organisation.id,
                   StatusReport.period_id.in_([p.id for p in trail]),
                   StatusReport.state == ReportState.submitted)
        )
    } if rows else {}
    programs: dict[int, ScorecardProgram] = {}
    goals: dict[int, ScorecardGoal] = {}
    for commitment, activity, goal, program in rows:
        row = _row(commitment, activity, period, previous, trail, reports)
        if program.id not in programs:
            programs[program.id] = _card_program(session, program)
        card_program = programs[program.id]
        if goal.id not in goals:
            goals[goal.id] = ScorecardGoal(goal.number, goal.title)
            card_program.goals.append(goals[goal.id])
        goals[goal.id].rows.append(row)
    all_rows = [row for g in goals.values() for row in g.rows]
    return Scorecard(
        organisation_name=organisation.name, organisation_short_name=organisation.short_name,
        organisation_slug=organisation.slug, tertial=tertial_of(period), period_state=PeriodState(period.state),
        period_ends_on=period.ends_on, previous=tertial_of(previous) if previous else None,
        trail_tertials=[tertial_of(p) for p in trail], programs=list(programs.values()) or _named(session, program_id),
        summary=_summary(all_rows), data_as_of=data_as_of,
        effect_goals=_effect_goals(session, organisation, period.year, program_id, mask_threshold),
        mask_threshold=mask_threshold,
        funds=organisation_funds(session, organisation.id, today=local_day(data_as_of), year=period.year),
    )


def _effect_goals(session: Session, organisation: Organisation, year: int, program_id: int | None,
                  threshold: int) -> list[EffectGoalResults]:
    """The organisation's own results for the effect goals it reports on, each year up to `year` (two queries).

    A styrkort for one programme carries that programme's goals (a programme with effect goals but no
    activities, like Bryt upp, gets a styrkort of its own for them); the page for all programmes, all goals.
    """
    goals = [(goal, program) for goal, program in effect_goals.goals_of_organisation(
                 session, organisation.id, program_id=program_id)
             # A programme's last year is followed up the year after it ends.
             if program.start_year <= year <= program.end_year + 1]
    if not goals:
        return []
    everyone = _everyone(session, goals, date(year, 12, 31))
    reader = masking.Viewer(threshold)
    out = []
    for results in everyone:
        [own] = [row for row in results.organisations if row.organisation.id == organisation.id]
        # Shown as the effect-goal pages and exports show it to a reader: one decision for every output.
        disclosure = masking.disclose(results, reader)
        out.append(EffectGoalResults.of(results.goal, results.program.name, [own.results[y] for y in results.years],
                                        shown=[disclosure.organisation(organisation.id, y) for y in results.years]))
    return out


def _everyone(session: Session, goals: list[tuple[EffectGoal, Program]], today: date
              ) -> list[effect_goals.GoalResults]:
    """Every responsible organisation's results for the goals (one query; `effect_goals.goal_results` takes two)."""
    rows = session.exec(
        select(EffectGoalOrganisation.effect_goal_id, Organisation, Measurement)
        .join(EffectGoal, EffectGoalOrganisation.effect_goal_id == EffectGoal.id)
        .join(Organisation, EffectGoalOrganisation.organisation_id == Organisation.id)
        .outerjoin(Measurement, and_(Measurement.effect_goal_id == EffectGoalOrganisation.effect_goal_id,
                                     Measurement.organisation_id == Organisation.id))
        .where(EffectGoalOrganisation.effect_goal_id.in_([goal.id for goal, _program in goals]))
        .order_by(Organisation.name, Organisation.id)).all()
    responsible: dict[int, dict[int, Organisation]] = defaultdict(dict)
    measured: dict[int, dict[int, dict[int, Measurement]]] = defaultdict(lambda: defaultdict(dict))
    for goal_id, org, m in rows:
        responsible[goal_id][org.id] = org
        if m is not None:
            measured[goal_id][org.id][m.year] = m
    out = []
    for goal, program in goals:
        years, target, orgs = effect_goals.follow_up_years(program, today), effect_goals.target_of(goal), \
            responsible[goal.id]
        figures: dict[int, dict[int, Figures]] = defaultdict(dict)
        for org_id, by_year in measured[goal.id].items():
            for year, m in by_year.items():
                figures[year][org_id] = Figures(m.numerator, m.denominator)
        city = {y: result(target, y, figures, set(orgs)) for y in years}
        out.append(effect_goals.GoalResults(goal, program, years, city, [
            effect_goals.OrganisationRow(o, {y: result(target, y, figures, {o.id}) for y in years},
                                         dict(measured[goal.id][o.id]))
            for o in orgs.values()]))
    return out


def _named(session: Session, program_id: int | None) -> list[ScorecardProgram]:
    """The programme a one-programme styrkort is for, named even when the organisation has no commitments in it."""
    program = session.get(Program, program_id) if program_id is not None else None
    return [_card_program(session, program)] if program else []


def _card_program(session: Session, program: Program) -> ScorecardProgram:
    """The programme as the card names it, with the programme it continues (fortsätter från) if any."""
    origin = session.get(Program, program.origin_id) if program.origin_id is not None else None
    return ScorecardProgram(program.name, program.short_name, continues_from=origin.name if origin else None,
                            continues_from_slug=origin.slug if origin else None)


def _rows(session: Session, organisation_id: int, period: ReportingPeriod, program_id: int | None):
    reported_now = select(StatusReport.commitment_id).where(
        StatusReport.period_id == period.id, StatusReport.state == ReportState.submitted)
    query = (
        select(Commitment, Activity, Goal, Program)
        .join(Activity, Commitment.activity_id == Activity.id)
        .join(Goal, Activity.goal_id == Goal.id)
        .join(Program, Goal.program_id == Program.id)
        .where(Commitment.organisation_id == organisation_id,
               or_(and_(Commitment.active, Activity.active, runs_in(period.year)),
                   Commitment.id.in_(reported_now)))
        .order_by(Program.start_year, Program.id, Goal.position, Goal.number, Activity.position, Activity.id)
    )
    if program_id is not None:
        query = query.where(Program.id == program_id)
    return session.exec(query).all()


def _row(commitment: Commitment, activity: Activity, period: ReportingPeriod, previous: ReportingPeriod | None,
         trail: list[ReportingPeriod], reports: dict) -> ScorecardRow:
    report = reports.get((commitment.id, period.id))
    before = reports.get((commitment.id, previous.id)) if previous else None
    row = ScorecardRow(
        commitment_id=commitment.id, activity_title=activity.title, time_frame=activity.time_frame,
        starts_on=activity.starts_on, ends_on=activity.ends_on, time_frame_parsed=activity.time_frame_parsed,
        still_assigned=commitment.active and activity.active,
        previous_status=ReportStatus(before.status) if before and before.status else None,
        trail=[_point(reports.get((commitment.id, p.id)), p) for p in trail],
    )
    if report is not None:
        row.reported = True
        row.status = ReportStatus(report.status) if report.status else None
        row.comment, row.next_steps = report.comment, report.next_steps
        row.support_needed, row.support_text = report.support_needed, report.support_text
        row.change = _change(row.status, row.previous_status, reported_before=before is not None)
        if reporting.unchanged_from_previous(report, before):
            row.text_change = TextChange.unchanged
        elif report.comment or report.next_steps:
            row.text_change = TextChange.new
    row.overdue = activity.ends_on < period.ends_on and row.status not in FINISHED_STATUSES
    return row


def _point(report: StatusReport | None, period: ReportingPeriod) -> TrailPoint:
    status = ReportStatus(report.status) if report is not None and report.status else None
    return TrailPoint(tertial_of(period), status)


def _change(now: ReportStatus | None, before: ReportStatus | None, *, reported_before: bool) -> Change:
    if not reported_before:
        return Change.first
    if now == before:
        return Change.same
    if now in PROGRESS and before in PROGRESS:
        return Change.up if PROGRESS[now] > PROGRESS[before] else Change.down
    return Change.changed


def _summary(rows: list[ScorecardRow]) -> Summary:
    by_status = [
        StatusCount(status, STATUS_LABELS[status], STATUS_SYMBOLS[status],
                    sum(1 for r in rows if r.status == status))
        for status in ReportStatus
    ]
    by_status.append(StatusCount(None, NOT_REPORTED, "–", sum(1 for r in rows if not r.reported)))
    return Summary(
        commitments=len(rows), reported=sum(1 for r in rows if r.reported), by_status=by_status,
        overdue=sum(1 for r in rows if r.overdue), support_needed=sum(1 for r in rows if r.support_needed),
    )
