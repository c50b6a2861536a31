"""Effect goals in the styrkort and the programme reports: read back from the PDFs and the pages, masked.

Bryt upp (2024–2026) has effect goals and no activities; Farsta also has a commitment in a programme
with activities, whose styrkort carries Bryt upp's goals. Kista is responsible for every goal and never
reports. Figures, worked out by hand:

- boende (at least 60 %): 2024 Farsta 30/40, Bromma 3/8, Skärholmen 20/25 → city 53/73 = 72,6 %;
  2025 Farsta 40/100, Bromma 9/10 → city 49/110 = 44,5 % (averaging 40 % and 90 % would give 65 %).
  Masked: Bromma 2024 (3 is small) and 2025 (9 of 10: the 1 who did not is small); and, so that the
  city's total minus the shown figures does not give Bromma's back, Skärholmen 2024 and Farsta 2025.
- mellanbo (up 25 % on 2024): Farsta 40 → 52, Bromma 8 → 10 → city 62 against 48 = +29,2 %.
- skola (at least 95 %): only Farsta reports, 2025: 2/2 (small: masked outside coordinators).
"""
from __future__ import annotations

from io import BytesIO

import pytest
from pypdf import PdfReader
from sqlalchemy import event

from tests.effect_goals.factories import make_effect_goal
from tracker.accounts.models import Role
from tracker.clock import utcnow
from tracker.db import ENGINE_KEY
from tracker.effect_goals.models import Measurement, TargetType
from tracker.periods.models import PeriodState
from tracker.programs.models import Commitment
from tracker.reports import service as reports
from tracker.reports.pdf import render_programme_report
from tracker.reports.report import ReportKind
from tracker.scorecards import service as scorecards
from tracker.scorecards.pdf import render_scorecard

FIGURES = {
    "boende": {2024: {"farsta": (30, 40), "bromma": (3, 8), "skarholmen": (20, 25)},
               2025: {"farsta": (40, 100), "bromma": (9, 10)}},
    "mellanbo": {2024: {"farsta": (40, None), "bromma": (8, None)}, 2025: {"farsta": (52, None), "bromma": (10, None)}},
    "skola": {2025: {"farsta": (2, 2)}},
}
GOALS = [
    {"code": "boende", "wording": "Minst 60 procent ska ha ett stadigvarande boende efter placeringen.",
     "target_type": TargetType.share_at_least, "target_value": 60,
     "numerator_label": "Personer med stadigvarande boende", "denominator_label": "Personer som fullföljt placering"},
    {"code": "mellanbo", "wording": "Remittering till SHIS Mellanbo ska öka med 25 procent.",
     "target_type": TargetType.change_at_least, "target_value": 25,
     "numerator_label": "Remitteringar till Mellanbo", "denominator_label": None},
    {"code": "skola", "wording": "95 procent av barnen ska ha en fungerande skolgång inom en vecka.",
     "target_type": TargetType.share_at_least, "target_value": 95,
     "numerator_label": "Barn med skolgång inom en vecka", "denominator_label": "Barn placerade på skyddat boende"},
]


@pytest.fixture
def bryt_upp(session, make_org, make_program, make_period, make_activity):
    orgs = {slug: make_org(slug, name=name) for slug, name in
            (("farsta", "Farsta"), ("bromma", "Bromma"), ("skarholmen", "Skärholmen"), ("kista", "Kista"))}
    program = make_program("bryt-upp", start_year=2024, end_year=2026)
    for position, spec in enumerate(GOALS):
        goal = make_effect_goal(session, program, organisations=orgs.values(), position=position, data_source="Enkät",
                                baseline_year=2024 if spec["code"] == "mellanbo" else None, **spec)
        for year, by_org in FIGURES[goal.code].items():
            session.add_all(Measurement(effect_goal_id=goal.id, organisation_id=orgs[slug].id, year=year,
                                        numerator=numerator, denominator=denominator)
                            for slug, (numerator, denominator) in by_org.items())
    with_activities = make_program("vald", start_year=2021, end_year=2025)
    activity = make_activity(program=with_activities, title="Kampanj")
    session.add(Commitment(activity_id=activity.id, organisation_id=orgs["farsta"].id))
    periods = {f"{year}-T{n}": make_period(f"{year}-T{n}", state=PeriodState.closed)
               for year in (2024, 2025) for n in (1, 2, 3)}
    session.commit()
    return program, with_activities, orgs, periods


