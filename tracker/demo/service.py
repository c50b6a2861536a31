"""Synthetic data for demos and benchmarks: organisations, activities, history.

Demo organisations and the demo programme are marked by the slug prefix
"demo-" so that they are never mistaken for the real programme.
"""
from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import insert
from sqlmodel import Session, select

from tracker import clock
from tracker.accounts import service as accounts
from tracker.accounts.models import Role, User, UserCreate
from tracker.organisations.models import Organisation, OrgKind
from tracker.periods.models import ReportingPeriod
from tracker.periods.service import Deadline, build_period
from tracker.programs.models import Activity, Commitment, Goal, Program, ProgramKind
from tracker.programs.timeframe import parse_time_frame
from tracker.reporting.models import ReportState, ReportStatus, StatusReport, StatusReportVersion

BATCH = 2000
DEMO_PASSWORD = "demo-lösenord-2021"  # development only; printed by `make run`


class DemoDataExists(Exception):
    pass


@dataclass(frozen=True)
class Scale:
    name: str
    organisations: int
    activities: int
    commitments_per_activity: int
    periods: int

    @property
    def steps(self) -> int:
        return 3 + self.periods


SCALES = {
    "small": Scale("small", organisations=20, activities=60, commitments_per_activity=10, periods=6),
    "large": Scale("large", organisations=300, activities=1000, commitments_per_activity=20, periods=15),
}


@dataclass
class DemoResult:
    organisations: int
    activities: int
    commitments: int
    reports: int
    periods: int


TIME_FRAMES = ["Löpande", "2023", "Höst 2023", "Vår 2024", "Höst 2023–vår 2024", "2025",
               "Löpande under programperioden", "När behov uppstår"]
COMMENTS = [
    "Arbetet fortsätter enligt plan. Samverkan med förskolor och skolor i stadsdelen.",
    "Utbildning genomförd för medarbetare inom ekonomiskt bistånd; fler tillfällen planeras.",
    "Förseningar på grund av vakanser i relationsvåldsteamet. Rekrytering pågår.",
    "Rutinen är beslutad och har implementerats i samtliga berörda enheter.",
    "Aktiviteten utgår då motsvarande arbete görs inom ett stadsövergripande projekt.",
]
STATUS_WEIGHTS = [
    (ReportStatus.not_started, 8), (ReportStatus.in_progress, 55), (ReportStatus.deviation, 12),
    (ReportStatus.done, 20), (ReportStatus.cancelled, 5),
]


def generate(
    session: Session, *, size: Scale, today: date, progress: Callable[[int], None] = lambda n: None
) -> DemoResult:
    """Create a demo programme of the given size; refuse if it exists."""
    slug = f"demo-{size.name}"
    if session.exec(select(Program).where(Program.slug == slug)).first():
        raise DemoDataExists(f"Demodata ({size.name}) finns redan; inget ändrades.")
    rng = random.Random(2021)
    periods = _ensure_periods(session, today, size.periods)
    program = Program(
        slug=slug, name=f"Demoprogram ({size.name})", short_name=f"Demo {size.name}",
        kind=ProgramKind.programme, start_year=periods[0].year, end_year=periods[-1].year + 1,
        note="Syntetiska data för demonstration och prestandamätning.",
    )
    session.add(program)
    session.flush()
    org_ids = _insert_organisations(session, size)
    progress(1)
    activity_ids = _insert_activities(session, program, size, rng)
    progress(1)
    commitment_ids = _insert_commitments(session, activity_ids, org_ids, size, rng)
    progress(1)
    reports = 0
    for index, period in enumerate(periods):
        reports += _insert_reports(session, period, commitment_ids, rng, latest=index == len(periods) - 1)
        progress(1)
    return DemoResult(len(org_ids), len(activity_ids), len(commitment_ids), reports, len(periods))


def _ensure_periods(session: Session, today: date, count: int) -> list[ReportingPeriod]:
    """The `count` tertials up to and including the one containing today."""
    year, number = today.year, (today.month - 1) // 4 + 1
    codes = []
    for _ in range(count):
        codes.append((year, number))
        year, number = (year - 1, 3) if number == 1 else (year, number - 1)
    codes.reverse()
    existing = {(p.year, p.number): p for p in session.exec(select(ReportingPeriod))}
    deadlines = {1: Deadline(5, 15), 2: Deadline(9, 15), 3: Deadline(1, 31, True)}
    out = []
    for year, number in codes:
        period = existing.get((year, number))
        if period is None:
            period = build_period(year, number, deadlines[number], today)
            session.add(period)
        out.append(period)
    session.flush()
    return out


