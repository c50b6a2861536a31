"""Load the seed files into the database: create what is missing, never overwrite.

The rule (also in seeds/README.md): every entity the seed creates is recorded
in SeedRecord under its seed key. A later run creates only entities whose key
it has never created, so what a coordinator edited, deactivated or deleted in
the application stays as they left it. An entity that already exists under the
same natural key (an organisation slug, a programme slug, a tertial) is
adopted, not changed. Everything happens in one transaction: a bad file loads
nothing.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from tracker.audit import service as audit
from tracker.effect_goals import seeding as effect_goal_seeding
from tracker.funds import seeding as funds_seeding
from tracker.organisations.models import Organisation, OrgKind
from tracker.periods import yearly
from tracker.periods.models import ReportingPeriod
from tracker.periods.service import build_period, parse_period_code, tertials_between
from tracker.programs import editing, responsibility
from tracker.programs import service as programs
from tracker.programs.models import Activity, ActivityBase, Goal, Partner, Program, TargetGroup
from tracker.seeding.models import (
    DISTRICTS_TOKEN,
    ActivitySeed,
    GoalSeed,
    Located,
    PeriodsSeed,
    ProgramSeed,
    SeedBundle,
    SeedLedger,
)

DEMO_SLUG_PREFIX = "demo-"  # see tracker.demo


class _SeedActor:
    """Audit events written by the seed name it as the actor."""

    id = None
    email = "seed"


ACTOR = _SeedActor()


@dataclass
class SeedResult:
    created: Counter[str]

    @property
    def total(self) -> int:
        return sum(self.created.values())


def apply(session: Session, bundle: SeedBundle, *, today: date) -> SeedResult:
    """Create what the seed has never created; the caller commits or rolls back."""
    ledger = SeedLedger(session)
    orgs = _apply_organisations(session, ledger, bundle)
    for located in bundle.programs:
        program = _apply_program(session, ledger, located.value)
        goals = _apply_goals(session, ledger, program, bundle.goals[program.slug])
        for row in bundle.activities.get(program.slug, []):
            _apply_activity(session, ledger, program, goals, orgs, row)
        effect_goal_seeding.apply_effect_goals(session, ledger, program, bundle.effect_goals.get(program.slug, []),
                                               lambda tokens: _responsible(tokens, orgs))
    if bundle.periods is not None:
        _apply_periods(session, ledger, bundle.periods.value, today)
    funds_seeding.apply_funds(session, ledger, bundle.fund_years, orgs, ACTOR)
    if ledger.created:
        audit.record(session, actor=ACTOR, action="seed.loaded",
                     entity_type="seed", after=dict(ledger.created))
    session.flush()
    return SeedResult(created=ledger.created)


def _apply_organisations(session: Session, ledger: SeedLedger, bundle: SeedBundle) -> dict[str, Organisation]:
    existing = {o.slug: o for o in session.exec(select(Organisation))}
    successors: list[tuple[Organisation, str | None]] = []  # set once every organisation of the file exists
    for located in bundle.organisations:
        seed = located.value
        if ledger.known("organisation", seed.slug):
            continue
        org = existing.get(seed.slug)
        created = org is None
        if created:
            org = Organisation(**seed.model_dump(exclude={"successor"}))
            session.add(org)
            session.flush()
            existing[seed.slug] = org
            successors.append((org, seed.successor))
        ledger.remember("organisation", seed.slug, org.id, created=created)
    for org, successor in successors:
        if successor is not None and successor in existing:
            org.successor_id = existing[successor].id
            session.add(org)
    return existing


def _apply_program(session: Session, ledger: SeedLedger, seed: ProgramSeed) -> Program:
    entity_id = ledger.known("program", seed.slug)
    if entity_id is not None and (program := session.get(Program, entity_id)) is not None:
        return program
    program = programs.get_program(session, seed.slug)
    created = program is None
    if created:
        program = Program(**seed.model_dump())
        session.add(program)
        session.flush()
    ledger.remember("program", seed.slug, program.id, created=created)
    return program


def _apply_goals(session: Session, ledger: SeedLedger, program: Program, rows_: list[Located]) -> dict[str, Goal]:
    goals: dict[str, Goal] = {}
    for position, located in enumerate(rows_):
        seed: GoalSeed = located.value
        key = f"{program.slug}:{seed.code}"
        entity_id = ledger.known("goal", key)
        goal = session.get(Goal, entity_id) if entity_id is not None else None
        if entity_id is None:
            goal = Goal(program_id=program.id, number=seed.number, title=seed.title, position=position)
            session.add(goal)
            session.flush()
            ledger.remember("goal", key, goal.id, created=True)
        if goal is not None:
            goals[seed.code] = goal
    return goals


def _apply_activity(session, ledger, program, goals, orgs, located: Located) -> None:
    seed: ActivitySeed = located.value
    entity_id = ledger.known("activity", seed.key)
    if entity_id is None:
        goal = goals.get(seed.goal)
        if goal is None:  # the coordinator deleted the goal: respect that
            return
        data = ActivityBase(
            title=seed.title, description=seed.description, time_frame=seed.time_frame,
            recipients_as_written=seed.recipients, note=seed.note,
        )
        activity = editing.create_activity(session, goal=goal, program=program, data=data,
                                           actor=ACTOR, position=located.row)
        ledger.remember("activity", seed.key, activity.id, created=True)
    else:
        activity = session.get(Activity, entity_id)
        if activity is None:
            return
    for model, what, names in ((TargetGroup, "target_group", seed.target_groups),
                               (Partner, "partner", seed.partners)):
        for name in names:
            key = f"{seed.key}:{what}:{name}"
            if not ledger.known(f"activity_{what}", key):
                named = editing.link_name(session, activity, model, name)
                ledger.remember(f"activity_{what}", key, named.id, created=True)
    missing = [org for org in _responsible(seed.responsible, orgs)
               if not ledger.known("commitment", f"{seed.key}:{org.slug}")]
    if missing:
        commitments = responsibility.assign_many(session, activity=activity, organisations=missing, actor=ACTOR)
        for org, commitment in zip(missing, commitments, strict=True):
            ledger.remember("commitment", f"{seed.key}:{org.slug}", commitment.id, created=True)


def _responsible(tokens: list[str], orgs: dict[str, Organisation]) -> list[Organisation]:
    out = []
    for token in tokens:
        if token == DISTRICTS_TOKEN:  # the real ones: never the synthetic demo organisations
            out.extend(sorted((o for o in orgs.values() if o.kind == OrgKind.district and o.active
                               and not o.slug.startswith(DEMO_SLUG_PREFIX)), key=lambda o: o.name))
        else:
            out.append(orgs[token])
    return out


def _apply_periods(session: Session, ledger: SeedLedger, seed: PeriodsSeed, today: date) -> None:
    first = parse_period_code(seed.first)
    last = parse_period_code(seed.last)
    existing = {(p.year, p.number): p for p in session.exec(select(ReportingPeriod))}
    for year, number in tertials_between(first, last):
        key = f"{year}-T{number}"
        if ledger.known("period", key):
            continue
        period = existing.get((year, number))
        created = period is None
        if created:
            period = build_period(year, number, seed.deadlines[number].deadline(), today)
            session.add(period)
            session.flush()
        ledger.remember("period", key, period.id, created=created)
    # After the listed range, the calendar follows the programmes' years (the rule of the daily job).
    deadlines = {number: row.deadline() for number, row in seed.deadlines.items()}
    for year, number in yearly.missing_tertials(session, today=today, first=first):
        period = build_period(year, number, deadlines[number], today)
        session.add(period)
        session.flush()
        ledger.remember("period", f"{year}-T{number}", period.id, created=True)
