"""What staff read when the procedure refuses a step (issue 21), and the articles named on the
case page. Kinds are those of the Conflict raised by the services."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

PROCEDURE_MESSAGES = {
    "too_few_officers": _l("Fewer than two officers are eligible, and the law requires at least two "
                           "(Administrative Penalty Law Art. 42). Nothing was changed. Either draw from "
                           "the officers of the whole city (tick the box and try again), or ask the city "
                           "bureau to assign officers (transfer the tip to the city, or a city supervisor "
                           "completes the draw)."),
    "extension_collective": _l("The decision period has had its one extension approved by the head. Any further "
                               "time needs a collective decision of the heads, recorded with its date, "
                               "participants and the period it sets (SAMR penalty procedure rules Art. 64)."),
    "extension_first": _l("A collective decision comes only after the one extension approved by the head "
                          "(SAMR penalty procedure rules Art. 64)."),
    "no_collective": _l("The rules for this deadline allow no extension beyond the approved ones."),
    "extension_none": _l("The rules for this deadline allow no extension."),
    "redraw_other_supervisor": _l("You ordered this case's last re-draw: the next one must be ordered by "
                                  "another supervisor."),
}
ART_64 = _l("SAMR penalty procedure rules Art. 64 ¶1")
ART_64_COLLECTIVE = _l("SAMR penalty procedure rules Art. 64 ¶1 (collective decision)")
WAY_OUT_LABELS = {
    "widen_to_city": _l("draw from the officers of the whole city"),
    "ask_city": _l("ask the city bureau to assign officers"),
}
