"""Two people creating the same row at the same moment: the second is told, nothing is overwritten, no 500."""
from __future__ import annotations

import pytest
from sqlmodel import Session, select

from tests.funds.factories import COORDINATOR, make_fund_year, usage
from tracker.funds import editing, reporting
from tracker.funds.models import Allocation, ReportingState, UsageReport


def _blind(read, times: int):
    """`read` that finds nothing the first `times` calls, as a session that looked before the other committed."""
    left = [times]

    def blind(*args):
        if left[0]:
            left[0] -= 1
            return None
        return read(*args)

    return blind


@pytest.fixture
def year_and_org(session, make_org):
    org = make_org("forsta")
    fund_year = make_fund_year(session, year=2024, allocations=[(org, 100)], reporting=ReportingState.open)
    return fund_year, org


def test_a_second_new_allocation_row_for_the_same_nammd_is_a_conflict(app, session, make_org, monkeypatch):
    other = make_org("andra")
    fund_year = make_fund_year(session, year=2024)
    with Session(app.extensions["tracker.engine"]) as first:  # somebody else adds the row and commits first
        editing.save_allocation(first, fund_year=first.merge(fund_year), organisation=first.merge(other), amount=5,
                                citywide=False, note=None, expected_version=None, actor=COORDINATOR)
        first.commit()
    monkeypatch.setattr(editing, "allocation_of", _blind(editing.allocation_of, 1))  # this session saw no row
    with pytest.raises(editing.FundsConflict) as conflict:
        editing.save_allocation(session, fund_year=fund_year, organisation=other, amount=7, citywide=False, note=None,
                                expected_version=None, actor=COORDINATOR)
    assert conflict.value.current.amount == 5
    session.rollback()
    assert [a.amount for a in session.exec(select(Allocation).where(Allocation.organisation_id == other.id))] == [5]


def test_a_second_first_save_of_the_same_report_is_a_conflict(app, session, year_and_org, monkeypatch):
    fund_year, org = year_and_org
    with Session(app.extensions["tracker.engine"]) as first:
        usage(first, first.merge(fund_year), first.merge(org), used=1, submit=False)
        first.commit()
    # The factory's own look, then save_report's: neither saw the other's report.
    monkeypatch.setattr(reporting, "get_report", _blind(reporting.get_report, 2))
    with pytest.raises(editing.FundsConflict) as conflict:
        usage(session, fund_year, org, used=2, submit=False)
    assert conflict.value.current.used == 1
    session.rollback()
    assert [r.used for r in session.exec(select(UsageReport))] == [1]


def test_a_save_that_loses_the_race_at_commit_answers_409_not_500(session, year_and_org, make_user, login,
                                                                  monkeypatch):
    from sqlalchemy.exc import IntegrityError

    from tracker.accounts.models import Role

    fund_year, org = year_and_org
    usage(session, fund_year, org, used=1, submit=False)
    session.commit()

    def lost(*_args, **_kwargs):  # what the commit raises when another save took the same version first
        raise IntegrityError("INSERT INTO fundsversion", {}, Exception("UNIQUE constraint failed"))

    monkeypatch.setattr(reporting, "save_report", lost)
    client = login(make_user(Role.contact, orgs=[org]))
    response = client.post("/medel/2024/aterrapportering/forsta", data={"used": "2", "action": "draft",
                                                                       "version": "1"})
    assert response.status_code == 409 and "Någon annan har sparat återrapporten" in response.get_data(as_text=True)
