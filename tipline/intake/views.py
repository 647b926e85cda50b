"""Public side: what can be reported and the published channels. Never depends on staff login."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template

bp = Blueprint("intake", __name__)


@bp.get("/")
def index():
    return render_template("intake/index.html", settings=current_app.config["TIPLINE"])
