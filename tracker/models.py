"""Import every area's models so that SQLModel.metadata knows all tables."""
# ruff: noqa: F401  (imported for their tables, not their names)
from sqlmodel import SQLModel

import tracker.accounts.models
import tracker.archive.models
import tracker.audit.models
import tracker.audit.service  # registers the append-only guard
import tracker.effect_goals.models
import tracker.followup.freshness  # the data version, and the hooks that move it on
import tracker.funds.models
import tracker.notifications.models
import tracker.organisations.models
import tracker.periods.models
import tracker.programs.models
import tracker.reporting.models
import tracker.scheduler.models
import tracker.seeding.models

metadata = SQLModel.metadata
