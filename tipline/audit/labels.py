"""Every audit action and every non-person actor in the reader's language.

The case timeline (and any page listing audit events) shows `action_label(code)` and
`actor_label(label)`, never the raw code ("tip.passphrase_set", "reporter"). The state machines'
actions come first, then every other action the application records; audit sits below every
package, so they all read their labels from here. tests/test_translations.py finds each action in
the source and fails on one without a label or without a Chinese translation."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

ACTION_LABELS = {
    # the state machines' actions (tipline.cases.workflow, tipline.rewards.workflow)
    "tip.received": _l("Tip received"),
    "tip.start_triage": _l("Triage started"),
    "tip.file_case": _l("Accepted: case filed"),
    "tip.join_case": _l("Added to the case"),
    "tip.split": _l("Split into report and complaint"),
    "tip.mark_complaint": _l("Handled as a complaint"),
    "tip.merge": _l("Merged"),
    "tip.transfer_division": _l("Transferred to another division"),
    "tip.transfer_department": _l("Transferred to another department"),
    "tip.reject": _l("Not accepted"),
    "tip.details_updated": _l("Details corrected"),
    "tip.sender_real_name": _l("Mail sender treated as real-name reporter"),
    "tip.filing_extension_requested": _l("More time to decide on filing requested"),
    "tip.filing_extension_approved": _l("More time to decide on filing approved"),
    "tip.filing_extension_refused": _l("More time to decide on filing refused"),
    "case.draw": _l("Investigators drawn at random"),
    "case.note": _l("Internal note"),
    "case.task": _l("Task added"),
    "case.task_done": _l("Task done"),
    "case.inspection": _l("Inspection recorded"),
    "case.evidence": _l("Evidence logged"),
    "case.custody": _l("Evidence handed over"),
    "case.suspend": _l("Clock stopped"),
    "case.resume": _l("Clock restarted"),
    "case.extension_requested": _l("Extension requested"),
    "case.extension_approved": _l("Extension approved"),
    "case.extension_refused": _l("Extension refused"),
    "case.decide": _l("Decision recorded"),
    "case.close": _l("Case closed"),
    "case.publishable": _l("Publication changed"),
    "case.draw_refused": _l("Draw refused: fewer than two eligible officers"),
    "case.investigator_removed": _l("Investigator removed"),
    "case.collective_extension": _l("Decision period extended by collective decision"),
    "case.recusal_applied": _l("Recusal application recorded"),
    "case.recusal_upheld": _l("Recusal application upheld"),
    "case.recusal_refused": _l("Recusal application refused"),
    "tip.clock_stopped": _l("Filing clock stopped"),
    "tip.clock_resumed": _l("Filing clock restarted"),
    "message.staff": _l("Message to the reporter"),
    "message.reporter": _l("Message from the reporter"),
    "evidence.added": _l("Evidence added by the reporter"),
    "evidence.downloaded": _l("Evidence downloaded"),
    "identity.viewed": _l("Reporter identity viewed"),
    # and every other action the application records
    "tip.viewed": _l("Tip opened"),
    "tip.passphrase_set": _l("Claim passphrase set by the reporter"),
    "tip.split_created": _l("Complaint record created by a split"),
    "case.filed": _l("Case filed"),
    "hotline.call_received": _l("Hotline call received"),
    "hotline.transcript_confirmed": _l("Call record confirmed by the caller"),
    "hotline.transcript_correction_requested": _l("Correction of the call record requested"),
    "mail.manual_intake": _l("Letter entered as a tip"),
    "mail.raw_downloaded": _l("Original letter downloaded"),
    "conflict.declared": _l("Conflict of interest declared"),
    "reward.review_opened": _l("Reward review opened"),
    "reward.not_eligible": _l("Reward: not eligible"),
    "reward.proposed": _l("Reward proposed"),
    "reward.reviewed": _l("Reward reviewed"),
    "reward.sent_back": _l("Reward proposal sent back"),
    "reward.finance_approved": _l("Reward approved by finance"),
    "reward.notified": _l("Reporter notified of the reward"),
    "reward.claimed": _l("Reward claimed"),
    "reward.claim_viewed": _l("Reward claim details viewed"),
    "reward.claim_extended": _l("Claim window extended"),
    "reward.claim_passphrase_wrong": _l("Wrong claim passphrase given"),
    "reward.paid": _l("Reward paid"),
    "reward.forfeited": _l("Reward forfeited"),
    "reward.revoked": _l("Reward revoked"),
    "reward.register_exported_with_identity": _l("Reward register exported with identities"),
    "hold.placed": _l("Legal hold placed"),
    "hold.released": _l("Legal hold released"),
    "retention.anonymised": _l("Anonymised after the retention period"),
    "retention.deleted": _l("Deleted after the retention period"),
    "oversight.export": _l("Statistics exported"),
    "calendar.imported": _l("Official calendar imported"),
    "deadline_rule.saved": _l("Deadline rule saved"),
    "user.create": _l("Account created"),
    "user.enabled": _l("Account enabled or disabled"),
    "user.password_changed": _l("Password changed"),
    "login.success": _l("Signed in"),
    "login.failed": _l("Sign-in failed"),
    "login.locked": _l("Account locked after failed sign-ins"),
    "api_token.created": _l("API token created"),
    "api_token.revoked": _l("API token revoked"),
    "keys.rotated": _l("Encryption keys rotated"),
    "bodies.imported": _l("Register of supervised bodies imported"),
    "evidence.migrated": _l("Evidence moved into the database store"),
    "inspection.officer_redrawn": _l("Inspecting officer drawn again"),
    "inspection.recorded": _l("Inspection result recorded"),
    "inspection.rectified": _l("Rectification checked"),
    "mail.treated_as_report": _l("Automatic mail treated as a report"),
    "plan.created": _l("Inspection plan created"),
    "plan.drawn": _l("Inspection plan drawn"),
    "reward.claim_deadline_moved": _l("Claim deadline moved by the official calendar"),
    "reward.late_claim_accepted": _l("Late claim accepted"),
    "reward.late_claim_requested": _l("Acceptance of a late claim requested"),
    "tip.lead_from_complaint": _l("Report lead created from a complaint"),
    "tip.mark_repeat": _l("Marked as a repeated report"),
    "tip.reporter_told": _l("Reporter told of the outcome"),
    "complaint.accept": _l("Complaint accepted"),
    "complaint.not_accept": _l("Complaint not accepted"),
    "complaint.record_session": _l("Mediation session recorded"),
    "complaint.stop_mediation": _l("Mediation period stopped"),
    "complaint.resume_mediation": _l("Mediation period resumed"),
    "complaint.end_mediation": _l("Mediation ended"),
    "complaint.expire_mediation": _l("Mediation period ran out"),
    "complaint.refer_violation": _l("Violation referred to the report track"),
    "complaint.follow_up": _l("Follow-up recorded"),
}

# actor_label values that are not a person's account name.
ACTOR_LABELS = {
    "reporter": _l("Reporter"),
    "system": _l("System"),
    "scheduler": _l("Scheduled task"),
    "cli": _l("Command line"),
    "demo": _l("Demo data"),
    "email": _l("Email intake"),
    "unknown": _l("Unknown account"),
}


def action_label(code: str) -> str:
    label = ACTION_LABELS.get(code)
    return str(label) if label is not None else code


# actor_label prefixes followed by a name: "hotline:<the API token's name>" (intake.hotline.api).
ACTOR_PREFIXES = {"hotline": _l("Hotline system (%(name)s)")}


def actor_label(label: str) -> str:
    known = ACTOR_LABELS.get(label)
    if known is not None:
        return str(known)
    prefix, colon, name = label.partition(":")
    if colon and prefix in ACTOR_PREFIXES:
        return str(ACTOR_PREFIXES[prefix]) % {"name": name}
    return label
