"""The seed reproduces the source documents: Bilaga 1 of 004, the orgs of 002/003."""
from __future__ import annotations

import re
from datetime import date

import pytest
from sqlmodel import func, select

from tests.conftest import SEED_DIR
from tracker.audit.models import AuditEvent
from tracker.organisations.models import Organisation, OrgKind
from tracker.periods.models import PeriodState, ReportingPeriod
from tracker.programs.models import (
    Activity,
    ActivityPartner,
    ActivityTargetGroup,
    Commitment,
    Goal,
    Partner,
    Program,
    TargetGroup,
)
from tracker.seeding import service as seeding
from tracker.seeding.files import read_bundle

DISTRICTS = [
    "Rinkeby-Kista", "Spånga-Tensta", "Hässelby-Vällingby", "Bromma", "Kungsholmen", "Norrmalm",
    "Östermalm", "Södermalm", "Enskede-Årsta-Vantör", "Skarpnäck", "Farsta", "Hägersten-Älvsjö",
    "Skärholmen",
]
S, E = date(2021, 1, 1), date(2025, 12, 31)

# Row of Bilaga 1 → (goal, time frame as printed, starts, ends, parsed, number of responsible orgs)
BILAGA_1 = {
    1: ("M1", "Löpande", S, E, True, 13),
    2: ("M1", "När Operation Kvinnofrid genomför kampanj", S, E, False, 1),
    3: ("M1", "Löpande", S, E, True, 13),
    4: ("M1", "Löpande", S, E, True, 13),
    5: ("M2", "Löpande", S, E, True, 13),
    6: ("M2", "Löpande", S, E, True, 13),
    7: ("M2", "Löpande", S, E, True, 13),
    8: ("M3", "Löpande", S, E, True, 1),
    9: ("M3", "2022", date(2022, 1, 1), date(2022, 12, 31), True, 1),
    10: ("M3", "Löpande", S, E, True, 13),
    11: ("M3", "Höst 2021", date(2021, 8, 1), date(2021, 12, 31), True, 1),
    12: ("M3", "2022", date(2022, 1, 1), date(2022, 12, 31), True, 1),
    13: ("M4", "2022", date(2022, 1, 1), date(2022, 12, 31), True, 1),
    14: ("M4", "2022", date(2022, 1, 1), date(2022, 12, 31), True, 13),
    15: ("M4", "Löpande", S, E, True, 13),
    16: ("M4", "Löpande", S, E, True, 13),
    17: ("M5", "Löpande", S, E, True, 13),
    18: ("M5", "Löpande", S, E, True, 1),
    19: ("M6", "Löpande", S, E, True, 16),
    20: ("M6", "Löpande", S, E, True, 17),
    21: ("M6", "Löpande", S, E, True, 16),
    22: ("M6", "Vår 2022", date(2022, 1, 1), date(2022, 6, 30), True, 1),
    23: ("M6", "2023", date(2023, 1, 1), date(2023, 12, 31), True, 14),
    24: ("IMPL", "Höst 2021–vår 2022", date(2021, 8, 1), date(2022, 6, 30), True, 1),
    25: ("IMPL", "Vår 2021–vår 2022", date(2021, 1, 1), date(2022, 6, 30), True, 1),
    26: ("IMPL", "Höst 2021–vår 2022", date(2021, 8, 1), date(2022, 6, 30), True, 1),
    27: ("IMPL", "Löpande under programperioden", S, E, True, 1),
    28: ("IMPL", "Löpande under programperioden", S, E, True, 1),
    29: ("IMPL", "Höst 2021–vår 2022", date(2021, 8, 1), date(2022, 6, 30), True, 1),
    30: ("IMPL", "Sommar–höst 2023", date(2023, 6, 1), date(2023, 12, 31), True, 1),
    31: ("IMPL", "Höst 2021–vår 2022", date(2021, 8, 1), date(2022, 6, 30), True, 1),
    32: ("IMPL", "Löpande", S, E, True, 1),
    33: ("IMPL", "Höst 2021", date(2021, 8, 1), date(2021, 12, 31), True, 1),
}
GOAL_CODES = {1: "M1", 2: "M2", 3: "M3", 4: "M4", 5: "M5", 6: "M6", None: "IMPL"}


def _activities(session):
    program = session.exec(select(Program).where(Program.slug == "program-mot-vald-2021-2025")).one()
    return session.exec(
        select(Activity, Goal).join(Goal).where(Goal.program_id == program.id).order_by(Activity.position)
    ).all()


def test_all_33_rows_of_bilaga_1_under_their_goals(seeded):
    rows = _activities(seeded)
    assert len(rows) == 33
    for position, (activity, goal) in enumerate(rows, start=1):
        code, time_frame, starts, ends, parsed, n_orgs = BILAGA_1[position]
        assert GOAL_CODES[goal.number] == code, activity.title
        assert activity.time_frame == time_frame
        assert (activity.starts_on, activity.ends_on, activity.time_frame_parsed) == (starts, ends, parsed)
        responsible = seeded.exec(
            select(func.count()).select_from(Commitment).where(Commitment.activity_id == activity.id)
        ).one()
        assert responsible == n_orgs, f"row {position}: {activity.title}"


