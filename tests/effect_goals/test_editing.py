"""Saving yearly figures: the form's rules, who may save, conflicts, kept versions and the audit trail."""
from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from tests.effect_goals.factories import make_effect_goal
from tracker.accounts.models import Role
from tracker.audit.models import AuditEvent
from tracker.effect_goals import editing
from tracker.effect_goals.models import Measurement, MeasurementContent, MeasurementVersion, TargetType

INTEGER = "Skriv ett heltal, 0 eller större."
REQUIRED = "Fyll i ett tal."
NO_DENOMINATOR = "Effektmålet följs upp med ett antal, utan nämnare: lämna nämnaren tom."


@pytest.fixture
def setting(session, make_program, make_org, make_user):
    """A programme 2021–2025, a share goal and a count goal for Norrmalm, and who may or may not save."""
    program = make_program()
    norrmalm, kista = make_org("norrmalm"), make_org("kista")
    share = make_effect_goal(session, program, code="andel", organisations=[norrmalm, kista])
    count = make_effect_goal(session, program, code="antal", target_type=TargetType.change_at_least,
                             organisations=[norrmalm])
    return {
        "program": program, "norrmalm": norrmalm, "kista": kista, "share": share, "count": count,
        "coordinator": make_user(Role.coordinator), "contact": make_user(Role.contact, orgs=[norrmalm]),
        "reader": make_user(Role.reader), "admin": make_user(Role.admin),
    }


def _save(session, s, actor, expected=None, *, goal="share", organisation="norrmalm", year=2023, **figures):
    content = MeasurementContent(**({"numerator": 40, "denominator": 50} | figures))
    return editing.save_measurement(session, goal=s[goal], organisation=s[organisation], year=year,
                                    content=content, expected_version=expected, actor=s[actor])


def _measurements(session):
    session.flush()
    return session.exec(select(Measurement)).all()


@pytest.mark.parametrize(("raw", "value", "error"), [
    ("12", 12, None),
    ("  7 ", 7, None),
    ("0", 0, None),
    ("1 234", 1234, None),
    ("1\u00a0234", 1234, None),  # Excel's and the browser's thousands space
    ("-3", None, INTEGER),
    ("2.5", None, INTEGER),
    ("2,5", None, INTEGER),
    ("abc", None, INTEGER),
    ("99999999999", None, "Talet är för stort."),
])
def test_numbers_are_read_as_written_in_swedish(setting, raw, value, error):
    content, errors = editing.read_measurement_form(setting["count"], {"numerator": raw})
    assert content.numerator == value
    assert errors.get("numerator") == error


def test_a_missing_numerator_is_required(setting):
    for raw in ("", "   ", None):
        _content, errors = editing.read_measurement_form(setting["count"], {"numerator": raw})
        assert errors == {"numerator": REQUIRED}


def test_a_share_needs_a_denominator_and_a_count_has_none(setting):
    assert editing.read_measurement_form(setting["share"], {"numerator": "3", "denominator": ""})[1] == {
        "denominator": REQUIRED}
    assert editing.read_measurement_form(setting["count"], {"numerator": "3", "denominator": "10"})[1] == {
        "denominator": NO_DENOMINATOR}
    assert editing.read_measurement_form(setting["count"], {"numerator": "3", "denominator": "abc"})[1] == {
        "denominator": NO_DENOMINATOR}


def test_the_numerator_cannot_exceed_the_denominator(setting):
    content, errors = editing.read_measurement_form(setting["share"], {"numerator": "51", "denominator": "50"})
    assert errors == {"numerator": "Täljaren kan inte vara större än nämnaren."}
    assert (content.numerator, content.denominator) == (51, 50)  # shown back in the form as written
    assert editing.read_measurement_form(setting["share"], {"numerator": "50", "denominator": "50"})[1] == {}


def test_texts_are_trimmed_and_limited(setting):
    content, errors = editing.read_measurement_form(setting["count"], {
        "numerator": "4", "source": "  Socialtjänstens statistik \r\n", "note": " Rad ett\r\nRad två "})
    assert errors == {}
    assert (content.source, content.note) == ("Socialtjänstens statistik", "Rad ett\nRad två")
    _content, errors = editing.read_measurement_form(setting["count"], {
        "numerator": "4", "source": "k" * 301, "note": "n" * 2003})
    assert errors == {
        "source": "Texten får vara högst 300 tecken. Nu är den 301 tecken: korta den med 1.",
        "note": "Texten får vara högst 2 000 tecken. Nu är den 2 003 tecken: korta den med 3.",
    }


def test_years_must_be_in_the_programme_and_not_in_the_future(setting, make_program):
    with pytest.raises(editing.MeasurementError) as before:
        editing.check_year(setting["program"], 2020)
    assert before.value.errors == {"year": "Välj ett år från 2021 till 2025, programmets år."}
    with pytest.raises(editing.MeasurementError):
        editing.check_year(setting["program"], 2026)
    this_year = date.today().year
    running = make_program("pagaende", start_year=this_year - 1, end_year=this_year + 3)
    editing.check_year(running, this_year)
    with pytest.raises(editing.MeasurementError) as future:
        editing.check_year(running, this_year + 1)
    assert future.value.errors == {"year": f"Året {this_year + 1} har inte börjat än."}


