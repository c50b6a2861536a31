"""The Flask extensions, created once and bound to the app in `create_app`."""
from __future__ import annotations

from flask_babel import Babel
from flask_htmx import HTMX
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf import CSRFProtect

htmx = HTMX()
babel = Babel()
csrf = CSRFProtect()
login_manager = LoginManager()
# No route is limited by it at present: login throttling counts in the database (tracker.accounts.throttle).
limiter = Limiter(key_func=get_remote_address, default_limits=[])
