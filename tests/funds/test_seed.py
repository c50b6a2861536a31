"""The grant years are seeded exactly as 000 and 002 print them, once, and a bad file loads nothing."""
from __future__ import annotations

import re
import shutil
from datetime import date

import pytest
from sqlmodel import func, select

from tests.conftest import SEED_DIR
from tests.funds.factories import COORDINATOR
from tracker.funds import editing, service, versions
from tracker.funds.models import (
    Allocation,
    FundPurpose,
    FundsVersion,
    FundYear,
    ReportingState,
    RequisitionRound,
    UsageArea,
    UsageReport,
)
from tracker.organisations.models import Organisation
from tracker.seeding import service as seeding
from tracker.seeding.files import read_bundle
from tracker.seeding.models import SeedRecord
from tracker.seeding.parsing import SeedError

DISTRICTS_2016 = [
    "rinkeby-kista", "spanga-tensta", "hasselby-vallingby", "bromma", "kungsholmen", "norrmalm", "ostermalm",
    "sodermalm", "enskede-arsta-vantor", "skarpnack", "farsta", "hagersten-liljeholmen", "alvsjo", "skarholmen",
]
# 002's table, row by row, as printed.
ALLOCATION_2022 = [
    ("rinkeby-kista", "Rinkeby-Kista", 624_090),
    ("spanga-tensta", "Spånga-Tensta", 372_657),
    ("hasselby-vallingby", "Hässelby-Vällingby", 536_871),
    ("bromma", "Bromma", 279_427),
    ("kungsholmen", "Kungsholmen", 197_426),
    ("norrmalm", "Norrmalm", 201_411),
    ("ostermalm", "Östermalm", 212_811),
    ("sodermalm", "Södermalm", 504_527),
    ("enskede-arsta-vantor", "Enskede-Årsta-Vantör", 619_066),
    ("skarpnack", "Skarpnäck", 251_550),
    ("farsta", "Farsta", 461_210),
    ("hagersten-alvsjo", "Hägersten-Älvsjö", 504_276),
    ("skarholmen", "Skärholmen", 379_594),
    ("aldrenamnden", "Äldrenämnden", 250_000),
]
# Words as the scan (000, 002) prints them without å, ä and ö; none may reach the seeded texts.
OCR_FORMS = [
    "ndmnd", "nimnd", "namnd", "ndamnd", "vald i nara", "vald 1", "nara relation", "i1 ", " 1 nära", "anvant",
    "anvand", "forvaltning", "stod ", "stodet", "Hagersten", "Spanga", "Skarholmen", "Sodermalm", "Hasselby",
    "Vallingby", "Arsta", "Vantor", "Skarpnack", "Ostermalm", "Aldrenamnd", "socialtjanst", "malgrupp",
    "forebygg", "fordld", "forald", "utvard", "aterbetal", "arenden", "4tta", "6kning", "dkat", "sdrskilt",
    "sarskilt", "langsiktig", "kunskapen om och spridningen av verksamma metoder for", " for ", "véld", "néra",
    "ndmnden", "tjanst", "hélso", "Ingen av stadsdelsndmnderna",
]


def _year(session, year: int) -> service.YearData:
    return service.load_year(session, service.get_year(session, year))


def _texts_2016(data: service.YearData) -> list[str]:
    texts = [data.fund_year.title, data.fund_year.note, data.fund_year.allocation_key]
    texts += [t for p in data.purposes for t in (p.short_title, p.title, p.summary) if t]
    texts += [a.note for a, _o in data.allocations if a.note] + [r.note for r in data.rounds if r.note]
    for report in data.reports.values():
        texts += [t for t in (report.report.evaluation_text, report.report.reasons_text) if t]
        texts += [area.work for area in report.areas.values() if area.work]
    return texts


def test_2016_figures_and_dates_as_printed_in_000(seeded):
    data = _year(seeded, 2016)
    year = data.fund_year
    assert year.title == "Utvecklingsmedel för arbetet mot våld i nära relationer 2016"
    assert (year.national_total, year.national_municipal) == (70_000_000, 50_000_000)
    assert year.requisitioned_total == 3_166_133
    assert year.entitlement is None  # bilaga 2 of the government's decision is not in 000
    assert [(r.label, r.amount) for r in data.rounds] == [("Våren 2016", 3_125_250), ("Sommaren 2016", 40_883)]
    assert (year.stated_used, year.stated_unspent) == (2_664_713, 501_420)
    assert (year.repayment_amount, year.repayment_due_on, year.repayment_paid_on) == (501_420, date(2017, 6, 30), None)
    assert (year.requisition_deadline, year.report_deadline, year.repayment_deadline) == (
        date(2016, 6, 1), date(2017, 3, 31), date(2017, 6, 30))
    assert (year.usage_from, year.usage_to, year.retroactive) == (date(2016, 1, 28), date(2016, 12, 31), True)
    assert year.reporting == ReportingState.closed and year.compiled_on == date(2017, 3, 28)
    assert year.allocation_stated_total is None and year.allocation_reference is None


