"""A bad seed file names the file, row and problem, and loads nothing."""
from __future__ import annotations

import shutil
from datetime import date

import pytest
from sqlmodel import func, select

from tests.conftest import SEED_DIR
from tracker.organisations.models import Organisation
from tracker.programs.models import Activity
from tracker.seeding import service as seeding
from tracker.seeding.files import read_bundle
from tracker.seeding.parsing import SeedError

ACTIVITIES = "activities-program-mot-vald-2021-2025.yaml"


@pytest.fixture
def seed_copy(tmp_path):
    for path in SEED_DIR.glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    return tmp_path


def _replace(path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _load(session, directory):
    return seeding.apply(session, read_bundle(directory), today=date(2026, 11, 23))


def _nothing_loaded(session) -> bool:
    session.rollback()
    return all(
        session.exec(select(func.count()).select_from(model)).one() == 0 for model in (Organisation, Activity)
    )


def test_unknown_organisation_names_file_row_and_slug(session, seed_copy):
    _replace(seed_copy / ACTIVITIES, "responsible: [socialnamnden]\n    target_groups: [Allmänheten]\n    partners: [Operation",
             "responsible: [socialnamden]\n    target_groups: [Allmänheten]\n    partners: [Operation")
    with pytest.raises(SeedError) as error:
        _load(session, seed_copy)
    message = str(error.value)
    assert ACTIVITIES in message and "post 2" in message and "rad " in message
    assert "okänd organisation 'socialnamden'" in message
    assert _nothing_loaded(session)


def test_duplicate_row_is_refused(session, seed_copy):
    _replace(seed_copy / ACTIVITIES, "key: bilaga1-05", "key: bilaga1-04")
    with pytest.raises(SeedError, match=r"post 5 .*dubblett: key 'bilaga1-04' finns redan i post 4"):
        _load(session, seed_copy)
    assert _nothing_loaded(session)


def test_duplicate_organisation_is_refused(session, seed_copy):
    _replace(seed_copy / "organisations.yaml", "slug: bromma", "slug: hasselby-vallingby")
    with pytest.raises(SeedError, match=r"organisations.yaml, post 4 \(rad \d+\): dubblett: slug"):
        _load(session, seed_copy)


def test_malformed_value_names_the_field(session, seed_copy):
    _replace(seed_copy / "organisations.yaml", "kind: company", "kind: stiftelse")
    with pytest.raises(SeedError) as error:
        _load(session, seed_copy)
    assert "organisations.yaml, post 18" in str(error.value)
    assert "fältet 'kind'" in str(error.value) and "stiftelse" in str(error.value)
    assert _nothing_loaded(session)


def test_unknown_field_and_bad_slug(session, seed_copy):
    _replace(seed_copy / "organisations.yaml", "slug: farsta", "slug: Farsta Stad\n    colour: red")
    with pytest.raises(SeedError) as error:
        _load(session, seed_copy)
    assert "okänt fält 'colour'" in str(error.value)
    assert "fältet 'slug'" in str(error.value)


def test_unknown_goal(session, seed_copy):
    _replace(seed_copy / ACTIVITIES, "goal: M6", "goal: M7")
    with pytest.raises(SeedError, match="okänt mål 'M7'"):
        _load(session, seed_copy)


def test_invalid_yaml_names_the_line(session, seed_copy):
    path = seed_copy / "programs.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\n  - slug: [unclosed\n", encoding="utf-8")
    with pytest.raises(SeedError, match=r"programs.yaml \(rad \d+\): ogiltig YAML"):
        _load(session, seed_copy)


def test_bad_period_code(session, seed_copy):
    _replace(seed_copy / "periods.yaml", "last: 2025-T3", "last: 2025-T4")
    with pytest.raises(SeedError, match="periods.yaml.*ogiltig tertial"):
        _load(session, seed_copy)


def test_error_after_partial_work_leaves_the_database_untouched(session, seed_copy, runner):
    """Validation passes but a later row breaks a database rule: one transaction, nothing kept."""
    _replace(seed_copy / ACTIVITIES, "time_frame: Höst 2021\n    responsible: [socialnamnden]\n    target_groups: [Alla berörda",
             "time_frame: Höst 2021\n    responsible: [socialnamnden]\n    target_groups: [Alla berörda")
    result = runner.invoke(args=["seed", "--dir", str(seed_copy)])
    assert result.exit_code == 0
    broken = seed_copy / "organisations.yaml"
    _replace(broken, "kind: committee\n    note:", "kind: committee\n    note: " + "x" * 3000 + "\n    extra_note:")
    result = runner.invoke(args=["seed", "--dir", str(seed_copy)])
    assert result.exit_code != 0
    assert "Inget lästes in" in result.output and "organisations.yaml" in result.output
