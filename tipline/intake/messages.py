"""User-facing wording for the problem codes services and file checks return."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .evidence import Rejected


def field_message(code: str) -> str:
    messages = {
        "required": _("This field is required."),
        "invalid": _("Choose one of the options."),
        "too_long": _("This is too long."),
        "too_short": _(
            "Please describe what happened in a few sentences (at least 20 characters): who, what, when, where."),
        "future": _("This date is in the future."),
        "uscc_length": _("A Unified Social Credit Code has 18 characters."),
        "uscc_characters": _(
            "This code contains characters a credit code cannot have (no I, O, S, V or Z; characters 3-8 are digits)."),
        "uscc_check": _("This credit code's last character does not match: please check it, or leave the field empty."),
        "id_length": _("An ID card number has 18 characters."),
        "id_characters": _("An ID card number has 17 digits followed by a digit or X."),
        "id_birthdate": _("The date of birth in this ID card number is not valid."),
        "id_check": _("This ID card number's last character does not match: please check it."),
        "passphrase_short": _("Choose a passphrase of at least 8 characters."),
        "passphrase_long": _("A passphrase can have at most 128 characters."),
        "passphrase_mismatch": _("The two passphrases are not the same. Please type it again."),
        "passphrase_wrong": _("This passphrase is not the one set for this report."),
    }
    return messages.get(code, _("Please check this field."))


def file_message(r: Rejected) -> str:
    reasons = {
        "too_large": _("“%(name)s” is larger than allowed."),
        "too_many": _("“%(name)s” was not added: too many files."),
        "empty": _("“%(name)s” is empty."),
        "zip_bomb": _("“%(name)s” could not be accepted (its contents are far larger than the file)."),
        "image_bomb": _("“%(name)s” is an image too large to process."),
        "corrupt": _("“%(name)s” appears to be damaged."),
    }
    template = reasons.get(
        r.reason, _("“%(name)s” is not a type we accept (photos, PDF, office documents, audio, video or text)."))
    return template % {"name": r.filename}


# What tipline.intake.files.scrubbing removed from a file (EvidenceFile.metadata_removed, comma-separated
# codes such as "exif:gps,exif:camera_model,exif"), in the reader's language. A code is looked up
# whole, then by its part after the colon (office formats prefix the extension: "docx:creator").
METADATA_LABELS = {
    "exif:gps": _l("location (GPS)"),
    "exif:camera_serial": _l("camera serial number"),
    "exif:camera_model": _l("camera make and model"),
    "exif": _l("other photo details (EXIF)"),
    "xmp": _l("embedded description (XMP)"),
    "iptc": _l("caption and copyright (IPTC)"),
    "comment": _l("comment"),
    "png:text": _l("text notes in the image"),
    "pdf:xmp": _l("embedded description (XMP)"),
    "creator": _l("author"),
    "author": _l("author"),
    "initial_creator": _l("original author"),
    "last_modified_by": _l("last edited by"),
    "company": _l("company"),
    "manager": _l("manager"),
    "producer": _l("producing software"),
}


def metadata_label(code: str) -> str:
    label = METADATA_LABELS.get(code) or METADATA_LABELS.get(code.partition(":")[2])
    return str(label) if label is not None else code


def metadata_text(removed: str) -> str:
    """"exif:gps,exif" -> "location (GPS), other photo details (EXIF)" (Chinese: joined with 、)."""
    return _(", ").join(metadata_label(c.strip()) for c in removed.split(",") if c.strip())
