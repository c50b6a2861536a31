"""Archive fixtures: a small programme with two organisations and a closed tertial."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from tracker.archive.service import Rendered
from tracker.organisations.models import Organisation
from tracker.periods.models import PeriodState, ReportingPeriod
from tracker.programs.models import Commitment, Program
from tracker.reporting.models import ReportState, ReportStatus, StatusReport


def fake_rendered(text: str = "PDF") -> Rendered:
    return Rendered(pdf=f"%PDF-1.4 {text}".encode(), page_count=1, data_version="d" * 64,
                    data_as_of=datetime(2023, 9, 1, 10, 0, tzinfo=UTC))


@dataclass
class Archive:
    program: Program
    period: ReportingPeriod
    farsta: Organisation
    enskede: Organisation
    commitments: list[Commitment]


@pytest.fixture
def archive_setup(session, make_org, make_program, make_activity, make_commitment, make_period) -> Archive:
    program = make_program("program-mot-vald", start_year=2021, end_year=2025)
    period = make_period("2023-T2", state=PeriodState.closed)
    farsta = make_org("farsta", name="Farsta stadsdelsnämnd")
    enskede = make_org("enskede", name="Enskede-Årsta-Vantörs stadsdelsnämnd")
    make_org("inget-ansvar", name="Nämnd utan åtaganden")
    first = make_activity(program=program, title="Utbilda personal om våld")
    commitments = [make_commitment(organisation=farsta, activity=first),
                   make_commitment(organisation=enskede, activity=first)]
    session.add(StatusReport(commitment_id=commitments[0].id, period_id=period.id, status=ReportStatus.in_progress,
                             state=ReportState.submitted, comment="Två utbildningar är genomförda i år."))
    session.commit()
    return Archive(program, period, farsta, enskede, commitments)


@pytest.fixture
def enskede_fails(monkeypatch) -> None:
    """Rendering Enskede's document raises; every other document renders as usual."""
    from tracker.archive import generation

    real_render = generation.render

    def render(session, subject):
        if subject.key.endswith("/enskede"):
            raise RuntimeError("trasig data")
        return real_render(session, subject)

    monkeypatch.setattr(generation, "render", render)
