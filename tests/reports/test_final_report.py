"""The final report (slutrapport) on the seed: its figures, the PDF read back, the page, the CLI and the archive.

On the seed (as of 2026-11-23) the programme mot våld's tertials 2021-T3 … 2025-T3 are all closed; Bryt upp
runs to 2026 and its last tertial has not closed. Farsta reports four of its commitments, by hand:

- the first: Pågår 2021-T3, Genomförd 2023-T1, nothing after → completed, final status from T1 2023;
- the second: Pågår 2022-T1, Utgår 2024-T2 with its reason → dropped;
- the third: Pågår med avvikelse 2025-T3 with next steps → carried over;
- the fourth: never reported → carried over as Ej rapporterad.

The programme's effect goal (boende, at least 60 %): 2022 Farsta 30/40, Skärholmen 20/25 → city 50/65 = 76,9 %;
2024 only Farsta, 2/3 → masked (a small count); 2021, 2023 and 2025 without figures.
"""
from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from io import BytesIO

import pytest
from pypdf import PdfReader
from sqlmodel import select

from tests.effect_goals.factories import make_effect_goal
from tests.reports.conftest import add_report, submitted
from tracker.accounts.models import Role
from tracker.archive import generation
from tracker.archive import service as archive
from tracker.archive.models import ArchivedDocument, DocumentKind
from tracker.effect_goals.models import Measurement, TargetType
from tracker.organisations.models import Organisation
from tracker.periods.models import PeriodState, ReportingPeriod
from tracker.programs.models import Activity, Commitment, Goal, Program
from tracker.reporting.models import ReportStatus
from tracker.reports import service
from tracker.reports.pdf import render_programme_report
from tracker.reports.report import ReportKind

SLUG = "program-mot-vald-2021-2025"
PAGE = f"/rapporter/{SLUG}/slutrapport"
REASON = "Utgår: arbetet ersätts av Bryt upp och samordnas av socialförvaltningen."
NEXT = "Fortsätter i nästa program med nya rutiner för samverkan."
GENERATED = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def _one(session, model, **where):
    return session.exec(select(model).filter_by(**where)).one()


@pytest.fixture
def ended(seeded):
    """The seed with Farsta's four reports and an effect goal of the programme with figures."""
    session = seeded
    program = _one(session, Program, slug=SLUG)
    farsta, skarholmen = _one(session, Organisation, slug="farsta"), _one(session, Organisation, slug="skarholmen")
    commitments = session.exec(
        select(Commitment).join(Activity).join(Goal)
        .where(Goal.program_id == program.id, Commitment.organisation_id == farsta.id, Commitment.active)
        .order_by(Goal.position, Goal.number, Goal.id, Activity.position, Activity.id)).all()[:4]
    periods = {p.code: p for p in session.exec(select(ReportingPeriod))}
    s = ReportStatus
    add_report(session, commitments[0], periods["2021-T3"], s.in_progress, submitted("2022-01-20T10:00"))
    add_report(session, commitments[0], periods["2023-T1"], s.done, submitted("2023-05-10T10:00"),
               comment="Alla skolor har fått utbildningen.")
    add_report(session, commitments[1], periods["2022-T1"], s.in_progress, submitted("2022-05-10T10:00"),
               support_needed=True, support_text="Stöd med att nå föräldrarna")
    add_report(session, commitments[1], periods["2024-T2"], s.cancelled, submitted("2024-09-10T10:00"), comment=REASON)
    add_report(session, commitments[2], periods["2025-T3"], s.deviation, submitted("2026-01-20T10:00"),
               comment="Vakanser under hösten.", next_steps=NEXT)
    goal = make_effect_goal(session, program, organisations=[farsta, skarholmen], code="boende", position=0,
                            wording="Minst 60 procent ska ha ett stadigvarande boende efter placeringen.",
                            target_type=TargetType.share_at_least, target_value=60, data_source="Enkät",
                            numerator_label="Personer med stadigvarande boende",
                            denominator_label="Personer som fullföljt placering")
    session.add_all(Measurement(effect_goal_id=goal.id, organisation_id=org.id, year=year, numerator=n, denominator=d)
                    for org, year, n, d in ((farsta, 2022, 30, 40), (skarholmen, 2022, 20, 25), (farsta, 2024, 2, 3)))
    session.commit()
    titles = [session.get(Activity, c.activity_id).title for c in commitments]
    return program, titles


def _report(session, program):
    first, last = service.final_range(session, program)
    return service.build_programme_report(session, program=program, first=first, last=last, kind=ReportKind.final)


def pdf_pages(pdf: bytes) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in PdfReader(BytesIO(pdf)).pages]


@pytest.fixture
def pdf(seeded, ended) -> bytes:
    return render_programme_report(_report(seeded, ended[0]), generated_at=GENERATED)