def pdf_text(pdf: bytes) -> str:
    """The PDF's words with single spaces (a no-break space is a space here)."""
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(BytesIO(pdf)).pages)


def styrkort(session, bryt_upp, *, organisation="farsta", program_id=None) -> str:
    program, _with_activities, orgs, periods = bryt_upp
    card = scorecards.build_scorecard(session, organisation=orgs[organisation], period=periods["2025-T3"],
                                      program_id=program.id if program_id is None else program_id)
    return pdf_text(render_scorecard(card, generated_at=utcnow()))


def test_bryt_upps_styrkort_follows_up_the_districts_effect_goals(session, bryt_upp):
    text = styrkort(session, bryt_upp)
    assert "Effektmål" in text and "Program bryt-upp" in text
    assert "har inga åtaganden med aktiviteter i programmet; styrkortet följer upp organisationens effektmål" in text
    assert "Minst 60 procent ska ha ett stadigvarande boende efter placeringen." in text
    assert "Mål Andel minst 60 %" in text
    assert "2024 75,0 % 30 av 40 ✓ Uppnått" in text  # Farsta's own figures, not the city's
    assert "2024 Basår 40 – 2025 +30,0 % 52 mot 40 (basår 2024) ✓ Uppnått" in text
    assert "53 av 73" not in text and "49 av 110" not in text


def test_a_programme_styrkort_carries_only_its_own_effect_goals(session, bryt_upp):
    _program, with_activities, _orgs, _periods = bryt_upp
    text = styrkort(session, bryt_upp, program_id=with_activities.id)
    assert "Kampanj" in text
    assert "Just nu rapporterar Farsta inte siffror för något effektmål." in text


def test_a_tertial_gets_a_bryt_upp_styrkort_for_each_district_reporting_figures(session, bryt_upp):
    from tracker.archive import generation

    _program, _with_activities, _orgs, periods = bryt_upp
    keys = [s.key for s in generation.scorecard_subjects(session, period=periods["2025-T3"])]
    assert keys == ["vald/2025-T3/farsta", "bryt-upp/2025-T3/bromma", "bryt-upp/2025-T3/farsta",
                    "bryt-upp/2025-T3/kista", "bryt-upp/2025-T3/skarholmen"]


def test_small_counts_never_reach_the_styrkort_pdf(session, bryt_upp):
    text = styrkort(session, bryt_upp, organisation="bromma")
    assert "2024 visas inte (för få fall) – – visas inte" in text  # nor whether the target was met
    assert "3 av 8" not in text and "37,5" not in text
    assert "2025 visas inte (för få fall) – – visas inte" in text  # 9 of 10: the 1 must not show
    assert "9 av 10" not in text and "90,0" not in text
    farsta = styrkort(session, bryt_upp)
    assert "2025 visas inte (för få fall) färre än 5 – visas inte" in farsta  # skola: 2 of 2
    assert "2 av 2" not in farsta and "100,0 %" not in farsta


def test_figures_that_would_give_a_masked_one_back_are_withheld_too(session, bryt_upp):
    # The city's 53/73 in the report minus Farsta's 30/40 and Skärholmen's 20/25 would be Bromma's 3/8.
    assert "20 av 25" not in styrkort(session, bryt_upp, organisation="skarholmen")
    # The city's 49/110 minus Farsta's 40/100 would be Bromma's 9/10.
    farsta = styrkort(session, bryt_upp)
    assert "40 av 100" not in farsta and "2025 visas inte (för få fall) – – visas inte" in farsta