def test_2016_district_amounts_are_unknown_never_zero(seeded):
    data = _year(seeded, 2016)
    rows = {o.slug: a for a, o in data.allocations}
    assert list(rows) == DISTRICTS_2016 + ["socialnamnden"]
    assert all(rows[slug].amount is None for slug in DISTRICTS_2016)
    assert (rows["socialnamnden"].amount, rows["socialnamnden"].citywide) == (40_883, True)
    assert not any(a.citywide for slug, a in rows.items() if slug != "socialnamnden")
    # and in the database, not only in Python: NULL, not 0
    year_id = data.fund_year.id
    assert seeded.exec(select(func.count()).select_from(Allocation).where(
        Allocation.fund_year_id == year_id, Allocation.amount.is_(None))).one() == 14
    assert seeded.exec(select(func.count()).select_from(Allocation).where(Allocation.amount == 0)).one() == 0
    assert seeded.exec(select(func.count()).select_from(UsageReport).where(
        (UsageReport.used == 0) | (UsageReport.unspent == 0))).one() == 0


def test_2021_total_and_two_rounds_of_unknown_amount(seeded):
    data = _year(seeded, 2021)
    assert data.fund_year.entitlement == 4_528_687
    assert data.fund_year.requisitioned_total is None
    assert [(r.label, r.amount, r.requested_on) for r in data.rounds] == [("Omgång 1", None, None),
                                                                       ("Omgång 2", None, None)]
    assert data.allocations == [] and data.reports == {} and data.purposes == []


def test_2022_allocation_table_as_printed_in_002(seeded):
    data = _year(seeded, 2022)
    year = data.fund_year
    assert [(o.slug, o.short_name, a.amount) for a, o in data.allocations] == ALLOCATION_2022
    assert len(data.allocations) == 14
    assert year.allocation_stated_total == 5_394_915 and year.entitlement == 5_394_915
    assert year.allocation_reference == "Dnr 3.1.2-208/2022"
    assert year.national_municipal == 85_500_000
    assert (year.usage_from, year.usage_to) == (date(2022, 1, 1), date(2022, 12, 31))
    # 002 does not give the year's deadlines: not filled in, not guessed
    assert (year.requisition_deadline, year.report_deadline, year.repayment_deadline) == (None, None, None)
    assert "resursfördelningsnyckeln" in year.allocation_key
    assert len(data.purposes) == 6 and data.reports == {}


def test_each_year_shows_the_names_of_that_year(seeded):
    names_2016 = {o.short_name for _a, o in _year(seeded, 2016).allocations}
    names_2022 = {o.short_name for _a, o in _year(seeded, 2022).allocations}
    assert {"Hägersten-Liljeholmen", "Älvsjö"} <= names_2016 and "Hägersten-Älvsjö" not in names_2016
    assert "Hägersten-Älvsjö" in names_2022 and not {"Hägersten-Liljeholmen", "Älvsjö"} & names_2022
    data = _year(seeded, 2016)
    merged = [o for o in data.organisations() if o.slug in {"hagersten-liljeholmen", "alvsjo"}]
    assert {data.successors[o.id].slug for o in merged} == {"hagersten-alvsjo"}


def test_2016_reports_per_namnd_and_purpose_area(seeded):
    data = _year(seeded, 2016)
    assert [p.code for p in data.purposes] == ["langsiktigt", "regelverk", "barn", "forebyggande",
                                               "sarskilt-utsatta", "prostitution"]
    codes = {p.id: p.code for p in data.purposes}
    areas = {r.organisation.slug: sorted(codes[pid] for pid in r.areas) for r in data.reports.values()}
    assert len(areas) == 15 and all(r.submitted for r in data.reports.values())
    assert areas["hasselby-vallingby"] == ["barn", "forebyggande", "langsiktigt", "sarskilt-utsatta"]
    assert areas["hagersten-liljeholmen"] == ["forebyggande", "langsiktigt"]
    assert areas["socialnamnden"] == ["langsiktigt"]
    assert areas["bromma"] == areas["norrmalm"] == areas["ostermalm"] == areas["alvsjo"] == []
    kruton = data.reports[next(o.id for _a, o in data.allocations if o.slug == "socialnamnden")]
    assert kruton.report.used == 40_883 and kruton.report.unspent is None
    assert "Kruton" in next(iter(kruton.areas.values())).work
    # 000 gives no amount per nämnd or area except the city-wide 40 883 kr, and no self-assessed outcomes
    others = [r for r in data.reports.values() if r.organisation.slug != "socialnamnden"]
    assert all(r.report.used is None and r.report.unspent is None for r in others)
    assert all(a.amount is None and a.outcome is None for r in others for a in r.areas.values())


