"""Words people read for the inspection codes (English msgids, Chinese in the catalogue)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

TIER_LABELS = {"high": _l("High risk"), "elevated": _l("Elevated risk"), "watch": _l("Under watch"),
               "normal": _l("Normal")}
RULE_LABELS = {"penalised": _l("Penalised within the last years"),
               "substantiated_or_rectification": _l("Substantiated report or rectification notice"),
               "under_investigation": _l("Report or case under investigation"), "none": _l("No record")}
EVENT_LABELS = {"penalty": _l("Penalty decision"),
                "case_rectification": _l("Rectification notice in a penalty decision"),
                "substantiated": _l("Substantiated reports"),
                "inspection_rectification": _l("Rectification ordered by inspection"),
                "open_report": _l("Report being handled"), "open_case": _l("Case under investigation")}
RESULT_LABELS = {"no_problem": _l("No problem found"), "problems": _l("Problems found"),
                 "rectification": _l("Rectification ordered"), "suspended": _l("Certificate suspended"),
                 "revoked": _l("Certificate revoked"), "case_opened": _l("Case opened")}
PROBLEM_LABELS = {"false_report": _l("False report"), "unqualified_report": _l("Untrue or non-conforming report"),
                  "records": _l("Records missing or not traceable"), "sampling": _l("Sample handling"),
                  "personnel": _l("Personnel"), "equipment": _l("Equipment and environment"),
                  "scope": _l("Outside the accredited scope"), "ccc_certification": _l("CCC certification"),
                  "other": _l("Other")}
RECUSAL_LABELS = {"conflict_of_interest": _l("Conflict of interest"), "related_party": _l("Related to the body"),
                  "previous_involvement": _l("Involved with the body before"), "unavailable": _l("Unavailable")}
RECTIFICATION_LABELS = {"ordered": _l("Rectification under way"), "done": _l("Rectified")}
KIND_LABELS = {"testing": _l("Testing body"), "certification": _l("Certification body")}
STATUS_LABELS = {"active": _l("Active"), "suspended": _l("Suspended"), "revoked": _l("Revoked"),
                 "cancelled": _l("Cancelled")}
PLAN_STATE_LABELS = {"draft": _l("Not drawn yet"), "drawn": _l("Drawn")}