def test_a_baseline_count_that_would_give_a_masked_one_back_is_withheld(session, bryt_upp):
    program, _with_activities, orgs, _periods = bryt_upp
    goal = make_effect_goal(session, program, organisations=[orgs["farsta"], orgs["bromma"]], code="remisser",
                            wording="Remisserna ska öka.", target_type=TargetType.change_at_least, target_value=25,
                            numerator_label="Remisser", position=9, baseline_year=2024, data_source="Enkät")
    session.add_all(Measurement(effect_goal_id=goal.id, organisation_id=orgs[slug].id, year=year, numerator=n)
                    for slug, year, n in (("farsta", 2024, 40), ("farsta", 2025, 52), ("bromma", 2024, 3),
                                          ("bromma", 2025, 4)))
    session.commit()
    text = styrkort(session, bryt_upp)
    section = text[text.index("Remisserna ska öka."):]
    assert section.startswith("Remisserna ska öka. Mål Ökning mot basåret, minst 25 % (basår 2024) Räknas Remisser "
                              "Källa Enkät År Resultat Underlag Bedömning 2024 Basår – – "
                              "2025 visas inte (för få fall) – – visas inte")


def test_a_programme_with_activities_keeps_its_own_goals_on_its_own_styrkort(session, bryt_upp, make_program,
                                                                            make_activity):
    _program, with_activities, orgs, _periods = bryt_upp
    other = make_program("annat", start_year=2021, end_year=2026)
    session.add(Commitment(activity_id=make_activity(program=other, title="Annan").id,
                           organisation_id=orgs["farsta"].id))
    make_effect_goal(session, other, organisations=[orgs["farsta"]], code="eget", wording="Ett eget effektmål.",
                     target_type=TargetType.share_at_most, target_value=20, numerator_label="Återaktualiserade",
                     denominator_label="Alla", data_source="Enkät")
    session.commit()
    assert "Ett eget effektmål." not in styrkort(session, bryt_upp)
    on_its_own = styrkort(session, bryt_upp, program_id=other.id)
    assert "Ett eget effektmål." in on_its_own and "Program bryt-upp" not in on_its_own


def test_an_organisation_without_effect_goals_is_told_so(session, bryt_upp, make_org):
    _program, _with_activities, _orgs, periods = bryt_upp
    card = scorecards.build_scorecard(session, organisation=make_org("tom", name="Tom"), period=periods["2025-T3"])
    assert card.effect_goals == []
    assert "Just nu rapporterar Tom inte siffror för något effektmål." in pdf_text(
        render_scorecard(card, generated_at=utcnow()))


def test_effect_goals_cost_the_styrkort_two_queries(app, session, bryt_upp):
    program, _with_activities, orgs, _periods = bryt_upp
    statements = []
    engine = app.extensions[ENGINE_KEY]
    listener = lambda *_args: statements.append(1)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        scorecards._effect_goals(session, orgs["farsta"], 2025, program.id, 5)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert len(statements) == 2


def report_text(session, bryt_upp, kind: ReportKind) -> str:
    program, _with_activities, _orgs, periods = bryt_upp
    if kind == ReportKind.midterm:
        first, last = reports.midterm_range(session, program, "2025-T3")
    else:
        first, last = reports.annual_range(session, program, 2025)
    report = reports.build_programme_report(session, program=program, first=first, last=last, kind=kind)
    return pdf_text(render_programme_report(report, generated_at=utcnow()))


@pytest.mark.parametrize("kind", [ReportKind.midterm, ReportKind.annual])
def test_report_shows_the_city_result_summed_not_averaged(session, bryt_upp, kind):
    text = report_text(session, bryt_upp, kind)
    assert "Effektmål" in text and "Stadens resultat" in text
    assert "2025 44,5 % 49 av 110 2 av 4 organisationer har rapporterat ✗ Inte uppnått" in text
    assert "65,0" not in text  # the average of 40 % and 90 %
    assert "2025 +29,2 % 62 mot 48 (basår 2024) 2 av 4 organisationer har rapporterat ✓ Uppnått" in text
    # The baseline year is where the count starts, not a result to assess.
    assert ("2024 Basår 48 2 av 4 organisationer har rapporterat –" in text) == (kind == ReportKind.midterm)
    assert "Mål 60 %" in text and "Mål +25 %" in text  # the target marked in the charts
    assert ("2024 72,6 % 53 av 73 3 av 4 organisationer" in text) == (kind == ReportKind.midterm)  # the range's years


