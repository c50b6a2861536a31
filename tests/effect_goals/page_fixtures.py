"""A small, hand-computed effect-goal scene for the page tests: three districts, two goals, two years.

Share goal "andel" (at least 80 %), Farsta, Bromma and Kista responsible:
  2024: Farsta 46 of 52, Bromma 30 of 40, Kista 3 of 4  -> city 79 of 96 = 82,3 % (met); not the
        mean of the three shares (88,5 + 75 + 75) / 3 = 79,5 %. Kista's 3 and 4 are small figures.
  2025: Farsta 50 of 50, Bromma 40 of 40, Kista 3 of 4  -> city 93 of 94 = 98,9 %: 1 did not, so masked
        outside the coordinators. The trend: 98,94 − 82,29 = up 16,6 percentage points.
Count goal "antal" (up by at least 25 %), Farsta and Bromma, no baseline year yet:
  2024: Farsta 20, Bromma 8; 2025: Farsta 30, Bromma 10 -> with baseline 2024: 40 against 28 = +42,9 %.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from tests.effect_goals.factories import make_effect_goal
from tracker.accounts.models import Role, User
from tracker.effect_goals.models import EffectGoal, Measurement, TargetType
from tracker.organisations.models import Organisation
from tracker.programs.models import Program

SHARES = {2024: {"farsta": (46, 52), "bromma": (30, 40), "kista": (3, 4)},
          2025: {"farsta": (50, 50), "bromma": (40, 40), "kista": (3, 4)}}
COUNTS = {2024: {"farsta": 20, "bromma": 8}, 2025: {"farsta": 30, "bromma": 10}}


@dataclass
class Scene:
    program: Program
    orgs: dict[str, Organisation]
    share: EffectGoal
    count: EffectGoal
    users: dict[str, User]


def build_scene(session: Session, make_program, make_org, make_user) -> Scene:
    program = make_program("bryt", start_year=2024, end_year=2025)
    orgs = {slug: make_org(slug, name=slug.capitalize()) for slug in ("farsta", "bromma", "kista")}
    share = make_effect_goal(session, program, code="andel", organisations=orgs.values(), position=1,
                             wording="Effektmålet andel ska nås.", data_source="Socialtjänstens statistik",
                             definition="Stöd inom en vecka från kontakten räknas.")
    count = make_effect_goal(session, program, code="antal", organisations=[orgs["farsta"], orgs["bromma"]],
                             position=2, wording="Effektmålet antal ska nås.", data_source="Socialtjänstens statistik",
                             target_type=TargetType.change_at_least, target_value=25)
    for year, figures in SHARES.items():
        for slug, (numerator, denominator) in figures.items():
            session.add(Measurement(effect_goal_id=share.id, organisation_id=orgs[slug].id, year=year,
                                    numerator=numerator, denominator=denominator, source="Verksamhetssystemet"))
    for year, figures in COUNTS.items():
        for slug, numerator in figures.items():
            session.add(Measurement(effect_goal_id=count.id, organisation_id=orgs[slug].id, year=year,
                                    numerator=numerator))
    session.commit()
    users = {
        "coordinator": make_user(Role.coordinator), "reader": make_user(Role.reader),
        "admin": make_user(Role.admin), "farsta": make_user(Role.contact, orgs=[orgs["farsta"]]),
        "kista": make_user(Role.contact, orgs=[orgs["kista"]]),
    }
    return Scene(program, orgs, share, count, users)

