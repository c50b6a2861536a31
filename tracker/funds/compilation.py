"""The city's compilation of a grant year: what the page, the PDF and the Word file all show.

Built from the ledger and the nämnder's *submitted* reports only (drafts are
work in progress). Counts are of the year's nämnder, the way Socialstyrelsen's
national report counts municipalities ("4 av 14 nämnder").
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from tracker.funds.ledger import Ledger, Total
from tracker.funds.models import Evaluation, FundPurpose, Outcome, ReasonCategory
from tracker.i18n import N_
from tracker.organisations.models import Organisation


@dataclass(frozen=True)
class Figure:
    label: str  # Swedish, marked with N_
    value: int | None
    note: str | None = None  # where the figure comes from, or why it is unknown
    note_args: dict | None = None


@dataclass(frozen=True)
class Work:
    organisation: Organisation
    successor: Organisation | None
    text: str
    amount: int | None
    outcome: Outcome | None


@dataclass(frozen=True)
class AreaSection:
    purpose: FundPurpose
    works: list[Work]
    amount: Total  # of the amounts given for the area (unknown where a nämnd gave none)
    outcomes: Counter

    @property
    def count(self) -> int:
        return len(self.works)


@dataclass(frozen=True)
class Statement:
    organisation: Organisation
    successor: Organisation | None
    choice: str | None  # an Evaluation value, or None
    text: str | None


@dataclass
class Compilation:
    ledger: Ledger
    figures: list[Figure]
    namnder: int
    submitted: int
    none_used: int  # of the submitted reports whose amounts are known (see the two below)
    not_all_used: int
    sections: list[AreaSection]
    reasons: list[tuple[ReasonCategory, int]]
    reason_texts: list[Statement]
    evaluation: list[tuple[Evaluation, int]]
    evaluation_texts: list[Statement]
    # Submitted reports that do not give the used (unspent) amount: `none_used` (`not_all_used`) may be
    # that many higher, so a page shows the count as a lower bound, never as the whole answer.
    used_unknown: int = 0
    unspent_unknown: int = 0

    @property
    def year(self) -> int:
        return self.ledger.fund_year.year

    @property
    def allocated_vs_used(self) -> list[tuple[str, int | None, int | None]]:
        """(nämnd, allocated, used) for the chart; None where not known."""
        return [(row.organisation.short_name, row.allocated, row.used) for row in self.ledger.rows
                if row.has_allocation]

    @property
    def used_per_area(self) -> list[tuple[str, Total]]:
        return [(section.purpose.short_title, section.amount) for section in self.sections]


def build_compilation(ledger: Ledger) -> Compilation:
    data = ledger.data
    submitted = [row for row in ledger.rows if row.submitted]
    sections = []
    for purpose in data.purposes:
        works = [Work(row.organisation, row.successor, area.work, area.amount, _enum(Outcome, area.outcome))
                 for row in submitted if (area := row.submitted.areas.get(purpose.id)) is not None and area.work]
        amounts = [w.amount for w in works]
        sections.append(AreaSection(purpose, works, Total.of(amounts),
                                    Counter(w.outcome for w in works if w.outcome is not None)))
    reasons = Counter(r for row in submitted for r in row.submitted.report.reasons)
    evaluation = Counter(row.submitted.report.evaluated for row in submitted if row.submitted.report.evaluated)
    return Compilation(
        ledger=ledger,
        figures=headline_figures(ledger),
        namnder=sum(1 for row in ledger.rows if row.has_allocation or row.report is not None),
        submitted=len(submitted),
        none_used=sum(1 for row in submitted if row.used == 0),
        not_all_used=sum(1 for row in submitted if row.unspent),
        sections=sections,
        reasons=[(category, reasons[category.value]) for category in ReasonCategory if reasons[category.value]],
        reason_texts=[Statement(row.organisation, row.successor, None, row.submitted.report.reasons_text)
                      for row in submitted if row.submitted.report.reasons_text],
        evaluation=[(choice, evaluation[choice]) for choice in Evaluation if evaluation[choice]],
        evaluation_texts=[Statement(row.organisation, row.successor, _enum(Evaluation, row.submitted.report.evaluated),
                                    row.submitted.report.evaluation_text)
                          for row in submitted if row.submitted.report.evaluation_text],
        used_unknown=sum(1 for row in submitted if row.used is None),
        unspent_unknown=sum(1 for row in submitted if row.unspent is None),
    )


def _enum(enum, value):
    """The member for a value read from the database (a plain str there), or None."""
    return None if value is None else enum(value)


def headline_figures(ledger: Ledger) -> list[Figure]:
    fund_year = ledger.fund_year
    figures = [Figure(N_("Kan rekvireras"), fund_year.entitlement)]
    if fund_year.requisitioned_total is not None:
        figures.append(Figure(N_("Rekvirerat"), fund_year.requisitioned_total, N_("enligt källan")))
    else:
        figures.append(_sum_figure(N_("Rekvirerat"), ledger.rounds, N_("summa av omgångarna")))
    figures.append(_sum_figure(N_("Fördelat"), ledger.allocated, N_("summa av fördelningens rader")))
    for label, stated, reported in ((N_("Använt"), fund_year.stated_used, ledger.reported_used),
                                    (N_("Ej använt"), fund_year.stated_unspent, ledger.reported_unspent)):
        if stated is not None:
            figures.append(Figure(label, stated, N_("enligt stadens redovisning")))
            if reported.value is not None and reported.value != stated:
                figures.append(_sum_figure(label, reported, N_("summa av nämndernas återrapporter")))
        else:
            figures.append(_sum_figure(label, reported, N_("summa av nämndernas återrapporter")))
    figures.append(Figure(N_("Att återbetala"), ledger.to_repay,
                          N_("enligt återbetalningen") if fund_year.repayment_amount is not None else None))
    return figures


def _sum_figure(label: str, total: Total, source: str) -> Figure:
    if total.value is None and total.parts:
        return Figure(label, None, total.unknown_msgid, {"unknown": total.unknown, "parts": total.parts})
    return Figure(label, total.value, source if total.parts else N_("inga belopp registrerade"))
