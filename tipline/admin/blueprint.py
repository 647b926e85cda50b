"""The administration blueprint, in its own module so that the page modules (views.py, calendar_views.py)
share it without importing each other."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/staff/admin")
