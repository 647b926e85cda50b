"""Translatable labels for the workflow's codes."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

DEPARTMENT_LABELS = {
    "construction": _l("Housing and urban-rural construction"),
    "environment": _l("Ecology and environment"),
    "emergency": _l("Emergency management"),
    "agriculture": _l("Agriculture and rural affairs"),
    "health": _l("Health commission"),
    "public_security": _l("Public security (criminal transfer)"),
    "other_regulator": _l("A market regulator outside Henan"),
}
SUSPENSION_LABELS = {
    "testing": _l("Testing"),
    "inspection": _l("Inspection"),
    "quarantine": _l("Quarantine"),
    "appraisal": _l("Appraisal"),
    "rights_holder": _l("Identification by the rights holder"),
    "hearing": _l("Hearing"),
    "public_notice": _l("Public notice"),
    "refund_overcharge": _l("Ordered refund of overcharged prices"),
}
REDRAW_LABELS = {
    "recusal": _l("Recusal"),
    "absence": _l("Absence"),
    "conflict_declared": _l("Conflict of interest declared"),
}
OUTCOME_LABELS = {
    "violation": _l("Violation established"),
    "no_violation": _l("No violation established"),
    "criminal_transfer": _l("Transferred to public security"),
}
MEASURE_LABELS = {
    "suspend_business": _l("Order to suspend production or business"),
    "closure": _l("Closure"),
    "licence_revoked": _l("Licence revoked"),
    "certificate_revoked": _l("Certificate revoked"),
    "rectification_notice": _l("Rectification notice"),
}
CASE_STATE_LABELS = {
    "under_investigation": _l("Under investigation"),
    "suspended": _l("Suspended"),
    "decided": _l("Decided"),
    "closed": _l("Closed"),
}
CLOCK_LABELS = {"filing": _l("Decide whether to file"), "decision": _l("Decide the case")}
SUGGESTION_LABELS = {
    "same_uscc": _l("Same credit code"),
    "similar_name": _l("Similar business name"),
    "similar_text": _l("Similar description"),
}
FIELD_ERRORS = {
    "required": _l("This field is required."),
    "invalid": _l("Choose a valid value."),
    "future": _l("This date is in the future."),
    "too_long": _l("This is too long."),
    "order": _l("The dates are out of order."),
    "before_stop": _l("The clock cannot resume before it stopped."),
    "uscc_length": _l("A Unified Social Credit Code has 18 characters."),
    "uscc_characters": _l("This code contains characters a credit code cannot have."),
    "uscc_check": _l("This credit code's last character does not match."),
    "too_few": _l("Name at least two participants."),
}

# The queue's status column for a complaint not yet accepted (a complaint's later states have their own labels).
COMPLAINT_QUEUE_LABELS = {
    "received": _l("Complaint: awaiting the acceptance decision"),
    "in_triage": _l("Complaint: awaiting the acceptance decision"),
    "transferred": _l("Complaint transferred: awaiting the acceptance decision"),
    "complaint": _l("Complaint: awaiting the acceptance decision"),
}

CLOCK_KIND_LABELS = {
    "filing": _l("Decide whether to file"),
    "notify_reporter": _l("Tell the real-name reporter whether a case was filed"),
    "complaint_acceptance": _l("Decide whether to accept the complaint"),
    "decision": _l("Decide the case"),
    "closing": _l("Close the case after execution"),
    "reward_notice": _l("Notify the reporter of a reward"),
    "reward_claim": _l("Reporter claims the reward"),
    "mediation": _l("Mediate the complaint"),
    "follow_up": _l("Follow up the handled complaint"),
    "inspection": _l("Random inspection"),  # tipline.inspections: clocks without tip or case
    "rectification": _l("Rectification due"),
}
NOTICE_LABELS = {
    "before_3": _l("Due within %(n)s working days"),  # n: the rule's workdays_before in deadlines.json
    "due_day": _l("Due today"),
    "overdue_daily": _l("Overdue: escalated to supervisors"),
    "deadline_moved": _l("Deadline moved after the official calendar was entered"),
    "mediation_expired": _l("Mediation period ran out without agreement: the complaint was closed"),
}
