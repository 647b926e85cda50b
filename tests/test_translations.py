"""Every code a person may read as words comes from the catalogue, in both languages (issue 23).

Each audit action, actor, stop reason, status and reward computation step is rendered in English
and in Chinese: English shows the English wording, Chinese a translation (Chinese characters, not
the English left as it was). The actions and statuses are found in the source, so a new one without
a label or a translation fails here rather than showing "tip.something_new" on a Chinese page.
"""
from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask_babel import force_locale

import tipline
from tipline.audit.labels import ACTION_LABELS, ACTOR_LABELS, action_label, actor_label
from tipline.cases.labels import CASE_STATE_LABELS, SUSPENSION_LABELS
from tipline.cases.workflow import CASE_STATE_TO_TIP_STATUS, CASE_TRANSITIONS, COMPLAINT_TRANSITIONS, TIP_TRANSITIONS
from tipline.intake.messages import METADATA_LABELS, metadata_text
from tipline.intake.status import PUBLIC_STATUS, STATUS_LABELS
from tipline.rewards.labels import STATUS_LABELS as REWARD_STATUS_LABELS
from tipline.rewards.quote import STEP_MESSAGES, Step, quote
from tipline.rewards.steps import step_text, translated_steps

SOURCE = Path(tipline.__file__).parent
CATALOGUE = SOURCE / "translations" / "zh" / "LC_MESSAGES" / "messages.po"
CJK = re.compile(r"[\u4e00-\u9fff]")


def _source() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(SOURCE.rglob("*.py")))


def recorded_actions() -> set[str]:
    """Every audit action the application can write, read from its source."""
    src = _source()
    actions = set()
    # "case.extension_" + ("approved" if approve else "refused"): both endings, as written
    for stem, yes, no in re.findall(r'action="([a-z_]+\.[a-z_]+_)" \+ \("([a-z_]+)" if [^"]+ else "([a-z_]+)"\)', src):
        actions |= {stem + yes, stem + no}
    actions |= {a for a in re.findall(r'action="([a-z_]+\.[a-z_]+)"', src) if not a.endswith("_")}
    actions |= {f"tip.{a}" for a in TIP_TRANSITIONS} | {f"case.{a}" for a in CASE_TRANSITIONS}
    actions |= {f"complaint.{a}" for a in COMPLAINT_TRANSITIONS}  # workflow.apply_complaint: f"complaint.{action}"
    actions |= {f"reward.{a}" for a in re.findall(r'_audit\(session, now, \w+, "([a-z_]+)"', src)}
    actions |= {"message.staff", "message.reporter"}  # services.post_message: f"message.{author}"
    return actions


def tip_statuses() -> set[str]:
    src = _source()
    found = (set(re.findall(r'\btip\.status = "([a-z_]+)"', src))
             | set(re.findall(r'status="([a-z_]+)", status_changed_at', src)))
    targets = {t.target for t in TIP_TRANSITIONS.values() if t.target is not None}  # None: the state stays
    return found | targets | set(CASE_STATE_TO_TIP_STATUS.values())


def reward_statuses() -> set[str]:
    """Every state of the reward transition table (the one place reward states are set)."""
    from tipline.gate import states_of
    from tipline.rewards.workflow import REWARD_TRANSITIONS
    return set(states_of(REWARD_TRANSITIONS))


def both_languages(app, render) -> tuple[str, str]:
    with app.test_request_context("/"):
        with force_locale("en"):
            en = str(render())
        with force_locale("zh"):
            zh = str(render())
    return en, zh


def assert_translated(en: str, zh: str, what: str) -> None:
    assert en.strip() and not CJK.search(en), f"{what}: English shows {en!r}"
    assert CJK.search(zh) and zh != en, f"{what}: Chinese shows {zh!r} (no translation in the catalogue)"


def test_the_source_scan_finds_the_actions_it_should():
    actions = recorded_actions()
    # Known ones from each way of writing them: a literal, a prefix, a transition, a reward step.
    assert {"tip.passphrase_set", "case.extension_refused", "tip.file_case", "case.close", "reward.paid",
            "message.reporter", "login.failed"} <= actions
    assert len(actions) > 60


def test_every_audit_action_has_a_label_in_both_languages(app):
    missing = sorted(recorded_actions() - set(ACTION_LABELS))
    assert not missing, f"audit actions without a label in tipline.audit.labels: {missing}"
    for action in sorted(recorded_actions()):
        assert_translated(*both_languages(app, lambda action=action: action_label(action)), action)


