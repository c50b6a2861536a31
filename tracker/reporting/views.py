"""Contacts report the status of their commitments each tertial (Mina åtaganden)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("reporting", __name__, url_prefix="" or None)
