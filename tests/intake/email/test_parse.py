"""Parsing without a server: charsets, encodings, shapes and the auto-reply signals."""
from __future__ import annotations

import pytest

from tipline.intake.email.parse import ParseError, decode_bytes, html_to_text, parse

from .conftest import cases

CASES = {c.name: c for c in cases()}


@pytest.mark.parametrize("name", [n for n, c in CASES.items() if c.expect != "manual" or n == "case20"])
def test_each_case_decodes(name):
    case = CASES[name]
    parsed = parse(case.raw)
    text = f"Subject: {parsed.subject}\n\n{parsed.text}"
    for expected in case.contains:
        if expected != "setup.exe":  # named in the tip's footer, after storage refuses it
            assert expected in text
    for unwanted in case.absent:
        assert unwanted not in text
    if case.expect == "tip":
        expected_names = case.attachments + (["setup.exe"] if name == "case24" else [])
        assert sorted(a.filename for a in parsed.attachments) == sorted(expected_names)
        assert parsed.auto_submitted is (not case.ack)
    assert "\ufffd" not in text


def test_garbage_raises_parse_error():
    with pytest.raises(ParseError):
        parse(CASES["garbage"].raw)
    with pytest.raises(ParseError):
        parse(b"   \r\n")


def test_gb2312_label_on_gbk_text_decodes_as_gb18030():
    assert decode_bytes("王喆".encode("gbk"), "gb2312") == "王喆"
    assert decode_bytes("㐀".encode("gb18030"), "GBK") == "㐀"
    assert decode_bytes("臺灣".encode("big5"), None) in ("臺灣", "臺灣".encode("big5").decode("gb18030"))


def test_html_to_text_drops_scripts_and_keeps_lines():
    text = html_to_text("<script>steal()</script><style>x{}</style><p>一</p><p>二<br>三</p><!-- 注释 -->&lt;b&gt;")
    assert "steal" not in text and "x{}" not in text and "注释" not in text
    assert (text.split("\n") == ["一", "", "二", "三", "<b>"]
            or text.replace("\n\n", "\n").split("\n") == ["一", "二", "三", "<b>"])


def test_message_id_is_normalised_and_missing_is_none():
    assert parse(b"Message-ID:  < abc@x >\r\nSubject: s\r\n\r\nbody").message_id == "abc@x"
    assert parse(b"Subject: s\r\n\r\nbody").message_id is None


@pytest.mark.parametrize("header", ["Auto-Submitted: auto-generated", "Precedence: junk", "List-Id: <l.x>",
                                    "Return-Path: <>"])
def test_auto_submitted_signals(header):
    raw = f"From: a@b.cn\r\n{header}\r\nSubject: s\r\n\r\nbody".encode()
    assert parse(raw).auto_submitted
    assert not parse(b"From: a@b.cn\r\nAuto-Submitted: no\r\nSubject: s\r\n\r\nbody").auto_submitted
    assert parse(b"From: postmaster@b.cn\r\nSubject: s\r\n\r\nbody").auto_submitted


@pytest.mark.parametrize("name,charset", [("发票清单（三月）.txt", "gbk"), ("收据㐀.pdf", "gb18030"),
                                          ("现场照片.jpg", "utf-8")])
def test_raw_8bit_attachment_names_decode(name, charset):
    """Some clients write the file name unencoded, as raw 8-bit bytes in the sender's charset."""
    encoded = name.encode(charset)
    raw = (b"From: a@b.cn\r\nSubject: s\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"B\"\r\n\r\n"
           b"--B\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nbody\r\n--B\r\n"
           b"Content-Type: application/octet-stream; name=\"" + encoded + b"\"\r\n"
           b"Content-Disposition: attachment; filename=\"" + encoded + b"\"\r\n"
           b"Content-Transfer-Encoding: base64\r\n\r\n"
           b"aGVsbG8=\r\n--B--\r\n")
    assert [a.filename for a in parse(raw).attachments] == [name]
