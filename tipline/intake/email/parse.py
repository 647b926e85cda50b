"""Turning a raw e-mail into text and evidence, whatever the sender's mail client did to it.

Stdlib only. Chinese mail arrives in GB2312/GBK/GB18030, Big5 or UTF-8, often mislabelled (GBK text
declared as GB2312), in headers as RFC 2047 words, raw 8-bit bytes or RFC 2231 parameters, so every
piece of text goes through `decode_bytes` with our own charset mapping rather than the package's.
"""
from __future__ import annotations

import codecs
import email
import email.message
import email.policy
import email.utils
import hashlib
import mimetypes
import re
from dataclasses import dataclass, field
from email.header import decode_header
from html.parser import HTMLParser

from ..evidence import Upload
from ..files.names import safe_display_name


class ParseError(ValueError):
    """The bytes are not a mail message we can read; the message goes to staff as needs_manual."""


@dataclass
class ParsedMail:
    subject: str
    text: str
    sender: str  # the From address, lower case; "" when missing
    message_id: str | None  # normalised: no angle brackets or whitespace
    attachments: list[Upload] = field(default_factory=list)
    auto_submitted: bool = False  # no acknowledgement: machine mail, or no address to answer
    machine: str = ""  # why this is machine mail (auto-reply, bounce, list...), "" for a person's mail
    references: list[str] = field(default_factory=list)  # In-Reply-To then References, normalised ids


# Supersets: mail labelled GB2312 or GBK routinely carries GBK/GB18030-only characters.
_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030",
            "euc-cn": "gb18030", "csgb2312": "gb18030", "x-euc-cn": "gb18030", "hz-gb-2312": "hz",
            "big5": "big5hkscs", "x-big5": "big5hkscs", "cn-big5": "big5hkscs", "ks_c_5601-1987": "cp949",
            "x-unknown": "", "unknown-8bit": "", "x-user-defined": ""}
_GUESSES = ("utf-8", "gb18030", "big5hkscs")


def _codec(charset: str | None) -> str | None:
    name = (charset or "").strip().strip('"').lower().split("*")[0]
    name = _ALIASES.get(name, name)
    if not name:
        return None
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_bytes(data: bytes, charset: str | None = None) -> str:
    """Decode with the declared charset (mapped to a superset), else the likeliest of ours; never raises."""
    declared = _codec(charset)
    for name in ([declared] if declared else []) + [g for g in _GUESSES if g != declared]:
        try:
            return data.decode(name)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode(declared or "utf-8", errors="replace")


def _unsurrogate(value: str) -> str:
    # The parser keeps raw 8-bit header bytes as surrogate escapes; decode them as text here.
    if any("\udc80" <= c <= "\udcff" for c in value):
        return decode_bytes(value.encode("ascii", "surrogateescape"))
    return value


def decode_header_value(value) -> str:
    """A header value (str, possibly with encoded words or raw 8-bit) as clean text."""
    if value is None:
        return ""
    value = re.sub(r"\r?\n[ \t]+", " ", _unsurrogate(str(value)))
    try:
        parts = decode_header(value)
    except Exception:  # noqa: BLE001 — malformed encoded words: keep what was written
        return value.strip()
    out = []
    for part, charset in parts:
        if isinstance(part, str):
            out.append(part)
        elif charset:
            out.append(decode_bytes(part, charset))
        else:
            out.append(part.decode("raw-unicode-escape", errors="replace"))
    return "".join(out).strip()


def normalise_message_id(value: str) -> str | None:
    match = re.search(r"<([^<>]+)>", value or "")
    ident = (match.group(1) if match else (value or "")).strip()
    ident = re.sub(r"\s+", "", ident)
    return ident[:900] or None


def message_id_key(message_id: str | None) -> str | None:
    return hashlib.sha256(message_id.encode("utf-8", "surrogatepass")).hexdigest() if message_id else None


class _HTMLText(HTMLParser):
    """Visible text of an HTML body. Nothing is rendered or fetched; markup only decides line breaks."""

    _SKIP = {"script", "style", "head", "title", "noscript", "template", "svg"}
    _BLOCK = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "blockquote",
              "pre", "hr", "section", "article", "ul", "ol", "dl", "dt", "dd"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self._SKIP:
            self.skipping += 1
        elif tag in self._BLOCK:
            self.parts.append("\n")
        elif tag in ("td", "th"):
            self.parts.append(" ")

    def handle_startendtag(self, tag, attrs):
        if tag in ("br", "hr"):
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self._SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(re.sub(r"\s+", " ", data))


