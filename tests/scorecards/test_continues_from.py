"""A programme copied from an earlier one says so on the styrkort: "Fortsätter från …", on the page and in the PDF."""
from __future__ import annotations

import io
import re
import subprocess
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader

from tests.conftest import html_part
from tracker.periods.models import PeriodState
from tracker.programs import editing, responsibility
from tracker.programs.founding import ProgramCreate, found_program
from tracker.programs.models import ActivityBase, Goal
from tracker.scorecards.pdf import render_scorecard
from tracker.scorecards.service import build_scorecard

GENERATED = datetime(2026, 5, 20, 8, 0, tzinfo=UTC)


@pytest.fixture
def programmes(session, make_org, make_program, make_period):
    """Farsta responsible in "Program gammalt" (2021–2025) and in its copy "Program nytt" (from `start_year`)."""

    def make(start_year: int = 2026):
        farsta = make_org("farsta", name="Farsta stadsdelsförvaltning")
        origin = make_program("gammalt")
        goal = Goal(program_id=origin.id, number=1, title="Förebygga våld", position=0)
        session.add(goal)
        session.flush()
        activity = editing.create_activity(session, goal=goal, program=origin, actor=None,
                                           data=ActivityBase(title="Sprida kampanj", time_frame="Löpande"))
        responsibility.assign(session, activity=activity, organisation=farsta, actor=None)
        data = ProgramCreate(slug="nytt", name="Program nytt", short_name="nytt", kind="programme",
                             start_year=start_year, end_year=2030)
        copy = found_program(session, data=data, actor=None, origin=origin, goal_ids=[goal.id],
                             activity_ids=[activity.id], with_responsible=True).program
        periods = {code: make_period(code, state=PeriodState.closed) for code in ("2024-T1", f"{start_year}-T1")}
        session.commit()
        return farsta, origin, copy, periods

    return make


def _pdftotext(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "styrkort.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def _pypdf(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_copys_styrkort_names_the_programme_it_continues(session, programmes, tmp_path):
    farsta, origin, copy, periods = programmes()
    card = build_scorecard(session, organisation=farsta, period=periods["2026-T1"])
    [program] = card.programs
    assert (program.name, program.continues_from, program.continues_from_slug) == ("Program nytt", "Program gammalt",
                                                                                   "gammalt")
    assert card.summary.commitments == 1
    pdf = render_scorecard(card, generated_at=GENERATED)
    for text in (_pdftotext(pdf, tmp_path), _pypdf(pdf)):
        assert "Program: Program nytt\nFortsätter från Program gammalt" in text
        assert text.count("Fortsätter från") == 1


def test_a_programme_without_origin_says_nothing_of_it(session, programmes, tmp_path):
    farsta, _origin, _copy, periods = programmes()
    card = build_scorecard(session, organisation=farsta, period=periods["2024-T1"])
    assert [(p.name, p.continues_from) for p in card.programs] == [("Program gammalt", None)]
    pdf = render_scorecard(card, generated_at=GENERATED)
    assert "Fortsätter från" not in _pdftotext(pdf, tmp_path) and "Fortsätter från" not in _pypdf(pdf)


def test_a_card_for_one_programme_names_its_origin_even_without_commitments(session, programmes, tmp_path):
    farsta, _origin, copy, periods = programmes()
    bromma = type(farsta)(slug="bromma", name="Bromma", short_name="Bromma", kind=farsta.kind)
    session.add(bromma)
    session.commit()
    card = build_scorecard(session, organisation=bromma, period=periods["2026-T1"], program_id=copy.id)
    assert card.summary.commitments == 0 and card.programs[0].continues_from == "Program gammalt"
    assert "Fortsätter från Program gammalt" in _pdftotext(render_scorecard(card, generated_at=GENERATED), tmp_path)


def test_with_both_programmes_on_one_card_each_section_says_which_continues(session, programmes, tmp_path):
    farsta, _origin, _copy, periods = programmes(start_year=2025)
    card = build_scorecard(session, organisation=farsta, period=periods["2025-T1"])
    assert [(p.name, p.continues_from) for p in card.programs] == [("Program gammalt", None),
                                                                   ("Program nytt", "Program gammalt")]
    text = _pdftotext(render_scorecard(card, generated_at=GENERATED), tmp_path)
    assert "Programmen: Program gammalt; Program nytt\nProgram nytt – Fortsätter från Program gammalt" in text
    assert re.search(r"Program nytt\nFortsätter från Program gammalt\n", text)  # under the programme's heading


def test_the_styrkort_page_links_the_programme_it_continues(session, programmes, reader):
    _farsta, _origin, _copy, _periods = programmes()
    page = reader.get("/styrkort/farsta?period=2026-T1").get_data(as_text=True)
    line = html_part(page, r'<p class="continues-from">.*?</p>', "the origin line")
    assert line == '<p class="continues-from">Fortsätter från <a href="/program/gammalt">Program gammalt</a></p>'
    assert reader.get("/program/gammalt").status_code == 200  # the link is one a reader can follow
    older = reader.get("/styrkort/farsta?period=2024-T1").get_data(as_text=True)
    assert "Fortsätter från" not in older
