"""Every saved state of a funds record is kept: one append-only `FundsVersion` per save."""
from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlmodel import Session, SQLModel, select

from tracker.funds.models import Allocation, FundsVersion, FundYear, FundYearContent, UsageArea, UsageReport

YEAR_FIELDS = tuple(FundYearContent.model_fields) + ("reporting",)
ALLOCATION_FIELDS = ("organisation_id", "amount", "citywide", "note")
REPORT_FIELDS = ("state", "used", "unspent", "reasons", "reasons_text", "evaluated", "evaluation_text")
AREA_FIELDS = ("work", "amount", "outcome")


def snapshot(record: SQLModel, areas: list[UsageArea] | None = None) -> dict[str, Any]:
    """The record's content as plain JSON values (a usage report with its areas by purpose id)."""
    fields = {FundYear: YEAR_FIELDS, Allocation: ALLOCATION_FIELDS, UsageReport: REPORT_FIELDS}[type(record)]
    content = {name: _plain(getattr(record, name)) for name in fields}
    if areas is not None:
        content["areas"] = {str(a.purpose_id): {name: _plain(getattr(a, name)) for name in AREA_FIELDS}
                            for a in sorted(areas, key=lambda a: a.purpose_id)}
    return content


def keep_version(session: Session, record: SQLModel, content: dict[str, Any], *, actor: Any,
                 via: str = "form") -> FundsVersion:
    """Append the record's current version (`record.version`) with its content."""
    session.flush()
    version = FundsVersion(record_type=record.__tablename__, record_id=record.id, version=record.version,
                           content=content, saved_by_id=getattr(actor, "id", None), via=via)
    session.add(version)
    return version


def versions_of(session: Session, record: SQLModel) -> list[FundsVersion]:
    return list(session.exec(select(FundsVersion).where(
        FundsVersion.record_type == record.__tablename__, FundsVersion.record_id == record.id)
        .order_by(FundsVersion.version)))


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, list):
        return list(value)
    return value