def test_final_range_runs_from_the_first_to_the_last_tertial_of_the_programme(seeded, ended):
    first, last = service.final_range(seeded, ended[0])
    assert (first.code, last.code) == ("2021-T3", "2025-T3")


def test_final_report_is_refused_until_the_last_tertial_has_closed(seeded):
    bryt_upp = _one(seeded, Program, slug="bryt-upp")
    with pytest.raises(service.ReportRangeError, match="Slutrapporten kan skapas när programmets sista tertial"):
        service.final_range(seeded, bryt_upp)
    program = _one(seeded, Program, slug=SLUG)
    last = _one(seeded, ReportingPeriod, year=2025, number=3)
    last.state = PeriodState.open
    seeded.commit()
    with pytest.raises(service.ReportRangeError, match="Tertial 3 2025, har stängts"):
        service.final_range(seeded, program)


def test_final_sections_count_completed_dropped_and_carried_over(seeded, ended):
    program, titles = ended
    report = _report(seeded, program)
    final = report.final
    assert report.title == "Slutrapport" and len(report.tertials) == 13
    assert [(line.activity, line.status_tertial.code) for line in final.completed
            if line.organisation_short == "Farsta"] == [(titles[0], "2023-T1")]
    dropped = [line for line in final.dropped if line.organisation_short == "Farsta"]
    assert [(line.activity, line.comment, line.status_tertial.code) for line in dropped] == [
        (titles[1], REASON, "2024-T2")]
    farsta_carried = {line.activity: line for line in final.carried_over if line.organisation_short == "Farsta"}
    assert farsta_carried[titles[2]].status == ReportStatus.deviation and farsta_carried[titles[2]].next_steps == NEXT
    assert farsta_carried[titles[3]].status is None  # never reported: not finished, so carried over
    assert titles[0] not in farsta_carried and titles[1] not in farsta_carried
    # Every commitment expected in the programme has exactly one final status.
    assert final.commitments == len(final.completed) + len(final.dropped) + len(final.carried_over) + len(
        final.ended_unfinished)
    assert final.distribution.counts["done"] == 1 and final.distribution.counts["cancelled"] == 1


def test_development_counts_each_tertials_own_status(seeded, ended):
    final = _report(seeded, ended[0]).final
    by_code = {row.tertial.code: row for row in final.development}
    assert by_code["2021-T3"].distribution.counts["in_progress"] == 1
    assert by_code["2023-T1"].distribution.counts["done"] == 1
    assert by_code["2023-T2"].distribution.counts["done"] == 0  # not carried forward tertial by tertial
    assert by_code["2022-T1"].support_needs == 1
    assert by_code["2025-T3"].distribution.counts["deviation"] == 1
    expected = by_code["2025-T3"].distribution.total
    assert by_code["2025-T3"].distribution.counts["not_reported"] == expected - 1


def test_pdf_has_the_final_sections_and_figures(pdf, ended):
    _program, titles = ended
    pages = pdf_pages(pdf)
    text = " ".join(pages)
    assert pages[0].startswith("Stockholms stad · Socialförvaltningen Slutrapport")
    assert "Tertial 3 2021 – Tertial 3 2025" in pages[0]
    for heading in ("Sammanfattning", "Utveckling över perioden", "Aktiviteter", "Genomfört", "Utgått och varför",
                    "Pågår och förs vidare", "Effektmål", "Behov av stöd", "Rapportering över tid",
                    "Bilaga: Programmets aktiviteter", "Bilaga: Metod"):
        assert heading in pages[1], heading  # the contents
    assert "Genomförda åtaganden 1" in text and "Åtaganden som utgick 1" in text
    assert REASON in text and "Utgår, rapporterat för Tertial 2 2024" in text
    assert NEXT in text
    assert "Genomförd (T1 2023)" in text  # the final status and where it is from
    assert "Tertial 1 2023 0 0 0 1 0" in text  # the development table: one Genomförd in T1 2023
    assert "Slutstatus" in text and "Ett åtagandes slutstatus är den status" in text  # the method appendix
    assert "Status vid den sista tertialen" not in text  # a midterm-only rule


def test_pdf_shows_the_effect_goal_for_every_year_masked(pdf):
    text = " ".join(pdf_pages(pdf))
    section = text[text.index("Minst 60 procent ska ha ett stadigvarande boende efter placeringen. Mål"):]
    assert "2022 76,9 % 50 av 65" in section
    assert "2024 visas inte (för få fall) färre än 5 1 av 2 organisationer har rapporterat" in section
    assert "2 av 3" not in section and "66,7" not in section
    for year in ("2021", "2023", "2025"):
        assert f"{year} ingen organisation har rapporterat – 0 av 2 organisationer har rapporterat – Underlag saknas" \
            in section, year