def test_six_goals_and_the_implementation_group(seeded):
    program = seeded.exec(select(Program).where(Program.slug == "program-mot-vald-2021-2025")).one()
    goals = seeded.exec(select(Goal).where(Goal.program_id == program.id).order_by(Goal.position)).all()
    assert [g.number for g in goals] == [1, 2, 3, 4, 5, 6, None]
    assert goals[0].title == "Stadens verksamheter arbetar våldsförebyggande"
    assert goals[4].title == "Våldsutsatta vuxna och barn medverkar i brottsutredningar"
    assert goals[6].title == "Implementering av programmet"


def test_two_programmes(seeded):
    programs = {p.slug: p for p in seeded.exec(select(Program))}
    assert set(programs) == {"program-mot-vald-2021-2025", "bryt-upp"}
    main = programs["program-mot-vald-2021-2025"]
    assert (main.start_year, main.end_year, main.kind) == (2021, 2025, "programme")
    assert "hedersrelaterat våld och förtryck" in main.name
    assert programs["bryt-upp"].name == "Bryt upp-program för våldsutsatta"
    assert programs["bryt-upp"].kind == "budget_assignment"


def test_the_19_organisations_with_correct_names(seeded):
    orgs = seeded.exec(select(Organisation).where(Organisation.active)).all()
    assert len(orgs) == 19
    districts = sorted(o.short_name for o in orgs if o.kind == OrgKind.district)
    assert districts == sorted(DISTRICTS)
    names = {o.name for o in orgs}
    assert {"Socialnämnden", "Arbetsmarknadsnämnden", "Utbildningsnämnden", "Äldrenämnden",
            "SHIS Bostäder", "Bostadsförmedlingen i Stockholm AB"} <= names
    slugs = {o.slug for o in orgs}
    assert "hagersten-alvsjo" in slugs and "enskede-arsta-vantor" in slugs
    assert all(re.fullmatch(r"[a-z0-9-]+", s) for s in slugs)


def test_the_districts_merged_in_2020_are_kept_inactive_with_their_successor(seeded):
    by_slug = {o.slug: o for o in seeded.exec(select(Organisation))}
    successor = by_slug["hagersten-alvsjo"]
    assert successor.valid_from.isoformat() == "2020-01-01" and not successor.existed_in(2016)
    for slug, name in (("hagersten-liljeholmen", "Hägersten-Liljeholmens stadsdelsnämnd"),
                       ("alvsjo", "Älvsjö stadsdelsnämnd")):
        merged = by_slug[slug]
        assert merged.name == name and not merged.active
        assert merged.valid_to.isoformat() == "2019-12-31" and merged.successor_id == successor.id
        assert merged.existed_in(2016) and not merged.existed_in(2020)


def test_mixed_mottagare_become_responsible_target_groups_and_partners(seeded):
    rows = {a.position: a for a, _ in _activities(seeded)}

    def names(model, link, activity):
        column = link.target_group_id if model is TargetGroup else link.partner_id
        return set(seeded.exec(select(model.name).join(link, column == model.id)
                               .where(link.activity_id == activity.id)))

    def responsible(activity):
        return set(seeded.exec(select(Organisation.slug).join(Commitment)
                               .where(Commitment.activity_id == activity.id)))

    # "Allmänheten, stadsdelsnämnderna": the public is a target group, the districts report.
    assert names(TargetGroup, ActivityTargetGroup, rows[3]) == {"Allmänheten"}
    assert len(responsible(rows[3])) == 13
    # "Förskolornas personal" is a target group, not an organisation.
    assert names(TargetGroup, ActivityTargetGroup, rows[10]) == {"Förskolornas personal"}
    # "Polisen, RVT": Polisen is a partner.
    assert names(Partner, ActivityPartner, rows[17]) == {"Polisen"}
    assert "polisen" not in {o.slug for o in seeded.exec(select(Organisation))}
    # Row 20 names five kinds of nämnd.
    assert {"arbetsmarknadsnamnden", "socialnamnden", "utbildningsnamnden", "aldrenamnden", "farsta"} <= responsible(rows[20])
    # The implementation plan: socialnämnden responsible, "Alla nämnder och bolag" the target group.
    for position in range(24, 34):
        assert responsible(rows[position]) == {"socialnamnden"}
    assert names(TargetGroup, ActivityTargetGroup, rows[25]) == {"Alla nämnder och bolag"}
    assert rows[25].recipients_as_written == "Alla nämnder och bolag"


def test_swedish_spelling_has_no_ocr_damage(seeded):
    texts = [a.title for a, _ in _activities(seeded)] + [o.name for o in seeded.exec(select(Organisation))]
    text = " ".join(texts)
    for damaged in ("ndmnd", "namnd", "vald ", "Lopande", "Allmanheten", "socialtjanst", "stod "):
        assert damaged not in text
    assert "våld" in text and "nämnd" in text.lower()


