"""The five Bryt upp effect goals are seeded exactly as 003 words them."""
from __future__ import annotations

from sqlmodel import select

from tracker.effect_goals.models import EffectGoal, EffectGoalOrganisation, TargetType
from tracker.organisations.models import Organisation, OrgKind
from tracker.programs.models import Program

WORDING = {
    "fragor-om-vald": "Alla enheter, som möter barn, unga, vuxna och äldre har som rutin att ställa frågor om "
                      "våldsutsatthet.",
    "stadigvarande-boende": "80 procent som fullföljt placering på skyddat boende ska efter placeringen ha en "
                            "trygg och stadigvarande boendeform.",
    "ateraktualiserade-rvt": "Antalet återaktualiserade våldsutsatta till RVT ska inte överstiga 20 procent.",
    "remittering-mellanbo": "Remittering till SHIS Mellanbo ska öka med 25 procent.",
    "skolgang-inom-en-vecka": "95 procent av barnen som är placerade på skyddat boende, ska ha en fungerande "
                              "skolgång inom en vecka.",
}
TARGETS = {
    "fragor-om-vald": (TargetType.all_units, 100),
    "stadigvarande-boende": (TargetType.share_at_least, 80),
    "ateraktualiserade-rvt": (TargetType.share_at_most, 20),
    "remittering-mellanbo": (TargetType.change_at_least, 25),
    "skolgang-inom-en-vecka": (TargetType.share_at_least, 95),
}


def test_five_goals_with_exact_wording_targets_and_no_baseline(seeded):
    bryt_upp = seeded.exec(select(Program).where(Program.slug == "bryt-upp")).one()
    goals = seeded.exec(select(EffectGoal).where(EffectGoal.program_id == bryt_upp.id)
                        .order_by(EffectGoal.position)).all()
    assert [g.code for g in goals] == list(WORDING)
    for goal in goals:
        assert goal.wording == WORDING[goal.code]
        assert (goal.target_type, goal.target_value) == TARGETS[goal.code]
        assert goal.baseline_year is None
        assert (goal.denominator_label is None) == (goal.target_type == TargetType.change_at_least)


def test_definitions_come_from_the_footnotes(seeded):
    by_code = {g.code: g for g in seeded.exec(select(EffectGoal))}
    assert "minimum om 6 månader" in by_code["stadigvarande-boende"].definition
    for kind in ("hyra en lägenhet i andra hand", "SHIS Bostäder", "inneboendekontrakt", "förtursenheten"):
        assert kind in by_code["stadigvarande-boende"].definition
    assert "Lärteamet" in by_code["skolgang-inom-en-vecka"].definition


def test_the_districts_report_every_goal_and_shis_the_mellanbo_referrals(seeded):
    districts = {o.id for o in seeded.exec(select(Organisation).where(Organisation.kind == OrgKind.district,
                                                                      Organisation.active))}
    assert len(districts) == 13
    shis = seeded.exec(select(Organisation).where(Organisation.slug == "shis-bostader")).one()
    for goal in seeded.exec(select(EffectGoal)):
        responsible = {link.organisation_id for link in seeded.exec(
            select(EffectGoalOrganisation).where(EffectGoalOrganisation.effect_goal_id == goal.id))}
        expected = districts | {shis.id} if goal.code == "remittering-mellanbo" else districts
        assert responsible == expected, goal.code


def test_a_bad_effect_goal_seed_names_file_row_and_problem(session, tmp_path):
    import shutil

    import pytest

    from tests.conftest import SEED_DIR
    from tests.seeding.test_bad_seed_files import _load, _nothing_loaded, _replace
    from tracker.seeding.parsing import SeedError

    for path in SEED_DIR.glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    _replace(tmp_path / "effect-goals.yaml", "    denominator: Personer som fullföljt placering på skyddat boende\n", "")
    with pytest.raises(SeedError) as error:
        _load(session, tmp_path)
    message = str(error.value)
    assert "effect-goals.yaml, post 2 (rad " in message and "behöver en nämnare" in message
    assert _nothing_loaded(session)


def test_a_responsibility_a_coordinator_removed_is_not_seeded_again(session):
    from datetime import date

    from tests.conftest import SEED_DIR
    from tracker.seeding import service as seeding
    from tracker.seeding.files import read_bundle

    seeding.apply(session, read_bundle(SEED_DIR), today=date(2026, 11, 23))
    goal = session.exec(select(EffectGoal).where(EffectGoal.code == "remittering-mellanbo")).one()
    shis = session.exec(select(Organisation).where(Organisation.slug == "shis-bostader")).one()
    session.delete(session.get(EffectGoalOrganisation, (goal.id, shis.id)))
    goal.target_value = 30
    session.commit()
    result = seeding.apply(session, read_bundle(SEED_DIR), today=date(2026, 11, 23))
    session.commit()
    assert result.total == 0
    assert session.get(EffectGoalOrganisation, (goal.id, shis.id)) is None
    assert session.get(EffectGoal, goal.id).target_value == 30