def test_a_year_is_written_with_four_digits(setting):
    assert editing.read_year(setting["program"], " 2023 ") == 2023
    for raw in ("23", "år 2023", "2023.5", ""):
        with pytest.raises(editing.MeasurementError) as error:
            editing.read_year(None, raw)
        assert error.value.errors["year"].startswith("Skriv året med fyra siffror")


def test_every_saved_version_is_kept_and_audited(session, setting):
    first = _save(session, setting, "contact", source="Journal")
    second = _save(session, setting, "coordinator", 1, numerator=45, source="Journal")
    session.commit()

    assert first is second and second.version == 2 and (second.numerator, second.denominator) == (45, 50)
    assert second.updated_by_id == setting["coordinator"].id
    versions = editing.measurement_versions(session, second.id)
    assert [(v.version, v.numerator, v.source, v.saved_by_id, v.via) for v in versions] == [
        (1, 40, "Journal", setting["contact"].id, "form"),
        (2, 45, "Journal", setting["coordinator"].id, "form"),
    ]
    events = session.exec(select(AuditEvent).where(AuditEvent.action == "effect_goal.measurement_saved")
                          .order_by(AuditEvent.id)).all()
    assert [e.entity_id for e in events] == [str(second.id)] * 2
    assert events[0].changes["after"]["numerator"] == 40 and events[0].changes["after"]["year"] == 2023
    assert events[1].changes == {"before": {"numerator": 40, "version": 1},
                                 "after": {"numerator": 45, "version": 2, "via": "form"}}


def test_saving_unchanged_figures_writes_nothing(session, setting):
    saved = _save(session, setting, "contact")
    again = _save(session, setting, "contact", 1)
    assert again.version == 1
    assert len(editing.measurement_versions(session, saved.id)) == 1
    assert len(session.exec(select(AuditEvent).where(AuditEvent.action == "effect_goal.measurement_saved")).all()) == 1


def test_a_stale_version_is_a_conflict_and_writes_nothing(session, setting):
    _save(session, setting, "contact")
    _save(session, setting, "coordinator", 1, numerator=45)
    for stale in (1, None):  # None: the editor believed there were no figures yet
        with pytest.raises(editing.MeasurementConflict) as conflict:
            _save(session, setting, "contact", stale, numerator=10)
        assert conflict.value.current.version == 2 and conflict.value.current.numerator == 45
    assert len(session.exec(select(MeasurementVersion)).all()) == 2


def test_figures_that_break_the_rules_are_not_saved(session, setting):
    with pytest.raises(editing.MeasurementError) as error:
        _save(session, setting, "contact", numerator=60)
    assert error.value.errors == {"numerator": "Täljaren kan inte vara större än nämnaren."}
    with pytest.raises(editing.MeasurementError) as error:
        _save(session, setting, "contact", year=2020)
    assert set(error.value.errors) == {"year"}
    assert _measurements(session) == []


def test_contact_cannot_save_for_another_organisation(session, setting):
    with pytest.raises(editing.NotAllowed):
        _save(session, setting, "contact", organisation="kista")
    assert _measurements(session) == []
    assert _save(session, setting, "coordinator", organisation="kista").version == 1


@pytest.mark.parametrize("role", ["reader", "admin"])
def test_readers_and_admins_never_save(session, setting, role):
    with pytest.raises(editing.NotAllowed):
        _save(session, setting, role)
    assert _measurements(session) == []


def test_only_responsible_organisations_report_for_a_goal(session, setting):
    with pytest.raises(editing.NotAllowed):
        _save(session, setting, "coordinator", goal="count", organisation="kista", denominator=None)
    assert _measurements(session) == []


def test_coordinators_set_and_clear_the_baseline_year(session, setting):
    goal = setting["count"]
    editing.set_baseline(session, goal=goal, year=2022, actor=setting["coordinator"])
    editing.set_baseline(session, goal=goal, year=2022, actor=setting["coordinator"])  # unchanged: not audited
    editing.set_baseline(session, goal=goal, year=None, actor=setting["coordinator"])
    session.commit()
    events = session.exec(select(AuditEvent).where(AuditEvent.action == "effect_goal.baseline_set")
                          .order_by(AuditEvent.id)).all()
    assert [e.changes for e in events] == [
        {"before": {"baseline_year": None}, "after": {"baseline_year": 2022}},
        {"before": {"baseline_year": 2022}, "after": {"baseline_year": None}},
    ]
    assert goal.baseline_year is None


def test_the_baseline_is_a_programme_year_set_by_a_coordinator(session, setting):
    goal = setting["count"]
    with pytest.raises(editing.MeasurementError):
        editing.set_baseline(session, goal=goal, year=2019, actor=setting["coordinator"])
    for role in ("contact", "reader", "admin"):
        with pytest.raises(editing.NotAllowed):
            editing.set_baseline(session, goal=goal, year=2022, actor=setting[role])
    assert goal.baseline_year is None
