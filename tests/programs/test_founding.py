"""Coordinators found a programme: empty, or continuing an earlier one with the goals and activities chosen."""
from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import func, select

from tests.conftest import html_part
from tracker.accounts.models import Role
from tracker.audit.models import AuditEvent
from tracker.programs import editing, responsibility, service
from tracker.programs.editing import ProgramError
from tracker.programs.founding import ProgramCreate, copied_time_frame, derive_slug, found_program
from tracker.programs.models import (
    ActivityBase,
    ActivityCreate,
    Commitment,
    Goal,
    Program,
)
from tracker.reporting.models import ReportState, ReportStatus, StatusReport


@pytest.fixture
def origin(session, make_program, make_org, make_period):
    """A 2021–2025 programme: Mål 1 with three activities, Mål 2 with one, a deactivated one; reports on Farsta's."""
    program = make_program("gammalt")
    goal1 = Goal(program_id=program.id, number=1, title="Förebygga våld", position=0)
    goal2 = Goal(program_id=program.id, number=2, title="Stöd till våldsutsatta", position=1)
    session.add_all([goal1, goal2])
    session.flush()
    farsta, bromma, closed = make_org("farsta", name="Farsta"), make_org("bromma", name="Bromma"), make_org("nedlagd")
    closed.active = False
    campaign = editing.add_activity(session, goal=goal1, program=program, actor=None, data=ActivityCreate(
        title="Sprida kampanj", time_frame="Löpande", note="Tolkad från Bilaga 1.",
        target_groups=["Allmänheten"], partners=["Polisen", "Region Stockholm"]))
    autumn = editing.create_activity(session, goal=goal1, program=program, actor=None,
                                     data=ActivityBase(title="Utbilda personal", time_frame="Höst 2021"))
    operation = editing.create_activity(session, goal=goal1, program=program, actor=None, data=ActivityBase(
        title="Delta i kampanjen", time_frame="När Operation Kvinnofrid genomför kampanj"))
    support = editing.create_activity(session, goal=goal2, program=program, actor=None,
                                      data=ActivityBase(title="Stödsamtal", time_frame="2026"))
    dropped = editing.create_activity(session, goal=goal2, program=program, actor=None,
                                      data=ActivityBase(title="Utgången aktivitet", time_frame="Löpande"))
    for org in (farsta, bromma, closed):
        responsibility.assign(session, activity=campaign, organisation=org, actor=None)
    unassigned = responsibility.assign(session, activity=support, organisation=bromma, actor=None)
    responsibility.deactivate_commitment(session, commitment=unassigned, actor=None)
    responsibility.assign(session, activity=support, organisation=farsta, actor=None)
    editing.deactivate_activity(session, activity=dropped, actor=None)
    farsta_campaign = session.exec(select(Commitment).where(Commitment.activity_id == campaign.id,
                                                            Commitment.organisation_id == farsta.id)).one()
    session.add(StatusReport(commitment_id=farsta_campaign.id, period_id=make_period("2024-T1").id,
                             status=ReportStatus.in_progress, state=ReportState.submitted, comment="Pågår."))
    session.commit()
    return {"program": program, "goals": [goal1, goal2], "campaign": campaign, "autumn": autumn,
            "operation": operation, "support": support, "dropped": dropped, "orgs": (farsta, bromma, closed)}


def _data(**fields) -> ProgramCreate:
    values = {"slug": "nytt", "name": "Program mot våld 2026–2030", "short_name": "Program 2026–2030",
              "kind": "programme", "start_year": 2026, "end_year": 2030, **fields}
    return ProgramCreate.model_validate(values)


