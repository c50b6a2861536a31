"""The ledger shows every figure beside the one it should agree with, and never fills in what is unknown."""
from __future__ import annotations

from datetime import date

import pytest

from tests.funds.factories import COORDINATOR, ledger_of, make_fund_year, usage
from tracker.funds import compilation, display, editing, reporting_round
from tracker.funds.ledger import CheckState, Stage, Total
from tracker.funds.models import Evaluation, Outcome, ReasonCategory, ReportingState

TODAY = date(2026, 11, 23)


def _checks(ledger, kind: str, organisation=None):
    return [c for c in ledger.checks if c.kind == kind
            and (organisation is None or (c.organisation and c.organisation.id == organisation.id))]


def _one(ledger, kind: str, organisation=None):
    found = _checks(ledger, kind, organisation)
    assert len(found) == 1, [(c.kind, c.organisation) for c in ledger.checks]
    return found[0]


# The discrepancies of the seeded years

def test_2022_allocation_rows_against_the_printed_total_differ_by_one_krona(seeded):
    ledger = ledger_of(seeded, 2022, TODAY)
    check = _one(ledger, "allocation_total")
    assert (check.left, check.right, check.difference) == (5_394_916, 5_394_915, 1)
    assert check.state is CheckState.differs and check.flagged and check.symbol == "△"
    assert check in ledger.flags
    assert display.check_text(check) == ("Summa av raderna 5\u00a0394\u00a0916\u00a0kr, total enligt beslutet "
                                         "5\u00a0394\u00a0915\u00a0kr: skillnad +1\u00a0kr")
    # never corrected: both figures stay as printed
    assert ledger.allocated.value == 5_394_916 and ledger.fund_year.allocation_stated_total == 5_394_915


def test_2022_allocated_against_what_the_city_may_requisition(seeded):
    ledger = ledger_of(seeded, 2022, TODAY)
    assert ledger.requisitioned is None  # 002 gives what the city *may* requisition, not a requisition
    check = _one(ledger, "allocated_entitlement")
    assert (check.left, check.right, check.difference, check.state) == (5_394_916, 5_394_915, 1, CheckState.differs)
    assert not _checks(ledger, "allocated_requisitioned")
    assert ledger.stage is Stage.allocated


def test_2016_city_balance_and_rounds_agree(seeded):
    ledger = ledger_of(seeded, 2016, TODAY)
    balance = _one(ledger, "city_balance")
    assert (balance.left, balance.right, balance.state) == (2_664_713 + 501_420, 3_166_133, CheckState.ok)
    assert not balance.flagged
    rounds = _one(ledger, "rounds_total")
    assert (rounds.left, rounds.right, rounds.state) == (3_125_250 + 40_883, 3_166_133, CheckState.ok)
    assert (ledger.used, ledger.unspent, ledger.to_repay, ledger.requisitioned) == (
        2_664_713, 501_420, 501_420, 3_166_133)
    assert ledger.stage is Stage.compiled


def test_2016_allocation_sums_are_unknown_with_how_many_are_missing(seeded):
    ledger = ledger_of(seeded, 2016, TODAY)
    assert ledger.allocated == Total(None, 14, 15)
    for kind in ("allocation_total", "allocated_requisitioned"):
        check = _one(ledger, kind)
        assert check.left is None and check.difference is None
        assert check.state is CheckState.unknown and check.flagged and check.symbol == "?"
        assert display.check_text(check).endswith("14 av 15 belopp är okända.")
    assert "okänt" in display.check_text(_one(ledger, "allocation_total"))


def test_2016_namnd_balances_are_unknown_not_zero(seeded):
    ledger = ledger_of(seeded, 2016, TODAY)
    balances = _checks(ledger, "namnd_balance")
    assert len(balances) == 15
    assert all(c.state is CheckState.unknown and c.left is None for c in balances)
    kruton = next(c for c in balances if c.organisation.slug == "socialnamnden")
    assert (kruton.right, kruton.detail_args) == (40_883, {"unknown": 1, "parts": 2})  # unspent not given
    assert ledger.reported_used == Total(None, 14, 15)
    assert not _checks(ledger, "report_missing")  # no internal deadline is known for 2016


