"""Styrkort: one scorecard per organisation and tertial."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("scorecards", __name__, url_prefix="/styrkort" or None)
