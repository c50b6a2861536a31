"""A nämnd's usage report: who may write it, when, what a draft and a submission need, and its versions."""
from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import func, select
from werkzeug.datastructures import MultiDict

from tests.funds.factories import COORDINATOR, make_fund_year, purposes_of, usage
from tracker.accounts.models import Role
from tracker.audit.models import AuditEvent
from tracker.funds import reporting, reporting_round, service, versions
from tracker.funds.editing import FundsConflict, FundsError, NotAllowed
from tracker.funds.models import (
    Evaluation,
    FundsVersion,
    Outcome,
    ReasonCategory,
    ReportingState,
    ReportState,
    UsageArea,
    UsageReport,
)
from tracker.funds.reporting import AreaInput, NotOpen, ReportInput, area_field
from tracker.organisations.models import Organisation, OrgKind

WHOLE_KRONOR = "Skriv beloppet i hela kronor, utan decimaler, till exempel 250 000."


def _count(session, model) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


@pytest.fixture
def orgs(make_org):
    return make_org("bromma"), make_org("farsta")


@pytest.fixture
def fund_year(session, orgs):
    bromma, farsta = orgs
    return make_fund_year(session, year=2024, allocations=[(bromma, 100_000), (farsta, 50_000)],
                          reporting=ReportingState.open, deadline=date(2025, 2, 15))


@pytest.fixture
def contact(make_user, orgs):
    return make_user(Role.contact, orgs=[orgs[0]])


def _complete(**changes) -> dict:
    """What a complete submission for the first purpose gives."""
    return {"used": 80_000, "unspent": 20_000, "reasons": (ReasonCategory.staffing,),
            "areas": {0: ("Utbildning i FREDA", 50_000, Outcome.large)}, "evaluated": Evaluation.planned} | changes


# Who may report

def test_a_contact_reports_for_their_own_namnd(session, fund_year, orgs, contact):
    report = usage(session, fund_year, orgs[0], actor=contact, **_complete())
    session.commit()
    assert report.state == ReportState.submitted and report.submitted_by_id == contact.id
    assert report.updated_by_id == contact.id and report.submitted_at is not None


def test_a_contact_cannot_report_for_another_namnd(session, fund_year, orgs, contact):
    with pytest.raises(NotAllowed):
        usage(session, fund_year, orgs[1], actor=contact, **_complete())
    with pytest.raises(NotAllowed):
        usage(session, fund_year, orgs[1], actor=contact, submit=False)
    session.commit()
    assert _count(session, UsageReport) == 0 and _count(session, FundsVersion) == _count_year_versions(session)


def _count_year_versions(session) -> int:
    return session.exec(select(func.count()).select_from(FundsVersion)
                        .where(FundsVersion.record_type != "usagereport")).one()


@pytest.mark.parametrize("role", [Role.reader, Role.admin])
def test_readers_and_admins_cannot_report(session, fund_year, orgs, make_user, role):
    with pytest.raises(NotAllowed):
        usage(session, fund_year, orgs[0], actor=make_user(role, orgs=[orgs[0]]), **_complete())


def test_a_coordinator_reports_on_any_namnds_behalf(session, fund_year, orgs):
    for organisation in orgs:
        usage(session, fund_year, organisation, actor=COORDINATOR, **_complete())
    session.commit()
    assert _count(session, UsageReport) == 2


def test_not_open_is_refused_with_the_reason(session, orgs):
    fund_year = make_fund_year(session, year=2024, allocations=[(orgs[0], 1)])
    with pytest.raises(NotOpen, match="^Återrapporteringen för 2024 har inte öppnat än.$"):
        usage(session, fund_year, orgs[0], **_complete())
    reporting_round.open_reporting(session, fund_year=fund_year, deadline=date(2025, 2, 15), actor=COORDINATOR)
    reporting_round.close_reporting(session, fund_year=fund_year, actor=COORDINATOR)
    with pytest.raises(NotOpen, match="^Återrapporteringen för 2024 är stängd. Kontakta samordnaren om något "
                                      "behöver rättas.$"):
        usage(session, fund_year, orgs[0], **_complete())
    assert _count(session, UsageReport) == 0