def test_2016_repayment_shows_as_overdue_because_no_payment_is_recorded(seeded):
    """000 says 501 420 kr is to be repaid by 2017-06-30 but not that it was: the ledger says so."""
    assert not ledger_of(seeded, 2016, date(2017, 6, 30)).repayment_overdue
    ledger = ledger_of(seeded, 2016, TODAY)
    check = _one(ledger, "repayment_overdue")
    assert ledger.repayment_overdue and check.state is CheckState.missing and check.left == 501_420
    assert display.check_text(check) == "Sista dag var 2017-06-30; ingen betalning är registrerad."


def test_2021_rounds_are_unknown(seeded):
    ledger = ledger_of(seeded, 2021, TODAY)
    assert ledger.rounds == Total(None, 2, 2) and ledger.requisitioned is None
    check = _one(ledger, "rounds_entitlement")
    assert (check.left, check.right, check.state) == (None, 4_528_687, CheckState.unknown)
    assert check.detail_args == {"unknown": 2, "parts": 2}
    assert ledger.stage is Stage.requisitioned


# Per nämnd

@pytest.fixture
def year(session, make_org):
    bromma, farsta, kista = make_org("bromma"), make_org("farsta"), make_org("kista")
    fund_year = make_fund_year(session, year=2024, allocations=[(bromma, 100_000), (farsta, 50_000), (kista, None)],
                               reporting=ReportingState.open, deadline=date(2025, 2, 15), requisitioned=150_000)
    return fund_year, bromma, farsta, kista


def test_used_and_unspent_against_allocated_per_namnd(session, year):
    fund_year, bromma, farsta, _kista = year
    usage(session, fund_year, bromma, used=60_000, unspent=30_000, reasons=(ReasonCategory.staffing,),
          areas={0: ("Utbildning", None, Outcome.partly)})
    usage(session, fund_year, farsta, used=50_000, unspent=0, areas={0: ("Rutiner", None, Outcome.fully)})
    session.commit()
    ledger = ledger_of(session, 2024, date(2025, 1, 10))
    differs = _one(ledger, "namnd_balance", bromma)
    assert (differs.left, differs.right, differs.difference, differs.state) == (90_000, 100_000, -10_000,
                                                                                CheckState.differs)
    assert display.check_text(differs) == ("Använt + ej använt 90\u00a0000\u00a0kr, fördelat 100\u00a0000\u00a0kr: "
                                           "skillnad −10\u00a0000\u00a0kr")
    agrees = _one(ledger, "namnd_balance", farsta)
    assert (agrees.left, agrees.right, agrees.state) == (50_000, 50_000, CheckState.ok)


def test_a_namnd_with_unknown_allocation_cannot_be_checked(session, year):
    fund_year, _bromma, _farsta, kista = year
    usage(session, fund_year, kista, used=10_000, unspent=0, areas={0: ("Information", None, Outcome.unknown)})
    session.commit()
    check = _one(ledger_of(session, 2024, date(2025, 1, 10)), "namnd_balance", kista)
    assert (check.left, check.right, check.state) == (10_000, None, CheckState.unknown)
    assert display.check_text(check).endswith("Jämförelsebeloppet är okänt.")


def test_area_amounts_exceeding_used(session, year):
    fund_year, bromma, farsta, _kista = year
    usage(session, fund_year, bromma, used=50_000, unspent=50_000, reasons_text="Tidsbrist",
          areas={0: ("Utbildning", 30_000, Outcome.partly), 1: ("Behandling", 30_000, Outcome.small)})
    usage(session, fund_year, farsta, used=50_000, unspent=0,
          areas={0: ("Rutiner", 50_000, Outcome.fully), 1: ("Samtal", None, Outcome.fully)})
    session.commit()
    ledger = ledger_of(session, 2024, date(2025, 1, 10))
    check = _one(ledger, "areas_exceed_used", bromma)
    assert (check.left, check.right, check.difference, check.state) == (60_000, 50_000, 10_000, CheckState.differs)
    assert not _checks(ledger, "areas_exceed_used", farsta)  # equal is fine; an unknown area amount adds nothing


