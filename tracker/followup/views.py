"""Coordinators follow the programme: status spread, reporting compliance, history."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("followup", __name__, url_prefix="/uppfoljning" or None)