def html_to_text(html: str) -> str:
    parser = _HTMLText()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # noqa: BLE001 — html.parser is lenient; anything else means tags are stripped crudely
        return re.sub(r"<[^>]*>", " ", html)
    lines = (line.strip() for line in "".join(parser.parts).splitlines())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _raw_header(part, header: str) -> str | None:
    for key, value in part.raw_items():
        if key.strip().lower() == header:
            return value if isinstance(value, str) else None
    return None


def _param_from_raw(part, name: str, header: str) -> str | None:
    """The parameter read from the raw header when it carries raw 8-bit bytes (a GBK name written
    unencoded): the parser has already turned those into U+FFFD in get_param, so the header's bytes
    are decoded here as the subject's are (decode_bytes: UTF-8 when the bytes are valid UTF-8, which
    GBK or Big5 text practically never is, else GB18030, then Big5) and the parameter taken from that."""
    value = _raw_header(part, header)
    if value is None or not any("\udc80" <= c <= "\udcff" for c in value):
        return None
    holder = email.message.Message()
    holder[header] = re.sub(r"\r?\n[ \t]+", " ", _unsurrogate(value))
    found = holder.get_param(name, header=header)
    if found is None or isinstance(found, tuple):
        return None
    return email.utils.unquote(found).strip()


def _param(part, name: str, header: str) -> str:
    raw_text = _param_from_raw(part, name, header)
    if raw_text:
        return raw_text
    value = part.get_param(name, header=header)
    if value is None:
        return ""
    if isinstance(value, tuple):  # RFC 2231: (charset, language, %-decoded latin-1 text)
        charset, _lang, text = value
        return decode_bytes(text.encode("latin-1", "replace"), charset)
    return decode_header_value(email.utils.unquote(value))


def _filename(part) -> str:
    return _param(part, "filename", "content-disposition") or _param(part, "name", "content-type")


def _payload(part) -> bytes:
    data = part.get_payload(decode=True)
    return data if isinstance(data, bytes) else b""


class _Walker:
    def __init__(self):
        self.texts: list[str] = []
        self.uploads: list[Upload] = []

    def walk(self, part, want_text: bool = True) -> None:
        ctype = part.get_content_type()
        if ctype == "message/rfc822" or (part.is_multipart() and ctype.startswith("message/")):
            inner = part.get_payload()
            for msg in inner if isinstance(inner, list) else [inner]:
                if hasattr(msg, "get_content_type"):
                    self._forwarded(msg, want_text)
            return
        if part.is_multipart():
            children = [c for c in part.get_payload() if hasattr(c, "get_content_type")]
            chosen = _preferred(children) if ctype == "multipart/alternative" else None
            for i, child in enumerate(children):
                self.walk(child, want_text and (chosen is None or i == chosen))
            return
        self._leaf(part, ctype, want_text)

    def _forwarded(self, msg, want_text: bool) -> None:
        if want_text:
            head = [f"{label}: {decode_header_value(msg.get(name))}" for name, label in
                    (("From", "From"), ("Date", "Date"), ("Subject", "Subject")) if msg.get(name)]
            self.texts.append("---------- 转发的邮件 / Forwarded message ----------\n" + "\n".join(head))
        self.walk(msg, want_text)

    def _leaf(self, part, ctype: str, want_text: bool) -> None:
        name = _filename(part)
        disposition = part.get_content_disposition()
        if ctype in ("text/plain", "text/html") and not name and disposition != "attachment":
            if want_text:
                text = decode_bytes(_payload(part), part.get_param("charset"))
                self.texts.append(html_to_text(text) if ctype == "text/html" else text.strip())
            return
        data = _payload(part)
        if not data:
            return
        if not name:  # inline images pasted into the body usually come without a name
            ext = mimetypes.guess_extension(ctype) or ".bin"
            name = f"inline-{len(self.uploads) + 1}{ext}"
        self.uploads.append(Upload(safe_display_name(name), data))


def _preferred(children) -> int:
    """Index of the alternative to read: plain text when it says something, else HTML, else the first."""
    def rank(child):
        ctype = child.get_content_type()
        if ctype == "text/plain" and _payload(child).strip():
            return 0
        if ctype == "text/html" or child.is_multipart():
            return 1
        return 2
    ranks = [rank(c) for c in children]
    return ranks.index(min(ranks)) if ranks else 0


_AUTO_LOCALS = re.compile(r"^(mailer-daemon|postmaster|no-?reply|do-?not-?reply)([+-].*)?$", re.I)