def _events(session, action: str) -> list[AuditEvent]:
    session.expire_all()
    return list(session.exec(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def _goal_activities(session, program: Program) -> dict:
    return {(gv.goal.number, gv.goal.title): [av for av in gv.activities]
            for gv in service.program_tree(session, program)}


def _everything(origin) -> dict:
    activities = [origin[k].id for k in ("campaign", "autumn", "operation", "support")]
    return {"goal_ids": [g.id for g in origin["goals"]], "activity_ids": activities}


# The service

def test_slug_is_derived_from_the_name():
    assert derive_slug("Program mot våld i nära relation 2026–2030") == "program-mot-vald-i-nara-relation-2026-2030"
    assert derive_slug("Bryt upp – fas två!") == "bryt-upp-fas-tva"
    assert derive_slug("€€€") == ""
    assert len(derive_slug("å" * 200)) == 80


def test_an_empty_programme_is_created_and_audited(session):
    founded = found_program(session, data=_data(reference="Dnr 1", note="Antaget 2025."), actor=None)
    session.commit()
    program = session.exec(select(Program).where(Program.slug == "nytt")).one()
    assert (program.start_year, program.end_year, program.origin_id) == (2026, 2030, None)
    assert founded.goals == founded.activities == founded.commitments == 0
    [event] = _events(session, "program.created")
    assert event.entity_id == str(program.id)
    assert event.changes["after"] == {"slug": "nytt", "name": "Program mot våld 2026–2030",
                                      "short_name": "Program 2026–2030", "kind": "programme", "start_year": 2026,
                                      "end_year": 2030, "reference": "Dnr 1", "note": "Antaget 2025.",
                                      "origin": None}


def test_years_out_of_order_are_refused_by_the_input_model():
    with pytest.raises(ValueError, match="end_year before start_year"):
        _data(start_year=2030, end_year=2026)
    with pytest.raises(ValueError):
        _data(start_year=1999)


@pytest.mark.parametrize("slug", ["gammalt", "ny"])
def test_a_taken_or_reserved_slug_is_refused_beside_the_slug(session, origin, slug):
    with pytest.raises(ProgramError) as refused:
        found_program(session, data=_data(slug=slug), actor=None)
    assert refused.value.field == "slug" and f"”{slug}”" in str(refused.value)


def test_a_copy_takes_the_chosen_goals_and_activities_and_links_their_origins(session, origin):
    campaign, support = origin["campaign"], origin["support"]
    founded = found_program(session, data=_data(), actor=None, origin=origin["program"],
                            goal_ids=[g.id for g in origin["goals"]], activity_ids=[campaign.id, support.id])
    session.commit()
    program = founded.program
    assert program.origin_id == origin["program"].id
    tree = _goal_activities(session, program)
    assert list(tree) == [(1, "Förebygga våld"), (2, "Stöd till våldsutsatta")]
    copied_campaign, = tree[(1, "Förebygga våld")]
    copied_support, = tree[(2, "Stöd till våldsutsatta")]
    assert copied_campaign.activity.origin_id == campaign.id and copied_support.activity.origin_id == support.id
    assert copied_campaign.activity.note == "Tolkad från Bilaga 1."
    assert copied_campaign.target_groups == ["Allmänheten"]
    assert copied_campaign.partners == ["Polisen", "Region Stockholm"]
    goals = session.exec(select(Goal).where(Goal.program_id == program.id).order_by(Goal.position)).all()
    assert [g.origin_id for g in goals] == [g.id for g in origin["goals"]]
    assert (founded.goals, founded.activities, founded.commitments) == (2, 2, 0)
    assert copied_campaign.organisations == [] and copied_support.organisations == []
    # The origin is untouched.
    assert len(_goal_activities(session, origin["program"])[(1, "Förebygga våld")]) == 3


def test_an_unchosen_goal_stays_and_a_goal_may_come_without_activities(session, origin):
    founded = found_program(session, data=_data(), actor=None, origin=origin["program"],
                            goal_ids=[origin["goals"][1].id])
    assert _goal_activities(session, founded.program) == {(2, "Stöd till våldsutsatta"): []}


def test_a_copy_with_nothing_chosen_is_an_empty_programme_that_continues_the_origin(session, origin):
    founded = found_program(session, data=_data(), actor=None, origin=origin["program"])
    assert founded.program.origin_id == origin["program"].id and _goal_activities(session, founded.program) == {}


def test_responsible_come_along_for_active_organisations_only_and_without_reports(session, origin):
    farsta, bromma, _closed = origin["orgs"]
    founded = found_program(session, data=_data(), actor=None, origin=origin["program"],
                            with_responsible=True, **_everything(origin))
    session.commit()
    tree = _goal_activities(session, founded.program)
    by_title = {av.activity.title: [o.slug for o in av.organisations] for avs in tree.values() for av in avs}
    # The inactive organisation and Bromma's ended commitment stay behind.
    assert by_title == {"Sprida kampanj": ["bromma", "farsta"], "Utbilda personal": [], "Delta i kampanjen": [],
                        "Stödsamtal": ["farsta"]}
    assert founded.commitments == 3
    new_ids = [c.id for c in session.exec(select(Commitment).where(
        Commitment.activity_id.in_([av.activity.id for avs in tree.values() for av in avs])))]
    assert len(new_ids) == 3
    assert session.exec(select(func.count(StatusReport.id)).where(StatusReport.commitment_id.in_(new_ids))).one() == 0
    assert session.exec(select(func.count(StatusReport.id))).one() == 1  # the origin's report is still there
    assigned = _events(session, "commitment.assigned")
    assert {e.entity_id for e in assigned} >= {str(i) for i in new_ids}


def test_copied_time_frames_are_read_against_the_new_years(session, origin):
    founded = found_program(session, data=_data(), actor=None, origin=origin["program"], **_everything(origin))
    session.commit()
    rows = {av.activity.title: av.activity for avs in _goal_activities(session, founded.program).values()
            for av in avs}
    whole = (date(2026, 1, 1), date(2030, 12, 31))
    ongoing, autumn, operation, support = (rows[t] for t in ("Sprida kampanj", "Utbilda personal",
                                                             "Delta i kampanjen", "Stödsamtal"))
    assert (ongoing.starts_on, ongoing.ends_on, ongoing.time_frame_parsed) == (*whole, True)
    assert (support.starts_on, support.ends_on, support.time_frame_parsed) == (date(2026, 1, 1), date(2026, 12, 31),
                                                                               True)
    # Outside the new years: the text is kept, the dates are the whole period, and the note says why.
    assert autumn.time_frame == "Höst 2021"
    assert (autumn.starts_on, autumn.ends_on, autumn.time_frame_parsed) == (*whole, False)
    assert autumn.note == ("Kopierad från gammalt: tidsperioden ”Höst 2021” ligger utanför programmets år "
                           "2026–2030 och tolkas som hela programperioden tills den ändras.")
    # Text that never read as dates is read as any activity's: no note.
    assert (operation.starts_on, operation.ends_on, operation.time_frame_parsed, operation.note) == (*whole, False,
                                                                                                     None)
    assert founded.outside_period == [autumn]


def test_a_time_frame_overlapping_the_new_years_is_not_clipped(make_program):
    program = make_program("ny-period", start_year=2026, end_year=2030)
    assert copied_time_frame(program, "2025–2027").outside
    assert copied_time_frame(program, "Vår 2026–höst 2030").frame.parsed
    assert not copied_time_frame(program, "Vår 2026–höst 2030").outside


def test_an_outside_note_is_added_after_the_activitys_own_note(session, origin):
    autumn = origin["autumn"]
    autumn.note = "Egen kommentar."
    session.add(autumn)
    founded = found_program(session, data=_data(), actor=None, origin=origin["program"],
                            goal_ids=[origin["goals"][0].id], activity_ids=[autumn.id])
    [copy] = founded.outside_period
    assert copy.note.startswith("Egen kommentar.\n\nKopierad från gammalt: tidsperioden ”Höst 2021”")


def test_an_activity_without_its_goal_is_refused(session, origin):
    with pytest.raises(ProgramError) as refused:
        found_program(session, data=_data(), actor=None, origin=origin["program"],
                      goal_ids=[origin["goals"][1].id], activity_ids=[origin["campaign"].id])
    assert refused.value.field == "goals" and "Mål 1" in str(refused.value)


@pytest.mark.parametrize("what", ["deactivated", "foreign goal"])
def test_ids_the_origin_does_not_offer_are_refused(session, origin, make_activity, what):
    goal_ids, activity_ids = [origin["goals"][1].id], []
    if what == "deactivated":
        activity_ids = [origin["dropped"].id]
    else:
        goal_ids.append(make_activity(title="Annat").goal_id)
    with pytest.raises(ProgramError) as refused:
        found_program(session, data=_data(), actor=None, origin=origin["program"], goal_ids=goal_ids,
                      activity_ids=activity_ids)
    assert refused.value.field == "goals"


def test_the_copy_is_audited_per_object_and_in_one_summary(session, origin):
    founded = found_program(session, data=_data(), actor=None, origin=origin["program"], with_responsible=True,
                            **_everything(origin))
    session.commit()
    [created] = _events(session, "program.created")
    assert created.changes["after"]["origin"] == "gammalt"
    assert created.changes["after"]["copied"] == {"goals": 2, "activities": 4, "commitments": 3,
                                                  "with_responsible": True}
    goals = _events(session, "goal.copied")
    assert [e.changes["after"]["origin_id"] for e in goals] == [g.id for g in origin["goals"]]
    activities = {e.changes["after"]["title"]: e.changes["after"] for e in _events(session, "activity.copied")}
    assert set(activities) == {"Sprida kampanj", "Utbilda personal", "Delta i kampanjen", "Stödsamtal"}
    assert activities["Sprida kampanj"]["partners"] == ["Polisen", "Region Stockholm"]
    assert activities["Sprida kampanj"]["origin_id"] == origin["campaign"].id
    assert activities["Utbilda personal"]["outside_period"] is True
    assert activities["Utbilda personal"]["starts_on"] == "2026-01-01"
    assert founded.program.id is not None


# The pages

FORM = {"name": "Program mot våld i nära relation 2026–2030", "short_name": "Program mot våld 2026–2030",
        "kind": "programme", "start_year": "2026", "end_year": "2030", "slug": "", "reference": "Dnr 9",
        "note": ""}


@pytest.fixture
def coordinator(make_user, login):
    return login(make_user(Role.coordinator))


def test_coordinator_creates_an_empty_programme(coordinator, session, origin):
    assert coordinator.get("/program/ny").status_code == 200
    response = coordinator.post("/program/ny", data=FORM)
    assert response.status_code == 303
    assert response.headers["Location"] == "/program/program-mot-vald-i-nara-relation-2026-2030"
    page = coordinator.get(response.headers["Location"]).get_data(as_text=True)
    assert "Programmet ”Program mot våld 2026–2030” är skapat." in page
    assert "Fortsätter från" not in page
    session.expire_all()
    program = service.get_program(session, "program-mot-vald-i-nara-relation-2026-2030")
    assert (program.reference, program.note, program.origin_id) == ("Dnr 9", None, None)
    assert len(_events(session, "program.created")) == 1


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"start_year": "1999"}, "start_year", "Skriv ett årtal från 2000 till 2100."),
    ({"end_year": "2101"}, "end_year", "Skriv ett årtal från 2000 till 2100."),
    ({"end_year": "tjugo"}, "end_year", "Skriv ett årtal från 2000 till 2100."),
    ({"start_year": "2030", "end_year": "2026"}, "end_year", "Slutåret kan inte vara före startåret."),
    ({"name": ""}, "name", "Fältet måste fyllas i."),
    ({"slug": "Stora Bokstäver"}, "slug", "Använd bara små bokstäver a–z"),
    ({"slug": "gammalt"}, "slug", "Adressen ”gammalt” används redan av ett annat program."),
    ({"name": "Program gammalt", "slug": ""}, "slug", "Adressen ”program-gammalt” används redan"),
    ({"name": "€€€"}, "slug", "Namnet ger ingen adress."),
    ({"kind": "kommitté"}, "kind", "Välj program eller budgetuppdrag."),
])
def test_invalid_programme_is_refused_with_messages_beside_the_fields(coordinator, session, origin, make_program,
                                                                      changes, field, message):
    make_program("program-gammalt")
    session.commit()
    response = coordinator.post("/program/ny", data={**FORM, **changes})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    error = html_part(page, rf'<p class="error" id="{field}-error">[^<]*</p>', f"the error beside {field}")
    assert message in error
    assert f'aria-describedby="{field}-hint {field}-error" aria-invalid="true"' in page or \
        f'aria-describedby="{field}-error" aria-invalid="true"' in page
    assert "Programmet skapades inte." in page
    session.expire_all()
    assert session.exec(select(func.count(Program.id))).one() == 2  # nothing was created