def test_2016_texts_are_correct_swedish(seeded):
    texts = _texts_2016(_year(seeded, 2016))
    text = "\n".join(texts)
    for damaged in OCR_FORMS:
        assert damaged not in text, damaged
    for word in ("våld i nära relation", "stadsdelsnämnd", "Spånga-Tensta", "föräldraförmågan",
                 "våldsutövare", "Relationsvåldscentrum", "Män och Unizon", "Kista galleria"):
        assert word in text, word
    # every longer Swedish text has its å, ä or ö back
    for item in texts:
        if len(item) > 80:
            assert re.search("[åäöÅÄÖ]", item), item[:60]
    works = [a.work for r in _year(seeded, 2016).reports.values() for a in r.areas.values()]
    assert any("åtta olika språk" in w for w in works) and any("246 %" in w for w in works)


def test_2022_purposes_are_correct_swedish(seeded):
    data = _year(seeded, 2022)
    text = "\n".join([data.fund_year.note, data.fund_year.allocation_key]
                     + [t for p in data.purposes for t in (p.short_title, p.title)])
    for damaged in OCR_FORMS:
        assert damaged not in text, damaged
    assert "könsstympning" in text and "Äldrenämndens 250 000 kronor" in text


def test_the_seed_keeps_a_version_of_what_it_created(seeded):
    data = _year(seeded, 2022)
    allocation = data.allocations[0][0]
    kept = versions.versions_of(seeded, allocation)
    assert [(v.version, v.via, v.content["amount"]) for v in kept] == [(1, "seed", 624_090)]
    assert [v.via for v in versions.versions_of(seeded, data.fund_year)] == ["seed"]
    report = next(iter(_year(seeded, 2016).reports.values())).report
    assert versions.versions_of(seeded, report)[0].content["state"] == "submitted"


def _funds_counts(session) -> dict[str, int]:
    return {model.__name__: session.exec(select(func.count()).select_from(model)).one()
            for model in (FundYear, FundPurpose, RequisitionRound, Allocation, UsageReport, UsageArea, FundsVersion)}


def test_the_seed_counts(seeded):
    assert _funds_counts(seeded) == {
        "FundYear": 3, "FundPurpose": 12, "RequisitionRound": 4, "Allocation": 29, "UsageReport": 15,
        # areas: långsiktigt 10, barn 4, förebyggande 7, särskilt utsatta 1
        "UsageArea": 22, "FundsVersion": 3 + 29 + 15,
    }


def _reseed(session, directory=SEED_DIR):
    result = seeding.apply(session, read_bundle(directory), today=date(2026, 11, 23))
    session.commit()
    session.expire_all()
    return result


def test_seeding_twice_creates_nothing(seeded):
    before = _funds_counts(seeded)
    result = _reseed(seeded)
    assert result.total == 0
    assert _funds_counts(seeded) == before


def test_an_amount_changed_in_the_application_is_kept(seeded):
    fund_year = service.get_year(seeded, 2022)
    bromma = seeded.exec(select(Organisation).where(Organisation.slug == "bromma")).one()
    allocation = _year(seeded, 2022).allocation_of(bromma.id)
    editing.save_allocation(seeded, fund_year=fund_year, organisation=bromma, amount=300_000, citywide=False,
                            note="Ändrat av samordnaren", expected_version=allocation.version, actor=COORDINATOR)
    editing.update_year(seeded, fund_year=fund_year, values={"allocation_stated_total": 5_394_916},
                        expected_version=fund_year.version, actor=COORDINATOR)
    seeded.commit()
    assert _reseed(seeded).total == 0
    assert _year(seeded, 2022).allocation_of(bromma.id).amount == 300_000
    assert service.get_year(seeded, 2022).allocation_stated_total == 5_394_916