def test_a_closed_round_reopened_for_one_namnd_is_open_for_that_namnd_only(session, fund_year, orgs, make_user):
    bromma, farsta = orgs
    reporting_round.close_reporting(session, fund_year=fund_year, actor=COORDINATOR)
    reopening = reporting_round.reopen_for(session, fund_year=fund_year, organisation=bromma, reason="Rättelse",
                                   actor=COORDINATOR)
    session.commit()
    assert reporting.open_for(session, fund_year, bromma.id) and not reporting.open_for(session, fund_year, farsta.id)
    usage(session, fund_year, bromma, actor=make_user(Role.contact, orgs=[bromma]), **_complete())
    with pytest.raises(NotOpen):
        usage(session, fund_year, farsta, actor=make_user(Role.contact, orgs=[farsta]), **_complete())
    reporting_round.close_reopening(session, reopening=reopening, actor=COORDINATOR)
    with pytest.raises(NotOpen):
        usage(session, fund_year, bromma, **_complete(used=1))


def test_a_namnd_that_did_not_exist_that_year_cannot_report(session, orgs):
    later = Organisation(slug="ny-namnd", name="Ny nämnd", short_name="Ny", kind=OrgKind.district,
                         valid_from=date(2025, 1, 1))
    session.add(later)
    fund_year = make_fund_year(session, year=2024, reporting=ReportingState.open)
    with pytest.raises(FundsError) as error:
        usage(session, fund_year, later, submit=False)
    assert error.value.errors == {"organisation": "Ny nämnd fanns inte år 2024."}


# What a draft and a submission need

def test_a_draft_is_lenient(session, fund_year, orgs, contact):
    report = usage(session, fund_year, orgs[0], actor=contact, submit=False, evaluated=None,
                   areas={0: ("Påbörjad text", None, None)}, unspent=5_000)
    session.commit()
    assert report.state == ReportState.draft and report.submitted_at is None
    assert (report.used, report.unspent, report.evaluated) == (None, 5_000, None)


def test_submit_requires_the_figures_evaluation_and_reasons(session, fund_year, orgs):
    with pytest.raises(FundsError) as error:
        usage(session, fund_year, orgs[0], used=None, unspent=None, evaluated=None)
    assert error.value.errors == {
        "used": "Fyll i hur mycket som har använts, i kronor (0 om inget).",
        "unspent": "Fyll i hur mycket som inte har använts, i kronor (0 om allt är använt).",
        "evaluated": "Välj om användningen har utvärderats.",
    }
    with pytest.raises(FundsError) as error:
        usage(session, fund_year, orgs[0], **_complete(reasons=()))
    assert error.value.errors == {"reasons": "Ange varför inte allt har använts: välj en orsak eller beskriv den."}
    usage(session, fund_year, orgs[0], **_complete(reasons=(), reasons_text="Rekryteringen drog ut på tiden."))
    assert _count(session, UsageReport) == 1


def test_submit_requires_an_outcome_for_each_area_with_work(session, fund_year, orgs):
    first, second = purposes_of(session, fund_year)
    with pytest.raises(FundsError) as error:
        usage(session, fund_year, orgs[0], **_complete(areas={0: ("Utbildning", None, None),
                                                              1: (None, 5_000, Outcome.fully)}))
    assert error.value.errors == {
        area_field(first, "outcome"): "Välj hur väl resultatet motsvarar det förväntade (”Vet ej” går också).",
        area_field(second, "work"): "Beskriv vad som gjordes inom området.",
    }
    with pytest.raises(FundsError) as error:
        usage(session, fund_year, orgs[0], **_complete(areas={}))
    assert error.value.errors == {"areas": "Beskriv vad medlen har använts till inom minst ett av syftena."}
    # nothing used: no area needed; "Vet ej" is a valid outcome
    usage(session, fund_year, orgs[1], used=0, unspent=50_000, reasons=(ReasonCategory.late_payment,))
    usage(session, fund_year, orgs[0], **_complete(areas={0: ("Utbildning", None, Outcome.unknown)}))
    assert _count(session, UsageReport) == 2