def test_the_copy_page_offers_every_goal_and_activity_ticked(coordinator, origin):
    response = coordinator.get("/program/gammalt/kopiera")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for goal in origin["goals"]:
        assert f'name="goal" value="{goal.id}" id="copy-goal-{goal.id}" checked' in page
    for key in ("campaign", "autumn", "operation", "support"):
        assert f'name="activity" value="{origin[key].id}" id="copy-activity-{origin[key].id}" checked' in page
    assert f'value="{origin["dropped"].id}"' not in page  # a deactivated activity is not offered
    assert 'value="2026"' in page and 'value="2030"' in page  # the years after the origin's, as long
    assert " checked " in html_part(page, r'<input[^>]*id="with_responsible"[^>]*>', "the checkbox") + " "
    assert "3 ansvariga" in page  # Farsta, Bromma and the inactive one are responsible for the campaign today


def test_coordinator_copies_a_programme_and_it_says_where_it_continues_from(coordinator, session, origin):
    chosen = {"goal": [str(origin["goals"][0].id)], "activity": [str(origin["campaign"].id),
                                                                  str(origin["autumn"].id)]}
    response = coordinator.post("/program/gammalt/kopiera",
                                data={**FORM, "slug": "fortsattning", "with_responsible": "y", **chosen})
    assert response.status_code == 303 and response.headers["Location"] == "/program/fortsattning"
    page = coordinator.get("/program/fortsattning").get_data(as_text=True)
    assert ("är skapat och fortsätter från gammalt: 1 mål, 2 aktiviteter och 2 åtaganden följde med, "
            "utan rapporter.") in page
    assert "1 aktivitet har en tidsperiod utanför programmets år" in page
    continues = html_part(page, r'<p class="continues-from">.*?</p>', "the origin line")
    assert 'Fortsätter från <a href="/program/gammalt">Program gammalt</a>' in continues
    session.expire_all()
    program = service.get_program(session, "fortsattning")
    assert program.origin_id == origin["program"].id