def test_a_draft_is_not_checked_or_counted(session, year):
    fund_year, bromma, _farsta, _kista = year
    usage(session, fund_year, bromma, used=1, unspent=1, submit=False)
    session.commit()
    ledger = ledger_of(session, 2024, date(2025, 1, 10))
    assert not _checks(ledger, "namnd_balance") and ledger.reported_used == Total(None, 3, 3)
    assert ledger.submitted_count == 0


def test_report_missing_after_the_deadline_only(session, year, make_org):
    fund_year, bromma, farsta, kista = year
    other = make_org("utan-fordelning")
    usage(session, fund_year, bromma, used=100_000, unspent=0, areas={0: ("Utbildning", None, Outcome.fully)})
    usage(session, fund_year, farsta, used=1, submit=False)  # a draft is not a report
    usage(session, fund_year, other, used=1, submit=False)  # reports without an allocation row
    session.commit()
    assert not _checks(ledger_of(session, 2024, date(2025, 2, 15)), "report_missing")  # on the day: not yet
    ledger = ledger_of(session, 2024, date(2025, 2, 16))
    missing = {c.organisation.slug for c in _checks(ledger, "report_missing")}
    assert missing == {"farsta", "kista"}
    check = _one(ledger, "report_missing", kista)
    assert check.state is CheckState.missing and check.flagged and check.symbol == "✕"
    assert display.check_text(check) == "Sista dag var 2025-02-15."
    rows = {row.organisation.slug: row for row in ledger.rows}
    assert (rows["kista"].late, rows["bromma"].late, rows["utan-fordelning"].late) == (True, False, False)
    assert rows["utan-fordelning"].report_state == "draft" and rows["kista"].report_state == "not_started"


def test_no_report_is_missing_before_reporting_opens(session, make_org):
    bromma = make_org("bromma")
    fund_year = make_fund_year(session, year=2024, allocations=[(bromma, 1_000)])
    editing.update_year(session, fund_year=fund_year, values={"internal_deadline": date(2025, 2, 15)},
                        expected_version=None, actor=COORDINATOR)
    session.commit()
    assert not _checks(ledger_of(session, 2024, date(2025, 6, 1)), "report_missing")


def test_repayment_overdue_only_when_due_and_unpaid(session, year):
    fund_year = year[0]
    editing.update_year(session, fund_year=fund_year, values={"repayment_amount": 10_000,
                                                              "repayment_due_on": date(2025, 6, 30)},
                        expected_version=None, actor=COORDINATOR)
    session.commit()
    assert not ledger_of(session, 2024, date(2025, 6, 30)).repayment_overdue
    assert ledger_of(session, 2024, date(2025, 7, 1)).repayment_overdue
    editing.update_year(session, fund_year=fund_year, values={"repayment_paid_on": date(2025, 7, 2)},
                        expected_version=None, actor=COORDINATOR)
    session.commit()
    assert not ledger_of(session, 2024, date(2025, 7, 3)).repayment_overdue


def test_repayment_overdue_from_the_unspent_sum_when_no_amount_is_recorded(session, year):
    """The nämnder reported 20 000 kr unspent; Socialstyrelsen's 30 June passes without a payment."""
    fund_year, bromma, farsta, kista = year
    for organisation, used, unspent in ((bromma, 90_000, 10_000), (farsta, 40_000, 10_000), (kista, 0, 0)):
        usage(session, fund_year, organisation, used=used, unspent=unspent, reasons_text="Tidsbrist",
              areas={0: ("Arbete", None, Outcome.partly)} if used else None)
    session.commit()
    assert ledger_of(session, 2024, date(2025, 6, 30)).to_repay == 20_000
    assert not ledger_of(session, 2024, date(2025, 6, 30)).repayment_overdue
    check = _one(ledger_of(session, 2024, date(2025, 7, 1)), "repayment_overdue")
    assert check.left == 20_000 and check.detail_args == {"day": "2025-06-30"}


def test_nothing_to_repay_is_never_overdue(session, year):
    fund_year = year[0]
    editing.update_year(session, fund_year=fund_year, values={"repayment_amount": 0}, expected_version=None,
                        actor=COORDINATOR)
    session.commit()
    assert not ledger_of(session, 2024, date(2026, 1, 1)).repayment_overdue