def test_report_masks_small_city_figures_and_says_why_results_are_missing(session, bryt_upp):
    text = report_text(session, bryt_upp, ReportKind.midterm)
    assert "2025 visas inte (för få fall) färre än 5 1 av 4 organisationer har rapporterat – visas inte" in text
    assert "2 av 2" not in text
    assert "2024 ingen organisation har rapporterat – 0 av 4 organisationer har rapporterat – Underlag saknas" in text


def test_report_method_explains_the_formulas_and_the_masking(session, bryt_upp):
    text = report_text(session, bryt_upp, ReportKind.annual)
    method = text[text.index("Så räknas rapportens uppgifter"):]
    assert "Effektmålens resultat" in method and "Σ täljare / Σ nämnare" in method
    assert "aldrig ett medelvärde av organisationernas procentandelar" in method
    assert "49 av 110, det vill säga 44,5 procent, inte medelvärdet 65 procent" in method
    assert "bara över de organisationer som har rapporterat båda åren" in method
    assert "när nämnaren är 0, när basår saknas" in method
    assert "antal från 1 till 4 som ”färre än 5”" in method and "skillnaden mellan dem" in method


def test_report_without_effect_goals_has_no_such_section(session, bryt_upp):
    _program, with_activities, _orgs, periods = bryt_upp
    report = reports.build_programme_report(session, program=with_activities, first=periods["2025-T1"],
                                            last=periods["2025-T3"])
    assert report.effect_goals == []
    assert "Effektmål" not in pdf_text(render_programme_report(report, generated_at=utcnow()))


# The pages: exact figures for coordinators (and on the styrkort the organisation's own contacts), masked for others.

STYRKORT = "/styrkort/farsta?period=2025-T3"


@pytest.mark.parametrize("role", [Role.reader, Role.admin])
def test_reader_sees_masked_figures_on_the_styrkort_page(role, bryt_upp, make_user, login):
    page = login(make_user(role)).get(STYRKORT).get_data(as_text=True)
    assert "30 av 40" in page and "75,0\u00a0%" in page and "Andel minst 60\u00a0%" in page
    assert "40 av 100" not in page and "2 av 2" not in page and "– visas inte" in page
    assert "Du ser exakta siffror" not in page


def test_coordinator_and_own_contact_see_exact_figures_on_the_styrkort_page(bryt_upp, make_user, login, client):
    _program, _with_activities, orgs, _periods = bryt_upp
    for user in (make_user(Role.coordinator), make_user(Role.contact, orgs=[orgs["farsta"]])):
        page = login(user).get(STYRKORT).get_data(as_text=True)
        assert "40 av 100" in page and "2 av 2" in page and "100,0\u00a0%" in page and "Du ser exakta siffror" in page


MIDTERM, ANNUAL = "/rapporter/bryt-upp/halvtidsrapport?till=2025-T3", "/rapporter/bryt-upp/sammanstallning/2025"


@pytest.mark.parametrize("role", [Role.reader, Role.admin])
def test_reader_sees_masked_city_figures_on_the_report_pages(role, bryt_upp, make_user, login):
    client = login(make_user(role))
    for url in (MIDTERM, ANNUAL):
        page = client.get(url).get_data(as_text=True)
        assert 'id="effect-goals"' in page and "49 av 110" in page and "44,5\u00a0%" in page
        assert "2 av 4 organisationer har rapporterat" in page
        assert "färre än 5" in page and "2 av 2" not in page and "100,0" not in page
        assert "– visas inte" in page  # nor whether the masked share met its target
        assert "Σ täljare / Σ nämnare" in page and "antal från 1 till 4" in page


def test_coordinator_sees_exact_city_figures_on_the_report_pages(bryt_upp, make_user, login):
    client = login(make_user(Role.coordinator))
    for url in (MIDTERM, ANNUAL):
        page = client.get(url).get_data(as_text=True)
        assert "2 av 2" in page and "100,0\u00a0%" in page and "49 av 110" in page