def test_tertials_from_2021_t3_through_every_programme_year(seeded):
    """periods.yaml lists 2021-T3..2025-T3; Bryt upp runs through 2026, so 2026 has its tertials too."""
    periods = seeded.exec(select(ReportingPeriod).order_by(ReportingPeriod.year, ReportingPeriod.number)).all()
    codes = [p.code for p in periods]
    assert codes[0] == "2021-T3"
    assert codes[-4:] == ["2025-T3", "2026-T1", "2026-T2", "2026-T3"]
    assert len(periods) == 16  # no 2027: no programme runs then
    t3_2021 = periods[0]
    assert (t3_2021.starts_on, t3_2021.ends_on, t3_2021.deadline) == (
        date(2021, 9, 1), date(2021, 12, 31), date(2022, 1, 31))
    t1 = next(p for p in periods if p.code == "2022-T1")
    assert (t1.starts_on, t1.ends_on, t1.deadline) == (date(2022, 1, 1), date(2022, 4, 30), date(2022, 5, 15))
    t3_2026 = periods[-1]
    assert (t3_2026.starts_on, t3_2026.deadline) == (date(2026, 9, 1), date(2027, 1, 31))
    # seeded on 2026-11-23: every deadline but 2026 T3's has passed
    assert {p.state for p in periods[:-1]} == {PeriodState.closed}
    assert t3_2026.state == PeriodState.open


def _counts(session) -> dict[str, int]:
    return {
        model.__name__: session.exec(select(func.count()).select_from(model)).one()
        for model in (Organisation, Program, Goal, Activity, Commitment, TargetGroup, Partner,
                      ActivityTargetGroup, ActivityPartner, ReportingPeriod, AuditEvent)
    }


def test_seeding_twice_changes_nothing(seeded):
    before = _counts(seeded)
    result = seeding.apply(seeded, read_bundle(SEED_DIR), today=date(2026, 11, 23))
    seeded.commit()
    assert result.total == 0
    assert _counts(seeded) == before


def test_seed_never_overwrites_what_a_coordinator_changed(seeded):
    activity, _ = _activities(seeded)[0]
    activity.title = "Föräldraskapsstöd (omformulerad av samordnare)"
    farsta = seeded.exec(select(Organisation).where(Organisation.slug == "farsta")).one()
    farsta.name = "Farsta stadsdelsnämnd (nytt namn)"
    commitment = seeded.exec(select(Commitment).where(Commitment.activity_id == activity.id,
                                                      Commitment.organisation_id == farsta.id)).one()
    commitment.active = False
    link = seeded.exec(select(ActivityTargetGroup)).first()
    seeded.delete(link)
    period = seeded.exec(select(ReportingPeriod)).first()
    period.deadline = date(2030, 1, 1)
    seeded.commit()

    result = seeding.apply(seeded, read_bundle(SEED_DIR), today=date(2026, 11, 23))
    seeded.commit()

    assert result.total == 0
    seeded.expire_all()
    assert seeded.get(Activity, activity.id).title == "Föräldraskapsstöd (omformulerad av samordnare)"
    assert seeded.get(Organisation, farsta.id).name == "Farsta stadsdelsnämnd (nytt namn)"
    assert seeded.get(Commitment, commitment.id).active is False
    assert seeded.get(ActivityTargetGroup, (link.activity_id, link.target_group_id)) is None
    assert seeded.get(ReportingPeriod, period.id).deadline == date(2030, 1, 1)


def test_a_row_added_to_the_seed_is_loaded_next_time(seeded, tmp_path):
    import shutil

    for path in SEED_DIR.glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    extra = tmp_path / "activities-program-mot-vald-2021-2025.yaml"
    extra.write_text(extra.read_text(encoding="utf-8") + """
  - key: extra-01
    goal: M6
    title: Ny aktivitet från samordnarna
    time_frame: Höst 2024
    responsible: [bromma]
""", encoding="utf-8")
    result = seeding.apply(seeded, read_bundle(tmp_path), today=date(2026, 11, 23))
    seeded.commit()
    assert result.created == {"activity": 1, "commitment": 1}


def test_seed_writes_an_audit_event(seeded):
    event = seeded.exec(select(AuditEvent).where(AuditEvent.action == "seed.loaded")).one()
    assert event.actor_label == "seed"
    assert event.changes["after"]["activity"] == 33 + 9  # Bilaga 1 and Bryt upp


@pytest.mark.parametrize("slug", ["program-mot-vald-2021-2025"])
def test_every_commitment_is_unique(seeded, slug):
    pairs = seeded.exec(select(Commitment.activity_id, Commitment.organisation_id)).all()
    assert len(pairs) == len(set(pairs)) == 224 + 26  # Bilaga 1 and Bryt upp


def test_seeding_after_demo_data_leaves_the_demo_organisations_alone(seeded):
    from tracker.demo import service as demo

    demo.generate(seeded, size=demo.SCALES["small"], today=date(2026, 11, 23))
    seeded.commit()
    result = seeding.apply(seeded, read_bundle(SEED_DIR), today=date(2026, 11, 23))
    # "@stadsdelsnamnderna" means the real districts, never demo-org-…; the demo programme runs
    # through 2027, so the calendar gains 2027's tertials and nothing else.
    assert dict(result.created) == {"period": 3}
