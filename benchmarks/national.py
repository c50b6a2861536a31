"""National-scale rows for the effect-goal and funds pages, on top of the real seeds and the demo data.

`demo-data` creates organisations, activities and reports but no effect goals or grant
years; the seeds bring those for the real city's organisations only. This makes every
demo organisation report every seeded effect goal for each follow-up year and gives it an
allocation and a submitted usage report (one area per purpose) in every seeded grant
year, so the effect-goal and funds pages grow with the demo scale (for the benchmark,
and for the query-count test that compares two scales).
"""
from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import insert
from sqlmodel import Session, col, select

from tracker.effect_goals.models import EffectGoal, EffectGoalOrganisation, Measurement, MeasurementVersion
from tracker.effect_goals.service import follow_up_years
from tracker.funds.models import Allocation, FundPurpose, FundYear, Outcome, ReportState, UsageArea, UsageReport
from tracker.organisations.models import Organisation
from tracker.programs.models import Program

DEMO_ORGANISATIONS = "demo-org-"
OUTCOMES = list(Outcome)


def add_national_rows(session: Session, *, today: date) -> dict[str, int]:
    """Add the rows (needs the seeds and `demo.generate` first); return how many of each were added."""
    now = datetime.now(UTC)
    org_ids = list(session.exec(select(Organisation.id).where(col(Organisation.slug).startswith(DEMO_ORGANISATIONS))
                                .order_by(Organisation.id)))
    return {"measurements": _effect_goals(session, org_ids, today, now),
            "usage reports": _funds(session, org_ids, now)}


def _effect_goals(session: Session, org_ids: list[int], today: date, now: datetime) -> int:
    added = 0
    for goal, program in session.exec(select(EffectGoal, Program).join(Program, EffectGoal.program_id == Program.id)).all():
        session.execute(insert(EffectGoalOrganisation),
                        [{"effect_goal_id": goal.id, "organisation_id": org_id} for org_id in org_ids])
        share = goal.denominator_label is not None
        rows = [{"effect_goal_id": goal.id, "organisation_id": org_id, "year": year, "version": 1,
                 "numerator": 10 + (org_id + year) % 40, "denominator": 60 if share else None,
                 "source": "Demodata", "updated_at": now}
                for year in follow_up_years(program, today) for org_id in org_ids]
        ids = session.scalars(insert(Measurement).returning(Measurement.id, sort_by_parameter_order=True), rows).all()
        session.execute(insert(MeasurementVersion), [
            {"measurement_id": measurement_id, "version": 1, "numerator": row["numerator"],
             "denominator": row["denominator"], "source": row["source"], "via": "import", "saved_at": now}
            for measurement_id, row in zip(ids, rows, strict=True)])
        added += len(rows)
    return added


def _funds(session: Session, org_ids: list[int], now: datetime) -> int:
    added = 0
    for fund_year in session.exec(select(FundYear)).all():
        purposes = list(session.exec(select(FundPurpose.id).where(FundPurpose.fund_year_id == fund_year.id)))
        session.execute(insert(Allocation), [
            {"fund_year_id": fund_year.id, "organisation_id": org_id, "position": 1000 + index,
             "amount": 100_000 + 1_000 * (index % 50), "citywide": False, "version": 1, "updated_at": now}
            for index, org_id in enumerate(org_ids)])
        reports = session.scalars(insert(UsageReport).returning(UsageReport.id, sort_by_parameter_order=True), [
            {"fund_year_id": fund_year.id, "organisation_id": org_id, "state": ReportState.submitted,
             "used": 90_000 + 1_000 * (index % 50), "unspent": 10_000, "reasons": [], "version": 1,
             "updated_at": now, "submitted_at": now}
            for index, org_id in enumerate(org_ids)]).all()
        if purposes:
            session.execute(insert(UsageArea), [
                {"report_id": report_id, "purpose_id": purpose_id, "work": "Utbildning och samverkan.",
                 "outcome": OUTCOMES[(report_id + purpose_id) % len(OUTCOMES)]}
                for report_id in reports for purpose_id in purposes])
        added += len(reports)
    return added
