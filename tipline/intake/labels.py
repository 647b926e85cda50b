"""Names of intake's own values for staff pages and figures (English msgids; the catalogue gives Chinese)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

# The channels a tip arrives by (intake.models.CHANNELS).
CHANNEL_LABELS = {"web": _l("Web"), "email": _l("Email"), "hotline": _l("Hotline")}
