"""Reading effect goals and their figures, with the city and per-organisation results.

Three queries whatever the number of goals, organisations and years. The results
are exact: masking is the caller's business, by who is looking (see `masking`).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from sqlmodel import Session, select

from tracker.effect_goals.models import EffectGoal, EffectGoalOrganisation, Measurement, TargetType
from tracker.effect_goals.rollup import Figures, GoalTarget, Result, result
from tracker.organisations.models import Organisation
from tracker.programs.models import Program

if TYPE_CHECKING:
    from tracker.effect_goals.masking import FiguresShown


@dataclass
class OrganisationRow:
    organisation: Organisation
    results: dict[int, Result]  # year → the organisation's own result
    figures: dict[int, Measurement] = field(default_factory=dict)  # year → its measurement (exact): what masks


@dataclass
class GoalResults:
    goal: EffectGoal
    program: Program
    years: list[int]
    city: dict[int, Result]  # year → the city-wide result
    organisations: list[OrganisationRow]

    @property
    def target(self) -> GoalTarget:
        return target_of(self.goal)


@dataclass(frozen=True)
class EffectGoalResults:
    """An effect goal with one set of its results per year, as the styrkort and the programme report carry it.

    Exact, with how a masked view shows each result (`shown`, decided by `masking.disclose` for a reader
    and aligned with `results`): whoever shows them masks them by it (`display.results_table`). Shaped like
    an `EffectGoal` where `display` reads one (target type, value and baseline year). The styrkort holds the
    organisation's own results, the programme report the city's.
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
    shown: tuple[FiguresShown, ...] = ()  # a masked view's figures for each result; none: all withheld

    @classmethod
    def of(cls, goal: EffectGoal, program_name: str, results: list[Result], *,
           shown: list[FiguresShown] = ()) -> EffectGoalResults:
        return cls(program_name=program_name, code=goal.code, wording=goal.wording,
                   target_type=TargetType(goal.target_type), target_value=goal.target_value,
                   baseline_year=goal.baseline_year, numerator_label=goal.numerator_label,
                   denominator_label=goal.denominator_label, data_source=goal.data_source, results=tuple(results),
                   shown=tuple(shown))

    def is_baseline(self, result: Result) -> bool:
        """A change target's baseline year: compared with itself it is the starting count, not a result."""
        return self.target_type == TargetType.change_at_least and result.year == self.baseline_year


def target_of(goal: EffectGoal) -> GoalTarget:
    return GoalTarget(goal.target_type, goal.target_value, goal.baseline_year)


def follow_up_years(program: Program, today: date) -> list[int]:
    """The programme's years up to this one: the years figures can exist for."""
    return list(range(program.start_year, min(program.end_year, today.year) + 1))


def list_goals(session: Session, *, program_id: int | None = None) -> list[tuple[EffectGoal, Program]]:
    query = (select(EffectGoal, Program).join(Program, EffectGoal.program_id == Program.id)
             .where(EffectGoal.active).order_by(Program.start_year, Program.id, EffectGoal.position, EffectGoal.id))
    if program_id is not None:
        query = query.where(EffectGoal.program_id == program_id)
    return list(session.exec(query).all())


def goal_results(session: Session, goals: list[tuple[EffectGoal, Program]], *, today: date,
                 organisation_id: int | None = None) -> list[GoalResults]:
    """Each goal's city result per year and every responsible organisation's own (or only one organisation's)."""
    ids = [goal.id for goal, _program in goals] or [-1]
    responsible: dict[int, list[Organisation]] = defaultdict(list)
    for goal_id, organisation in session.exec(
            select(EffectGoalOrganisation.effect_goal_id, Organisation)
            .join(Organisation, EffectGoalOrganisation.organisation_id == Organisation.id)
            .where(EffectGoalOrganisation.effect_goal_id.in_(ids)).order_by(Organisation.name)):
        responsible[goal_id].append(organisation)
    measurements: dict[int, dict[int, dict[int, Measurement]]] = defaultdict(lambda: defaultdict(dict))
    for row in session.exec(select(Measurement).where(Measurement.effect_goal_id.in_(ids))):
        measurements[row.effect_goal_id][row.year][row.organisation_id] = row
    out = []
    for goal, program in goals:
        years = follow_up_years(program, today)
        orgs = responsible[goal.id]
        figures = {year: {org: Figures(m.numerator, m.denominator) for org, m in by_org.items()}
                   for year, by_org in measurements[goal.id].items()}
        target = target_of(goal)
        everyone = {o.id for o in orgs}
        city = {year: result(target, year, figures, everyone) for year in years}
        rows = [OrganisationRow(o, {year: result(target, year, figures, {o.id}) for year in years},
                                {year: by_org[o.id] for year, by_org in measurements[goal.id].items()
                                 if o.id in by_org})
                for o in orgs if organisation_id is None or o.id == organisation_id]
        out.append(GoalResults(goal, program, years, city, rows))
    return out


def goals_of_organisation(session: Session, organisation_id: int, *, program_id: int | None = None
                          ) -> list[tuple[EffectGoal, Program]]:
    """The active goals the organisation reports figures for."""
    query = (select(EffectGoal, Program).join(Program, EffectGoal.program_id == Program.id)
             .join(EffectGoalOrganisation, EffectGoalOrganisation.effect_goal_id == EffectGoal.id)
             .where(EffectGoal.active, EffectGoalOrganisation.organisation_id == organisation_id)
             .order_by(Program.start_year, Program.id, EffectGoal.position, EffectGoal.id))
    if program_id is not None:
        query = query.where(EffectGoal.program_id == program_id)
    return list(session.exec(query).all())
