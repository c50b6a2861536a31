"""Bryt upp's own activities are seeded from 003's description of the work ahead."""
from __future__ import annotations

import re
from datetime import date

from sqlmodel import select

from tests.conftest import SEED_DIR
from tracker.organisations.models import Organisation, OrgKind
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
from tracker.seeding.files import read_bundle

PROJECT_GROUP = {"socialnamnden", "bromma", "farsta", "hasselby-vallingby", "shis-bostader", "bostadsformedlingen"}
NONE_GIVEN = "Ingen tidsperiod anges"
S, E = date(2024, 1, 1), date(2026, 12, 31)

# Title start → (goal code, time frame, starts, ends, parsed, responsible slugs; None = every district)
ACTIVITIES = {
    "Ta fram en stadsövergripande processbeskrivning med fokus på samhandläggning":
        ("BU1", NONE_GIVEN, S, E, False, PROJECT_GROUP),
    "Ta fram en implementeringsplan för Bryt upp-programmet": ("BU1", NONE_GIVEN, S, E, False, {"socialnamnden"}),
    "Anpassa den övergripande processbeskrivningen till den egna förvaltningens":
        ("BU2", NONE_GIVEN, S, E, False, None),
    "Stötta stadsdelsförvaltningarna i framtagandet av de lokala processbeskrivningarna":
        ("BU2", "Löpande", S, E, True, {"socialnamnden"}),
    "Tydliggöra i Bryt upp-programmets processbeskrivning att samordnad individuell plan (SIP)":
        ("BU2", NONE_GIVEN, S, E, False, {"socialnamnden"}),
    "Ta fram en folder med kontaktinformation till socialtjänsten i samverkan med polisen":
        ("BU3", NONE_GIVEN, S, E, False, {"socialnamnden"}),
    "Utveckla start.stockholm så att information om stöd och hjälp för våldsutsatta":
        ("BU3", NONE_GIVEN, S, E, False, {"socialnamnden"}),
    "Ta fram ett kommunikationsmaterial för Bryt upp-programmet att använda internt och till invånare":
        ("BU3", NONE_GIVEN, S, E, False, {"socialnamnden"}),
    "Slutredovisa budgetuppdraget Bryt upp-program för våldsutsatta":
        ("BU1", "December 2024", S, E, False, {"socialnamnden"}),
}
GOALS = {
    "BU1": "Ett enhetligt Bryt upp-program för våldsutsatta utformas i samarbete med stadsdelsnämnderna",
    "BU2": "Våldsutsatta får möta en samlad socialtjänst",
    "BU3": "Information om stöd och hjälp för våldsutsatta är tydlig, lättillgänglig och säker",
}
# Words as the OCR of 003 printed them, without å/ä/ö: none may reach the seed.
OCR_FORMS = re.compile(
    r"\b(vald\w*|valdsutsatt\w*|samhandlaggning|stadsdelsforvaltning\w*|socialtjanst\w*|socialnamnden|"
    r"stadsdelsnamnd\w*|bostader|bostadsformedlingen|hjalp|stod|stotta|overgripande|forvaltning\w*|"
    r"hals\w*|sjukvarden|invanare|tydliggora|framjande|lattillganglig|sakerstall\w*)\b",
    re.IGNORECASE,
)


def _bryt_upp(session):
    program = session.exec(select(Program).where(Program.slug == "bryt-upp")).one()
    return session.exec(
        select(Activity, Goal).join(Goal).where(Goal.program_id == program.id).order_by(Activity.position, Activity.id)
    ).all()


def _code(goal: Goal) -> str:
    return next(code for code, title in GOALS.items() if title == goal.title)


def _responsible(session, activity: Activity) -> set[str]:
    return set(session.exec(
        select(Organisation.slug).join(Commitment, Commitment.organisation_id == Organisation.id)
        .where(Commitment.activity_id == activity.id)
    ).all())


def test_three_goals_worded_from_003_without_numbers(seeded):
    program = seeded.exec(select(Program).where(Program.slug == "bryt-upp")).one()
    goals = seeded.exec(select(Goal).where(Goal.program_id == program.id).order_by(Goal.position)).all()
    assert [(g.number, g.title) for g in goals] == [(None, title) for title in GOALS.values()]


