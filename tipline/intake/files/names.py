"""A reporter's filename, made safe to show (never to build a path from)."""
from __future__ import annotations

import re
import unicodedata

MAX_DISPLAY = 120


def safe_display_name(filename: str) -> str:
    """A reporter's filename made safe to show; never use it to build a path."""
    name = unicodedata.normalize("NFC", filename or "")
    name = re.split(r"[/\\]", name)[-1]
    # Cc are control chars; Cf includes RTL overrides that disguise "exe" as "gpj".
    name = "".join(c for c in name if unicodedata.category(c) not in ("Cc", "Cf"))
    name = name.strip().lstrip(".").strip()
    if len(name) > MAX_DISPLAY:
        stem, dot, ext = name.rpartition(".")
        if dot and stem and 0 < len(ext) <= 16:
            name = stem[: MAX_DISPLAY - len(ext) - 1] + "." + ext
        else:
            name = name[:MAX_DISPLAY]
    return name or "file"
