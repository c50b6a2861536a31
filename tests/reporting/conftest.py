"""Fixtures for the reporting tests."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from tracker.accounts.models import Role
from tracker.periods.models import PeriodState
from tracker.reporting.models import ReportState, ReportStatus, StatusReport

PERIOD = "2024-T1"


@pytest.fixture
def world(session, make_org, make_activity, make_commitment, make_period, make_user):
    """Farsta reports in the open 2024-T1 and reported on one commitment in 2023-T3; Bromma is another org."""
    farsta = make_org("farsta", name="Farsta stadsdelsnämnd")
    bromma = make_org("bromma", name="Bromma stadsdelsnämnd")
    previous = make_period("2023-T3", state=PeriodState.closed)
    period = make_period(PERIOD, state=PeriodState.open)
    parenting = make_commitment(organisation=farsta, activity=make_activity(title="Föräldraskapsstöd",
                                                                            time_frame="2022–2024"))
    campaign = make_commitment(organisation=farsta, activity=make_activity(title="Kampanj mot sexköp"))
    brommas = make_commitment(organisation=bromma, activity=make_activity(title="Brommas aktivitet"))
    session.add(StatusReport(commitment_id=parenting.id, period_id=previous.id, status=ReportStatus.in_progress,
                             comment="Grupper startade i två parker.", next_steps="Fler grupper i höst.",
                             state=ReportState.submitted))
    session.commit()
    return SimpleNamespace(
        farsta=farsta, bromma=bromma, period=period, previous=previous, parenting=parenting, campaign=campaign,
        brommas=brommas, contact=make_user(Role.contact, orgs=[farsta]),
        coordinator=make_user(Role.coordinator),
    )
