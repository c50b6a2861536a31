"""Coordinators' writes on a grant year: checked, versioned, audited, and refused as a whole."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import func, select

from tests.funds.factories import COORDINATOR, make_fund_year, purposes_of, usage
from tracker.accounts.models import Role
from tracker.audit.models import AuditEvent
from tracker.audit.service import AppendOnlyError
from tracker.funds import editing, reporting_round, service, versions
from tracker.funds.editing import FundsConflict, FundsError, NotAllowed, read_amount, read_fields
from tracker.funds.models import (
    Allocation,
    FundPurpose,
    FundsVersion,
    FundYear,
    Outcome,
    ReportingState,
    RequisitionRound,
    UsageReopening,
)
from tracker.funds.summary import organisation_funds
from tracker.organisations.models import Organisation, OrgKind

NEGATIVE = "Beloppet kan inte vara negativt. Skriv ett heltal i kronor, 0 eller större."
WHOLE_KRONOR = "Skriv beloppet i hela kronor, utan decimaler, till exempel 250 000."


def _actions(session) -> list[str]:
    return list(session.exec(select(AuditEvent.action).order_by(AuditEvent.id)))


def _count(session, model) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


@pytest.fixture
def bromma(make_org):
    return make_org("bromma")


@pytest.fixture
def fund_year(session, bromma):
    return make_fund_year(session, year=2024, allocations=[(bromma, 100_000)])


# Amounts as typed

@pytest.mark.parametrize(("raw", "value"), [
    ("250000", 250_000), ("250 000", 250_000), ("250\u00a0000", 250_000), ("250\u202f000 kr", 250_000),
    ("1 234 567 KR", 1_234_567), ("0", 0), (0, 0), (12, 12), (12.0, 12), ("", None), ("   ", None), (None, None),
])
def test_read_amount_accepts_whole_kronor(raw, value):
    assert read_amount(raw) == (value, None)


@pytest.mark.parametrize("raw", ["-5", "-250 000", "\u22125", -5, -5.0])
def test_read_amount_refuses_negative_amounts(raw):
    assert read_amount(raw) == (None, NEGATIVE)


@pytest.mark.parametrize("raw", ["2.5", "2,5", "250 000,50", 2.5, "abc", "tio", "1e6", "²", "kr", "+5", True])
def test_read_amount_refuses_decimals_and_text(raw):
    assert read_amount(raw) == (None, WHOLE_KRONOR)


def test_read_amount_refuses_a_typing_mistake_of_a_trillion():
    assert read_amount("1 000 000 000 001") == (None, "Talet är för stort.")


def test_read_fields_puts_each_problem_on_its_field():
    values, errors = read_fields({
        "entitlement": "4 528 687", "requisitioned_total": "-1", "stated_used": "2 664 713,5", "stated_unspent": "x",
        "usage_from": "2016-01-28", "usage_to": "31/12/2016", "retroactive": "on", "title": "  Medel  ",
        "allocation_reference": "",
    }, ("entitlement", "requisitioned_total", "stated_used", "stated_unspent", "usage_from", "usage_to",
        "retroactive", "title", "allocation_reference", "national_total"))
    assert errors == {"requisitioned_total": NEGATIVE, "stated_used": WHOLE_KRONOR, "stated_unspent": WHOLE_KRONOR,
                      "usage_to": "Skriv datumet som ÅÅÅÅ-MM-DD, till exempel 2024-03-31."}
    assert values["entitlement"] == 4_528_687 and values["usage_from"] == date(2016, 1, 28)
    assert values["retroactive"] is True and values["title"] == "Medel"
    assert values["allocation_reference"] is None and values["national_total"] is None  # empty: unknown


def test_every_section_field_is_read_by_its_kind():
    names = [n for section in editing.SECTIONS.values() for n in section]
    kinds = set(editing.AMOUNT_FIELDS) | set(editing.DATE_FIELDS) | set(editing.TEXT_FIELDS) | set(editing.BOOL_FIELDS)
    assert set(names) <= kinds
    assert len(names) == len(set(names))


# Versions and audit

def test_every_write_is_versioned_and_audited(session, bromma):
    fund_year = editing.create_year(session, year=2024, title=None, actor=COORDINATOR)
    assert fund_year.title == "Utvecklingsmedel för arbetet mot våld i nära relationer 2024"
    assert (fund_year.requisition_deadline, fund_year.report_deadline, fund_year.repayment_deadline) == (
        date(2024, 6, 1), date(2025, 3, 31), date(2025, 6, 30))
    editing.update_year(session, fund_year=fund_year, values={"entitlement": 500_000}, expected_version=1,
                        actor=COORDINATOR)
    purpose = editing.save_purpose(session, fund_year=fund_year, purpose=None,
                                   values={"short_title": "Barn", "title": "Stöd till barn"}, actor=COORDINATOR)
    round_ = editing.save_round(session, fund_year=fund_year, round_=None,
                                form={"label": "Våren 2024", "amount": "500 000", "requested_on": "2024-05-20"},
                                actor=COORDINATOR)
    allocation = editing.save_allocation(session, fund_year=fund_year, organisation=bromma, amount=400_000,
                                         citywide=False, note=None, expected_version=None, actor=COORDINATOR)
    editing.save_allocation(session, fund_year=fund_year, organisation=bromma, amount=450_000, citywide=False,
                            note="Ändrat", expected_version=1, actor=COORDINATOR)
    reporting_round.open_reporting(session, fund_year=fund_year, deadline=date(2025, 2, 15), actor=COORDINATOR)
    reporting_round.close_reporting(session, fund_year=fund_year, actor=COORDINATOR)
    reopening = reporting_round.reopen_for(session, fund_year=fund_year, organisation=bromma, reason="Fel belopp",
                                   actor=COORDINATOR)
    reporting_round.close_reopening(session, reopening=reopening, actor=COORDINATOR)
    editing.remove_round(session, round_=round_, actor=COORDINATOR)
    editing.remove_purpose(session, purpose=purpose, actor=COORDINATOR)
    session.commit()

    assert _actions(session) == [
        "funds.year_created", "funds.year_saved", "funds.purpose_saved", "funds.round_saved",
        "funds.allocation_saved", "funds.allocation_saved", "funds.year_saved", "funds.reporting_changed",
        "funds.reporting_changed", "funds.reporting_reopened",
        "funds.reopening_closed", "funds.round_removed", "funds.purpose_removed",
    ]
    year_versions = versions.versions_of(session, fund_year)
    assert [v.version for v in year_versions] == [1, 2, 3, 4, 5] == list(range(1, fund_year.version + 1))
    assert [v.content["entitlement"] for v in year_versions] == [None, 500_000, 500_000, 500_000, 500_000]
    assert [v.content["reporting"] for v in year_versions] == ["not_open", "not_open", "not_open", "open", "closed"]
    assert year_versions[2].content["internal_deadline"] == "2025-02-15"
    assert all(v.via == "form" for v in year_versions)
    kept = versions.versions_of(session, allocation)
    assert [(v.version, v.content["amount"], v.content["note"]) for v in kept] == [(1, 400_000, None),
                                                                                  (2, 450_000, "Ändrat")]
    saved = session.exec(select(AuditEvent).where(AuditEvent.action == "funds.allocation_saved")
                         .order_by(AuditEvent.id)).all()[-1]
    assert saved.changes["before"] == {"amount": 400_000, "note": None}
    assert saved.changes["after"]["amount"] == 450_000 and saved.changes["after"]["organisation"] == "bromma"
    assert saved.actor_label == "test-coordinator"


def test_an_unchanged_save_writes_nothing(session, fund_year, bromma):
    session.commit()
    before = (_count(session, FundsVersion), _count(session, AuditEvent), fund_year.version)
    editing.update_year(session, fund_year=fund_year, values={"title": fund_year.title}, expected_version=None,
                        actor=COORDINATOR)
    allocation = service.load_year(session, fund_year).allocation_of(bromma.id)
    editing.save_allocation(session, fund_year=fund_year, organisation=bromma, amount=100_000, citywide=False,
                            note=None, expected_version=allocation.version, actor=COORDINATOR)
    purpose = purposes_of(session, fund_year)[0]
    editing.save_purpose(session, fund_year=fund_year, purpose=purpose,
                         values={"short_title": purpose.short_title, "title": purpose.title}, actor=COORDINATOR)
    session.commit()
    assert (_count(session, FundsVersion), _count(session, AuditEvent), fund_year.version) == before


@pytest.mark.parametrize("statement", ["UPDATE fundsversion SET version = 99", "DELETE FROM fundsversion"])
def test_funds_versions_are_append_only_in_the_database(session, fund_year, statement):
    count = _count(session, FundsVersion)
    with pytest.raises(DBAPIError, match="append-only"):
        session.execute(text(statement))
    session.rollback()
    assert _count(session, FundsVersion) == count and count > 0
    assert session.exec(select(func.max(FundsVersion.version))).one() < 99


def test_funds_versions_are_append_only_in_the_orm(session, fund_year):
    version = versions.versions_of(session, fund_year)[0]
    version.content = {"title": "omskriven"}
    with pytest.raises(AppendOnlyError):
        session.commit()
    session.rollback()
    session.delete(versions.versions_of(session, fund_year)[0])
    with pytest.raises(AppendOnlyError):
        session.commit()
    session.rollback()


# Conflicts

def test_a_stale_year_version_is_a_conflict_and_writes_nothing(session, fund_year):
    session.commit()
    stale = fund_year.version
    editing.update_year(session, fund_year=fund_year, values={"entitlement": 1_000}, expected_version=stale,
                        actor=COORDINATOR)
    session.commit()
    counts = (_count(session, FundsVersion), _count(session, AuditEvent))
    with pytest.raises(FundsConflict) as conflict:
        editing.update_year(session, fund_year=fund_year, values={"entitlement": 2_000}, expected_version=stale,
                            actor=COORDINATOR)
    assert conflict.value.current is fund_year and conflict.value.current.version == stale + 1
    session.commit()
    session.expire_all()
    assert session.get(FundYear, fund_year.id).entitlement == 1_000
    assert (_count(session, FundsVersion), _count(session, AuditEvent)) == counts


def test_a_stale_allocation_version_is_a_conflict(session, fund_year, bromma):
    editing.save_allocation(session, fund_year=fund_year, organisation=bromma, amount=110_000, citywide=False,
                            note=None, expected_version=1, actor=COORDINATOR)
    session.commit()
    with pytest.raises(FundsConflict) as conflict:
        editing.save_allocation(session, fund_year=fund_year, organisation=bromma, amount=120_000, citywide=False,
                                note=None, expected_version=1, actor=COORDINATOR)
    assert conflict.value.current.amount == 110_000 and conflict.value.current.version == 2
    session.rollback()
    assert len(versions.versions_of(session, conflict.value.current)) == 2


# Who may write

@pytest.mark.parametrize("role", [Role.contact, Role.reader, Role.admin, None])
def test_only_coordinators_edit_a_year(session, fund_year, bromma, make_user, role):
    actor = make_user(role, orgs=[bromma]) if role else None
    allocation = service.load_year(session, fund_year).allocation_of(bromma.id)
    purpose = purposes_of(session, fund_year)[0]
    writes = [
        lambda: editing.create_year(session, year=2030, title=None, actor=actor),
        lambda: editing.update_year(session, fund_year=fund_year, values={"entitlement": 1}, expected_version=None,
                                    actor=actor),
        lambda: editing.save_purpose(session, fund_year=fund_year, purpose=None,
                                     values={"short_title": "x", "title": "x"}, actor=actor),
        lambda: editing.remove_purpose(session, purpose=purpose, actor=actor),
        lambda: editing.save_round(session, fund_year=fund_year, round_=None, form={"label": "x"}, actor=actor),
        lambda: editing.save_allocation(session, fund_year=fund_year, organisation=bromma, amount=1, citywide=False,
                                        note=None, expected_version=None, actor=actor),
        lambda: editing.remove_allocation(session, fund_year=fund_year, allocation=allocation, organisation=bromma,
                                          actor=actor),
        lambda: reporting_round.open_reporting(session, fund_year=fund_year, deadline=date(2025, 2, 1), actor=actor),
        lambda: reporting_round.close_reporting(session, fund_year=fund_year, actor=actor),
        lambda: reporting_round.reopen_for(session, fund_year=fund_year, organisation=bromma, reason="x", actor=actor),
    ]
    counts = (_count(session, FundsVersion), _count(session, AuditEvent))
    for write in writes:
        with pytest.raises(NotAllowed):
            write()
    session.commit()
    assert (_count(session, FundsVersion), _count(session, AuditEvent)) == counts
    assert _count(session, FundYear) == 1 and _count(session, Allocation) == 1


# Bad input

def test_negative_or_oversized_amount_from_code_is_refused_on_its_field(session, fund_year, bromma):
    with pytest.raises(FundsError) as error:
        editing.update_year(session, fund_year=fund_year, values={"stated_used": -1, "stated_unspent": 5},
                            expected_version=None, actor=COORDINATOR)
    assert error.value.errors == {"stated_used": NEGATIVE}
    assert fund_year.stated_unspent is None and fund_year.stated_used is None  # nothing half written
    with pytest.raises(FundsError) as error:
        editing.save_allocation(session, fund_year=fund_year, organisation=bromma, amount=-5, citywide=False,
                                note=None, expected_version=None, actor=COORDINATOR)
    assert error.value.errors == {"amount": NEGATIVE}


def test_an_emptied_title_and_too_long_texts_are_refused(session, fund_year):
    with pytest.raises(FundsError) as error:
        editing.update_year(session, fund_year=fund_year, values={"title": None, "repayment_invoice": "x" * 101},
                            expected_version=None, actor=COORDINATOR)
    assert error.value.errors == {"title": "Fyll i fältet.",
                                  "repayment_invoice": "Texten är för lång: högst 100 tecken."}
    with pytest.raises(FundsError) as error:
        editing.create_year(session, year=2030, title="x" * 301, actor=COORDINATOR)
    assert error.value.errors == {"title": "Texten är för lång: högst 300 tecken."}


def test_usage_to_before_usage_from_is_refused_and_nothing_changes(session, fund_year):
    session.commit()
    with pytest.raises(FundsError) as error:
        editing.update_year(session, fund_year=fund_year, values={"usage_from": date(2024, 6, 1),
                                                                  "usage_to": date(2024, 5, 31)},
                            expected_version=None, actor=COORDINATOR)
    assert error.value.errors == {"usage_to": "Sista dagen kan inte ligga före första dagen."}
    assert (fund_year.usage_from, fund_year.usage_to) == (date(2024, 1, 1), date(2024, 12, 31))
    assert not session.dirty
    with pytest.raises(FundsError):
        editing.update_year(session, fund_year=fund_year, values={"usage_to": date(2023, 12, 31)},
                            expected_version=None, actor=COORDINATOR)


def test_year_out_of_range_and_a_year_given_twice(session, fund_year):
    with pytest.raises(FundsError) as error:
        editing.create_year(session, year=24, title=None, actor=COORDINATOR)
    assert error.value.errors == {"year": "Skriv året med fyra siffror, till exempel 2025."}
    with pytest.raises(FundsError) as error:
        editing.create_year(session, year=2024, title=None, actor=COORDINATOR)
    assert error.value.errors == {"year": "Bidragsåret 2024 finns redan."}


def test_an_allocation_to_an_organisation_that_did_not_exist_that_year(session):
    successor = Organisation(slug="hagersten-alvsjo", name="Hägersten-Älvsjö stadsdelsnämnd",
                             short_name="Hägersten-Älvsjö", kind=OrgKind.district, valid_from=date(2020, 1, 1))
    merged = Organisation(slug="hagersten-liljeholmen", name="Hägersten-Liljeholmens stadsdelsnämnd",
                          short_name="Hägersten-Liljeholmen", kind=OrgKind.district, active=False,
                          valid_to=date(2019, 12, 31))
    session.add_all([successor, merged])
    session.flush()
    merged.successor_id = successor.id
    year_2016 = make_fund_year(session, year=2016)
    year_2022 = make_fund_year(session, year=2022)
    with pytest.raises(FundsError) as error:
        editing.save_allocation(session, fund_year=year_2016, organisation=successor, amount=1, citywide=False,
                                note=None, expected_version=None, actor=COORDINATOR)
    assert error.value.errors == {"organisation": "Hägersten-Älvsjö stadsdelsnämnd fanns inte år 2016."}
    with pytest.raises(FundsError) as error:
        editing.save_allocation(session, fund_year=year_2022, organisation=merged, amount=1, citywide=False,
                                note=None, expected_version=None, actor=COORDINATOR)
    assert error.value.errors == {"organisation": "Hägersten-Liljeholmens stadsdelsnämnd fanns inte år 2022."}
    with pytest.raises(FundsError) as error:
        editing.save_allocation(session, fund_year=year_2022, organisation=None, amount=1, citywide=False,
                                note=None, expected_version=None, actor=COORDINATOR)
    assert error.value.errors == {"organisation": "Välj en nämnd i listan."}
    # inactive today, but it existed in 2016 and 2019: allowed
    editing.save_allocation(session, fund_year=year_2016, organisation=merged, amount=None, citywide=False,
                            note=None, expected_version=None, actor=COORDINATOR)
    session.commit()
    assert _count(session, Allocation) == 1


def test_organisation_validity_by_year():
    organisation = Organisation(slug="x", name="X", short_name="X", kind=OrgKind.district,
                                valid_from=date(2020, 7, 1), valid_to=date(2023, 3, 31))
    assert [organisation.existed_in(y) for y in (2019, 2020, 2023, 2024)] == [False, True, True, False]
    assert Organisation(slug="y", name="Y", short_name="Y", kind=OrgKind.district).existed_in(1990)


def test_the_database_refuses_validity_that_ends_before_it_starts(session):
    session.add(Organisation(slug="x", name="X", short_name="X", kind=OrgKind.district,
                             valid_from=date(2020, 1, 1), valid_to=date(2019, 12, 31)))
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


def test_the_database_refuses_negative_amounts(session, fund_year, bromma):
    allocation = service.load_year(session, fund_year).allocation_of(bromma.id)
    allocation.amount = -1
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


def test_round_with_bad_amount_date_or_label(session, fund_year):
    with pytest.raises(FundsError) as error:
        editing.save_round(session, fund_year=fund_year, round_=None,
                           form={"label": "", "amount": "3 125 250,5", "requested_on": "maj 2024"}, actor=COORDINATOR)
    assert error.value.errors == {
        "amount": WHOLE_KRONOR, "requested_on": "Skriv datumet som ÅÅÅÅ-MM-DD, till exempel 2024-03-31.",
        "label": "Skriv vad omgången kallas, till exempel ”Våren 2024”, högst 120 tecken."}
    round_ = editing.save_round(session, fund_year=fund_year, round_=None, form={"label": "Omgång 1", "amount": ""},
                                actor=COORDINATOR)
    assert round_.amount is None  # empty is unknown, not 0
    assert _count(session, RequisitionRound) == 1


def test_purpose_codes_are_given_once(session, fund_year):
    codes = [p.code for p in purposes_of(session, fund_year)]
    assert codes == ["syfte-1", "syfte-2"]
    editing.remove_purpose(session, purpose=purposes_of(session, fund_year)[0], actor=COORDINATOR)
    added = editing.save_purpose(session, fund_year=fund_year, purpose=None,
                                 values={"short_title": "Nytt", "title": "Nytt syfte"}, actor=COORDINATOR)
    assert added.code == "syfte-3"
    with pytest.raises(FundsError) as error:
        editing.save_purpose(session, fund_year=fund_year, purpose=None, values={"short_title": "", "title": ""},
                             actor=COORDINATOR)
    assert set(error.value.errors) == {"short_title", "title"}


# Removing what is reported on

def test_remove_allocation_refused_when_the_namnd_has_a_report(session, bromma, make_org):
    farsta = make_org("farsta")
    fund_year = make_fund_year(session, year=2024, allocations=[(bromma, 100_000), (farsta, 50_000)],
                               reporting=ReportingState.open)
    usage(session, fund_year, bromma, used=1, submit=False)  # even a draft
    session.commit()
    data = service.load_year(session, fund_year)
    with pytest.raises(FundsError) as error:
        editing.remove_allocation(session, fund_year=fund_year, allocation=data.allocation_of(bromma.id),
                                  organisation=bromma, actor=COORDINATOR)
    assert error.value.errors == {"organisation": "bromma har börjat återrapportera och kan inte tas bort ur "
                                                  "fördelningen."}
    allocation = data.allocation_of(farsta.id)
    editing.remove_allocation(session, fund_year=fund_year, allocation=allocation, organisation=farsta,
                              actor=COORDINATOR)
    session.commit()
    assert [o.slug for _a, o in service.load_year(session, fund_year).allocations] == ["bromma"]
    assert len(versions.versions_of(session, allocation)) == 1  # its history stays
    assert _actions(session)[-1] == "funds.allocation_removed"


def test_remove_purpose_refused_when_reported_on(session, fund_year, bromma):
    reporting_round.open_reporting(session, fund_year=fund_year, deadline=date(2025, 2, 15), actor=COORDINATOR)
    usage(session, fund_year, bromma, areas={0: ("Utbildning", None, None)}, submit=False)
    session.commit()
    reported, other = purposes_of(session, fund_year)
    with pytest.raises(FundsError) as error:
        editing.remove_purpose(session, purpose=reported, actor=COORDINATOR)
    assert "Nämnder har rapporterat om syftet" in error.value.errors["purpose"]
    editing.remove_purpose(session, purpose=other, actor=COORDINATOR)
    session.commit()
    assert [p.id for p in purposes_of(session, fund_year)] == [reported.id]


# The reporting round

def test_open_needs_a_deadline_within_reach(session, fund_year):
    with pytest.raises(FundsError) as error:
        reporting_round.open_reporting(session, fund_year=fund_year, deadline=None, actor=COORDINATOR)
    assert error.value.errors == {"internal_deadline": "Välj nämndernas sista dag för återrapporten."}
    with pytest.raises(FundsError) as error:
        reporting_round.open_reporting(session, fund_year=fund_year, deadline=date(2023, 12, 31), actor=COORDINATOR)
    assert error.value.errors == {"internal_deadline": "Sista dagen kan inte ligga före bidragsåret."}
    assert fund_year.reporting == ReportingState.not_open


def test_moving_the_deadline_of_an_open_round_is_one_version(session, fund_year):
    reporting_round.open_reporting(session, fund_year=fund_year, deadline=date(2025, 2, 15), actor=COORDINATOR)
    version = fund_year.version
    reporting_round.open_reporting(session, fund_year=fund_year, deadline=date(2025, 2, 28), actor=COORDINATOR)
    assert fund_year.version == version + 1 and fund_year.internal_deadline == date(2025, 2, 28)
    assert fund_year.reporting == ReportingState.open


def test_close_only_an_open_round(session, fund_year):
    with pytest.raises(FundsError) as error:
        reporting_round.close_reporting(session, fund_year=fund_year, actor=COORDINATOR)
    assert error.value.errors == {"reporting": "Återrapporteringen är inte öppen."}


def test_reopen_only_a_closed_round_with_a_reason(session, fund_year, bromma):
    with pytest.raises(FundsError) as error:
        reporting_round.reopen_for(session, fund_year=fund_year, organisation=bromma, reason="Rättelse", actor=COORDINATOR)
    assert error.value.errors == {"organisation": "Återrapporteringen är inte stängd, så den behöver inte "
                                                  "återöppnas."}
    reporting_round.open_reporting(session, fund_year=fund_year, deadline=date(2025, 2, 15), actor=COORDINATOR)
    with pytest.raises(FundsError):
        reporting_round.reopen_for(session, fund_year=fund_year, organisation=bromma, reason="Rättelse", actor=COORDINATOR)
    reporting_round.close_reporting(session, fund_year=fund_year, actor=COORDINATOR)
    for reason in (None, "", "   \r\n "):
        with pytest.raises(FundsError) as error:
            reporting_round.reopen_for(session, fund_year=fund_year, organisation=bromma, reason=reason, actor=COORDINATOR)
        assert error.value.errors == {"reason": "Skriv varför återrapporteringen återöppnas. Skälet sparas och "
                                                "visas."}
    with pytest.raises(FundsError) as error:
        reporting_round.reopen_for(session, fund_year=fund_year, organisation=bromma, reason="x" * 2001, actor=COORDINATOR)
    assert error.value.errors == {"reason": "Skälet får vara högst 2000 tecken. Nu är det 2001 tecken."}
    with pytest.raises(FundsError) as error:
        reporting_round.reopen_for(session, fund_year=fund_year, organisation=None, reason="Rättelse", actor=COORDINATOR)
    assert set(error.value.errors) == {"organisation"}
    reopening = reporting_round.reopen_for(session, fund_year=fund_year, organisation=bromma,
                                   reason="  Fel belopp i rapporten\r\n", actor=COORDINATOR)
    session.commit()
    assert reopening.reason == "Fel belopp i rapporten" and reopening.closed_at is None


def test_one_open_reopening_per_namnd(session, fund_year, bromma, make_org):
    farsta = make_org("farsta")
    editing.save_allocation(session, fund_year=fund_year, organisation=farsta, amount=1, citywide=False, note=None,
                            expected_version=None, actor=COORDINATOR)
    reporting_round.open_reporting(session, fund_year=fund_year, deadline=date(2025, 2, 15), actor=COORDINATOR)
    reporting_round.close_reporting(session, fund_year=fund_year, actor=COORDINATOR)
    first = reporting_round.reopen_for(session, fund_year=fund_year, organisation=bromma, reason="Första",
                               actor=COORDINATOR)
    session.commit()
    with pytest.raises(FundsError) as error:
        reporting_round.reopen_for(session, fund_year=fund_year, organisation=bromma, reason="Andra", actor=COORDINATOR)
    assert error.value.errors == {"organisation": "Återrapporteringen är redan återöppnad för bromma."}
    session.commit()  # the session is still usable: nothing half written
    assert _count(session, UsageReopening) == 1
    # another nämnd, and the same nämnd once the first reopening is closed
    reporting_round.reopen_for(session, fund_year=fund_year, organisation=farsta, reason="Annan", actor=COORDINATOR)
    reporting_round.close_reopening(session, reopening=first, actor=COORDINATOR)
    with pytest.raises(FundsError) as error:
        reporting_round.close_reopening(session, reopening=first, actor=COORDINATOR)
    assert error.value.errors == {"reopening": "Återöppningen är redan stängd."}
    reporting_round.reopen_for(session, fund_year=fund_year, organisation=bromma, reason="Igen", actor=COORDINATOR)
    session.commit()
    assert _count(session, UsageReopening) == 3


def test_the_database_refuses_a_duplicate_open_reopening(session, fund_year, bromma):
    """Two coordinators at once: the partial unique index is the last guard."""
    for reason in ("Första", "Andra"):
        session.add(UsageReopening(fund_year_id=fund_year.id, organisation_id=bromma.id, reason=reason))
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


def test_close_ends_the_reopenings(session, fund_year, bromma):
    reporting_round.open_reporting(session, fund_year=fund_year, deadline=date(2025, 2, 15), actor=COORDINATOR)
    reporting_round.close_reporting(session, fund_year=fund_year, actor=COORDINATOR)
    reopening = reporting_round.reopen_for(session, fund_year=fund_year, organisation=bromma, reason="Rättelse",
                                   actor=COORDINATOR)
    assert service.load_year(session, fund_year).reopenings == {bromma.id: reopening}
    reporting_round.open_reporting(session, fund_year=fund_year, deadline=date(2025, 3, 15), actor=COORDINATOR)
    assert reopening.closed_at is not None  # open for everyone: the reopening is no longer needed
    reporting_round.close_reporting(session, fund_year=fund_year, actor=COORDINATOR)
    session.commit()
    assert service.load_year(session, fund_year).reopenings == {}
    assert _actions(session).count("funds.reopening_closed") == 1


def test_close_ends_a_reopening_left_open(session, fund_year, bromma):
    """A reopening left open when the round opens again is closed with the round."""
    reporting_round.open_reporting(session, fund_year=fund_year, deadline=date(2025, 2, 15), actor=COORDINATOR)
    session.add(UsageReopening(fund_year_id=fund_year.id, organisation_id=bromma.id, reason="Kvar"))
    session.flush()
    reporting_round.close_reporting(session, fund_year=fund_year, actor=COORDINATOR)
    session.commit()
    assert service.load_year(session, fund_year).reopenings == {}
    reopening = session.exec(select(UsageReopening)).one()
    assert reopening.closed_at is not None


def test_funds_of_an_organisation_and_its_years(session, bromma, make_org):
    farsta = make_org("farsta")
    make_fund_year(session, year=2023, allocations=[(bromma, 10)])
    later = make_fund_year(session, year=2024, allocations=[(bromma, 20), (farsta, 30)],
                           reporting=ReportingState.open)
    usage(session, later, farsta, used=30, unspent=0, areas={0: ("Arbete", None, Outcome.fully)})
    session.commit()
    bromma_funds = organisation_funds(session, bromma.id, today=date(2025, 3, 1))
    assert [(f.year, f.allocated, f.report_state, f.late) for f in bromma_funds] == [
        (2024, 20, "not_started", True), (2023, 10, "not_started", False)]  # 2023 was never opened
    assert [(f.year, f.used, f.unspent) for f in organisation_funds(session, farsta.id, today=date(2025, 3, 1))
            ] == [(2024, 30, 0)]
    assert organisation_funds(session, bromma.id, today=date(2025, 3, 1), year=2023)[0].year == 2023
    assert [y.year for y in service.list_years(session)] == [2024, 2023]
    assert _count(session, FundPurpose) == 4
