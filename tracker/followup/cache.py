"""The overview as last computed, remembered per app process until the follow-up's data version moves on.

The profile of one overview request at `demo-data --scale large` (20,000
commitments, 271,476 reports): about 210 ms in build_overview, of which 160 ms
in the one GROUP BY over the programme's commitments and their reports, 75 ms
in the template, the rest in the login. The counts are what changes least
often and costs most, so they are what is remembered: the result of
build_overview for a programme, tertial, filters (free text included) and page.

Exactness: the key holds the data version (tracker.followup.freshness), read
in one query *before* anything is counted. A write commits its rows and the
new version together, so a result remembered under a version was computed from
data at least as new as that version; any request that still reads that
version started before the write committed, and any later request reads the
new version and counts again. The time of the last change is in the key too,
so a database restored from a backup (an older counter) never meets results
remembered from the counter's first run.

Once the counts are remembered the template is what is left (about 20 of
25 ms), so the page's main block is remembered too, rendered (views.overview).
Its key adds everything in that block that is not data: whether the reader
sees drafts (coordinators only), the language and time zone, today's date
(a programme is marked "avslutat" by it) and the path the app is served
under. The reader's name, the CSRF token and flashed messages are outside that
block and rendered for each request. The counted result itself holds no
reader's attributes: drafts are counted for everyone and shown only where the
template is told to.

The process keeps at most MAX_ENTRIES results (least recently used first
out); results are read-only once remembered and shared between its threads.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from flask import current_app
from sqlmodel import Session

from tracker.followup.filters import Filters
from tracker.followup.freshness import read_version
from tracker.followup.overview import Overview, build_overview
from tracker.periods.models import ReportingPeriod
from tracker.programs.models import Program

CACHE_KEY = "tracker.followup.overviews"
MAX_ENTRIES = 128  # a large programme's rendered page is about 120 KB


class ResultCache:
    """A bounded, thread-safe least-recently-used map.

    Bounded by the summed weight of its values: one per value unless `weight` says otherwise
    (tracker.pagecache weighs rendered pages by their length).
    """

    def __init__(self, max_entries: int = MAX_ENTRIES, weight: Callable[[object], int] = lambda _value: 1):
        self.max_entries = max_entries
        self.weight = weight
        self._entries: OrderedDict[Hashable, tuple[object, int]] = OrderedDict()
        self._total = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get_or_compute(self, key: Hashable, compute: Callable[[], object]) -> object:
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                self.hits += 1
                return self._entries[key][0]
            self.misses += 1
        value = compute()  # outside the lock: two threads may both count, and agree
        weight = self.weight(value)
        with self._lock:
            if key in self._entries:
                self._total -= self._entries[key][1]
            self._entries[key] = (value, weight)
            self._total += weight
            self._entries.move_to_end(key)
            while self._total > self.max_entries and len(self._entries) > 1:
                self._total -= self._entries.popitem(last=False)[1][1]
        return value

    @classmethod
    def of_app(cls, key: str, **options) -> ResultCache:
        """The current app's cache under `key` (one per app, so that two apps in one process never share results)."""
        cache = current_app.extensions.get(key)
        return cache if cache is not None else current_app.extensions.setdefault(key, cls(**options))

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._total = 0


def overview_cache() -> ResultCache:
    """The current app's remembered overviews."""
    return ResultCache.of_app(CACHE_KEY)


class Remembered:
    """One request's view of the cache: the data version is read once, and is part of every key."""

    def __init__(self, session: Session):
        self.version = read_version(session)

    def get(self, key: tuple, compute: Callable[[], object]) -> object:
        if self.version is None:  # never written since the table was made: nothing to key on
            return compute()
        return overview_cache().get_or_compute((self.version, *key), compute)


def cached_overview(session: Session, *, program: Program, period: ReportingPeriod, filters: Filters,
                    page: int, page_size: int, remembered: Remembered | None = None) -> Overview:
    """build_overview(..., rows=False) for the overview page, counted again only after the data changed."""
    def compute() -> Overview:
        result = build_overview(session, program=program, period=period, filters=filters, page=page,
                                page_size=page_size, rows=False)
        _detach(session, result)
        return result

    remembered = remembered or Remembered(session)
    return remembered.get(("overview", program.id, period.id, filters, page, page_size), compute)


def _detach(session: Session, overview: Overview) -> None:
    """Take the result's rows out of the session: a rollback there must not expire what other requests read."""
    rows = {id(obj): obj for obj in (
        overview.program, overview.period, overview.previous, *overview.goal_choices,
        *overview.organisation_choices, *(a.activity for a in overview.activities),
        *(a.goal for a in overview.activities)) if obj is not None}
    for obj in rows.values():
        if obj in session:
            session.expunge(obj)
