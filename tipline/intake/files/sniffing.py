"""An upload's type from its bytes (the reporter's filename is never trusted), with the limits that
refuse zip bombs; refusals are UnsupportedFile with a reason safe to show."""
from __future__ import annotations

import hashlib
import io
import re
import zipfile
from dataclasses import dataclass

import filetype

MiB = 1024 * 1024
MAX_UNCOMPRESSED = 200 * MiB
MAX_RATIO = 100
# Tiny zips (a few KB of XML) can compress far better than 100:1 and are harmless,
# so the ratio test only applies once the expanded size could hurt.
RATIO_FLOOR = 1 * MiB
MAX_ZIP_ENTRIES = 10_000

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class UnsupportedFile(ValueError):
    """A refused upload; `.reason` is one of REASONS, safe to show or log."""

    REASONS = ("unknown_type", "not_allowed", "empty", "zip_bomb", "image_bomb", "corrupt")

    def __init__(self, reason: str, detail: str = ""):
        if reason not in self.REASONS:  # only known reasons may reach a page or a log
            raise AssertionError(reason)
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


@dataclass(frozen=True)
class FileKind:
    mime: str
    family: str  # image | pdf | office | audio | video | text
    extension: str  # lowercase, no dot


_OOXML = {
    "word/": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
    "xl/": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "ppt/": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx"),
}
_ODF = {
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/vnd.oasis.opendocument.presentation": "odp",
}
# Stream names in an OLE directory are UTF-16LE; checking them keeps MSI installers
# and other OLE containers out while letting real Word/Excel/PowerPoint files in.
_OLE_STREAMS = [
    ("WordDocument", "application/msword", "doc"),
    ("Workbook", "application/vnd.ms-excel", "xls"),
    ("Book", "application/vnd.ms-excel", "xls"),
    ("PowerPoint Document", "application/vnd.ms-powerpoint", "ppt"),
]
# filetype mime -> (our mime, family, extension). Anything it recognises that is
# not listed here (executables, archives, fonts, Flash, ...) is not allowed.
_MAGIC = {
    src: (mime or src, family, ext)
    for src, mime, family, ext in [
        ("image/jpeg", "", "image", "jpg"), ("image/png", "", "image", "png"),
        ("image/apng", "image/png", "image", "png"), ("image/gif", "", "image", "gif"),
        ("image/webp", "", "image", "webp"), ("image/heic", "", "image", "heic"),
        ("image/bmp", "", "image", "bmp"), ("image/tiff", "", "image", "tif"),
        ("application/pdf", "", "pdf", "pdf"),
        ("audio/mpeg", "", "audio", "mp3"), ("audio/mp4", "", "audio", "m4a"),
        ("audio/aac", "", "audio", "aac"), ("audio/x-wav", "audio/wav", "audio", "wav"),
        ("audio/amr", "", "audio", "amr"), ("audio/ogg", "", "audio", "ogg"),
        ("audio/x-flac", "audio/flac", "audio", "flac"),
        ("video/mp4", "", "video", "mp4"), ("video/x-m4v", "video/mp4", "video", "mp4"),
        ("video/quicktime", "", "video", "mov"), ("video/3gpp", "", "video", "3gp"),
        ("video/x-msvideo", "", "video", "avi"), ("video/webm", "", "video", "webm"),
        ("video/x-matroska", "", "video", "mkv"),
    ]
}
# Browsers sniff markup within roughly the first KB; text that a browser could
# render as HTML/SVG is refused rather than relying on every response header.
_MARKUP = re.compile(
    rb"<\s*(?:!doctype|html|head|body|script|iframe|svg|object|embed|meta|style|\?xml)\b", re.I
)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sniff(data: bytes, filename: str = "", *, max_uncompressed: int = MAX_UNCOMPRESSED) -> FileKind:
    """Decide the file's type from its bytes; `filename` is deliberately ignored.

    Raises UnsupportedFile with reason empty, zip_bomb, corrupt, not_allowed or unknown_type.
    """
    del filename  # accepted for the caller's convenience, never trusted
    if not data:
        raise UnsupportedFile("empty")
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return _sniff_zip(data, max_uncompressed)
    if data[:8] == OLE_MAGIC:
        return _sniff_ole(data)
    guess = filetype.guess(data)
    if guess is not None:
        if guess.mime not in _MAGIC:
            raise UnsupportedFile("not_allowed", guess.mime)
        return FileKind(*_MAGIC[guess.mime])
    if _is_text(data):
        head = data[:1024].lstrip(b"\xef\xbb\xbf").lstrip()
        if _MARKUP.search(head) or re.match(rb"<[A-Za-z!?]", head):
            raise UnsupportedFile("not_allowed", "markup")
        return FileKind("text/plain", "text", "txt")
    raise UnsupportedFile("unknown_type")


def _is_text(data: bytes) -> bool:
    if b"\0" in data:
        return False
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        # GB18030 accepts many binary byte runs; real text has few C0 controls.
        controls = sum(1 for c in text if ord(c) < 32 and c not in "\t\n\r\f\v\x1b")
        return controls <= len(text) // 100
    return False


def open_zip(data: bytes, max_uncompressed: int) -> zipfile.ZipFile:
    """Open a zip and check its central directory sizes; raises UnsupportedFile (corrupt, zip_bomb)."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise UnsupportedFile("corrupt", "unreadable zip") from exc
    if len(infos) > MAX_ZIP_ENTRIES:
        raise UnsupportedFile("zip_bomb", "too many entries")
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos)
    if total > max_uncompressed:
        raise UnsupportedFile("zip_bomb", "too large when expanded")
    if total > RATIO_FLOOR and total > MAX_RATIO * max(packed, 1):
        raise UnsupportedFile("zip_bomb", "compression ratio")
    return zf


def _sniff_zip(data: bytes, max_uncompressed: int) -> FileKind:
    """Raises UnsupportedFile: corrupt, zip_bomb, or not_allowed for any non-office zip."""
    with open_zip(data, max_uncompressed) as zf:
        names = zf.namelist()
        if "[Content_Types].xml" in names:
            for prefix, (mime, ext) in _OOXML.items():
                if any(n.startswith(prefix) for n in names):
                    return FileKind(mime, "office", ext)
        if "mimetype" in names and zf.getinfo("mimetype").file_size < 100:
            try:
                mime = zf.read("mimetype").decode("ascii", "replace").strip()
            except (zipfile.BadZipFile, RuntimeError, NotImplementedError, EOFError) as exc:
                raise UnsupportedFile("corrupt", "unreadable mimetype entry") from exc
            if mime in _ODF:
                return FileKind(mime, "office", _ODF[mime])
    raise UnsupportedFile("not_allowed", "zip archive")


def _sniff_ole(data: bytes) -> FileKind:
    """Raises UnsupportedFile("not_allowed") for OLE containers that are not Office documents."""
    for stream, mime, ext in _OLE_STREAMS:
        if stream.encode("utf-16-le") + b"\0\0" in data:
            return FileKind(mime, "office", ext)
    raise UnsupportedFile("not_allowed", "OLE container")
