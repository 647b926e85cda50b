"""`tipline intake import-hotline FILE`: a day of calls as JSON lines, with duplicates and bad lines."""
from __future__ import annotations

import json
import random
import re
import time

from sqlalchemy import func, select

from tipline.intake.hotline.models import HotlineCall, TranscriptSegment
from tipline.intake.models import Tip

from . import call

NEW, DUPLICATES, BAD = 300, 9400, 300

# (how a line goes wrong, the field path reported for it)
BREAKAGES = [
    (lambda n: '{"call_id": "broken-%d", ' % n, "body"),
    (lambda n: json.dumps(call(call_id=None)), "call_id"),
    (lambda n: json.dumps(call(call_id=f"bad-{n}", started_at="2026-03-02 09:00")), "started_at"),
    (lambda n: json.dumps(call(call_id=f"bad-{n}", duration_seconds=-5)), "duration_seconds"),
    (lambda n: json.dumps(call(call_id=f"bad-{n}", division_code="310000")), "division_code"),
    (lambda n: json.dumps(call(call_id=f"bad-{n}", transcript=[])), "transcript"),
    (lambda n: json.dumps(call(call_id=f"bad-{n}", transcript=[
        {"speaker": "robot", "start": 0, "end": 1, "text": "您好，这里是市场监管投诉举报热线，请讲。"}])),
     "transcript.0.speaker"),
    (lambda n: json.dumps(call(call_id=f"bad-{n}", caller_name="王五")), "caller_name"),
    (lambda n: json.dumps([n]), "body"),
    (lambda n: json.dumps(call(call_id=f"bad-{n}", entity_uscc="123")), "entity_uscc"),
]


def _day(tmp_path):
    """10,000 lines: 300 calls, 9,400 repeats of them (a re-sent export), 300 bad lines; shuffled."""
    good = [json.dumps(call(call_id=f"CC-20260302-{i:05d}", caller_number=f"1390371{i:04d}",
                            summary=f"第{i}号来电：反映某商户销售过期食品，请核查。"), ensure_ascii=False)
            for i in range(NEW)]
    rng = random.Random(20260302)
    lines = [(line, None) for line in good]
    lines += [(rng.choice(good), None) for _ in range(DUPLICATES)]
    lines += [(make(n), path) for n, (make, path) in
              ((n, BREAKAGES[n % len(BREAKAGES)]) for n in range(BAD))]
    rng.shuffle(lines)
    # Originals first is not required: whichever copy of a call_id comes first makes the tip.
    path = tmp_path / "calls-2026-03-02.jsonl"
    path.write_text("\n".join(line for line, _p in lines) + "\n", encoding="utf-8")
    expected = {n: p for n, (_line, p) in enumerate(lines, 1) if p}
    return path, expected


def test_import_a_day_with_repeats_and_bad_lines(runner, session, tmp_path):
    path, expected = _day(tmp_path)
    started = time.monotonic()
    result = runner.invoke(args=["intake", "import-hotline", str(path)])
    elapsed = time.monotonic() - started
    assert result.exit_code == 0, result.output[-2000:]
    assert f"new {NEW}, duplicates {DUPLICATES}, conflicts 0, rejected {BAD}" in result.output
    reported = {}
    for number, field in re.findall(r"^line (\d+): ([\w.]+): .+$", result.output, re.M):
        reported.setdefault(int(number), field)
    assert reported == expected
    assert session.scalar(select(func.count()).select_from(Tip)) == NEW
    assert session.scalar(select(func.count()).select_from(HotlineCall)) == NEW
    assert session.scalar(select(func.count()).select_from(TranscriptSegment)) == NEW * 4
    assert session.scalar(select(func.count()).select_from(Tip).where(Tip.channel != "hotline")) == 0
    session.rollback()
    print(f"\nimport of 10,000 lines took {elapsed:.1f} s")

    again = runner.invoke(args=["intake", "import-hotline", str(path)])
    assert again.exit_code == 0
    assert f"new 0, duplicates {NEW + DUPLICATES}, conflicts 0, rejected {BAD}" in again.output
    assert session.scalar(select(func.count()).select_from(Tip)) == NEW
    session.rollback()


