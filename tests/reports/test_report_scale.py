"""A programme report over many organisations: the summarised layout (a row per activity and per organisation,
organisations named only where deviating or overdue, "och N till"), while the real programme keeps a line per
commitment."""
from __future__ import annotations

import re
from datetime import UTC, date, datetime
from io import BytesIO

import pytest
from pypdf import PdfReader
from sqlmodel import select

from tests.conftest import SEED_DAY, log_in
from tracker.accounts.models import Role
from tracker.demo import service as demo
from tracker.programs.models import Program
from tracker.reports import service
from tracker.reports.pdf import render_programme_report
from tracker.reports.report import DETAIL_LIMIT, NAMES_SHOWN, ReportKind, capped

GENERATED = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
# 45 organisations, each with a commitment to every one of 8 activities, over 3 tertials: above DETAIL_LIMIT.
WIDE = demo.Scale("wide", organisations=45, activities=8, commitments_per_activity=45, periods=3)


@pytest.fixture
def wide(session) -> Program:
    demo.generate(session, size=WIDE, today=date(2026, 11, 23))
    session.commit()
    return session.exec(select(Program).where(Program.slug == "demo-wide")).one()


def _report(session, program: Program, kind: ReportKind = ReportKind.midterm):
    periods = service.program_tertials(session, program)
    last = service.default_midterm_period(periods)
    return service.build_programme_report(session, program=program, first=periods[0], last=last, kind=kind)


def _pages(pdf: bytes) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in PdfReader(BytesIO(pdf)).pages]


def test_capped_names_the_first_and_counts_the_rest():
    names = [f"Org {i}" for i in range(1, 9)]
    assert capped(names[:NAMES_SHOWN]) == ", ".join(names[:NAMES_SHOWN])
    assert capped(names) == f"{', '.join(names[:NAMES_SHOWN])} och {8 - NAMES_SHOWN} till"
    assert capped([]) == "–"


def test_many_organisations_summarise_per_activity_with_the_same_figures(session, wide):
    report = _report(session, wide)
    assert report.summarised and len(report.organisations) == 45 > DETAIL_LIMIT
    assert all(not org.lines for org in report.organisations)  # no line per commitment
    assert all(not goal.attention for goal in report.goals) and report.support == []
    rows = [a for goal in report.goals for a in goal.activities]
    assert len(rows) == 8
    # The activities' counts add up to the goals' and the summary's: only the layout differs.
    assert sum(a.distribution.total for a in rows) == report.summary.commitments == 8 * 45
    assert sum(len(a.deviating) for a in rows) == report.summary.deviating
    assert sum(len(a.overdue) for a in rows) == report.summary.overdue
    assert sum(a.support_needs for a in rows) == report.summary.support_needs
    assert sum(org.deviating for org in report.organisations) == report.summary.deviating
    assert sum(org.support_needs for org in report.organisations) == report.summary.support_needs


def test_summarised_pdf_reads_back_per_activity_and_per_organisation(session, wide):
    report = _report(session, wide)
    pages = _pages(render_programme_report(report, generated_at=GENERATED))
    text = " ".join(pages)
    assert len(pages) < 25
    assert f"fler än {DETAIL_LIMIT} organisationer" in text and "styrkort" in text
    assert "Att uppmärksamma" in text and "Rapporter med många organisationer" in text  # method appendix
    crowded = max((a for goal in report.goals for a in goal.activities), key=lambda a: len(a.deviating))
    assert len(crowded.deviating) > NAMES_SHOWN  # the demo's 12 % deviation over 45 organisations
    assert f"och {len(crowded.deviating) - NAMES_SHOWN} till" in text
    # One row per organisation, not a section each: every name once in the organisations' table.
    organisations = text[text.index("En rad per organisation"):text.index("anmäldes i inlämnade rapporter")]
    assert len(re.findall(r"Demo-organisation \d{3}", organisations)) == 45
    assert "Ingen kommentar" not in text and "Nästa steg" not in text


def test_summarised_final_report_counts_per_activity(session, wide):
    report = _report(session, wide, ReportKind.final)
    final = report.final
    assert final.summarised and final.completed == [] and final.carried_over == []
    assert (final.completed_count + final.dropped_count + final.carried_over_count + final.ended_unfinished_count
            == final.commitments == 8 * 45)
    assert sum(len(a.dropped_by) for goal in final.goals for a in goal.activities) == final.dropped_count
    text = " ".join(_pages(render_programme_report(report, generated_at=GENERATED)))
    assert "Utgick hos" in text and f"{final.completed_count} åtaganden har slutstatusen Genomförd" in text


def test_web_page_is_summarised_too(app, client, session, wide, make_user):
    log_in(client, make_user(Role.reader))
    report = _report(session, wide)
    page = client.get(f"/rapporter/demo-wide/halvtidsrapport?till={report.last.code}").get_data(as_text=True)
    assert "report-activity-summary" in page and "report-organisation-summary" in page
    assert page.count('class="report-org"') == 0  # no section per organisation
    assert page.count("/styrkort/demo-org-") == 45  # each organisation's detail is its styrkort


def test_real_programme_keeps_a_line_per_commitment(seeded):
    program = seeded.exec(select(Program).where(Program.slug == "program-mot-vald-2021-2025")).one()
    periods = service.program_tertials(seeded, program)
    last = service.default_midterm_period([p for p in periods if p.ends_on <= SEED_DAY])
    report = service.build_programme_report(seeded, program=program, first=periods[0], last=last,
                                            kind=ReportKind.midterm)
    assert not report.summarised and len(report.organisations) <= DETAIL_LIMIT
    assert sum(len(org.lines) for org in report.organisations) >= report.summary.commitments > 0
    assert all(not goal.activities for goal in report.goals)
    text = " ".join(_pages(render_programme_report(report, generated_at=GENERATED)))
    assert "Rapporter med många organisationer" not in text and "Att uppmärksamma" not in text
