"""The overview page counts in the database; its figures equal those counted row by row."""
from __future__ import annotations

from dataclasses import asdict
from datetime import date

import pytest
from sqlmodel import select

from tracker.demo import service as demo
from tracker.followup.filters import Filters
from tracker.followup.overview import build_overview
from tracker.periods.service import get_period
from tracker.programs.models import Program

FILTERS = [
    Filters(),
    Filters(status="not_reported"),
    Filters(status="deviation"),
    Filters(support=True),
    Filters(overdue=True),
    Filters(organisation="demo-org-003", overdue=True),
    Filters(status="in_progress", support=True),
]


@pytest.mark.parametrize("period_code", ["2026-T3", "2026-T1"])
def test_database_counts_equal_row_counts(session, period_code):
    demo.generate(session, size=demo.SCALES["small"], today=date(2026, 11, 23))
    session.commit()
    program = session.exec(select(Program).where(Program.slug == "demo-small")).one()
    period = get_period(session, period_code)
    first_goal = build_overview(session, program=program, period=period, filters=Filters()).goal_choices[0]
    for filters in [*FILTERS, Filters(goal=first_goal.id, status="done")]:
        by_rows = build_overview(session, program=program, period=period, filters=filters)
        in_sql = build_overview(session, program=program, period=period, filters=filters, rows=False)
        assert asdict(in_sql.total) == asdict(by_rows.total), filters
        assert in_sql.activity_count == by_rows.activity_count
        assert [(a.activity.id, a.responsible, a.matched, asdict(a.spread)) for a in in_sql.activities] == [
            (a.activity.id, a.responsible, len(a.rows), asdict(a.spread)) for a in by_rows.activities], filters
    assert by_rows.total.total > 0
