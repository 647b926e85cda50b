"""Every audit action and every non-person actor in the reader's language.

The case timeline (and any page listing audit events) shows `action_label(code)` and
`actor_label(label)`, never the raw code ("tip.passphrase_set", "reporter"). The workflow's own
labels stay in tipline.cases.labels.ACTION_LABELS; this map adds every other action the
application records. tests/test_translations.py finds each action in the source and fails on one
without a label or without a Chinese translation."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..cases.labels import ACTION_LABELS as CASE_ACTION_LABELS

ACTION_LABELS = {
    **CASE_ACTION_LABELS,
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