def test_a_submitted_report_stays_submitted_and_corrections_follow_the_submit_rules(session, fund_year, orgs,
                                                                                   contact):
    report = usage(session, fund_year, orgs[0], actor=contact, **_complete())
    session.commit()
    submitted_at = report.submitted_at
    with pytest.raises(FundsError) as error:
        usage(session, fund_year, orgs[0], actor=contact, submit=False, **_complete(used=None))
    assert set(error.value.errors) == {"used"}
    corrected = usage(session, fund_year, orgs[0], actor=contact, submit=False, **_complete(used=79_000))
    session.commit()
    assert corrected.state == ReportState.submitted and corrected.used == 79_000
    assert corrected.submitted_at == submitted_at and corrected.version == 2
    actions = list(session.exec(select(AuditEvent.action).where(AuditEvent.entity_type == "usagereport")
                                .order_by(AuditEvent.id)))
    assert actions == ["funds.report_submitted", "funds.report_saved"]


def test_a_stale_version_is_a_conflict_and_writes_nothing(session, fund_year, orgs, contact):
    report = usage(session, fund_year, orgs[0], actor=contact, submit=False, used=1)
    usage(session, fund_year, orgs[0], actor=COORDINATOR, submit=False, used=2)
    session.commit()
    count = _count(session, FundsVersion)
    with pytest.raises(FundsConflict) as conflict:
        usage(session, fund_year, orgs[0], actor=contact, submit=False, used=3, expected_version=1)
    assert conflict.value.current.version == 2 and conflict.value.current.used == 2
    # an invalid save on a stale version is a conflict first: the editor sees what the other saved
    with pytest.raises(FundsConflict):
        usage(session, fund_year, orgs[0], actor=contact, used=None, expected_version=1)
    session.commit()
    session.expire_all()
    assert session.get(UsageReport, report.id).used == 2 and _count(session, FundsVersion) == count


def test_an_unchanged_save_writes_no_version(session, fund_year, orgs, contact):
    report = usage(session, fund_year, orgs[0], actor=contact, **_complete())
    session.commit()
    counts = (_count(session, FundsVersion), _count(session, AuditEvent))
    usage(session, fund_year, orgs[0], actor=contact, **_complete())
    session.commit()
    assert report.version == 1 and (_count(session, FundsVersion), _count(session, AuditEvent)) == counts


def test_every_save_is_a_version_with_its_areas(session, fund_year, orgs, contact):
    first, second = purposes_of(session, fund_year)
    report = usage(session, fund_year, orgs[0], actor=contact, submit=False, used=10,
                   areas={0: ("Första texten", 10, None), 1: ("Andra området", None, None)})
    session.commit()
    usage(session, fund_year, orgs[0], actor=contact, **_complete(areas={0: ("Första texten", 10, Outcome.partly)}))
    session.commit()
    kept = versions.versions_of(session, report)
    assert [(v.version, v.content["state"]) for v in kept] == [(1, "draft"), (2, "submitted")]
    assert kept[0].content["areas"] == {
        str(first.id): {"work": "Första texten", "amount": 10, "outcome": None},
        str(second.id): {"work": "Andra området", "amount": None, "outcome": None},
    }
    # the emptied area is gone from the report but its text stays in the earlier version
    assert list(kept[1].content["areas"]) == [str(first.id)]
    assert [a.purpose_id for a in session.exec(select(UsageArea).where(UsageArea.report_id == report.id))] == [
        first.id]
    assert kept[1].content["reasons"] == ["staffing"] and kept[1].content["evaluated"] == "planned"


# Reading the form

def _form(purposes, **values) -> MultiDict:
    first = purposes[0]
    data = {"used": "80 000", "unspent": "20 000 kr", "evaluated": "planned", "reasons_text": "  \r\n",
            area_field(first, "work"): "Utbildning\r\ni FREDA", area_field(first, "amount"): "50 000",
            area_field(first, "outcome"): "large", area_field(purposes[1], "work"): "   "} | values
    form = MultiDict(data)
    form.setlist("reasons", ["staffing", "time"])
    return form


