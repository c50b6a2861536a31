"""Read and validate the seed files of a directory, cross-checking what they refer to; nothing is written here."""
from __future__ import annotations

from pathlib import Path

from tracker.effect_goals.seeding import read_effect_goals
from tracker.funds.seeding import read_funds
from tracker.seeding.models import (
    ActivitySeed,
    GoalSeed,
    Located,
    OrganisationSeed,
    PeriodsSeed,
    ProgramSeed,
    SeedBundle,
)
from tracker.seeding.parsing import (
    SeedError,
    check_responsible,
    check_unique,
    program_of,
    read_yaml,
    rows,
    validate,
)


def read_bundle(seed_dir: Path) -> SeedBundle:
    """Read and validate every seed file in `seed_dir`, cross-checking references."""
    bundle = SeedBundle()
    _read_organisations(bundle, seed_dir / "organisations.yaml")
    _read_programs(bundle, seed_dir / "programs.yaml")
    bundle.periods = read_periods(seed_dir)
    for path in sorted(seed_dir.glob("activities-*.yaml")):
        _read_activities(bundle, path)
    read_effect_goals(bundle, seed_dir)
    read_funds(bundle, seed_dir)
    return bundle


def read_periods(seed_dir: Path) -> Located | None:
    """The tertial calendar's seed (first and last tertial, default deadlines), if the file is there."""
    path = seed_dir / "periods.yaml"
    if not path.exists():
        return None
    seed, line = validate(PeriodsSeed, read_yaml(path), path, None)
    for number in (1, 2, 3):
        if number not in seed.deadlines:
            raise SeedError(path, line, f"deadlines saknar tertial {number}")
    return Located(seed, path, 0, line)


def _read_organisations(bundle: SeedBundle, path: Path) -> None:
    seen: dict[str, int] = {}
    for index, raw in enumerate(rows(read_yaml(path), "organisations", path), start=1):
        seed, line = validate(OrganisationSeed, raw, path, index)
        check_unique(seen, seed.slug, path, index, line, "slug")
        if seed.valid_from and seed.valid_to and seed.valid_to < seed.valid_from:
            raise SeedError(path, line, "valid_to ligger före valid_from", index)
        bundle.organisations.append(Located(seed, path, index, line))
    slugs = {located.value.slug for located in bundle.organisations}
    for located in bundle.organisations:
        successor = located.value.successor
        if successor is not None and (successor not in slugs or successor == located.value.slug):
            raise SeedError(path, located.line, f"okänd efterträdare {successor!r} i successor", located.row)


def _read_programs(bundle: SeedBundle, path: Path) -> None:
    seen: dict[str, int] = {}
    for index, raw in enumerate(rows(read_yaml(path), "programs", path), start=1):
        goal_rows = raw.pop("goals", []) if isinstance(raw, dict) else []
        seed, line = validate(ProgramSeed, raw, path, index)
        check_unique(seen, seed.slug, path, index, line, "slug")
        if not isinstance(goal_rows, list):
            raise SeedError(path, line, "'goals' ska vara en lista", index)
        goals, codes = [], {}
        for goal_raw in goal_rows:
            goal, goal_line = validate(GoalSeed, goal_raw, path, index, line)
            check_unique(codes, goal.code, path, index, goal_line, "målkod")
            goals.append(Located(goal, path, index, goal_line))
        bundle.programs.append(Located(seed, path, index, line))
        bundle.goals[seed.slug] = goals


def _read_activities(bundle: SeedBundle, path: Path) -> None:
    data = read_yaml(path)
    slug = program_of(data, bundle, path)
    goal_codes = {g.value.code for g in bundle.goals[slug]}
    org_slugs = {o.value.slug for o in bundle.organisations}
    seen = {a.value.key: a.row for rows_ in bundle.activities.values() for a in rows_}
    located = bundle.activities.setdefault(slug, [])
    for index, raw in enumerate(rows(data, "activities", path), start=1):
        seed, line = validate(ActivitySeed, raw, path, index)
        check_unique(seen, seed.key, path, index, line, "key")
        if seed.goal not in goal_codes:
            raise SeedError(path, line, f"okänt mål {seed.goal!r} (finns: {', '.join(sorted(goal_codes))})", index)
        check_responsible(seed.responsible, org_slugs, path, index, line)
        if len(set(seed.responsible)) != len(seed.responsible):
            raise SeedError(path, line, "samma organisation står två gånger i responsible", index)
        located.append(Located(seed, path, index, line))
