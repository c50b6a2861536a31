"""Coordinators open, close and reopen tertials."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("periods", __name__, url_prefix="/tertialer" or None)