def _insert_organisations(session: Session, size: Scale) -> list[int]:
    kinds = [OrgKind.district, OrgKind.committee, OrgKind.company]
    rows = [
        {"slug": f"demo-org-{i:03d}", "name": f"Demo-organisation {i:03d}",
         "short_name": f"Demo {i:03d}", "kind": kinds[i % 3], "active": True}
        for i in range(1, size.organisations + 1)
    ]
    return list(session.scalars(insert(Organisation).returning(Organisation.id, sort_by_parameter_order=True), rows))


def _insert_activities(session: Session, program: Program, size: Scale, rng: random.Random) -> list[int]:
    goals = []
    for number in range(1, 7):
        goal = Goal(program_id=program.id, number=number, title=f"Demomål {number}", position=number)
        session.add(goal)
        goals.append(goal)
    session.flush()
    start, end = date(program.start_year, 1, 1), date(program.end_year, 12, 31)
    rows = []
    for i in range(1, size.activities + 1):
        text = rng.choice(TIME_FRAMES)
        frame = parse_time_frame(text, period_start=start, period_end=end)
        rows.append({
            "goal_id": goals[i % 6].id, "position": i, "title": f"Demoaktivitet {i}: sprida kunskap om våld",
            "time_frame": text, "starts_on": frame.starts_on, "ends_on": frame.ends_on,
            "time_frame_parsed": frame.parsed, "active": True,
        })
    return _insert_returning(session, Activity, rows)


def _insert_commitments(session, activity_ids, org_ids, size: Scale, rng: random.Random) -> list[int]:
    per = min(size.commitments_per_activity, len(org_ids))
    rows = [
        {"activity_id": activity_id, "organisation_id": org_id, "active": True,
         "created_at": clock.utcnow()}
        for activity_id in activity_ids for org_id in rng.sample(org_ids, per)
    ]
    return _insert_returning(session, Commitment, rows)


def _insert_reports(session, period: ReportingPeriod, commitment_ids, rng: random.Random, *, latest: bool) -> int:
    statuses, weights = zip(*STATUS_WEIGHTS, strict=True)
    saved = min(datetime.combine(min(period.deadline, period.ends_on + timedelta(days=20)), time(10), UTC),
                clock.utcnow())  # the open tertial's reports were saved before now
    rows = []
    for commitment_id in commitment_ids:
        if rng.random() < (0.3 if latest else 0.08):
            continue  # not reported
        status = rng.choices(statuses, weights)[0]
        support = rng.random() < 0.1
        state = ReportState.draft if latest and rng.random() < 0.4 else ReportState.submitted
        rows.append({
            "commitment_id": commitment_id, "period_id": period.id, "status": status,
            "comment": rng.choice(COMMENTS), "next_steps": "Fortsätta enligt plan.",
            "support_needed": support, "support_text": "Behov av utbildningsstöd." if support else None,
            "state": state, "version": 1, "updated_at": saved,
            "submitted_at": saved if state == ReportState.submitted else None,
        })
    ids = _insert_returning(session, StatusReport, rows)
    versions = [
        {k: row[k] for k in ("status", "comment", "next_steps", "support_needed", "support_text", "state", "version")}
        | {"report_id": report_id, "saved_at": saved}
        for report_id, row in zip(ids, rows, strict=True)
    ]
    for start in range(0, len(versions), BATCH):
        session.execute(insert(StatusReportVersion), versions[start:start + BATCH])
    return len(rows)


def _insert_returning(session: Session, model, rows: list[dict]) -> list[int]:
    ids: list[int] = []
    for start in range(0, len(rows), BATCH):
        ids.extend(session.scalars(
            insert(model).returning(model.id, sort_by_parameter_order=True), rows[start:start + BATCH]
        ))
    return ids


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str
    password: str


# The demo contacts report for demo organisations (created by `demo-data`), so
# that reporting can be tried in the demo programme's open tertial.
DEMO_USERS = [
    ("admin@demo.tracker", "Ada Administratör", Role.admin, ()),
    ("samordnare@demo.tracker", "Sam Samordnare", Role.coordinator, ()),
    ("kontakt@demo.tracker", "Kim Kontakt", Role.contact, ("demo-org-001",)),
    ("kontakt2@demo.tracker", "Kit Kontakt (två stadsdelar)", Role.contact, ("demo-org-003", "demo-org-006")),
    ("lasare@demo.tracker", "Lo Läsare", Role.reader, ()),
]


def ensure_demo_users(session: Session) -> list[DemoLogin]:
    """Create the demo accounts that are missing; return every demo login.

    Needs the demo organisations: run `generate` (`tracker demo-data`) first.
    """
    logins = []
    for email, name, role, orgs in DEMO_USERS:
        if session.exec(select(User).where(User.email == email)).first() is None:
            data = UserCreate(email=email, name=name, role=role, password=DEMO_PASSWORD)
            accounts.create_user(session, data=data, org_slugs=list(orgs))
        logins.append(DemoLogin(role.value, email, DEMO_PASSWORD))
    return logins
