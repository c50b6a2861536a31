"""Reporting compliance: per organisation, how much is submitted and when its contacts last saved."""
from __future__ import annotations

import re

import time_machine

from tracker.accounts.models import Role
from tracker.followup.compliance import compliance
from tracker.reporting import service as reporting
from tracker.reporting.models import ReportStatus, StatusReportContent

from .conftest import utc
from .test_overview import text


def rows_by_slug(session, scenario, **options):
    rows, total = compliance(session, period=scenario.period, **options)
    return {row.organisation.slug: row for row in rows}, total


def test_counts_submitted_drafts_and_untouched_per_organisation(session, scenario):
    rows, total = rows_by_slug(session, scenario)

    counts = {slug: (r.commitments, r.submitted, r.drafts, r.untouched) for slug, r in rows.items()}
    assert counts == {"farsta": (2, 2, 0, 0), "bromma": (2, 1, 1, 0), "kista": (2, 2, 0, 0), "spanga": (2, 1, 0, 1)}
    assert rows["bromma"].share == 0.5
    assert (total.commitments, total.submitted, total.drafts, total.untouched) == (8, 6, 1, 1)
    assert total.share == 0.75


def test_last_save_of_each_contact_is_shown_with_their_name(session, scenario, make_user):
    anna = make_user(Role.contact, orgs=[scenario.spanga])
    bo = make_user(Role.contact, orgs=[scenario.spanga])
    idle = make_user(Role.contact, orgs=[scenario.spanga])
    commitment = scenario.c["parenting", "spanga"]
    content = StatusReportContent(status=ReportStatus.in_progress, comment="Första")
    with time_machine.travel(utc(2024, 3, 1, 8, 0), tick=False):
        reporting.save_report(session, commitment=commitment, period=scenario.period, content=content,
                              actor=anna, expected_version=None)
        session.commit()
    # Bo saves on top of Anna's report: Anna's save still counts (it is a version).
    with time_machine.travel(utc(2024, 3, 2, 9, 0), tick=False):
        reporting.save_report(session, commitment=commitment, period=scenario.period, content=content, actor=bo,
                              expected_version=1)
        session.commit()

    rows, _total = rows_by_slug(session, scenario)

    saves = {c.name: c.saved_at for c in rows["spanga"].contacts}
    assert set(saves) == {anna.name, bo.name, idle.name}
    assert saves[anna.name] == utc(2024, 3, 1, 8, 0) and saves[bo.name] == utc(2024, 3, 2, 9, 0)
    assert saves[idle.name] is None
    assert rows["spanga"].last_save.name == bo.name
    assert rows["spanga"].drafts == 1 and rows["spanga"].untouched == 0


def test_save_recorded_only_on_the_report_counts_too(session, scenario, make_user):
    contact = make_user(Role.contact, orgs=[scenario.farsta])
    report = reporting.get_report(session, scenario.c["parenting", "farsta"].id, scenario.period.id)
    report.updated_by_id, report.updated_at = contact.id, utc(2024, 4, 2, 12, 0)
    session.commit()

    rows, total = rows_by_slug(session, scenario)

    assert [(c.name, c.saved_at) for c in rows["farsta"].contacts] == [(contact.name, utc(2024, 4, 2, 12, 0))]
    assert total.last_save.saved_at == utc(2024, 4, 2, 12, 0)


def test_sorting_by_share_puts_the_lowest_first(session, scenario):
    rows, _total = compliance(session, period=scenario.period, sort="share")

    assert [r.organisation.slug for r in rows][:2] == ["bromma", "spanga"]
    assert [r.share for r in rows] == sorted(r.share for r in rows)


def test_compliance_page_has_a_total_row_and_a_captioned_table(client, login, scenario, make_user, session):
    contact = make_user(Role.contact, orgs=[scenario.kista])
    report = reporting.get_report(session, scenario.c["parenting", "kista"].id, scenario.period.id)
    report.updated_by_id, report.updated_at = contact.id, utc(2024, 3, 14, 9, 5)
    session.commit()

    html = login(scenario.reader).get("/uppfoljning/rapportering").get_data(as_text=True)

    assert "<caption>Rapportering per organisation, Tertial 1 2024</caption>" in html
    total = text(re.search(r"<tfoot>.*?</tfoot>", html, re.S).group(0))
    assert total.startswith("Totalt 8 6 1 1 75 %")
    kista = text(re.search(r'<tr>\s*<th scope="row"><a href="/organisation/kista">.*?</tr>', html, re.S).group(0))
    assert f"{contact.name}: 14 mars 2024 10:05" in kista  # Stockholm time (UTC+1 in March)
    assert '<th scope="col" aria-sort="ascending">Organisation' in html


def test_compliance_for_another_tertial_and_sorting_link(client, login, scenario):
    html = login(scenario.coordinator).get("/uppfoljning/rapportering?period=2023-T3&sort=share").get_data(as_text=True)

    assert "Rapportering Tertial 3 2023" in text(html)
    assert "Totalt 8 1 0 7 13 %" in text(html)
    assert 'href="/uppfoljning/rapportering?period=2023-T3&amp;sort=last_saved"' in html


def test_compliance_of_unknown_tertial_is_not_found(client, login, scenario):
    assert login(scenario.reader).get("/uppfoljning/rapportering?period=1999-T1").status_code == 404
