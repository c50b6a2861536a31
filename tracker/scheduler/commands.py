"""`tracker scheduler`: the scheduler as its own process (web workers never run jobs)."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from tracker.scheduler import runner


@click.command("scheduler")
@with_appcontext
@click.option("--poll", type=click.FloatRange(min=0.1), default=runner.LOCK_POLL_SECONDS, show_default=True,
              help="Sekunder mellan försöken att ta låset när en annan schemaläggare redan kör.")
def scheduler_command(poll: float) -> None:
    """Kör schemalagda jobb (tertialer, påminnelser, e-post, säkerhetskopior) tills processen stoppas.

    Bara en schemaläggare i taget kör jobb; startas en till väntar den och tar
    över om den första avslutas. Tider anges i Europe/Stockholm.
    """
    runner.configure_logging()
    runner.run(current_app._get_current_object(), poll=poll)
