from __future__ import annotations

from flask_babel import lazy_gettext as _l

STATUS_LABELS = {
    "review": _l("Awaiting the officer's proposal"),
    "proposed": _l("Proposed, awaiting the supervisor"),
    "reviewed": _l("Reviewed, awaiting finance"),
    "approved": _l("Approved"),
    "notified": _l("Reporter notified, awaiting claim"),
    "claimed": _l("Claimed, awaiting payment"),
    "paid": _l("Paid"),
    "not_eligible": _l("Not eligible"),
    "forfeited": _l("Forfeited: not claimed in time"),
    "revoked": _l("Revoked"),
}
# How the claimant was proven (finance's reward page, before paying).
PASSPHRASE_PROOF = {
    True: _l("Receipt code and the claim passphrase the reporter set"),
    False: _l("Receipt code only (the reporter set no claim passphrase)"),
    None: _l("Not recorded (claimed before this was kept)"),
}
IDENTITY_CHECK = {
    "match": _l("Matches the identity given in the report"),
    "differs": _l("Differs from the identity given in the report: check with the reporter before paying"),
    "cosigner": _l("Not the reporter named in the report, who is one of the joint reporters: check that this "
                   "claimant signed the joint report before paying"),
    "none": _l("The report gave no identity to compare"),
    None: _l("Not checked (claimed before this check existed)"),
}
# What the reporter reads on the status page.
PUBLIC_TEXT = {
    "notified": _l("A reward has been granted for your report. Claim it below before the deadline."),
    "claimed": _l("We have received your claim. Finance will check it and pay the reward to your account."),
    "paid": _l("The reward has been paid."),
    "forfeited": _l("The reward was not claimed within the time allowed and has lapsed."),
    "revoked": _l("The reward has been withdrawn."),
}
INELIGIBLE_TEXT = {
    "not_natural_person": _l("Rewards are paid only to natural persons, so this report does not qualify for a reward."),
    "already_known": _l("The regulator already knew of this matter before your report, so it does not qualify "
                        "for a reward."),
    "not_major": _l("The violation was not one of the major violations for which rewards are paid, so this report "
                    "does not qualify for a reward."),
}
EXCLUSION_TEXT = _l("Under the reward rules, people in your position (for example staff with a duty to report, the "
                    "injured party or a party paid for the report) cannot receive a reward for this report.")
FIELD_ERRORS = {
    "required": _l("This field is required."),
    "invalid": _l("Choose a valid value."),
    "mismatch": _l("The amount must equal the approved reward."),
    "future": _l("This date is in the future."),
    "out_of_bounds": _l("The amount must lie between the level's floor and the cap of the rule set."),
    "not_own_name": _l("The account must be in your own name: the holder's name must be the name you gave."),
}