def test_stage_progression(session, make_org):
    bromma = make_org("bromma")
    fund_year = editing.create_year(session, year=2024, title=None, actor=COORDINATOR)
    session.commit()
    assert ledger_of(session, 2024, TODAY).stage is Stage.planned
    editing.save_round(session, fund_year=fund_year, round_=None, form={"label": "Våren 2024", "amount": "100 000"},
                       actor=COORDINATOR)
    session.commit()
    assert ledger_of(session, 2024, TODAY).stage is Stage.requisitioned
    editing.save_allocation(session, fund_year=fund_year, organisation=bromma, amount=100_000, citywide=False,
                            note=None, expected_version=None, actor=COORDINATOR)
    session.commit()
    assert ledger_of(session, 2024, TODAY).stage is Stage.allocated
    reporting_round.open_reporting(session, fund_year=fund_year, deadline=date(2025, 2, 15), actor=COORDINATOR)
    session.commit()
    assert ledger_of(session, 2024, TODAY).stage is Stage.reporting
    reporting_round.close_reporting(session, fund_year=fund_year, actor=COORDINATOR)
    session.commit()
    assert ledger_of(session, 2024, TODAY).stage is Stage.reporting
    editing.update_year(session, fund_year=fund_year, values={"compiled_on": date(2025, 3, 20),
                                                              "repayment_amount": 5_000},
                        expected_version=None, actor=COORDINATOR)
    session.commit()
    ledger = ledger_of(session, 2024, TODAY)
    assert ledger.stage is Stage.compiled
    assert [ledger.stage_done(s) for s in Stage] == [True, True, True, True, True, False]
    editing.update_year(session, fund_year=fund_year, values={"repayment_paid_on": date(2025, 6, 1)},
                        expected_version=None, actor=COORDINATOR)
    session.commit()
    assert ledger_of(session, 2024, TODAY).stage is Stage.repaid


def test_a_compiled_year_with_nothing_to_repay_is_done(session):
    fund_year = make_fund_year(session, year=2024)
    editing.update_year(session, fund_year=fund_year, values={"compiled_on": date(2025, 3, 1), "repayment_amount": 0},
                        expected_version=None, actor=COORDINATOR)
    session.commit()
    assert ledger_of(session, 2024, TODAY).stage is Stage.repaid


def test_the_stage_labels_are_swedish():
    assert [s.label for s in Stage] == ["Planerat", "Rekvirerat", "Fördelat", "Återrapportering", "Sammanställt",
                                        "Återbetalt"]


# Unknown is never 0

def test_total_of_amounts():
    assert Total.of([1, 2, 3]) == Total(6, 0, 3)
    assert Total.of([1, None, 3]) == Total(None, 1, 3)
    assert Total.of([0, 0]) == Total(0, 0, 2)
    assert Total.of([]) == Total(None, 0, 0)
    assert Total.of(iter([5])) == Total(5, 0, 1)


def test_an_unknown_amount_is_never_counted_as_zero_in_any_total(session, year):
    fund_year, bromma, farsta, kista = year
    editing.save_round(session, fund_year=fund_year, round_=None, form={"label": "Våren", "amount": "150 000"},
                       actor=COORDINATOR)
    editing.save_round(session, fund_year=fund_year, round_=None, form={"label": "Sommaren", "amount": ""},
                       actor=COORDINATOR)
    usage(session, fund_year, bromma, used=100_000, unspent=0, areas={0: ("Arbete", 100_000, Outcome.fully)})
    usage(session, fund_year, farsta, used=40_000, unspent=10_000, reasons_text="Tidsbrist",
          areas={0: ("Arbete", None, Outcome.partly)})
    session.commit()
    ledger = ledger_of(session, 2024, date(2025, 1, 10))
    assert ledger.allocated == Total(None, 1, 3)  # kista's row is unknown
    assert ledger.rounds == Total(None, 1, 2)
    assert ledger.reported_used == Total(None, 1, 3) and ledger.reported_unspent == Total(None, 1, 3)
    assert (ledger.used, ledger.unspent, ledger.to_repay) == (None, None, None)
    assert _one(ledger, "rounds_total").state is CheckState.unknown
    assert _one(ledger, "allocated_requisitioned").state is CheckState.unknown
    result = compilation.build_compilation(ledger)
    figures = {f.label: f for f in result.figures}
    for label in ("Fördelat", "Använt", "Ej använt", "Att återbetala"):
        assert figures[label].value is None, label
    assert figures["Fördelat"].note_args == {"unknown": 1, "parts": 3}
    assert display.kronor(None) == "okänt" and display.kronor(0) == "0\u00a0kr"
    assert result.sections[0].amount == Total(None, 1, 2)
    assert ("kista", None, None) in result.allocated_vs_used


