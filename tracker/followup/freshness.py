"""The follow-up's data version: a row in the database that every write to the counted tables moves on.

Why a version and not summary rows. The overview's figures are not one count
per activity and tertial: the filters (goal, organisation, status, support,
overdue, free text) select commitments before counting, "unchanged" compares a
report with the one in the tertial before, and "overdue" depends on the
activity's time frame and the tertial's end. Summary rows kept up to date on
save would have to be kept for every combination the filters make, and be
touched by every write that changes a commitment, an activity, a goal, a
tertial or an organisation, not only by a report's save. Instead the overview
keeps computing its figures the one way the equivalence test pins
(tracker.followup.counting), and remembers the result until the data it was
computed from changes (tracker.followup.cache). Exactness then rests on one
rule: every write to a table the overview reads moves this version on, in the
same transaction as the write.

How no write path can forget it. The hooks are on every SQLAlchemy session,
not in the services:
- `before_flush` notes a new, changed or deleted row of a counted table;
- `do_orm_execute` notes a bulk `insert(Model)`, `update(Model)` or
  `delete(Model)` run through a session (the demo data is written that way);
- `before_commit` flushes what is pending and, if something was noted, moves
  the version on with one upsert, the last statement before COMMIT, so that
  the row is locked only for the commit itself.
A rolled-back transaction leaves the note behind; the next commit of that
session then moves the version on once more than needed, which only costs a
recount. What the hooks cannot see: SQL text and Core statements executed on a
connection rather than a session. Nothing in tracker writes the counted tables
that way (tests/followup/test_overview_cache.py checks the source); a restore of
a backup is covered because the version carries the time of its last change.

A second area, PAGES, moves on with a write to any table a page shows (all but
sessions, login counters and the versions): tracker.pagecache keys rendered
pages on it. One commit moves both on in one statement.

Several app servers share the database and so the version: a report saved
through one is counted by every other at its next request, whatever each has
remembered.
"""
from __future__ import annotations

import functools
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Field, SQLModel

from tracker.clock import utcnow
from tracker.db import UTCDateTime

FOLLOWUP = "followup"
# The tables the overview's figures are computed from (tracker.followup.overview and counting).
COUNTED_TABLES = frozenset({
    "program", "goal", "activity", "commitment", "organisation", "reportingperiod",
    "statusreport", "statusreportversion",
})
PAGES = "pages"
# The tables no page shows: who is logged in where, login counters, the versions themselves. A write to
# any other table moves the pages' version on (tracker.pagecache remembers rendered pages under it).
UNSHOWN_TABLES = frozenset({"usersession", "loginattempt", "dataversion"})
_NOTED = "tracker.followup.freshness.noted"  # in session.info: the areas whose tables were written


class DataVersion(SQLModel, table=True):
    """How often an area's data has changed, and when it last did."""

    area: str = Field(primary_key=True, max_length=40)
    version: int = 0
    changed_at: datetime = Field(sa_type=UTCDateTime)


def read_version(session, area: str = FOLLOWUP) -> tuple[int, datetime] | None:
    """The area's version and the time of its last change (one query); None if it has never been written."""
    row = session.execute(sa.select(DataVersion.version, DataVersion.changed_at)
                          .where(DataVersion.area == area)).first()
    return None if row is None else (row[0], row[1])


def bump(session, *areas: str) -> None:
    """Move the areas' versions on (creating a row an area has none of), in one statement of the session's transaction.

    The rows are written in the areas' sorted order, so that two commits never wait on each other in turn.
    """
    session.execute(_bump_statement(tuple(sorted(areas or (FOLLOWUP,)))), {"now": utcnow()})


@functools.cache
def _bump_statement(areas: tuple[str, ...]) -> sa.TextClause:
    # Written out once per set of areas (the same text on SQLite and PostgreSQL): the last statement of
    # every writing commit is not compiled anew each time.
    rows = ", ".join(f"(:area{index}, 1, :now)" for index in range(len(areas)))
    return sa.text(
        f"INSERT INTO {DataVersion.__tablename__} (area, version, changed_at) VALUES {rows} "
        "ON CONFLICT (area) DO UPDATE SET version = dataversion.version + 1, changed_at = excluded.changed_at"
    ).bindparams(sa.bindparam("now", type_=UTCDateTime()),
                 *(sa.bindparam(f"area{index}", area) for index, area in enumerate(areas)))


def areas_of(table_name: str | None) -> set[str]:
    """The areas whose version a write to the table moves on."""
    if table_name is None:
        return set()
    areas = {FOLLOWUP} if table_name in COUNTED_TABLES else set()
    if table_name not in UNSHOWN_TABLES:
        areas.add(PAGES)
    return areas


def _note(session, table) -> None:
    areas = areas_of(getattr(table, "name", None))
    if areas:
        session.info.setdefault(_NOTED, set()).update(areas)


@event.listens_for(OrmSession, "before_flush")
def _note_flushed_writes(session, _flush_context, _instances) -> None:
    for obj in (*session.new, *session.deleted):
        _note(session, getattr(obj, "__table__", None))
    for obj in session.dirty:
        if session.is_modified(obj):
            _note(session, getattr(obj, "__table__", None))


@event.listens_for(OrmSession, "do_orm_execute")
def _note_bulk_writes(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        _note(state.session, getattr(state.statement, "table", None))


@event.listens_for(OrmSession, "before_commit")
def _bump_before_commit(session) -> None:
    if session.new or session.dirty or session.deleted:
        session.flush()  # commit would flush after this hook; the note must see it first
    areas = session.info.pop(_NOTED, None)
    if areas:
        bump(session, *areas)
