"""The scheduled jobs: what each does, when it runs, and the function that does it.

Every job function has one contract, `func(session, *, now, config) -> str`:
`now` is UTC, "today" is Stockholm's date, the function commits its own work,
is idempotent (running twice does nothing twice), and returns a one-line summary
in Swedish that the jobs page shows as the last result.
"""
from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask_babel import gettext as _

from tracker.clock import STOCKHOLM
from tracker.i18n import N_

TIMEZONE = STOCKHOLM
MONTHS = (N_("januari"), N_("februari"), N_("mars"), N_("april"), N_("maj"), N_("juni"), N_("juli"),
          N_("augusti"), N_("september"), N_("oktober"), N_("november"), N_("december"))


@dataclass(frozen=True)
class JobSpec:
    id: str
    func: str  # "module:function", with the contract above
    name: str  # N_(): translated where shown
    description: str  # N_()
    trigger: Callable[[Mapping[str, Any]], BaseTrigger]  # built from the app config
    schedule: Callable[[Mapping[str, Any]], str]  # the schedule in words, in the user's language
    run_at_start: bool = False  # also run whenever the scheduler starts (jobs that look at today's state)

    def function(self) -> Callable[..., str]:
        module, name = self.func.split(":")
        return getattr(importlib.import_module(module), name)


def _daily(hour: int, minute: int) -> tuple[Callable, Callable]:
    return (lambda _config: CronTrigger(hour=hour, minute=minute, timezone=TIMEZONE),
            lambda _config: _("Varje dag kl. %(time)s", time=f"{hour:02d}.{minute:02d}"))


def _effect_goal_trigger(config: Mapping[str, Any]) -> BaseTrigger:
    month, day = config["EFFECT_GOAL_REMINDER"]
    return CronTrigger(month=month, day=day, hour=8, minute=0, timezone=TIMEZONE)


def _effect_goal_schedule(config: Mapping[str, Any]) -> str:
    month, day = config["EFFECT_GOAL_REMINDER"]
    return _("Den %(day)s %(month)s varje år kl. 08.00", day=day, month=_(MONTHS[month - 1]))


JOBS: tuple[JobSpec, ...] = (
    JobSpec("deliver_notifications", "tracker.notifications.jobs:deliver_notifications",
            N_("Skicka e-postaviseringar"),
            N_("Skickar väntande e-post och försöker igen med dem som misslyckades."),
            lambda _config: IntervalTrigger(minutes=5, timezone=TIMEZONE),
            lambda _config: _("Var 5:e minut"), run_at_start=True),
    JobSpec("extend_calendar", "tracker.periods.jobs:extend_calendar", N_("Skapa kommande års tertialer"),
            N_("Skapar tertialerna för varje år som ett program pågår, med sista dagar enligt "
               "standardkalendern, så att kalendern alltid finns för nästa år."),
            *_daily(0, 1), run_at_start=True),
    JobSpec("open_periods", "tracker.periods.jobs:open_due_periods", N_("Öppna tertialer"),
            N_("Öppnar varje tertial för rapportering på dess första dag."),
            *_daily(0, 5), run_at_start=True),
    JobSpec("close_periods", "tracker.periods.jobs:close_due_periods", N_("Stäng tertialer och skapa styrkort"),
            N_("Stänger en tertial när sista dag och respitdagarna har passerat och skapar sedan "
               "alla organisationers styrkort för den."),
            *_daily(0, 20), run_at_start=True),
    JobSpec("offer_final_reports", "tracker.reports.jobs:offer_final_reports",
            N_("Erbjud slutrapporter"),
            N_("När ett programs sista tertial har stängts får samordnarna en avisering om att "
               "slutrapporten kan skapas."),
            *_daily(0, 40), run_at_start=True),
    JobSpec("deadline_reminders", "tracker.notifications.jobs:send_deadline_reminders",
            N_("Påminnelser före sista dag"),
            N_("Påminner kontaktpersoner som har åtaganden kvar att lämna in, ett bestämt antal dagar "
               "före sista dag."),
            *_daily(7, 0), run_at_start=True),
    JobSpec("overdue_notices", "tracker.notifications.jobs:send_overdue_notices",
            N_("Förseningsaviseringar"),
            N_("Dagen efter sista dag: avisering till kontaktpersoner som inte har lämnat in och en "
               "sammanställning till samordnarna över vilka som inte har rapporterat."),
            *_daily(7, 10), run_at_start=True),
    JobSpec("weekly_digest", "tracker.notifications.jobs:send_weekly_digest",
            N_("Veckosammanställning till samordnare"),
            N_("Nya stödbehov, nya avvikelser och hur rapporteringen går."),
            lambda _config: CronTrigger(day_of_week="mon", hour=7, minute=30, timezone=TIMEZONE),
            lambda _config: _("Måndagar kl. 07.30")),
    JobSpec("funds_report_reminders", "tracker.funds.jobs:send_report_reminders",
            N_("Påminnelser om återrapport av utvecklingsmedel"),
            N_("Påminner kontaktpersonerna för nämnder som inte har lämnat in sin återrapport av "
               "utvecklingsmedlen, ett bestämt antal dagar före nämndernas sista dag."),
            *_daily(7, 5), run_at_start=True),
    JobSpec("funds_report_overdue", "tracker.funds.jobs:send_report_overdue_notices",
            N_("Försenade återrapporter av utvecklingsmedel"),
            N_("Dagen efter nämndernas sista dag: avisering till kontaktpersoner för nämnder som inte har "
               "lämnat in och en sammanställning till samordnarna över vilka nämnder som saknas."),
            *_daily(7, 15), run_at_start=True),
    JobSpec("funds_deadline_reminders", "tracker.funds.jobs:send_coordinator_deadline_reminders",
            N_("Påminnelser om Socialstyrelsens sista dagar"),
            N_("Påminner samordnarna före sista dag för rekvisition, återrapport och återbetalning av "
               "utvecklingsmedlen."),
            *_daily(7, 20), run_at_start=True),
    JobSpec("effect_goal_reminders", "tracker.effect_goals.jobs:send_collection_reminders",
            N_("Påminnelse om effektmålens siffror"),
            N_("Ber kontaktpersonerna rapportera förra årets siffror för effektmålen."),
            _effect_goal_trigger, _effect_goal_schedule),
    JobSpec("nightly_backup", "tracker.backups.jobs:nightly_backup", N_("Nattlig säkerhetskopia"),
            N_("Säkerhetskopierar SQLite-databasen och gallrar gamla kopior (PostgreSQL: pg_dump, se README)."),
            *_daily(2, 30)),
)
BY_ID = {spec.id: spec for spec in JOBS}


def get(job_id: str) -> JobSpec | None:
    return BY_ID.get(job_id)