def test_the_form_is_read_into_a_report(session, fund_year):
    purposes = purposes_of(session, fund_year)
    content, errors = reporting.read_report_form(_form(purposes), purposes)
    assert errors == {}
    assert (content.used, content.unspent, content.evaluated) == (80_000, 20_000, Evaluation.planned)
    assert content.reasons == [ReasonCategory.staffing, ReasonCategory.time] and content.reasons_text is None
    assert content.areas == {purposes[0].id: AreaInput("Utbildning\ni FREDA", 50_000, Outcome.large)}


def test_bad_form_values_are_named_by_field(session, fund_year):
    purposes = purposes_of(session, fund_year)
    first = purposes[0]
    form = _form(purposes, used="80 000,50", unspent="-1", evaluated="kanske",
                 **{area_field(first, "amount"): "femtio", area_field(first, "outcome"): "perfekt"})
    form.setlist("reasons", ["staffing", "ingen-aning"])
    content, errors = reporting.read_report_form(form, purposes)
    assert errors == {
        "used": WHOLE_KRONOR,
        "unspent": "Beloppet kan inte vara negativt. Skriv ett heltal i kronor, 0 eller större.",
        "reasons": "Välj bland orsakerna i listan.",
        "evaluated": "Välj ett av alternativen.",
        area_field(first, "amount"): WHOLE_KRONOR,
        area_field(first, "outcome"): "Välj ett av alternativen.",
    }
    assert content.used is None and content.reasons == [ReasonCategory.staffing]


def test_a_plain_mapping_with_one_reason(session, fund_year):
    purposes = purposes_of(session, fund_year)
    content, errors = reporting.read_report_form({"reasons": "time"}, purposes)
    assert errors == {} and content.reasons == [ReasonCategory.time] and content.areas == {}


def test_too_long_texts_and_an_area_of_another_year(session, fund_year, orgs):
    purposes = purposes_of(session, fund_year)
    content = ReportInput(reasons_text="x" * 3001, areas={purposes[0].id: AreaInput(work="y" * 8001),
                                                          -1: AreaInput(work="z")})
    errors = reporting.validate_report(content, purposes, submit=False)
    assert set(errors) == {"reasons_text", area_field(purposes[0], "work"), "areas"}
    assert errors["reasons_text"].startswith("Texten får vara högst 3 000 tecken. Nu är den 3 001 tecken")
    assert errors["areas"] == "Ett av syftena hör inte till året."
    with pytest.raises(FundsError):
        reporting.save_report(session, fund_year=fund_year, organisation=orgs[0], content=content,
                              expected_version=None, submit=False, actor=COORDINATOR)
    assert _count(session, UsageReport) == 0


def test_a_form_that_fails_the_rules_saves_nothing(session, fund_year, orgs, contact):
    purposes = purposes_of(session, fund_year)
    content, errors = reporting.read_report_form(_form(purposes, evaluated=""), purposes)
    assert errors == {}
    with pytest.raises(FundsError) as error:
        reporting.save_report(session, fund_year=fund_year, organisation=orgs[0], content=content,
                              expected_version=None, submit=True, actor=contact)
    assert set(error.value.errors) == {"evaluated"}
    session.commit()
    assert (_count(session, UsageReport), _count(session, UsageArea)) == (0, 0)


def test_a_contacts_view_of_the_year_reads_only_their_reports(session, fund_year, orgs):
    bromma, farsta = orgs
    for organisation in orgs:
        usage(session, fund_year, organisation, **_complete())
    session.commit()
    assert set(service.load_year(session, fund_year).reports) == {bromma.id, farsta.id}
    own = service.load_year(session, fund_year, organisation_ids={bromma.id})
    assert set(own.reports) == {bromma.id} and own.reports[bromma.id].areas
    assert service.load_year(session, fund_year, organisation_ids=set()).reports == {}
    assert len(own.allocations) == 2  # the allocation table is public within the app
