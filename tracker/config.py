"""Configuration from the environment; production refuses to start unsafely."""
from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path

import limits

ROOT = Path(__file__).resolve().parent.parent
DEV_SECRET_KEY = "development-only-secret-key-not-for-production"
MIN_SECRET_KEY_LENGTH = 32


class ConfigError(RuntimeError):
    """The configuration is unusable; the message says what to set."""


def load_config(instance_path: Path, overrides: dict | None = None) -> dict:
    """Build the app configuration from TRACKER_* environment variables."""
    env = (overrides or {}).get("ENV_NAME") or os.environ.get("TRACKER_ENV", "production")
    config = {
        "ENV_NAME": env,
        "DATABASE_URL": os.environ.get(
            "TRACKER_DATABASE_URL", f"sqlite:///{instance_path / 'tracker.db'}"
        ),
        "SECRET_KEY": os.environ.get("TRACKER_SECRET_KEY")
        or (DEV_SECRET_KEY if env in ("development", "test") else None),
        "SEED_DIR": Path(os.environ.get("TRACKER_SEED_DIR", ROOT / "seeds")),
        "SCORECARD_DIR": Path(os.environ.get("TRACKER_SCORECARD_DIR", ROOT / "scorecards")),
        "EFFECT_GOAL_MASK_THRESHOLD": int(os.environ.get("TRACKER_EFFECT_GOAL_MASK_THRESHOLD", "5")),  # see masking
        # Processes rendering PDFs for a web-started generation (the CLI uses every core).
        "GENERATION_WORKERS": int(os.environ.get("TRACKER_GENERATION_WORKERS", "1")),
        "BACKUP_DIR": Path(os.environ.get("TRACKER_BACKUP_DIR", instance_path / "backups")),  # `tracker backup`
        "BACKUP_KEEP": int(os.environ.get("TRACKER_BACKUP_KEEP", "14")),  # the newest N backups are kept
        "BABEL_DEFAULT_LOCALE": "sv",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Stockholm",
        "LANGUAGES": ("sv", "en"),
        # Cookies: never readable from scripts, not sent on cross-site posts, and
        # Secure in production (served over https behind the proxy).
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _flag("TRACKER_COOKIE_SECURE", default=env == "production"),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": _flag("TRACKER_COOKIE_SECURE", default=env == "production"),
        # Sessions are rows on the server (tracker.accounts.sessions), ended at logout and when the password or
        # the access changes; one lasts at most SESSION_LIFETIME from its login however much it is used, and
        # ends after SESSION_IDLE_TIMEOUT without a request. The signed cookie expires with it.
        "SESSION_LIFETIME": timedelta(hours=_positive("TRACKER_SESSION_HOURS", "8", unit="timmar")),
        "SESSION_IDLE_TIMEOUT": timedelta(minutes=_positive("TRACKER_SESSION_IDLE_MINUTES", "60", unit="minuter")),
        # Browsers remember to use https only for this many seconds (Strict-Transport-Security); 0 sends none.
        "HSTS_MAX_AGE": _whole("TRACKER_HSTS_MAX_AGE", "31536000" if env == "production" else "0", unit="sekunder"),
        # Login throttling (tracker.accounts.throttle), counted in the database so that every worker agrees:
        # an account is locked for 1, 2, 4 … minutes (at most LOGIN_MAX_LOCK) after LOGIN_ACCOUNT_FAILURES
        # failures in a row; an address is refused after LOGIN_LIMIT failures (high: an office shares one).
        "LOGIN_LIMIT": _rate("TRACKER_LOGIN_LIMIT", "50 per 15 minutes"),
        "LOGIN_ACCOUNT_FAILURES": _positive("TRACKER_LOGIN_ACCOUNT_FAILURES", "5", unit="försök"),
        "LOGIN_MAX_LOCK": timedelta(minutes=_positive("TRACKER_LOGIN_MAX_LOCK_MINUTES", "60", unit="minuter")),
        # Proxies in front whose X-Forwarded-For and -Proto are believed (werkzeug's ProxyFix); 0: none.
        "PROXY_COUNT": _whole("TRACKER_PROXY_COUNT", "0", unit="proxyservrar"),
        "MAX_CONTENT_LENGTH": 4 * 1024 * 1024,  # uploads (effect-goal files) are refused above this, early
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
        # Email: SMTP when a host is set; otherwise messages go to the outbox folder and the log.
        "SMTP_HOST": os.environ.get("TRACKER_SMTP_HOST") or None,
        "SMTP_PORT": int(os.environ.get("TRACKER_SMTP_PORT", "587")),
        "SMTP_SECURITY": os.environ.get("TRACKER_SMTP_SECURITY", "starttls").strip().lower(),  # starttls|tls|none
        "SMTP_USER": os.environ.get("TRACKER_SMTP_USER") or None,
        "SMTP_PASSWORD": os.environ.get("TRACKER_SMTP_PASSWORD") or None,
        "MAIL_SENDER": os.environ.get("TRACKER_MAIL_SENDER", "tracker <noreply@stockholm.se>"),
        "OUTBOX_DIR": Path(os.environ.get("TRACKER_OUTBOX_DIR", instance_path / "outbox")),
        "BASE_URL": os.environ.get("TRACKER_BASE_URL", "http://127.0.0.1:5000").rstrip("/"),  # links in emails
        # The scheduler (`tracker scheduler`, see tracker/scheduler): the tertial rhythm.
        "REMINDER_DAYS": _days("TRACKER_REMINDER_DAYS", "14,3"),  # reminders this many days before the deadline
        "AUTO_CLOSE": _flag("TRACKER_AUTO_CLOSE", default=True),  # close a tertial after its deadline + grace
        "CLOSE_GRACE_DAYS": _whole("TRACKER_CLOSE_GRACE_DAYS", "7"),
        "EFFECT_GOAL_REMINDER": _month_day("TRACKER_EFFECT_GOAL_REMINDER", "01-15"),  # yearly, for last year
        # Development funds: reminders this many days before the nämnder's usage-report deadline and
        # before each of Socialstyrelsen's deadlines (requisition, report, repayment).
        "FUNDS_REMINDER_DAYS": _days("TRACKER_FUNDS_REMINDER_DAYS", "14,3"),
        # `make run` runs the scheduler inside the development server's process; production runs
        # `tracker scheduler` beside the web workers instead.
        "EMBEDDED_SCHEDULER": _flag("TRACKER_EMBEDDED_SCHEDULER", default=False),
    }
    config["PERMANENT_SESSION_LIFETIME"] = config["SESSION_LIFETIME"]
    config.update(overrides or {})
    if config["ENV_NAME"] == "production":
        check_production(config)
    return config


