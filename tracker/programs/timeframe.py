"""Read an activity's time frame as written ("Höst 2021–vår 2022") into dates.

Seasons: vår = January–June, sommar = June–August, höst = August–December.
"Löpande" means the whole programme period. Text that does not follow these
forms keeps the whole programme period and is marked as not parsed, so that
nobody mistakes a guess for a date the document gave.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

SEASONS: dict[str, tuple[tuple[int, int], tuple[int, int]]] = {
    "vår": ((1, 1), (6, 30)),
    "sommar": ((6, 1), (8, 31)),
    "höst": ((8, 1), (12, 31)),
}
_SEASON_FORMS = {"vår": "vår", "våren": "vår", "sommar": "sommar", "sommaren": "sommar",
                 "höst": "höst", "hösten": "höst"}
_SEASON = "|".join(sorted(_SEASON_FORMS, key=len, reverse=True))
_YEAR = r"(?:19|20)\d\d"
_POINT = rf"(?:(?P<{{s}}>{_SEASON})\s+)?(?P<{{y}}>{_YEAR})"
_RANGE = re.compile(
    rf"^{_POINT.format(s='s1', y='y1')}(?:\s*-\s*{_POINT.format(s='s2', y='y2')})?$"
)
# "Sommar–höst 2023": two seasons sharing one year.
_SEASON_PAIR = re.compile(rf"^(?P<s1>{_SEASON})\s*-\s*(?P<s2>{_SEASON})\s+(?P<y>{_YEAR})$")
_ONGOING = re.compile(r"^löpande(\s+under\s+(hela\s+)?programperioden)?$")


@dataclass(frozen=True)
class TimeFrame:
    starts_on: date
    ends_on: date
    parsed: bool


def parse_time_frame(text: str, *, period_start: date, period_end: date) -> TimeFrame:
    """Return the dates a time frame covers; unparsable text keeps the whole period."""
    whole = TimeFrame(period_start, period_end, parsed=False)
    norm = re.sub(r"\s+", " ", re.sub(r"[–—‑−]", "-", text)).strip().lower()
    if _ONGOING.match(norm):
        return TimeFrame(period_start, period_end, parsed=True)
    if match := _SEASON_PAIR.match(norm):
        year = int(match["y"])
        start, end = _start(match["s1"], year), _end(match["s2"], year)
    elif match := _RANGE.match(norm):
        start = _start(match["s1"], int(match["y1"]))
        if match["y2"]:
            end = _end(match["s2"], int(match["y2"]))
        else:
            end = _end(match["s1"], int(match["y1"]))
    else:
        return whole
    if end < start:
        return whole
    return TimeFrame(start, end, parsed=True)


def _start(season: str | None, year: int) -> date:
    if season is None:
        return date(year, 1, 1)
    month, day = SEASONS[_SEASON_FORMS[season]][0]
    return date(year, month, day)


def _end(season: str | None, year: int) -> date:
    if season is None:
        return date(year, 12, 31)
    month, day = SEASONS[_SEASON_FORMS[season]][1]
    return date(year, month, day)
