"""Archive pages: coordinators start generation in the background; readers and contacts download."""
from __future__ import annotations

import re

import pytest
from sqlmodel import select

from tests.archive.conftest import fake_rendered
from tracker.accounts.models import Role
from tracker.archive import jobs
from tracker.archive import service as archive
from tracker.archive.models import ArchivedDocument, DocumentKind, GenerationJob, JobState
from tracker.archive.service import Subject

HTMX = {"HX-Request": "true", "HX-Target": "generation"}


@pytest.fixture
def stored(session, app, archive_setup):
    """Two versions of Farsta's styrkort and one of Enskede's, already in the archive."""
    root = app.config["SCORECARD_DIR"]
    s = archive_setup

    def store(org, text):
        subject = Subject(DocumentKind.scorecard, archive.scorecard_key(s.program.slug, s.period.code, org.slug),
                          s.program.id, s.period.id, organisation_id=org.id)
        return archive.store(session, root, subject=subject, rendered=fake_rendered(text), generated_by_id=None,
                             generated_by_label="samordnare@example.se")

    return {"farsta": [store(s.farsta, "farsta 1"), store(s.farsta, "farsta 2")],
            "enskede": [store(s.enskede, "enskede 1")]}


def test_coordinator_starts_generation_and_gets_the_links_when_it_is_done(client, login, make_user, archive_setup):
    login(make_user(Role.coordinator))
    page = client.get("/arkiv/generera")
    assert page.status_code == 200
    assert "Styrkort för en tertial" in page.text and "Halvtidsrapport" in page.text

    response = client.post("/arkiv/generera/styrkort", data={"scorecard-period": "2023-T2",
                                                             "scorecard-organisation": ""})
    assert response.status_code == 303
    jobs.wait_for_background_jobs(timeout=60)
    job_page = client.get(response.headers["Location"])
    assert "Klart: 2 dokument skapades." in job_page.text
    assert "Farsta stadsdelsnämnd" in job_page.text and "Enskede-Årsta-Vantörs stadsdelsnämnd" in job_page.text
    link = re.search(r'href="(/arkiv/dokument/\d+)"', job_page.text).group(1)
    download = client.get(link)
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert download.data.startswith(b"%PDF")


def test_the_htmx_answer_polls_until_the_job_is_done(client, login, make_user, archive_setup, session, app,
                                                     monkeypatch):
    started = []
    monkeypatch.setattr(jobs, "run_in_background", lambda _app, job_id: started.append(job_id))
    login(make_user(Role.coordinator))
    response = client.post("/arkiv/generera/styrkort", data={"scorecard-period": "2023-T2"}, headers=HTMX)
    assert response.status_code == 200
    [job_id] = started
    assert f'id="job-{job_id}"' in response.text and 'hx-trigger="every 1s"' in response.text
    assert 'role="status"' in response.text
    assert "<html" not in response.text  # only the region

    jobs.run_job(session, app.config["SCORECARD_DIR"], job_id)
    fragment = client.get(f"/arkiv/jobb/{job_id}", headers={"HX-Request": "true", "HX-Target": f"job-{job_id}"})
    assert "hx-trigger" not in fragment.text and "<html" not in fragment.text
    assert fragment.text.count("/arkiv/dokument/") == 2


def test_a_second_click_does_not_start_a_second_job(client, login, make_user, archive_setup, session, monkeypatch):
    started = []
    monkeypatch.setattr(jobs, "run_in_background", lambda _app, job_id: started.append(job_id))
    login(make_user(Role.coordinator))
    for _ in range(2):
        client.post("/arkiv/generera/styrkort", data={"scorecard-period": "2023-T2"})
    assert len(started) == 1
    assert len(session.exec(select(GenerationJob)).all()) == 1


