"""What the complainant reads about the complaint track: the labels of its grounds, forms of mediation,
stops and outcomes, and the status page's complaint section (shown by tipline.portal)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from . import complaints

GROUND_LABELS = {
    "not_our_duty": _l("Not a matter for market regulation, or this bureau has no power to handle it"),
    "handled_elsewhere": _l("A court, arbitration body, administrative body, consumer association or mediation body"
                            " has already accepted or handled the same dispute"),
    "not_consumer": _l("Not bought or used for everyday consumption, or no consumer dispute with the business"
                       " is shown"),
    "time_barred": _l("More than three years have passed since the complainant knew of the harm"),
    "materials_missing": _l("The information or materials a complaint needs were not provided"),
    "other_law": _l("Another ground set by law, regulation or rule"),
}
FORM_LABELS = {
    "in_person": _l("In person"),
    "phone": _l("By phone"),
    "online": _l("Online (internet, audio or video)"),
    "delegated": _l("Delegated to a consumer association or mediation body"),
}
STOP_LABELS = {"verification": _l("Verification"), "inspection": _l("Inspection"), "testing": _l("Testing"),
               "appraisal": _l("Appraisal")}
OUTCOME_LABELS = {
    "agreement": _l("Agreement reached"),
    "no_agreement": _l("No agreement"),
    "withdrawn": _l("Withdrawn, or settled by the parties"),
    "expired": _l("The mediation period ran out without agreement"),
    "terminated": _l("Mediation terminated on a statutory ground"),
}
TERMINATION_LABELS = {
    "art15_found": _l("A ground for not accepting the complaint was found after acceptance"),
    "no_technical_body": _l("The parties could not agree on a testing body or its costs"),
    "refused_to_attend": _l("A party did not take part without good reason, or the business refused mediation"),
    "other_law": _l("Another statutory ground"),
}
# The mail carries both languages whatever the officer's locale.
GROUND_ZH = {"not_our_duty": "投诉事项不属于市场监督管理部门职责，或者本机关不具有处理权限",
             "handled_elsewhere": ("法院、仲裁机构、行政机关、消费者协会或者依法成立的其他调解组织"
                                   "已经受理或者处理过同一消费者权益争议"),
             "not_consumer": ("不是为生活消费需要购买、使用商品或者接受服务，"
                              "或者不能证明与被投诉人之间存在消费者权益争议"),
             "time_barred": "投诉人知道或者应当知道自己的权益受到侵害之日起已超过三年",
             "materials_missing": "未提供投诉所需的信息或者材料", "other_law": "法律、法规、规章规定的其他情形"}
OUTCOME_ZH = {"agreement": "达成调解协议", "no_agreement": "未达成调解协议",
              "withdrawn": "投诉人撤回投诉或者双方自行和解",
              "expired": "调解期限届满未能达成调解协议", "terminated": "依法终止调解"}
FOLLOW_UP_LABELS = {"satisfied": _l("Satisfied"), "not_satisfied": _l("Not satisfied"),
                    "unreachable": _l("Could not be reached")}


def status_section(session: Session, tip) -> dict | None:
    """What the complainant's status page shows: each step, the ground, the outcome; None for a report."""
    if tip.kind != "complaint":
        return None
    row = complaints.complaint_of(session, tip)
    if row is None:
        return None
    return dict(complaint=row, sessions=complaints.sessions_of(session, row),
                stops=complaints.stops_of(session, row), ground=GROUND_LABELS, form=FORM_LABELS,
                stop=STOP_LABELS, outcome=OUTCOME_LABELS, termination=TERMINATION_LABELS)
