"""Generation jobs: recorded by the request, run in the background, progress kept in the database."""
from __future__ import annotations

from sqlmodel import select

from tracker.archive import jobs
from tracker.archive.models import ArchivedDocument, DocumentKind, GenerationJob, JobState
from tracker.audit.models import AuditEvent
from tracker.periods.models import PeriodState


def test_a_second_identical_request_while_one_waits_is_the_same_job(session, archive_setup, make_user):
    from tracker.accounts.models import Role

    coordinator = make_user(Role.coordinator)
    first, created = jobs.request_job(session, kind=DocumentKind.scorecard, period=archive_setup.period,
                                      user=coordinator)
    again, created_again = jobs.request_job(session, kind=DocumentKind.scorecard, period=archive_setup.period,
                                            user=coordinator)
    assert created and not created_again and again.id == first.id
    one_org, created_one = jobs.request_job(session, kind=DocumentKind.scorecard, period=archive_setup.period,
                                            organisation=archive_setup.farsta, user=coordinator)
    assert created_one and one_org.id != first.id
    audited = session.exec(select(AuditEvent).where(AuditEvent.action == "archive.generation_requested")).all()
    assert len(audited) == 2


def test_running_a_job_archives_its_documents_and_counts_progress(session, archive_setup, make_user, tmp_path):
    from tracker.accounts.models import Role

    coordinator = make_user(Role.coordinator)
    job, _ = jobs.request_job(session, kind=DocumentKind.scorecard, period=archive_setup.period, user=coordinator)
    done = jobs.run_job(session, tmp_path, job.id)
    assert (done.state, done.total, done.completed) == (JobState.done, 2, 2)
    assert done.started_at and done.finished_at
    documents = jobs.documents_of(session, done)
    assert {d.generated_by_label for d in documents} == {coordinator.email}
    assert all((tmp_path / d.path).exists() for d in documents)
    # Run again (a second worker picking up the same job): nothing more is generated.
    jobs.run_job(session, tmp_path, job.id)
    assert len(session.exec(select(ArchivedDocument)).all()) == 2


def test_a_job_that_fails_records_why(session, archive_setup, make_user, tmp_path, monkeypatch):
    from tracker.accounts.models import Role
    from tracker.archive import generation

    def broken(*_args, **_kwargs):
        raise RuntimeError("disken är full")

    monkeypatch.setattr(generation, "render", broken)
    job, _ = jobs.request_job(session, kind=DocumentKind.scorecard, period=archive_setup.period,
                              user=make_user(Role.coordinator))
    failed = jobs.run_job(session, tmp_path, job.id)
    assert failed.state == JobState.failed
    assert "2 av 2 dokument kunde inte skapas" in failed.error and "disken är full" in failed.error
    assert failed.completed == 2 and failed.finished_at is not None


def test_a_job_whose_process_died_is_stale_and_a_new_request_starts_over(session, archive_setup, make_user,
                                                                            time_machine):
    from tracker.accounts.models import Role

    coordinator = make_user(Role.coordinator)
    time_machine.move_to("2026-11-23 10:00:00+00:00", tick=False)
    job, _ = jobs.request_job(session, kind=DocumentKind.scorecard, period=archive_setup.period, user=coordinator)
    time_machine.move_to("2026-11-23 10:30:00+00:00", tick=False)
    retry, created = jobs.request_job(session, kind=DocumentKind.scorecard, period=archive_setup.period,
                                      user=coordinator)
    assert created and retry.id != job.id
    assert session.get(GenerationJob, job.id).is_stale(retry.requested_at)


def test_upcoming_tertials_cannot_be_generated(session, archive_setup, make_period):
    import pytest

    from tracker.archive.requests import RequestProblem, resolve_scorecards

    make_period("2027-T1", state=PeriodState.upcoming)
    with pytest.raises(RequestProblem, match="har inte börjat"):
        resolve_scorecards(session, period_code="2027-T1", organisation_slug="")
    with pytest.raises(RequestProblem, match="Välj en tertial"):
        resolve_scorecards(session, period_code="2023-T9", organisation_slug="")
