"""Coordinators add and change goals and activities; others see no controls and are refused."""
from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from tracker.accounts.models import Role
from tracker.audit.models import AuditEvent
from tracker.programs import editing, responsibility, service
from tracker.programs.models import (
    Activity,
    ActivityBase,
    ActivityTargetGroup,
    Commitment,
    Goal,
    GoalCreate,
    TargetGroup,
)
from tracker.reporting.models import ReportState, ReportStatus, StatusReport


@pytest.fixture
def programme(session, make_program, make_org):
    """A programme 2021–2025 with Mål 1 (one activity, Farsta responsible) and an unnumbered group."""
    program = make_program("prog")
    goal = Goal(program_id=program.id, number=1, title="Förebygga våld", position=0)
    group = Goal(program_id=program.id, number=None, title="Implementering", position=1)
    session.add_all([goal, group])
    session.flush()
    activity = editing.create_activity(
        session, goal=goal, program=program, actor=None,
        data=ActivityBase(title="Sprida kampanj", time_frame="Löpande"),
    )
    farsta = make_org("farsta", name="Farsta")
    responsibility.assign(session, activity=activity, organisation=farsta, actor=None)
    session.commit()
    return program, goal, group, activity, farsta


@pytest.fixture
def coordinator(make_user, login):
    return login(make_user(Role.coordinator))