def test_every_actor_that_is_not_a_person_in_both_languages(app):
    src = _source()
    used = set(re.findall(r'actor_label="([a-z]+)"', src)) | {"system"}  # audit.record's default
    assert not used - set(ACTOR_LABELS), used - set(ACTOR_LABELS)
    for label in ACTOR_LABELS:
        assert_translated(*both_languages(app, lambda label=label: actor_label(label)), label)
    en, zh = both_languages(app, lambda: actor_label("hotline:callcentre"))
    assert (en, zh) == ("Hotline system (callcentre)", "热线系统（callcentre）")
    # A person's account name is shown as it is.
    assert both_languages(app, lambda: actor_label("jinshui")) == ("jinshui", "jinshui")


@pytest.mark.parametrize("reason", sorted(SUSPENSION_LABELS))
def test_every_stop_reason_in_both_languages(app, reason):
    assert_translated(*both_languages(app, lambda: SUSPENSION_LABELS[reason]), reason)


def test_every_status_in_both_languages(app):
    statuses = tip_statuses()
    assert {"received", "in_triage", "case_filed", "closed", "not_accepted"} <= statuses
    for status in sorted(statuses):
        assert status in STATUS_LABELS and status in PUBLIC_STATUS, f"tip status {status!r} has no wording"
        assert_translated(*both_languages(app, lambda status=status: STATUS_LABELS[status]), status)
        assert_translated(*both_languages(app, lambda status=status: PUBLIC_STATUS[status]), status)
    for state in {t.target for t in CASE_TRANSITIONS.values()} | {"under_investigation"}:
        assert_translated(*both_languages(app, lambda state=state: CASE_STATE_LABELS[state]), state)
    rewards = reward_statuses()
    assert {"review", "proposed", "paid", "claimed"} <= rewards
    for status in sorted(rewards):
        assert status in REWARD_STATUS_LABELS, f"reward status {status!r} has no label"
        assert_translated(*both_languages(app, lambda status=status: REWARD_STATUS_LABELS[status]), status)


@pytest.mark.parametrize("msgid", STEP_MESSAGES)
def test_every_computation_step_in_both_languages(app, msgid):
    values = {"base": "800000.00", "share": "0.03", "amount": "24000.00", "floor": "3000.00", "factor": "1.5",
              "cap": "1000000.00", "threshold": "500000.00", "n": "2", "each": "12000.00", "first": "12000.00",
              "low": "3000.00"}
    used = {k: v for k, v in values.items() if f"%({k})s" in msgid}
    en, zh = both_languages(app, lambda: step_text(msgid, used))
    assert_translated(en, zh, msgid)
    # Money is written with thousands separators in both languages.
    for key in set(used) & {"base", "amount", "cap", "threshold", "each"}:
        assert f"{Decimal(used[key]):,.2f}" in en and f"{Decimal(used[key]):,.2f}" in zh, (key, en, zh)


def test_a_real_quote_is_shown_in_chinese(app):
    from tipline.rewards.rules import load_rule_sets

    rule_set = load_rule_sets(None).get("national-2021")
    q = quote(rule_set, level=2, fines_and_confiscations=Decimal("800000"), signatories=2)
    assert all(isinstance(s, Step) for s in q.steps)
    computation = {"steps": list(q.steps), "step_messages": [[s.msgid, s.values] for s in q.steps]}
    en, zh = both_languages(app, lambda: "\n".join(translated_steps(computation)))
    assert "share: 800,000.00 x" in en
    assert not re.search(r"[A-Za-z]{3,}", zh), zh  # no English word left on the Chinese page
    assert "800,000.00" in zh


def test_metadata_note_in_both_languages(app):
    en, zh = both_languages(app, lambda: metadata_text("exif:gps,exif:camera_model,exif"))
    assert en == "location (GPS), camera make and model, other photo details (EXIF)"
    assert zh == "拍摄位置（GPS）、相机品牌和型号、其他拍摄信息（EXIF）"
    for code in METADATA_LABELS:
        assert_translated(*both_languages(app, lambda code=code: metadata_text(code)), code)
    # The office formats' codes carry the extension: found by the part after the colon.
    assert both_languages(app, lambda: metadata_text("docx:last_modified_by"))[1] == "最后编辑者"


def test_every_catalogue_entry_has_a_translation():
    with CATALOGUE.open("rb") as f:
        catalogue = read_po(f)
    empty = []
    for message in catalogue:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
        if not all(s and s.strip() for s in strings):
            empty.append(message.id)
    assert not empty, f"messages without a Chinese translation: {empty}"
