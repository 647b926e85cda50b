"""Staff side: the officer's home (the case workflow grows here)."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from ..auth.access import staff_required
from ..jurisdiction import division_name

bp = Blueprint("cases", __name__, url_prefix="/staff")


@bp.get("/")
@staff_required()
def home():
    return render_template("cases/home.html", division=division_name(current_user.division_code))