@pytest.mark.parametrize(("url", "data", "message"), [
    ("/arkiv/generera/styrkort", {"scorecard-period": "2031-T1"}, "Välj en tertial i listan."),
    ("/arkiv/generera/styrkort", {"scorecard-period": "2023-T2", "scorecard-organisation": "okand"},
     "Välj en organisation i listan."),
    ("/arkiv/generera/halvtidsrapport", {"midterm-program": "finns-inte", "midterm-period": "2023-T2"},
     "Välj ett program i listan."),
    ("/arkiv/generera/sammanstallning", {"annual-program": "program-mot-vald", "annual-year": "år"},
     "Välj ett år i listan."),
])
def test_a_bad_request_is_answered_beside_the_field(client, login, make_user, archive_setup, session, url, data,
                                                    message):
    login(make_user(Role.coordinator))
    for headers in ({}, HTMX):
        response = client.post(url, data=data, headers=headers)
        assert response.status_code == 422
        assert message in response.text
        assert 'aria-invalid="true"' in response.text
    assert session.exec(select(GenerationJob)).all() == []


def test_readers_see_every_version_newest_first(client, login, make_user, stored):
    login(make_user(Role.reader))
    page = client.get("/arkiv/")
    assert page.status_code == 200
    assert "Tertial 2 2023" in page.text
    assert "Farsta stadsdelsnämnd" in page.text and "Enskede-Årsta-Vantörs stadsdelsnämnd" in page.text
    assert "1 tidigare version" in page.text
    farsta_v1, farsta_v2 = stored["farsta"]
    assert page.text.index(f"/arkiv/dokument/{farsta_v2.id}") < page.text.index(f"/arkiv/dokument/{farsta_v1.id}")
    assert client.get(f"/arkiv/dokument/{farsta_v1.id}").data == b"%PDF-1.4 farsta 1"
    assert client.get(f"/arkiv/dokument/{farsta_v2.id}").data == b"%PDF-1.4 farsta 2"


def test_contacts_see_and_download_only_their_own_organisations_styrkort(client, login, make_user, stored,
                                                                         archive_setup):
    login(make_user(Role.contact, orgs=[archive_setup.farsta]))
    page = client.get("/arkiv/")
    assert "Farsta stadsdelsnämnd" in page.text
    assert "Enskede" not in page.text
    assert client.get(f"/arkiv/dokument/{stored['farsta'][0].id}").status_code == 200
    assert client.get(f"/arkiv/dokument/{stored['enskede'][0].id}").status_code == 403


def test_a_changed_file_is_not_served(client, login, make_user, stored, app):
    document = stored["enskede"][0]
    (app.config["SCORECARD_DIR"] / document.path).write_bytes(b"%PDF-1.4 annat innehall")
    login(make_user(Role.reader))
    response = client.get(f"/arkiv/dokument/{document.id}")
    assert response.status_code == 410
    assert "kontrollsumman stämmer inte" in response.text


def test_an_empty_archive_says_so(client, login, make_user):
    login(make_user(Role.reader))
    assert "Inga styrkort eller rapporter har skapats än." in client.get("/arkiv/").text


def test_the_job_page_of_a_finished_job_has_no_polling(client, login, make_user, session, archive_setup, app):
    coordinator = make_user(Role.coordinator)
    job, _ = jobs.request_job(session, kind=DocumentKind.scorecard, period=archive_setup.period,
                              organisation=archive_setup.farsta, user=coordinator)
    jobs.run_job(session, app.config["SCORECARD_DIR"], job.id)
    login(coordinator)
    page = client.get(f"/arkiv/jobb/{job.id}")
    assert "hx-trigger" not in page.text
    assert session.get(GenerationJob, job.id).state == JobState.done
    [document] = session.exec(select(ArchivedDocument)).all()
    assert f"/arkiv/dokument/{document.id}" in page.text


def test_the_styrkort_page_links_its_archived_pdf(client, login, make_user, stored, archive_setup):
    login(make_user(Role.reader))
    page = client.get(f"/styrkort/farsta?period={archive_setup.period.code}")
    newest = stored["farsta"][1]
    assert f"/arkiv/dokument/{newest.id}" in page.text
    assert f"/arkiv/dokument/{stored['farsta'][0].id}" not in page.text
    other = client.get("/styrkort/inget-ansvar?period=2023-T2")
    assert "finns inte som PDF i arkivet än" in other.text