def test_a_copy_without_responsible_has_no_commitments(coordinator, session, origin):
    chosen = {"goal": [str(origin["goals"][0].id)], "activity": [str(origin["campaign"].id)]}
    assert coordinator.post("/program/gammalt/kopiera", data={**FORM, "slug": "utan", **chosen}).status_code == 303
    session.expire_all()
    [(goal_key, [copied])] = _goal_activities(session, service.get_program(session, "utan")).items()
    assert copied.activity.origin_id == origin["campaign"].id and copied.organisations == []


def test_copy_refuses_an_activity_without_its_goal_beside_the_tree(coordinator, session, origin):
    response = coordinator.post("/program/gammalt/kopiera", data={
        **FORM, "slug": "trasig", "goal": [str(origin["goals"][1].id)], "activity": [str(origin["campaign"].id)]})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    error = html_part(page, r'<p class="error" id="copy-tree-error">[^<]*</p>', "the error beside the tree")
    assert "Aktiviteter är valda under Mål 1 men inte målet." in error
    assert 'aria-describedby="copy-tree-hint copy-tree-error"' in page
    # What was ticked stays ticked.
    assert f'value="{origin["campaign"].id}" id="copy-activity-{origin["campaign"].id}" checked' in page
    assert f'value="{origin["autumn"].id}" id="copy-activity-{origin["autumn"].id}">' in page
    session.expire_all()
    assert service.get_program(session, "trasig") is None


def test_a_tampered_choice_is_a_bad_request(coordinator, origin):
    response = coordinator.post("/program/gammalt/kopiera", data={**FORM, "goal": ["ett"]})
    assert response.status_code == 400


@pytest.mark.parametrize("role", [Role.reader, Role.contact, Role.admin])
def test_others_are_refused_and_see_no_links(session, origin, make_user, login, role):
    client = login(make_user(role, orgs=[origin["orgs"][0]] if role == Role.contact else []))
    for url in ("/program/ny", "/program/gammalt/kopiera"):
        assert client.get(url).status_code == 403
        assert client.post(url, data={**FORM, "slug": "inte"}).status_code == 403
    page = client.get("/program/gammalt").get_data(as_text=True)
    assert "/program/ny" not in page and "/kopiera" not in page
    session.expire_all()
    assert service.get_program(session, "inte") is None


def test_coordinator_sees_the_links_on_the_programme_page(coordinator, origin):
    page = coordinator.get("/program/gammalt").get_data(as_text=True)
    assert 'href="/program/gammalt/kopiera"' in page and 'href="/program/ny"' in page