def test_a_removed_allocation_and_year_are_not_recreated(seeded):
    fund_year = service.get_year(seeded, 2022)
    bromma = seeded.exec(select(Organisation).where(Organisation.slug == "bromma")).one()
    allocation = _year(seeded, 2022).allocation_of(bromma.id)
    editing.remove_allocation(seeded, fund_year=fund_year, allocation=allocation, organisation=bromma,
                              actor=COORDINATOR)
    seeded.commit()
    assert _reseed(seeded).total == 0
    assert _year(seeded, 2022).allocation_of(bromma.id) is None
    assert len(_year(seeded, 2022).allocations) == 13


def test_a_report_removed_from_the_database_is_not_recreated(seeded):
    data = _year(seeded, 2016)
    bromma = next(r for r in data.reports.values() if r.organisation.slug == "bromma")
    seeded.delete(bromma.report)
    seeded.commit()
    assert _reseed(seeded).total == 0
    assert bromma.organisation.id not in _year(seeded, 2016).reports


def test_an_existing_year_is_adopted_not_changed(session):
    """A coordinator created 2022 before the seed came: the seed adopts it and leaves its figures alone."""
    from tests.conftest import _seed  # noqa: PLC0415

    created = editing.create_year(session, year=2022, title="Medel 2022 (egen titel)", actor=COORDINATOR)
    session.commit()
    _seed(session)
    session.expire_all()
    year = service.get_year(session, 2022)
    assert year.id == created.id and year.title == "Medel 2022 (egen titel)"
    assert year.allocation_stated_total is None  # not overwritten by the seed's figure
    record = session.exec(select(SeedRecord).where(SeedRecord.kind == "fund_year", SeedRecord.key == "2022")).one()
    assert record.entity_id == created.id


def test_a_seed_row_added_later_is_loaded(seeded, tmp_path):
    for path in SEED_DIR.glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    _replace(tmp_path / "funds.yaml", "      - label: Omgång 2\n",
             "      - label: Omgång 2\n      - label: Omgång 3\n        amount: 1000\n")
    result = _reseed(seeded, tmp_path)
    assert result.created == {"fund_round": 1}
    assert [r.amount for r in _year(seeded, 2021).rounds] == [None, None, 1000]


# Bad seed files: file, entry and line named; nothing loaded.

@pytest.fixture
def seed_copy(tmp_path):
    for path in SEED_DIR.glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    return tmp_path