def machine_reason(headers: dict[str, str], sender: str, content_type: str = "") -> str:
    """Why a message was written by a machine, or "" for a person's mail. The signals mail software
    sets (RFC 3834 Auto-Submitted, X-Autoreply, Microsoft's X-Auto-Response-Suppress, Precedence,
    RFC 2919 List-Id, RFC 3462/6522 multipart/report bounces, the null reverse-path of RFC 5321 §4.5.5)
    and the usual no-reply mailbox names."""
    auto = headers.get("auto-submitted", "").strip().lower()
    if auto and not auto.startswith("no"):
        return "auto_submitted"
    if headers.get("x-autoreply", "").strip() or headers.get("x-autorespond", "").strip():
        return "autoreply"
    if headers.get("x-auto-response-suppress", "").strip():
        return "auto_response_suppress"
    if headers.get("precedence", "").strip().lower() in ("bulk", "junk", "list", "auto_reply"):
        return "precedence"
    if "list-id" in headers or "list-unsubscribe" in headers:
        return "list"
    if content_type == "multipart/report":
        return "report"
    if re.fullmatch(r"<\s*>", headers.get("return-path", "x").strip()) or headers.get("return-path", "x").strip() == "":
        return "null_sender"
    if sender and _AUTO_LOCALS.match(sender.split("@", 1)[0]):
        return "noreply_sender"
    return ""


def _references(headers: dict[str, str]) -> list[str]:
    ids: list[str] = []
    for name in ("in-reply-to", "references"):
        for found in re.findall(r"<([^<>]+)>", headers.get(name, "")):
            ident = normalise_message_id(f"<{found}>")
            if ident and ident not in ids:
                ids.append(ident)
    return ids[:50]


def _extract(msg) -> ParsedMail:
    headers: dict[str, str] = {}
    for name, value in msg.raw_items():
        headers.setdefault(name.strip().lower(), str(value))
    if not headers:
        raise ParseError("no header fields")
    subject = decode_header_value(headers.get("subject", ""))
    _, address = email.utils.parseaddr(decode_header_value(headers.get("from", "")))
    sender = address.strip().lower() if "@" in address else ""
    walker = _Walker()
    walker.walk(msg)
    machine = machine_reason(headers, sender, msg.get_content_type())
    return ParsedMail(subject=subject, text="\n\n".join(t for t in walker.texts if t).strip(),
                      sender=sender, message_id=normalise_message_id(headers.get("message-id", "")),
                      attachments=walker.uploads, auto_submitted=bool(machine) or not sender,
                      machine=machine, references=_references(headers))


def parse(raw: bytes) -> ParsedMail:
    """Raises ParseError when neither the modern nor the compat32 parser can make sense of `raw`."""
    if not raw or not raw.strip():
        raise ParseError("empty message")
    last: Exception | None = None
    # policy.default understands more; compat32 survives headers that make the modern parser raise.
    for policy in (email.policy.default, email.policy.compat32):
        try:
            return _extract(email.message_from_bytes(raw, policy=policy))
        except ParseError:
            raise
        except Exception as exc:  # noqa: BLE001 — the email package raises many types on broken input
            last = exc
    raise ParseError(f"unreadable message: {type(last).__name__}") from last


# Header fields that survive transport unchanged: servers add Received, Return-Path, Delivered-To,
# X-* and mbox Status lines, and rewrite line endings, but keep these.
CONTENT_FIELDS = ("from", "to", "cc", "subject", "date", "mime-version", "content-type", "content-transfer-encoding")


def content_key(raw: bytes) -> str:
    """A digest of a message's normalised content, for messages without a Message-ID: the same mail
    fetched over IMAP and found again in an mbox or Maildir (or after a UIDVALIDITY reset) gives the
    same key. Headers are unfolded with whitespace collapsed; the body has its line endings
    normalised and trailing blanks removed."""
    data = (raw or b"").replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    if data.startswith(b"From ") and b"\n" in data:  # an mbox separator line kept by some exports
        data = data.split(b"\n", 1)[1]
    head, sep, body = data.partition(b"\n\n")
    if not sep:
        head, body = data, b""
    msg = email.message_from_bytes(head + b"\n\n", policy=email.policy.compat32)
    fields = []
    for name in CONTENT_FIELDS:
        for value in msg.get_all(name) or ():
            text = value if isinstance(value, str) else str(value)
            fields.append(name + ":" + re.sub(r"\s+", " ", text).strip())
    lines = [line.rstrip() for line in body.split(b"\n")]
    while lines and not lines[-1]:
        lines.pop()
    digest = hashlib.sha256(b"content\0")
    digest.update("\n".join(fields).encode("utf-8", "surrogateescape"))
    digest.update(b"\0" + b"\n".join(lines))
    return digest.hexdigest()
