"""The reward computation's steps in the reader's language.

tipline.rewards.quote produces each step as a catalogue message with its values; the proposal
stores both (Reward.computation, "step_messages"). Here they are translated when a page shows
them, with sums of money written as every page writes them (tipline.web.format_money). A
computation stored before the messages were kept has only its English text, shown as it was."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext

from ..web import format_money
from .quote import MONEY_VALUES


def step_text(msgid: str, values: dict[str, Any]) -> str:
    shown = {k: format_money(v) if k in MONEY_VALUES else v for k, v in values.items()}
    text: str = gettext(msgid, **shown)
    return text


def translated_steps(computation: Mapping[str, Any]) -> list[str]:
    messages = computation.get("step_messages")
    if not messages:
        return list(computation.get("steps", []))
    return [step_text(msgid, values) for msgid, values in messages]
