"""What a reporter reads about their tip: internal states in words a citizen understands.

The wording never names officers or reveals internal notes; the case workflow sets `status`.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

PUBLIC_STATUS = {
    "received": _l("Received. Your report is waiting to be reviewed."),
    "in_triage": _l("Under review. An officer is assessing your report."),
    "not_accepted": _l("Not accepted. The reason is given below."),
    "complaint": _l("Handled as a consumer complaint."),
    "transferred": _l("Transferred to the body responsible. Your receipt code keeps working."),
    "transferred_out": _l("Transferred to the department responsible. Your receipt code keeps working."),
    "merged": _l("Combined with an earlier report about the same matter; you see that case's progress."),
    "case_filed": _l("A case has been filed."),
    "not_filed": _l("No case was filed."),
    "under_investigation": _l("A case has been filed and is under investigation."),
    "suspended": _l("A case has been filed; the investigation is waiting for testing, appraisal or a hearing."),
    "decided": _l("The case has been decided."),
    "closed": _l("Concluded."),
    "reward_available": _l("Concluded. A reward is available: see below how to claim it."),
    "repeat": _l(
        "You reported this matter before. It is handled under your earlier report and was not processed again."),
    "mediation": _l("Your complaint was accepted and is being mediated."),
    "mediation_stopped": _l("Your complaint is being mediated; mediation is waiting for testing or appraisal, "
                            "which is not counted in its period."),
    "complaint_refused": _l("Your complaint was not accepted. The ground and the notice are given below."),
    "complaint_ended": _l("Mediation of your complaint has ended. The outcome is given below."),
}

STATUS_LABELS = {
    "received": _l("Received"),
    "in_triage": _l("Under review"),
    "not_accepted": _l("Not accepted"),
    "complaint": _l("Complaint"),
    "transferred": _l("Transferred"),
    "transferred_out": _l("Transferred to another department"),
    "merged": _l("Merged"),
    "case_filed": _l("Case filed"),
    "not_filed": _l("Not filed"),
    "under_investigation": _l("Under investigation"),
    "suspended": _l("Suspended"),
    "decided": _l("Decided"),
    "closed": _l("Closed"),
    "reward_available": _l("Reward available"),
    "repeat": _l("Repeated report"),
    "mediation": _l("In mediation"),
    "mediation_stopped": _l("Mediation waiting"),
    "complaint_refused": _l("Complaint not accepted"),
    "complaint_ended": _l("Complaint closed"),
}


def public_text(status: str):
    return PUBLIC_STATUS.get(status, PUBLIC_STATUS["in_triage"])