def _events(session, action: str) -> list[AuditEvent]:
    session.expire_all()
    return list(session.exec(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def test_coordinator_adds_a_goal_and_it_is_audited(coordinator, session, programme):
    program, *_ = programme
    response = coordinator.post("/program/prog/mal", data={"number": "2", "title": "Stöd till våldsutsatta"})
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/program/prog#goal-")
    session.expire_all()
    goal = session.exec(select(Goal).where(Goal.program_id == program.id, Goal.number == 2)).one()
    assert goal.title == "Stöd till våldsutsatta" and goal.position == 2
    [event] = _events(session, "goal.created")
    assert event.entity_id == str(goal.id)
    assert event.changes["after"] == {"program": "prog", "number": 2, "title": "Stöd till våldsutsatta"}
    page = coordinator.get("/program/prog").get_data(as_text=True)
    assert "Mål 2 är tillagt." in page and "Mål 2: Stöd till våldsutsatta" in page


def test_a_goal_without_number_can_be_added(coordinator, session, programme):
    assert coordinator.post("/program/prog/mal", data={"number": "", "title": "Uppföljning"}).status_code == 303
    session.expire_all()
    assert session.exec(select(Goal).where(Goal.title == "Uppföljning")).one().number is None


def test_invalid_goal_is_refused_with_messages_beside_the_fields(coordinator, session, programme):
    response = coordinator.post("/program/prog/mal", data={"number": "sju", "title": ""})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="new-goal-number-error"' in page and "Skriv ett heltal från 1 till 99" in page
    assert 'id="new-goal-title-error"' in page and "Fältet måste fyllas i." in page
    assert 'aria-describedby="new-goal-title-error" aria-invalid="true"' in page
    assert 'value="sju"' in page  # what was typed is kept
    assert _events(session, "goal.created") == []


def test_a_goal_number_cannot_be_taken_twice(coordinator, session, programme):
    response = coordinator.post("/program/prog/mal", data={"number": "1", "title": "Dubblett"})
    assert response.status_code == 422
    assert "Mål 1 finns redan i programmet." in response.get_data(as_text=True)
    session.expire_all()
    assert session.exec(select(Goal).where(Goal.title == "Dubblett")).first() is None


def test_coordinator_edits_a_goal_with_before_and_after_in_the_audit(coordinator, session, programme):
    _program, goal, _group, *_ = programme
    response = coordinator.post(f"/program/prog/mal/{goal.id}", data={"number": "3", "title": "Förebygga våld i skolan"})
    assert response.status_code == 303
    session.expire_all()
    goal = session.get(Goal, goal.id)
    assert (goal.number, goal.title) == (3, "Förebygga våld i skolan")
    [event] = _events(session, "goal.updated")
    assert event.changes == {"before": {"number": 1, "title": "Förebygga våld"},
                             "after": {"number": 3, "title": "Förebygga våld i skolan"}}


def test_editing_a_goal_with_errors_reopens_its_form(coordinator, programme):
    _program, goal, *_ = programme
    response = coordinator.post(f"/program/prog/mal/{goal.id}", data={"number": "1", "title": ""})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="goal-{goal.id}-title-error"' in page
    assert '<details class="edit-goal" open>' in page


def test_goal_of_another_programme_is_404(coordinator, session, programme, make_program):
    other = make_program("annat")
    goal = Goal(program_id=other.id, number=1, title="Annat")
    session.add(goal)
    session.commit()
    assert coordinator.post(f"/program/prog/mal/{goal.id}", data={"title": "x"}).status_code == 404
    assert coordinator.get(f"/program/prog/mal/{goal.id}/aktivitet").status_code == 404


def test_coordinator_adds_an_activity_with_parsed_time_frame_and_names(coordinator, session, programme):
    _program, goal, *_ = programme
    assert coordinator.get(f"/program/prog/mal/{goal.id}/aktivitet").status_code == 200
    response = coordinator.post(f"/program/prog/mal/{goal.id}/aktivitet", data={
        "title": "Utbilda förskolornas personal", "description": "Två tillfällen per år.",
        "time_frame": "Höst 2021–vår 2022", "target_groups": "Förskolornas personal, Allmänheten, Allmänheten",
        "partners": "Polisen", "note": "",
    })
    assert response.status_code == 303
    session.expire_all()
    activity = session.exec(select(Activity).where(Activity.title == "Utbilda förskolornas personal")).one()
    assert (activity.starts_on, activity.ends_on, activity.time_frame_parsed) == (
        date(2021, 8, 1), date(2022, 6, 30), True)
    assert activity.goal_id == goal.id and activity.position == 1 and activity.note is None
    assert service.activity_names(session, activity) == (["Allmänheten", "Förskolornas personal"], ["Polisen"])
    [event] = _events(session, "activity.created")[-1:]
    assert event.changes["after"]["target_groups"] == ["Förskolornas personal", "Allmänheten"]
    page = coordinator.get("/program/prog").get_data(as_text=True)
    assert "Aktiviteten är tillagd. Tidsperioden ”Höst 2021–vår 2022” tolkas som 1 augusti 2021 – 30 juni 2022." in page


def test_activity_without_title_or_time_frame_is_422(coordinator, session, programme):
    _program, goal, *_ = programme
    response = coordinator.post(f"/program/prog/mal/{goal.id}/aktivitet",
                                data={"title": " ", "time_frame": "", "target_groups": "x" * 301})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="title-error"' in page and 'id="time_frame-error"' in page and 'id="target_groups-error"' in page
    assert "Aktiviteten sparades inte." in page and "Ett namn får vara högst 300 tecken" in page
    session.expire_all()
    assert len(session.exec(select(Activity)).all()) == 1


def test_editing_an_activity_reparses_its_time_frame_and_audits_it(coordinator, session, programme):
    _program, _goal, _group, activity, _farsta = programme
    page = coordinator.get(f"/program/prog/aktivitet/{activity.id}").get_data(as_text=True)
    assert 'value="Löpande"' in page and "tolkas som 1 januari 2021 – 31 december 2025" in page
    response = coordinator.post(f"/program/prog/aktivitet/{activity.id}", data={
        "title": "Sprida kampanj", "time_frame": "Sommar–höst 2023", "target_groups": "", "partners": "",
    })
    assert response.status_code == 303
    session.expire_all()
    activity = session.get(Activity, activity.id)
    assert (activity.starts_on, activity.ends_on, activity.time_frame_parsed) == (
        date(2023, 6, 1), date(2023, 12, 31), True)
    [event] = _events(session, "activity.updated")
    assert event.changes["before"] == {"time_frame": "Löpande", "starts_on": "2021-01-01", "ends_on": "2025-12-31"}
    assert event.changes["after"] == {"time_frame": "Sommar–höst 2023", "starts_on": "2023-06-01",
                                      "ends_on": "2023-12-31"}


def test_an_unparsable_time_frame_is_saved_and_flagged(coordinator, session, programme):
    _program, _goal, _group, activity, _farsta = programme
    data = {"title": "Sprida kampanj", "time_frame": "När Operation Kvinnofrid genomför kampanj"}
    assert coordinator.post(f"/program/prog/aktivitet/{activity.id}", data=data).status_code == 303
    session.expire_all()
    activity = session.get(Activity, activity.id)
    assert activity.time_frame_parsed is False
    assert (activity.starts_on, activity.ends_on) == (date(2021, 1, 1), date(2025, 12, 31))
    page = coordinator.get("/program/prog").get_data(as_text=True)
    assert "kunde inte tolkas och tolkas som hela programperioden" in page
    assert "Tolkas som hela programperioden" in page  # the activity's own marker
    form = coordinator.get(f"/program/prog/aktivitet/{activity.id}").get_data(as_text=True)
    assert 'class="time-frame-reading unparsed"' in form


def test_editing_target_groups_replaces_the_links_but_keeps_the_names(coordinator, session, programme):
    _program, _goal, _group, activity, _farsta = programme
    editing.link_target_group(session, activity, editing.get_or_create_named(session, TargetGroup, "Allmänheten"))
    session.commit()
    coordinator.post(f"/program/prog/aktivitet/{activity.id}", data={
        "title": "Sprida kampanj", "time_frame": "Löpande", "target_groups": "Stadens chefer",
        "partners": "Polisen, Region Stockholm",
    })
    session.expire_all()
    assert service.activity_names(session, activity) == (["Stadens chefer"], ["Polisen", "Region Stockholm"])
    assert session.exec(select(TargetGroup).where(TargetGroup.name == "Allmänheten")).first() is not None
    assert len(session.exec(select(ActivityTargetGroup)).all()) == 1
    [event] = _events(session, "activity.updated")
    assert event.changes["before"]["target_groups"] == ["Allmänheten"]
    assert event.changes["after"]["target_groups"] == ["Stadens chefer"]


def test_deactivating_an_activity_keeps_commitments_and_reports(coordinator, session, programme, make_period):
    _program, _goal, _group, activity, farsta = programme
    commitment = session.exec(select(Commitment).where(Commitment.activity_id == activity.id)).one()
    period = make_period("2024-T1")
    session.add(StatusReport(commitment_id=commitment.id, period_id=period.id, status=ReportStatus.in_progress,
                             state=ReportState.submitted))
    session.commit()
    response = coordinator.post(f"/program/prog/aktivitet/{activity.id}/avsluta")
    assert response.status_code == 303 and response.headers["Location"].endswith("#deactivated")
    session.expire_all()
    assert session.get(Activity, activity.id).active is False
    assert session.get(Commitment, commitment.id) is not None
    assert len(session.exec(select(StatusReport)).all()) == 1
    assert [e.changes for e in _events(session, "activity.deactivated")] == [
        {"before": {"active": True}, "after": {"active": False}}]
    page = coordinator.get("/program/prog").get_data(as_text=True)
    assert 'class="activity"' not in page
    assert "Avslutade aktiviteter" in page and "Återaktivera<span" in page
    assert coordinator.post(f"/program/prog/aktivitet/{activity.id}/ateraktivera").status_code == 303
    session.expire_all()
    assert session.get(Activity, activity.id).active is True
    assert len(_events(session, "activity.reactivated")) == 1


def test_activity_of_another_programme_is_404(coordinator, programme, make_program):
    make_program("annat")
    _program, _goal, _group, activity, _farsta = programme
    assert coordinator.get(f"/program/annat/aktivitet/{activity.id}").status_code == 404
    assert coordinator.post(f"/program/annat/aktivitet/{activity.id}/avsluta").status_code == 404


def test_coordinator_sees_edit_controls_with_csrf_tokens(coordinator, programme):
    _program, goal, _group, activity, _farsta = programme
    page = coordinator.get("/program/prog").get_data(as_text=True)
    assert 'action="/program/prog/mal"' in page
    assert f'action="/program/prog/mal/{goal.id}"' in page
    assert f'href="/program/prog/aktivitet/{activity.id}"' in page
    assert f'id="responsible-{activity.id}" hx-target="this" hx-swap="outerHTML"' in page
    assert "css/programs.css" in page
    forms = page.count("<form")
    assert forms == page.count('name="csrf_token"') and forms > 4


def _post_urls(goal_id: int, activity_id: int) -> list[str]:
    return [
        "/program/prog/mal", f"/program/prog/mal/{goal_id}", f"/program/prog/mal/{goal_id}/aktivitet",
        f"/program/prog/aktivitet/{activity_id}", f"/program/prog/aktivitet/{activity_id}/avsluta",
        f"/program/prog/aktivitet/{activity_id}/ateraktivera", f"/program/prog/aktivitet/{activity_id}/ansvariga",
        f"/program/prog/aktivitet/{activity_id}/ansvariga/farsta/ta-bort",
    ]


@pytest.mark.parametrize("role", [Role.reader, Role.contact, Role.admin])
def test_others_see_no_edit_controls_and_every_change_is_refused(role, session, programme, make_user, login):
    _program, goal, _group, activity, farsta = programme
    client = login(make_user(role, orgs=[farsta] if role == Role.contact else []))
    page = client.get("/program/prog").get_data(as_text=True)
    assert "Sprida kampanj" in page
    for marker in ("/program/prog/mal", "/aktivitet/", "/ansvariga", "Ändra aktiviteten", "Lägg till mål",
                   "hx-post", "programs.css"):
        assert marker not in page, marker
    assert page.count("<form") == 1  # only the logout form
    for url in _post_urls(goal.id, activity.id):
        assert client.post(url, data={"title": "Hack", "time_frame": "2022", "organisation": "farsta",
                                      "confirm": "1"}).status_code == 403, url
    for url in (f"/program/prog/mal/{goal.id}/aktivitet", f"/program/prog/aktivitet/{activity.id}"):
        assert client.get(url).status_code == 403, url
    session.expire_all()
    assert len(session.exec(select(Goal)).all()) == 2
    assert session.get(Activity, activity.id).title == "Sprida kampanj"
    assert session.exec(select(Commitment)).one().active is True
    assert _events(session, "goal.created") == [] and _events(session, "commitment.deactivated") == []


def test_a_goal_number_taken_at_the_same_moment_is_a_program_error(session, programme, monkeypatch):
    program, _goal, *_ = programme
    monkeypatch.setattr(editing, "_check_goal_number", lambda *args, **kwargs: None)  # lose the race
    with pytest.raises(editing.ProgramError, match="Mål 1 finns redan") as caught:
        editing.add_goal(session, program=program, data=GoalCreate(number=1, title="Samtidigt"), actor=None)
    assert caught.value.field == "number"
    session.rollback()
