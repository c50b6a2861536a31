"""The one clock: now in UTC (what is stored) and today in Stockholm (what people and schedules mean).

Nothing else in tracker reads the system clock, so that tests can move time in one place
(time-machine) and a date is never a server's local date by accident.
"""
from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def utcnow() -> datetime:
    """The current time as a timezone-aware UTC datetime."""
    return datetime.now(UTC)


def local_day(moment: datetime) -> date:
    """The calendar day in Stockholm of an aware (UTC) time."""
    return moment.astimezone(STOCKHOLM).date()


def today() -> date:
    """Today's date in Stockholm."""
    return local_day(utcnow())
