"""Import every area's models so that SQLModel.metadata knows all tables."""
from sqlmodel import SQLModel

import tracker.audit.service  # noqa: F401,E402  (registers the append-only guard)
from tracker.accounts.models import User, UserOrganisation  # noqa: F401
from tracker.archive.models import ArchivedDocument, GenerationJob  # noqa: F401
from tracker.audit.models import AuditEvent  # noqa: F401
from tracker.effect_goals.models import (  # noqa: F401
    EffectGoal,
    EffectGoalOrganisation,
    Measurement,
    MeasurementVersion,
)
from tracker.notifications.models import Notification  # noqa: F401
from tracker.organisations.models import Organisation  # noqa: F401
from tracker.periods.models import PeriodReopening, ReportingPeriod  # noqa: F401
from tracker.programs.models import (  # noqa: F401
    Activity,
    ActivityPartner,
    ActivityTargetGroup,
    Commitment,
    Goal,
    Partner,
    Program,
    TargetGroup,
)
from tracker.reporting.models import StatusReport, StatusReportVersion  # noqa: F401
from tracker.scheduler.models import JobRun  # noqa: F401
from tracker.seeding.models import SeedRecord  # noqa: F401

metadata = SQLModel.metadata