def test_pdf_page_renders_to_an_image(pdf, tmp_path):
    source = tmp_path / "slutrapport.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "40", "-f", "3", "-l", "3", str(source), str(tmp_path / "page")],
                   check=True)
    (image,) = tmp_path.glob("page*.png")
    assert image.stat().st_size > 2000


def test_reader_sees_the_final_report_page(seeded, ended, make_user, login):
    _program, titles = ended
    page = login(make_user(Role.reader)).get(PAGE).get_data(as_text=True)
    assert "<h1>Slutrapport</h1>" in page and "Tertial 3 2021 – Tertial 3 2025" in page
    for section in ("summary", "development", "outcomes", "completed", "dropped", "carried-over", "effect-goals",
                    "support", "compliance", "activities", "method"):
        assert f'<section id="{section}"' in page, section
    assert REASON in page and NEXT in page
    assert "2 av 3" not in page  # a reader sees the effect goals masked


def test_page_explains_why_there_is_no_final_report_yet(seeded, make_user, login):
    client = login(make_user(Role.reader))
    response = client.get("/rapporter/bryt-upp/slutrapport")
    assert response.status_code == 200
    assert "Slutrapporten kan skapas när programmets sista tertial" in response.get_data(as_text=True)
    assert client.get("/rapporter/finns-inte/slutrapport").status_code == 404


def test_contact_may_not_read_the_final_report(seeded, make_user, login):
    farsta = _one(seeded, Organisation, slug="farsta")
    assert login(make_user(Role.contact, orgs=[farsta])).get(PAGE).status_code == 403


def test_cli_archives_a_new_version_each_time(app, seeded, ended, runner):
    for version in (1, 2):
        result = runner.invoke(args=["reports", "final", "--program", SLUG])
        assert result.exit_code == 0, result.output
        assert f"(version {version}:" in result.output
    key = archive.report_key(DocumentKind.final, SLUG, "2025-T3")
    assert key == f"{SLUG}/2025-T3/slutrapport"
    seeded.expire_all()
    documents = seeded.exec(select(ArchivedDocument).where(ArchivedDocument.key == key)
                            .order_by(ArchivedDocument.version)).all()
    assert [(d.version, d.kind, d.first_period_id) for d in documents] == [
        (1, DocumentKind.final, documents[0].first_period_id), (2, DocumentKind.final, documents[0].first_period_id)]
    assert seeded.get(ReportingPeriod, documents[0].first_period_id).code == "2021-T3"
    stored = archive.read(app.config["SCORECARD_DIR"], documents[1])
    assert "Utgått och varför" in " ".join(pdf_pages(stored))


def test_cli_refuses_before_the_last_tertial_has_closed(seeded, runner):
    result = runner.invoke(args=["reports", "final", "--program", "bryt-upp"])
    assert result.exit_code != 0
    assert "Slutrapporten kan skapas när programmets sista tertial" in result.output


def test_coordinator_generates_it_from_the_archive_page(app, seeded, ended, make_user, login):
    from tracker.archive.jobs import wait_for_background_jobs

    client = login(make_user(Role.coordinator))
    assert "Skapa slutrapport" in client.get("/arkiv/generera").get_data(as_text=True)
    refused = client.post("/arkiv/generera/slutrapport", data={"final-program": "bryt-upp"})
    assert refused.status_code == 422
    assert "Slutrapporten kan skapas när programmets sista tertial" in refused.get_data(as_text=True)
    started = client.post("/arkiv/generera/slutrapport", data={"final-program": SLUG})
    assert started.status_code == 303
    wait_for_background_jobs(timeout=60)
    seeded.expire_all()
    (document,) = seeded.exec(select(ArchivedDocument).where(ArchivedDocument.kind == DocumentKind.final)).all()
    assert document.key == f"{SLUG}/2025-T3/slutrapport" and document.page_count > 5
    page = client.get(PAGE).get_data(as_text=True)
    assert "Arkiverad PDF av samma rapport:" in page


def test_subjects_of_a_final_job_cover_the_whole_programme(seeded, ended):
    program = ended[0]
    first, last = service.final_range(seeded, program)
    subject = generation.report_subject(kind=DocumentKind.final, program=program, first=first, last=last)
    assert subject.key == f"{SLUG}/2025-T3/slutrapport" and subject.first_period_id == first.id


def test_final_sections_cost_no_queries_of_their_own(app, seeded, ended):
    from tests.reports.test_report_query_counts import counted

    program = ended[0]
    first, last = service.final_range(seeded, program)
    counts = {}
    for kind in (ReportKind.midterm, ReportKind.final):
        with counted(app) as statements:
            report = service.build_programme_report(seeded, program=program, first=first, last=last, kind=kind)
        counts[kind] = len(statements)
    assert report.final is not None and counts[ReportKind.final] == counts[ReportKind.midterm] == 9, counts
