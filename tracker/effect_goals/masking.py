"""Small figures are masked wherever they leave the coordinators' hands.

A figure from fewer than `threshold` cases (default 5) could identify a person
subjected to violence or their child. Outside the coordinators (and an
organisation's own contacts, for its own figures) such a count is shown as
"färre än 5", and a share is withheld whenever its numerator, its denominator
or the difference between them is such a count (from 38 of 40, "2 did not" is
as telling as the 2 itself). Zero is shown: it identifies nobody.
"""
from __future__ import annotations

from tracker.i18n import N_

DEFAULT_THRESHOLD = 5
FEWER_THAN = N_("färre än %(threshold)s")


def is_small(value: int | None, threshold: int) -> bool:
    return value is not None and 0 < value < threshold


def count_hidden(value: int | None, threshold: int | None) -> bool:
    """Whether a count must be masked (`threshold` None: the viewer may see exact figures)."""
    return threshold is not None and is_small(value, threshold)


def share_hidden(numerator: int | None, denominator: int | None, threshold: int | None) -> bool:
    """Whether a share must be withheld: any of its parts, or their difference, is a small count."""
    if threshold is None or numerator is None:
        return False
    parts = [numerator] if denominator is None else [numerator, denominator, denominator - numerator]
    return any(is_small(part, threshold) for part in parts)


def change_hidden(value: int | None, baseline: int | None, threshold: int | None) -> bool:
    """Whether a change against the baseline must be withheld: either count is small."""
    return count_hidden(value, threshold) or count_hidden(baseline, threshold)
