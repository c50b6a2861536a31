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
from pathlib import Path

from sqlmodel import Session, select

from tracker.audit import service as audit
from tracker.effect_goals import seeding as effect_goal_seeding
from tracker.organisations.models import Organisation, OrgKind
from tracker.periods.models import ReportingPeriod
from tracker.periods.service import build_period, parse_period_code, tertials_between
from tracker.programs import service as programs
from tracker.programs.models import (
    Activity,
    ActivityBase,
    Goal,
    Partner,
    Program,
    TargetGroup,
)
from tracker.seeding.files import (
    DISTRICTS_TOKEN,
    ActivitySeed,
    GoalSeed,
    Located,
    OrganisationSeed,
    PeriodsSeed,
    ProgramSeed,
    SeedBundle,
    SeedError,
    read_yaml,
    rows,
    to_deadline,
    validate,
)
from tracker.seeding.models import SeedRecord

DEMO_SLUG_PREFIX = "demo-"  # see tracker.demo

class _SeedActor:
    """Audit events written by the seed name it as the actor."""

    id = None
    email = "seed"


ACTOR = _SeedActor()


@dataclass
class SeedResult:
    created: Counter

    @property
    def total(self) -> int:
        return sum(self.created.values())


def read_bundle(seed_dir: Path) -> SeedBundle:
    """Read and validate every seed file in `seed_dir`, cross-checking references."""
    bundle = SeedBundle()
    _read_organisations(bundle, seed_dir / "organisations.yaml")
    _read_programs(bundle, seed_dir / "programs.yaml")
    periods_path = seed_dir / "periods.yaml"
    if periods_path.exists():
        seed, line = validate(PeriodsSeed, read_yaml(periods_path), periods_path, None)
        for number in (1, 2, 3):
            if number not in seed.deadlines:
                raise SeedError(periods_path, line, f"deadlines saknar tertial {number}")
        bundle.periods = Located(seed, periods_path, 0, line)
    for path in sorted(seed_dir.glob("activities-*.yaml")):
        _read_activities(bundle, path)
    effect_goal_seeding.read_effect_goals(bundle, seed_dir)
    return bundle


def _read_organisations(bundle: SeedBundle, path: Path) -> None:
    seen: dict[str, int] = {}
    for index, raw in enumerate(rows(read_yaml(path), "organisations", path), start=1):
        seed, line = validate(OrganisationSeed, raw, path, index)
        _unique(seen, seed.slug, path, index, line, "slug")
        bundle.organisations.append(Located(seed, path, index, line))


def _read_programs(bundle: SeedBundle, path: Path) -> None:
    seen: dict[str, int] = {}
    for index, raw in enumerate(rows(read_yaml(path), "programs", path), start=1):
        goal_rows = raw.pop("goals", []) if isinstance(raw, dict) else []
        seed, line = validate(ProgramSeed, raw, path, index)
        _unique(seen, seed.slug, path, index, line, "slug")
        if not isinstance(goal_rows, list):
            raise SeedError(path, line, "'goals' ska vara en lista", index)
        goals, codes = [], {}
        for goal_raw in goal_rows:
            goal, goal_line = validate(GoalSeed, goal_raw, path, index, line)
            _unique(codes, goal.code, path, index, goal_line, "målkod")
            goals.append(Located(goal, path, index, goal_line))
        bundle.programs.append(Located(seed, path, index, line))
        bundle.goals[seed.slug] = goals


def _read_activities(bundle: SeedBundle, path: Path) -> None:
    data = read_yaml(path)
    slug = data.get("program")
    if slug not in bundle.goals:
        raise SeedError(path, data.get("__line__"), f"okänt program {slug!r}")
    goal_codes = {g.value.code for g in bundle.goals[slug]}
    org_slugs = {o.value.slug for o in bundle.organisations}
    seen = {a.value.key: a.row for rows_ in bundle.activities.values() for a in rows_}
    located = bundle.activities.setdefault(slug, [])
    for index, raw in enumerate(rows(data, "activities", path), start=1):
        seed, line = validate(ActivitySeed, raw, path, index)
        _unique(seen, seed.key, path, index, line, "key")
        if seed.goal not in goal_codes:
            raise SeedError(path, line, f"okänt mål {seed.goal!r} (finns: {', '.join(sorted(goal_codes))})", index)
        for responsible in seed.responsible:
            if responsible != DISTRICTS_TOKEN and responsible not in org_slugs:
                raise SeedError(path, line, f"okänd organisation {responsible!r} i responsible", index)
        if len(set(seed.responsible)) != len(seed.responsible):
            raise SeedError(path, line, "samma organisation står två gånger i responsible", index)
        located.append(Located(seed, path, index, line))