def _flag(name: str, *, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in ("1", "true", "yes", "on")


def _whole(name: str, default: str, *, unit: str = "dagar") -> int:
    raw = os.environ.get(name, default).strip()
    if not raw.isdigit():
        raise ConfigError(f"{name} ska vara ett heltal ≥ 0 (antal {unit}), inte {raw!r}.")
    return int(raw)


def _positive(name: str, default: str, *, unit: str) -> int:
    value = _whole(name, default, unit=unit)
    if value < 1:
        raise ConfigError(f"{name} ska vara ett heltal ≥ 1 (antal {unit}), inte {value}.")
    return value


def _rate(name: str, default: str) -> str:
    """A rate such as "50 per 15 minutes" (the `limits` notation), checked here so that a typo stops the start."""
    raw = os.environ.get(name, default).strip()
    try:
        amount = limits.parse(raw).amount
    except ValueError:
        amount = 0
    if amount < 1:
        raise ConfigError(f'{name} ska vara ett antal per tid, t.ex. "50 per 15 minutes", inte {raw!r}.')
    return raw


def _days(name: str, default: str) -> tuple[int, ...]:
    """"14,3" → (14, 3): whole days, largest first, no repeats."""
    raw = os.environ.get(name, default)
    parts = [part.strip() for part in raw.split(",") if part.strip()]
    if not parts or not all(part.isdigit() for part in parts):
        raise ConfigError(f"{name} ska vara heltal (dagar) åtskilda med kommatecken, t.ex. 14,3 – inte {raw!r}.")
    return tuple(sorted({int(part) for part in parts}, reverse=True))


def _month_day(name: str, default: str) -> tuple[int, int]:
    """"01-15" → (1, 15): a day every year has (29 February is refused)."""
    raw = os.environ.get(name, default).strip()
    try:
        month, day = (int(part) for part in raw.split("-"))
        date(2023, month, day)
    except ValueError:
        raise ConfigError(f"{name} ska vara en dag som MM-DD, t.ex. 01-15, inte {raw!r}.") from None
    return month, day


def check_production(config: dict) -> None:
    """Refuse a missing, short or development secret key outside development."""
    key = config.get("SECRET_KEY") or ""
    if key == DEV_SECRET_KEY or len(key) < MIN_SECRET_KEY_LENGTH:
        raise ConfigError(
            "TRACKER_SECRET_KEY måste vara satt till en slumpmässig nyckel på minst "
            f"{MIN_SECRET_KEY_LENGTH} tecken i produktion (TRACKER_ENV=production). "
            'Skapa en med: python -c "import secrets; print(secrets.token_urlsafe(48))"'
        )