def test_small_file_with_bom_blank_lines_and_a_call_already_posted(app, client, runner, session, tmp_path):
    from . import new_token, post
    assert post(client, new_token(app), call(call_id="CC-api")).status_code == 201
    lines = [json.dumps(call(call_id="CC-file"), ensure_ascii=False), "", "   ",
             json.dumps(call(call_id="CC-api")), json.dumps(call(call_id="CC-x", duration_seconds="long")),
             json.dumps(call(call_id="CC-y", transcript=[{"speaker": "caller", "start": 3, "end": 1, "text": ""}]))]
    path = tmp_path / "calls.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode("utf-8"))
    result = runner.invoke(args=["intake", "import-hotline", str(path)])
    assert result.exit_code == 0, result.output
    assert "new 1, duplicates 1, conflicts 0, rejected 2" in result.output
    assert "line 5: duration_seconds: " in result.output
    assert "line 6: transcript.0.end: " in result.output and "line 6: transcript.0.text: " in result.output
    tip = session.scalars(select(Tip).join(HotlineCall, HotlineCall.tip_id == Tip.id)
                          .where(HotlineCall.call_id == "CC-file")).one()
    assert tip.sealed_receipt is None and tip.description.endswith("叫惠民生鲜超市，在金水路128号。")
    session.rollback()


def test_unreadable_file_exits_1(runner, tmp_path):
    missing = runner.invoke(args=["intake", "import-hotline", str(tmp_path / "missing.jsonl")])
    assert missing.exit_code == 1 and "cannot read" in missing.output
    folder = runner.invoke(args=["intake", "import-hotline", str(tmp_path)])
    assert folder.exit_code == 1 and "cannot read" in folder.output


def test_receipt_codes_of_imported_calls_are_kept_for_the_callers(runner, session, tmp_path):
    from tipline.intake import services as intake
    lines = [json.dumps(call(call_id=f"CC-R{i}", summary=f"第{i}号来电：反映检测报告造假，请核查。"),
                        ensure_ascii=False)
             for i in range(3)]
    path = tmp_path / "calls.jsonl"
    path.write_text("\n".join(lines + lines[:1]) + "\n", encoding="utf-8")
    receipts = tmp_path / "receipts.jsonl"
    result = runner.invoke(args=["intake", "import-hotline", str(path), "--receipts", str(receipts)])
    assert result.exit_code == 0, result.output
    assert "new 3, duplicates 1, conflicts 0, rejected 0" in result.output and "warning" not in result.output
    assert receipts.stat().st_mode & 0o777 == 0o600
    kept = [json.loads(line) for line in receipts.read_text(encoding="utf-8").splitlines()]
    assert [k["call_id"] for k in kept] == ["CC-R0", "CC-R1", "CC-R2"]
    for k in kept:  # each code opens its own call's tip, as the caller will use it
        assert re.fullmatch(r"\d{4} \d{4} \d{4} \d{4}", k["receipt_code"])
        tip = intake.find_by_receipt(session, k["receipt_code"])
        assert tip is not None
        call_row = session.scalars(select(HotlineCall).where(HotlineCall.tip_id == tip.id)).one()
        assert call_row.call_id == k["call_id"]
    session.rollback()

    before = receipts.read_bytes()
    again = runner.invoke(args=["intake", "import-hotline", str(path), "--receipts", str(receipts)])
    assert again.exit_code == 1 and "already exists" in again.output
    assert receipts.read_bytes() == before  # never overwritten: those codes exist nowhere else
    assert session.scalar(select(func.count()).select_from(Tip)) == 3


def test_import_without_a_receipts_file_warns_that_codes_are_not_kept(runner, tmp_path):
    path = tmp_path / "calls.jsonl"
    path.write_text(json.dumps(call(call_id="CC-W"), ensure_ascii=False) + "\n", encoding="utf-8")
    result = runner.invoke(args=["intake", "import-hotline", str(path)])
    assert result.exit_code == 0
    assert "receipt codes of the 1 new calls were not kept" in result.output