def _replace(path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _line_of(path, text: str, *, last: bool = False) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    found = [number for number, line in enumerate(lines, start=1) if text in line]
    return found[-1] if last else found[0]


def _refused(session, directory) -> str:
    with pytest.raises(SeedError) as error:
        seeding.apply(session, read_bundle(directory), today=date(2026, 11, 23))
    session.rollback()
    assert session.exec(select(func.count()).select_from(Organisation)).one() == 0
    assert session.exec(select(func.count()).select_from(FundYear)).one() == 0
    return str(error.value)


def test_unknown_organisation_in_an_allocation(session, seed_copy):
    path = seed_copy / "funds.yaml"
    _replace(path, "{organisation: bromma, amount: 279427}", "{organisation: bromaa, amount: 279427}")
    line = _line_of(path, "organisation: bromaa")
    assert _refused(session, seed_copy) == f"funds.yaml, post 3 (rad {line}): okänd organisation 'bromaa'"


def test_organisation_that_did_not_exist_that_year(session, seed_copy):
    path = seed_copy / "funds.yaml"
    _replace(path, "      - {organisation: hagersten-liljeholmen}\n", "      - {organisation: hagersten-alvsjo}\n")
    line = _line_of(path, "{organisation: hagersten-alvsjo}")
    assert _refused(session, seed_copy) == (f"funds.yaml, post 1 (rad {line}): "
                                            "organisationen 'hagersten-alvsjo' fanns inte år 2016")


def test_organisation_merged_before_the_year(session, seed_copy):
    path = seed_copy / "funds.yaml"
    _replace(path, "{organisation: hagersten-alvsjo, amount: 504276}",
             "{organisation: hagersten-liljeholmen, amount: 504276}")
    assert "organisationen 'hagersten-liljeholmen' fanns inte år 2022" in _refused(session, seed_copy)


def test_negative_amount_names_the_entry_and_its_line(session, seed_copy):
    path = seed_copy / "funds.yaml"
    _replace(path, "{organisation: farsta, amount: 461210}", "{organisation: farsta, amount: -461210}")
    line = _line_of(path, "amount: -461210")
    message = _refused(session, seed_copy)
    assert message.startswith(f"funds.yaml, post 3 (rad {line}): fältet 'amount': ")
    assert "-461210" in message


def test_decimal_amount_is_refused(session, seed_copy):
    path = seed_copy / "funds.yaml"
    _replace(path, "        amount: 40883\n", "        amount: 40883.5\n")
    line = _line_of(path, "- label: Sommaren 2016")
    message = _refused(session, seed_copy)
    assert message.startswith(f"funds.yaml, post 1 (rad {line}): fältet 'amount'") and "40883.5" in message


def test_amount_written_with_decimals_is_refused_even_when_whole(session, seed_copy):
    path = seed_copy / "funds.yaml"
    _replace(path, "{organisation: bromma, amount: 279427}", "{organisation: bromma, amount: 279427.0}")
    message = _refused(session, seed_copy)
    assert "funds.yaml, post 3" in message and "fältet 'amount'" in message and "279427.0" in message


def test_amount_as_text_is_refused(session, seed_copy):
    path = seed_copy / "funds.yaml"
    _replace(path, "requisitioned_total: 3166133", 'requisitioned_total: "3 166 133"')
    assert "requisitioned_total" in _refused(session, seed_copy)


def test_unknown_purpose_in_a_reports_areas(session, seed_copy):
    path = seed_copy / "funds.yaml"
    _replace(path, "          sarskilt-utsatta:\n            work: >-\n              Stadsdelsförvaltningen",
             "          sarskilda-grupper:\n            work: >-\n              Stadsdelsförvaltningen")
    line = _line_of(path, "- organisation: hasselby-vallingby", last=True)
    message = _refused(session, seed_copy)
    assert message.startswith(f"funds.yaml, post 1 (rad {line}): ")
    assert "okänt syfte 'sarskilda-grupper' i rapporten för hasselby-vallingby" in message
    assert len(message) < 300  # the problem, not the whole year repeated back


def test_duplicate_year(session, seed_copy):
    path = seed_copy / "funds.yaml"
    _replace(path, "  - year: 2021\n", "  - year: 2016\n")
    message = _refused(session, seed_copy)
    assert re.search(r"funds.yaml, post 2 \(rad \d+\): dubblett: år '2016' finns redan i post 1", message)


def test_duplicate_allocation_row(session, seed_copy):
    path = seed_copy / "funds.yaml"
    first = _line_of(path, "{organisation: bromma, amount: 279427}")
    _replace(path, "{organisation: norrmalm, amount: 201411}", "{organisation: bromma, amount: 201411}")
    line = _line_of(path, "{organisation: bromma, amount: 201411}")
    message = _refused(session, seed_copy)
    assert message == (f"funds.yaml, post 3 (rad {line}): dubblett: organisation 'bromma' finns redan i "
                       f"allocations (rad {first})")


def test_unknown_successor(session, seed_copy):
    _replace(seed_copy / "organisations.yaml", "successor: hagersten-alvsjo", "successor: hagersten-alvsjoo")
    message = _refused(session, seed_copy)
    assert re.search(r"organisations.yaml, post \d+ \(rad \d+\): okänd efterträdare 'hagersten-alvsjoo'", message)


def test_usage_window_backwards(session, seed_copy):
    _replace(seed_copy / "funds.yaml", "usage_from: 2016-01-28", "usage_from: 2017-01-28")
    line = _line_of(seed_copy / "funds.yaml", "- year: 2016")
    assert _refused(session, seed_copy) == f"funds.yaml, post 1 (rad {line}): usage_to ligger före usage_from"


def test_negative_amount_in_a_reports_area(session, seed_copy):
    path = seed_copy / "funds.yaml"
    _replace(path, "            amount: 40883\n", "            amount: -1\n")
    line = _line_of(path, "- organisation: socialnamnden", last=True)
    message = _refused(session, seed_copy)
    assert message.startswith(f"funds.yaml, post 1 (rad {line}): fältet 'areas.langsiktigt.amount'")


def test_unknown_outcome_in_a_reports_area(session, seed_copy):
    path = seed_copy / "funds.yaml"
    _replace(path, "            amount: 40883\n", "            amount: 40883\n            outcome: perfekt\n")
    assert "fältet 'areas.langsiktigt.outcome'" in _refused(session, seed_copy)


def test_unknown_field_in_a_year(session, seed_copy):
    _replace(seed_copy / "funds.yaml", "    entitlement: 4528687\n", "    entitlment: 4528687\n")
    assert "okänt fält 'entitlment'" in _refused(session, seed_copy)
