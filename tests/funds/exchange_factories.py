"""Workbooks for the exchange tests: a year's export opened, edited cell by cell, and saved again."""
from __future__ import annotations

import io
from datetime import date

from openpyxl import Workbook, load_workbook
from sqlmodel import Session, func, select

from tests.funds.factories import COORDINATOR
from tracker.audit.models import AuditEvent
from tracker.funds import reporting, reporting_round, service
from tracker.funds.models import (
    Allocation,
    Evaluation,
    FundsVersion,
    FundYear,
    Outcome,
    ReasonCategory,
    UsageArea,
    UsageReport,
)
from tracker.funds.reporting import AreaInput, ReportInput
from tracker.organisations.models import Organisation


def workbook(data: bytes) -> Workbook:
    return load_workbook(io.BytesIO(data))


def saved(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def row_of(book: Workbook, sheet: str, slug: str, code: str | None = None) -> int:
    """The number of the sheet's row for the nämnd (and purpose)."""
    for row in book[sheet].iter_rows(min_row=2):
        if row[1].value == slug and (code is None or row[3].value == code):
            return row[0].row
    raise LookupError(f"{sheet}: no row for {slug} {code}")


def set_cell(book: Workbook, sheet: str, slug: str, column: str, value, code: str | None = None) -> None:
    header = [cell.value for cell in book[sheet][1]]
    book[sheet].cell(row_of(book, sheet, slug, code), header.index(column) + 1).value = value  # None empties it


def counts(session: Session) -> dict[str, int]:
    """How many rows each table the import may write holds."""
    session.expire_all()
    return {model.__name__: session.exec(select(func.count()).select_from(model)).one()
            for model in (Allocation, UsageReport, UsageArea, FundsVersion, AuditEvent)}


def organisation(session: Session, slug: str) -> Organisation:
    return session.exec(select(Organisation).where(Organisation.slug == slug)).one()


def open_2022(session: Session) -> FundYear:
    """The seeded 2022 open for reports: Rinkeby-Kista has submitted, Bromma has a draft."""
    fund_year = service.get_year(session, 2022)
    reporting_round.open_reporting(session, fund_year=fund_year, deadline=date(2023, 2, 15), actor=COORDINATOR)
    purposes = {p.code: p for p in service.load_year(session, fund_year).purposes}
    reporting.save_report(session, fund_year=fund_year, organisation=organisation(session, "rinkeby-kista"),
                          content=ReportInput(
                              used=600000, unspent=24090, reasons=[ReasonCategory.time, ReasonCategory.staffing],
                              reasons_text="Rekryteringen drog ut på tiden.", evaluated=Evaluation.yes,
                              evaluation_text="Enkät till deltagarna.",
                              areas={purposes["langsiktigt"].id: AreaInput("Samverkansrutiner.", 400000, Outcome.large),
                                     purposes["valdsutovare"].id: AreaInput("Gruppbehandling.", None, Outcome.unknown)}),
                          expected_version=None, submit=True, actor=COORDINATOR)
    reporting.save_report(session, fund_year=fund_year, organisation=organisation(session, "bromma"),
                          content=ReportInput(used=200000, areas={purposes["langsiktigt"].id: AreaInput("Utbildning.")}),
                          expected_version=None, submit=False, actor=COORDINATOR)
    session.commit()
    return fund_year
