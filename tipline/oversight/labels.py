"""Translatable names for the oversight figures (English msgids; the catalogue gives Chinese)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

TRIAGE_LABELS = {
    "case_filed": _l("Case filed"),
    "not_accepted": _l("Not accepted"),
    "complaint": _l("Handled as a complaint"),
    "merged": _l("Merged"),
    "transferred": _l("Transferred"),
}
COMPLAINT_LABELS = {
    "accepted": _l("Accepted"),
    "not_accepted": _l("Not accepted"),
    "agreement": _l("Mediated with agreement"),
    "no_agreement": _l("Mediated without agreement"),
    "withdrawn": _l("Withdrawn, or settled by the parties"),
}
KEY_FIGURE_LABELS = {
    "inspections": _l("On-site inspections"),
    "violation_cases": _l("Violation cases investigated"),
    "cases_filed": _l("Cases filed"),
    "problems_found": _l("Problems found"),
    "rectification_notices": _l("Rectification notices"),
    "certificates_revoked": _l("Certificates revoked"),
}
STAGE_LABELS = {
    "triage": _l("Received to triage decision"),
    "investigation": _l("Filed to decided"),
    "closing": _l("Decided to closed"),
}
MONTHLY_LABELS = {
    "submissions": _l("Submissions"),
    "cases_filed": _l("Cases filed"),
    "decisions": _l("Decisions"),
    "penalties": _l("Fines and confiscations (yuan)"),
}