def _unique(seen: dict[str, int], key: str, path: Path, row: int, line: int | None, what: str) -> None:
    if key in seen:
        raise SeedError(path, line, f"dubblett: {what} {key!r} finns redan i post {seen[key]}", row)
    seen[key] = row


class _Ledger:
    """The SeedRecord table, read once per run."""

    def __init__(self, session: Session):
        self.session = session
        self.records = {(r.kind, r.key): r.entity_id for r in session.exec(select(SeedRecord))}
        self.created: Counter = Counter()

    def known(self, kind: str, key: str) -> int | None:
        return self.records.get((kind, key))

    def remember(self, kind: str, key: str, entity_id: int, *, created: bool) -> None:
        self.session.add(SeedRecord(kind=kind, key=key, entity_id=entity_id))
        self.records[(kind, key)] = entity_id
        if created:
            self.created[kind] += 1


def apply(session: Session, bundle: SeedBundle, *, today: date) -> SeedResult:
    """Create what the seed has never created; the caller commits or rolls back."""
    ledger = _Ledger(session)
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
    if ledger.created:
        audit.record(session, actor=ACTOR, action="seed.loaded",
                     entity_type="seed", after=dict(ledger.created))
    session.flush()
    return SeedResult(created=ledger.created)


def _apply_organisations(session: Session, ledger: _Ledger, bundle: SeedBundle) -> dict[str, Organisation]:
    existing = {o.slug: o for o in session.exec(select(Organisation))}
    for located in bundle.organisations:
        seed = located.value
        if ledger.known("organisation", seed.slug):
            continue
        org = existing.get(seed.slug)
        created = org is None
        if created:
            org = Organisation(**seed.model_dump())
            session.add(org)
            session.flush()
            existing[seed.slug] = org
        ledger.remember("organisation", seed.slug, org.id, created=created)
    return existing


def _apply_program(session: Session, ledger: _Ledger, seed: ProgramSeed) -> Program:
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


def _apply_goals(session: Session, ledger: _Ledger, program: Program, rows_: list[Located]) -> dict[str, Goal]:
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
        activity = programs.create_activity(session, goal=goal, program=program, data=data,
                                            actor=ACTOR, position=located.row)
        ledger.remember("activity", seed.key, activity.id, created=True)
    else:
        activity = session.get(Activity, entity_id)
        if activity is None:
            return
    for name in seed.target_groups:
        key = f"{seed.key}:target_group:{name}"
        if not ledger.known("activity_target_group", key):
            group = programs.get_or_create_named(session, TargetGroup, name)
            programs.link_target_group(session, activity, group)
            ledger.remember("activity_target_group", key, group.id, created=True)
    for name in seed.partners:
        key = f"{seed.key}:partner:{name}"
        if not ledger.known("activity_partner", key):
            partner = programs.get_or_create_named(session, Partner, name)
            programs.link_partner(session, activity, partner)
            ledger.remember("activity_partner", key, partner.id, created=True)
    missing = [org for org in _responsible(seed.responsible, orgs)
               if not ledger.known("commitment", f"{seed.key}:{org.slug}")]
    if missing:
        commitments = programs.assign_many(session, activity=activity, organisations=missing, actor=ACTOR)
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


def _apply_periods(session: Session, ledger: _Ledger, seed: PeriodsSeed, today: date) -> None:
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
            period = build_period(year, number, to_deadline(seed.deadlines[number]), today)
            session.add(period)
            session.flush()
        ledger.remember("period", key, period.id, created=created)