def test_amounts_print_as_swedish_print_writes_them():
    assert display.thousands(3_166_133) == "3\u00a0166\u00a0133"
    assert display.kronor(40_883) == "40\u00a0883\u00a0kr" and display.kronor(40_883, unit=False) == "40\u00a0883"
    assert display.signed_kronor(-1) == "−1\u00a0kr" and display.signed_kronor(0) == "±0\u00a0kr"
    assert display.signed_kronor(None) == "okänt"
    assert display.day(None) == "inte angivet" and display.day(date(2017, 3, 31)) == "2017-03-31"
    assert display.count_of(4, 14) == "4 av 14 nämnder"


# The city compilation

# 000's six sections, and the nämnder it names in each (socialnämnden: Kruton's manual, the summer's 40 883 kr).
SECTIONS_2016 = {
    "langsiktigt": {"rinkeby-kista", "skarpnack", "skarholmen", "spanga-tensta", "kungsholmen", "sodermalm",
                    "hasselby-vallingby", "hagersten-liljeholmen", "farsta", "socialnamnden"},
    "regelverk": set(),  # "Flera stadsdelsnämnder uppger …": none by name
    "barn": {"enskede-arsta-vantor", "hasselby-vallingby", "spanga-tensta", "kungsholmen"},
    "forebyggande": {"hasselby-vallingby", "sodermalm", "enskede-arsta-vantor", "hagersten-liljeholmen",
                     "rinkeby-kista", "skarholmen", "farsta"},
    "sarskilt-utsatta": {"hasselby-vallingby"},
    "prostitution": set(),  # "Ingen av stadsdelsnämnderna har använt utvecklingsmedlen till arbete inom detta område."
}


def test_2016_compilation_counts_per_purpose_area_as_in_000(seeded):
    result = compilation.build_compilation(ledger_of(seeded, 2016, TODAY))
    assert (result.year, result.namnder, result.submitted) == (2016, 15, 15)
    by_code = {s.purpose.code: s for s in result.sections}
    assert list(by_code) == list(SECTIONS_2016)
    for code, slugs in SECTIONS_2016.items():
        assert {w.organisation.slug for w in by_code[code].works} == slugs, code
    assert [display.count_of(s.count, result.namnder) for s in result.sections] == [
        "10 av 15 nämnder", "0 av 15 nämnder", "4 av 15 nämnder", "7 av 15 nämnder", "1 av 15 nämnder",
        "0 av 15 nämnder"]
    kruton = next(w for w in by_code["langsiktigt"].works if w.organisation.slug == "socialnamnden")
    assert kruton.amount == 40_883 and "Kruton" in kruton.text
    assert by_code["langsiktigt"].amount == Total(None, 9, 10)  # only the city-wide amount is known
    merged = next(w for w in by_code["langsiktigt"].works if w.organisation.slug == "hagersten-liljeholmen")
    assert merged.organisation.short_name == "Hägersten-Liljeholmen" and merged.successor.slug == "hagersten-alvsjo"
    assert "prostitution" in by_code["prostitution"].purpose.title and "Ingen av" in by_code["prostitution"].purpose.summary


def test_2016_compilation_evaluation_as_in_000(seeded):
    result = compilation.build_compilation(ledger_of(seeded, 2016, TODAY))
    counts = dict(result.evaluation)
    assert counts[Evaluation.yes] == 1 and counts[Evaluation.planned] == 1
    statements = {s.organisation.slug: s for s in result.evaluation_texts}
    assert set(statements) == {"skarholmen", "spanga-tensta"}
    assert statements["skarholmen"].choice is Evaluation.yes and statements["skarholmen"].choice.label == "Ja"
    assert statements["spanga-tensta"].choice is Evaluation.planned
    assert "inom en månad" in statements["spanga-tensta"].text
    assert "internt" in statements["skarholmen"].text