def test_nine_activities_under_their_goals_with_time_frames_as_printed(seeded):
    rows = _bryt_upp(seeded)
    assert len(rows) == len(ACTIVITIES) == 9
    for (activity, goal), (start, expected) in zip(rows, ACTIVITIES.items(), strict=True):
        code, time_frame, starts, ends, parsed, _ = expected
        assert activity.title.startswith(start), activity.title
        assert _code(goal) == code, activity.title
        assert activity.time_frame == time_frame
        # Only "Löpande" is read; the rest cover the programme's years, marked as not interpreted.
        assert (activity.starts_on, activity.ends_on, activity.time_frame_parsed) == (starts, ends, parsed)


def test_responsible_organisations_are_those_003_names(seeded):
    districts = set(seeded.exec(
        select(Organisation.slug).where(Organisation.kind == OrgKind.district, Organisation.active)
    ).all())
    assert len(districts) == 13
    total = 0
    for activity, _goal in _bryt_upp(seeded):
        expected = next(v[5] for k, v in ACTIVITIES.items() if activity.title.startswith(k))
        responsible = _responsible(seeded, activity)
        assert responsible == (districts if expected is None else expected), activity.title
        total += len(responsible)
    assert total == 26  # 6 in the project group, 13 districts, 7 for socialnämnden alone


def test_a_district_reports_bryt_upp_beside_the_programme(seeded):
    farsta = seeded.exec(select(Organisation).where(Organisation.slug == "farsta")).one()
    bryt_upp = {a.id: a.title for a, _g in _bryt_upp(seeded)}
    own = seeded.exec(select(Commitment.activity_id).where(Commitment.organisation_id == farsta.id)).all()
    assert len(own) == 15 + 2  # Bilaga 1, then the project group and the local implementation
    assert sorted(bryt_upp[a].split()[3] for a in own if a in bryt_upp) == ["processbeskrivningen", "stadsövergripande"]


def test_partners_and_target_groups(seeded):
    found = {}
    for activity, _goal in _bryt_upp(seeded):
        partners = set(seeded.exec(select(Partner.name).join(ActivityPartner)
                                   .where(ActivityPartner.activity_id == activity.id)).all())
        groups = set(seeded.exec(select(TargetGroup.name).join(ActivityTargetGroup)
                                 .where(ActivityTargetGroup.activity_id == activity.id)).all())
        if partners or groups:
            found[next(k for k in ACTIVITIES if activity.title.startswith(k))[:25]] = (partners, groups)
    assert found == {
        "Anpassa den övergripande ": ({"Region Stockholm", "Polisen"}, set()),
        "Stötta stadsdelsförvaltni": (set(), {"Stadsdelsförvaltningarna"}),
        "Tydliggöra i Bryt upp-pro": ({"Region Stockholm"}, set()),
        "Ta fram en folder med kon": ({"Polisen"}, set()),
        "Utveckla start.stockholm ": (set(), {"Våldsutsatta"}),
        "Ta fram ett kommunikation": (set(), {"Stadens verksamheter", "Invånare"}),
    }


def test_every_activity_notes_the_sentence_of_003_it_comes_from(seeded):
    for activity, _goal in _bryt_upp(seeded):
        assert activity.note and activity.note.startswith('Härlett ur 003: "'), activity.title
        quote = activity.note.split('"')[1]
        assert len(quote) > 40, activity.title
    notes = " ".join(a.note for a, _g in _bryt_upp(seeded))
    assert "Budgetuppdraget kommer att slutredovisas i slutet i december 2024." in notes  # as printed
    assert "Samordnad individuell plan (SIP) är ett verktyg" in notes


def test_the_seed_text_is_correct_swedish():
    bundle = read_bundle(SEED_DIR)
    seeds = bundle.activities["bryt-upp"]
    texts = [" ".join(filter(None, [s.value.title, s.value.description, s.value.note, s.value.time_frame,
                                    *s.value.target_groups, *s.value.partners])) for s in seeds]
    texts += [g.value.title for g in bundle.goals["bryt-upp"]]
    for text in texts:
        assert not OCR_FORMS.search(text), OCR_FORMS.search(text)
    joined = " ".join(texts)
    for word in ("samhandläggning", "stadsdelsförvaltningarna", "socialtjänsten", "SHIS Bostäder",
                 "våldsutsatta", "lättillgänglig", "invånare"):
        assert word in joined
