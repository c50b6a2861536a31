"""The Flask extensions, created once and bound to the app in `create_app`."""
from __future__ import annotations

from flask_babel import Babel
from flask_htmx import HTMX
from flask_login import LoginManager
from flask_wtf import CSRFProtect

htmx = HTMX()
babel = Babel()
csrf = CSRFProtect()
login_manager = LoginManager()
