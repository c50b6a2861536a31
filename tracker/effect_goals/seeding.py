"""The effect goals in the seed (`seeds/effect-goals.yaml`): read, validate, create once.

Follows the seed rule of `tracker.seeding`: each goal and each responsible
organisation is created under its seed key only once, ever; a goal or a
responsibility a coordinator changed or removed stays as they left it.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pydantic import Field, model_validator
from sqlmodel import Session, select

from tracker.effect_goals.models import EffectGoal, EffectGoalOrganisation, TargetType
from tracker.organisations.models import Organisation
from tracker.programs.models import Program
from tracker.seeding.models import Located, SeedBundle, SeedLedger, StrictSeed
from tracker.seeding.parsing import check_responsible, check_unique, program_of, read_yaml, rows, validate

FILE_NAME = "effect-goals.yaml"


class TargetSeed(StrictSeed):
    type: TargetType
    value: int = Field(ge=0, le=1000)


class EffectGoalSeed(StrictSeed):
    code: str = Field(min_length=1, max_length=80, pattern=r"^[a-z0-9][a-z0-9-]*$")
    wording: str = Field(min_length=1, max_length=1000)
    definition: str | None = Field(default=None, max_length=3000)
    target: TargetSeed
    numerator: str = Field(min_length=1, max_length=300)
    denominator: str | None = Field(default=None, max_length=300)
    data_source: str | None = Field(default=None, max_length=500)
    responsible: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _denominator_matches_target(self):
        counted = self.target.type == TargetType.change_at_least
        if counted and self.denominator is not None:
            raise ValueError("ett mål om ökning räknar ett antal och har ingen nämnare (denominator)")
        if not counted and self.denominator is None:
            raise ValueError("ett mål om en andel behöver en nämnare (denominator)")
        return self


def read_effect_goals(bundle: SeedBundle, seed_dir: Path) -> None:
    """Read the effect-goal file if there is one, checking the programme and organisations it names."""
    path = seed_dir / FILE_NAME
    if not path.exists():
        return
    data = read_yaml(path)
    slug = program_of(data, bundle, path)
    org_slugs = {o.value.slug for o in bundle.organisations}
    seen: dict[str, int] = {}
    located = bundle.effect_goals.setdefault(slug, [])
    for index, raw in enumerate(rows(data, "effect_goals", path), start=1):
        seed, line = validate(EffectGoalSeed, raw, path, index)
        check_unique(seen, seed.code, path, index, line, "kod")
        check_responsible(seed.responsible, org_slugs, path, index, line)
        located.append(Located(seed, path, index, line))


def apply_effect_goals(session: Session, ledger: SeedLedger, program: Program, rows_: list[Located],
                       responsible_of: Callable[[list[str]], list[Organisation]]) -> None:
    """Create the goals and responsibilities never created before (`ledger` is the seed's record)."""
    for position, located in enumerate(rows_):
        seed: EffectGoalSeed = located.value
        key = f"{program.slug}:{seed.code}"
        entity_id = ledger.known("effect_goal", key)
        if entity_id is None:
            goal = session.exec(select(EffectGoal).where(EffectGoal.program_id == program.id,
                                                         EffectGoal.code == seed.code)).first()
            created = goal is None
            if created:
                goal = EffectGoal(
                    program_id=program.id, position=position, code=seed.code, wording=seed.wording,
                    definition=seed.definition, data_source=seed.data_source, target_type=seed.target.type,
                    target_value=seed.target.value, numerator_label=seed.numerator,
                    denominator_label=seed.denominator)
                session.add(goal)
                session.flush()
            ledger.remember("effect_goal", key, goal.id, created=created)
        elif (goal := session.get(EffectGoal, entity_id)) is None:
            continue  # removed by a coordinator: respect that
        for organisation in responsible_of(seed.responsible):
            link_key = f"{key}:{organisation.slug}"
            if ledger.known("effect_goal_organisation", link_key):
                continue
            if session.get(EffectGoalOrganisation, (goal.id, organisation.id)) is None:
                session.add(EffectGoalOrganisation(effect_goal_id=goal.id, organisation_id=organisation.id))
            ledger.remember("effect_goal_organisation", link_key, organisation.id, created=True)

