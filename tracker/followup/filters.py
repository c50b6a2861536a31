"""The overview's filters: read from the URL (a GET form), written back into links, listed for the reader."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from tracker.reporting.models import STATUS_LABELS, ReportStatus

NOT_REPORTED = "not_reported"
NOT_REPORTED_LABEL = "ej rapporterat"
NOT_REPORTED_SYMBOL = "◌"
STATUS_CHOICES = {**{s.value: STATUS_LABELS[s] for s in ReportStatus}, NOT_REPORTED: "Ej rapporterat"}
CHECKED = {"1", "on", "true", "ja", "yes"}
TEXT_LIMIT = 200


def whole_number(text: str) -> int | None:
    """ASCII digits of a number an integer column holds, else None ("²" is a digit to isdigit, not to int)."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else None


@dataclass(frozen=True)
class Filters:
    """Which commitments the overview shows; every field has a query argument of the same meaning."""

    goal: int | None = None
    organisation: str | None = None  # slug
    status: str | None = None  # a ReportStatus value or NOT_REPORTED
    support: bool = False
    overdue: bool = False
    text: str = ""

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> Filters:
        """Read the query string; values that cannot mean anything are dropped, never an error."""
        goal = (args.get("goal") or "").strip()
        status = (args.get("status") or "").strip()
        return cls(
            goal=whole_number(goal),
            organisation=(args.get("organisation") or "").strip() or None,
            status=status if status in STATUS_CHOICES else None,
            support=(args.get("support") or "").lower() in CHECKED,
            overdue=(args.get("overdue") or "").lower() in CHECKED,
            text=" ".join((args.get("q") or "").split())[:TEXT_LIMIT],
        )

    def as_args(self) -> dict[str, str]:
        """The query arguments that give these filters back (for links and bookmarks)."""
        args = {"goal": str(self.goal) if self.goal else "", "organisation": self.organisation or "",
                "status": self.status or "", "support": "1" if self.support else "",
                "overdue": "1" if self.overdue else "", "q": self.text}
        return {name: value for name, value in args.items() if value}

    @property
    def active(self) -> bool:
        return bool(self.as_args())

    @property
    def selects_commitments(self) -> bool:
        """Filters that pick some organisations' commitments rather than whole goals."""
        return bool(self.organisation or self.status or self.support or self.overdue or self.text)

    def without(self, *names: str) -> Filters:
        return replace(self, **{name: Filters.__dataclass_fields__[name].default for name in names})