def test_2016_compilation_headline_figures(seeded):
    result = compilation.build_compilation(ledger_of(seeded, 2016, TODAY))
    figures = [(f.label, f.value) for f in result.figures]
    assert figures == [("Kan rekvireras", None), ("Rekvirerat", 3_166_133), ("Fördelat", None),
                       ("Använt", 2_664_713), ("Ej använt", 501_420), ("Att återbetala", 501_420)]
    assert result.figures[2].note_args == {"unknown": 14, "parts": 15}
    # 000: one nämnd used nothing and three did not use everything; their amounts are not given, so
    # the app's counts are lower bounds with 14 (15) reports not giving the amount.
    assert (result.none_used, result.not_all_used) == (0, 0)
    assert (result.used_unknown, result.unspent_unknown) == (14, 15)
    assert result.reasons == [] and result.reason_texts == []
    assert [name for name, _allocated, _used in result.allocated_vs_used][-1] == "Socialnämnden"


def test_drafts_are_never_in_the_compilation(session, year):
    fund_year, bromma, farsta, _kista = year
    usage(session, fund_year, bromma, used=100_000, unspent=0, evaluated=Evaluation.yes,
          areas={0: ("Inlämnat arbete", 100_000, Outcome.large)})
    usage(session, fund_year, farsta, used=10_000, unspent=40_000, reasons=(ReasonCategory.time,),
          reasons_text="Utkastets orsak", evaluated=Evaluation.planned,
          areas={0: ("Utkastets arbete", 10_000, Outcome.small), 1: ("Mer i utkastet", None, None)}, submit=False)
    session.commit()
    result = compilation.build_compilation(ledger_of(session, 2024, date(2025, 1, 10)))
    texts = [w.text for s in result.sections for w in s.works]
    assert texts == ["Inlämnat arbete"]
    assert result.sections[0].outcomes == {Outcome.large: 1} and result.sections[0].works[0].outcome.label == \
        "I stor utsträckning"
    assert result.sections[0].amount == Total(100_000, 0, 1)
    assert result.reasons == [] and result.reason_texts == []
    assert dict(result.evaluation) == {Evaluation.yes: 1}
    assert (result.namnder, result.submitted) == (3, 1)


def test_reasons_and_unused_counts_from_submitted_reports(session, year):
    fund_year, bromma, farsta, kista = year
    usage(session, fund_year, bromma, used=0, unspent=100_000, reasons=(ReasonCategory.time, ReasonCategory.staffing),
          reasons_text="Medlen kom i maj.")
    usage(session, fund_year, farsta, used=40_000, unspent=10_000, reasons=(ReasonCategory.time,),
          areas={0: ("Arbete", None, Outcome.partly)})
    usage(session, fund_year, kista, used=5_000, unspent=0, areas={1: ("Arbete", 5_000, Outcome.fully)})
    session.commit()
    result = compilation.build_compilation(ledger_of(session, 2024, date(2025, 1, 10)))
    assert result.reasons == [(ReasonCategory.time, 2), (ReasonCategory.staffing, 1)]
    assert [(s.organisation.slug, s.text) for s in result.reason_texts] == [("bromma", "Medlen kom i maj.")]
    assert (result.none_used, result.not_all_used, result.used_unknown, result.unspent_unknown) == (1, 2, 0, 0)
    figures = {f.label: f for f in result.figures}
    assert (figures["Använt"].value, figures["Ej använt"].value, figures["Att återbetala"].value) == (
        45_000, 110_000, 110_000)
    assert [s.count for s in result.sections] == [1, 1]


def test_the_stated_figure_and_the_reported_sum_are_both_shown_when_they_differ(session, year):
    fund_year, bromma, farsta, kista = year
    for organisation in (bromma, farsta, kista):
        usage(session, fund_year, organisation, used=1_000, unspent=0, areas={0: ("Arbete", None, Outcome.fully)})
    editing.update_year(session, fund_year=fund_year, values={"stated_used": 2_500}, expected_version=None,
                        actor=COORDINATOR)
    session.commit()
    result = compilation.build_compilation(ledger_of(session, 2024, date(2025, 1, 10)))
    used = [(f.value, f.note) for f in result.figures if f.label == "Använt"]
    assert used == [(2_500, "enligt stadens redovisning"), (3_000, "summa av nämndernas återrapporter")]
