"""Evidence uploads: type sniffing, metadata stripping and encrypted storage.

Pure Python, no Flask: the web layer calls `sniff`, then `strip_metadata`, then
`EvidenceStore.put`. Filenames from reporters are only ever used for display
(`safe_display_name`); types come from content and paths from random names.
"""
from __future__ import annotations

import hashlib
import io
import logging
import os
import re
import secrets
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import filetype

MiB = 1024 * 1024
MAX_UNCOMPRESSED = 200 * MiB
MAX_RATIO = 100
# Tiny zips (a few KB of XML) can compress far better than 100:1 and are harmless,
# so the ratio test only applies once the expanded size could hurt.
RATIO_FLOOR = 1 * MiB
MAX_ZIP_ENTRIES = 10_000
MAX_IMAGE_PIXELS = 80_000_000

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class UnsupportedFile(ValueError):
    """A refused upload; `.reason` is one of REASONS, safe to show or log."""

    REASONS = ("unknown_type", "not_allowed", "empty", "zip_bomb", "image_bomb", "corrupt")

    def __init__(self, reason: str, detail: str = ""):
        assert reason in self.REASONS, reason
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


@dataclass(frozen=True)
class FileKind:
    mime: str
    family: str  # image | pdf | office | audio | video | text
    extension: str  # lowercase, no dot


@dataclass
class StripResult:
    data: bytes
    stripped: bool  # True when the output came from a metadata-removing rewrite
    removed: list[str] = field(default_factory=list)


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


def _open_zip(data: bytes, max_uncompressed: int) -> zipfile.ZipFile:
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
    with _open_zip(data, max_uncompressed) as zf:
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


# --- metadata stripping ------------------------------------------------------------

_PIL_FORMAT = {"jpg": "JPEG", "png": "PNG", "gif": "GIF", "webp": "WEBP", "bmp": "BMP",
               "tif": "TIFF", "heic": "HEIF"}
# Image.info keys that carry rendering, not provenance; everything else is dropped.
_KEEP_INFO = ("transparency", "background", "duration", "loop", "icc_profile")


def strip_metadata(data: bytes, kind: FileKind, *,
                   max_uncompressed: int = MAX_UNCOMPRESSED) -> StripResult:
    """Remove identifying metadata; unsupported kinds come back unchanged with stripped=False.

    Raises UnsupportedFile: image_bomb or corrupt (images), zip_bomb or corrupt (OOXML/ODF).
    """
    if kind.family == "image":
        return _strip_image(data, kind)
    if kind.extension in ("docx", "xlsx", "pptx", "odt", "ods", "odp"):
        return _strip_zip_office(data, kind, max_uncompressed)
    if kind.family == "pdf":
        return _strip_pdf(data)
    return StripResult(data, False, [])


def _image_findings(im) -> list[str]:
    found = []
    exif = im.getexif()
    if exif:
        if exif.get_ifd(0x8825):
            found.append("exif:gps")
        sub = exif.get_ifd(0x8769)
        if 0xA431 in sub or 0xA435 in sub:
            found.append("exif:camera_serial")
        if 0x010F in exif or 0x0110 in exif:
            found.append("exif:camera_model")
        found.append("exif")
    info = im.info
    if "xmp" in info or "XML:com.adobe.xmp" in info:
        found.append("xmp")
    if "photoshop" in info or "iptc" in info:
        found.append("iptc")
    if "comment" in info:
        found.append("comment")
    if getattr(im, "text", None):
        found.append("png:text")
    return found


def _clean_copy(frame):
    out = frame.copy()  # a plain Image: no TIFF tag dictionaries ride along
    out.info = {k: v for k, v in frame.info.items() if k in _KEEP_INFO}
    return out


def _strip_image(data: bytes, kind: FileKind) -> StripResult:
    from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

    fmt = _PIL_FORMAT.get(kind.extension)
    if fmt == "HEIF":
        try:
            import pillow_heif
        except ImportError:  # without libheif we cannot rewrite HEIC; say so, do not fake it
            return StripResult(data, False, [])
        pillow_heif.register_heif_opener()
    try:
        im = Image.open(io.BytesIO(data))
        w, h = im.size
        frames = getattr(im, "n_frames", 1) if fmt == "GIF" else 1
        # Checked before decoding so a tiny file claiming a huge canvas never allocates it.
        if w * h * frames > MAX_IMAGE_PIXELS:
            raise UnsupportedFile("image_bomb", f"{w}x{h}x{frames}")
        removed = _image_findings(im)
        out = io.BytesIO()
        if frames > 1:
            seq = [_clean_copy(f) for f in ImageSequence.Iterator(im)]
            seq[0].save(out, "GIF", save_all=True, append_images=seq[1:],
                        duration=im.info.get("duration", 100), loop=im.info.get("loop", 0))
        else:
            im.load()
            clean = _clean_copy(ImageOps.exif_transpose(im))
            # Pillow's WebP/HEIF defaults (80/50) would visibly degrade evidence photos.
            extra = {"quality": 95} if fmt in ("JPEG", "WEBP", "HEIF") else {}
            if "icc_profile" in clean.info:
                extra["icc_profile"] = clean.info["icc_profile"]
            clean.save(out, fmt, **extra)
    except UnsupportedFile:
        raise
    except Image.DecompressionBombError as exc:
        raise UnsupportedFile("image_bomb") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise UnsupportedFile("corrupt", "image does not decode") from exc
    return StripResult(out.getvalue(), True, removed)


# Element local names whose text identifies a person or organisation.
_OFFICE_FIELDS = {
    "docProps/core.xml": ("creator", "lastModifiedBy"),
    "docProps/app.xml": ("Company", "Manager"),
    "meta.xml": ("initial-creator", "creator"),
}
_LABEL = {"lastModifiedBy": "last_modified_by", "initial-creator": "initial_creator",
          "Company": "company", "Manager": "manager"}


def _blank_elements(xml: bytes, names: tuple[str, ...], ext: str, removed: list[str]) -> bytes:
    # A regex edit keeps every other byte of the part as written; re-serialising with
    # ElementTree would rename namespace prefixes, which some Office versions dislike.
    for local in names:
        pattern = re.compile(
            rb"(<(?:[\w.-]+:)?" + local.encode() + rb"\b[^>]*?(?<!/)>)(.*?)(</(?:[\w.-]+:)?"
            + local.encode() + rb"\s*>)", re.S)

        def blank(m):
            if m.group(2).strip():
                label = f"{ext}:{_LABEL.get(local, local)}"
                if label not in removed:
                    removed.append(label)
            return m.group(1) + m.group(3)

        xml = pattern.sub(blank, xml)
    return xml


def _strip_zip_office(data: bytes, kind: FileKind, max_uncompressed: int) -> StripResult:
    """Raises UnsupportedFile (zip_bomb, corrupt): limits are rechecked since callers may skip sniff."""
    removed: list[str] = []
    out = io.BytesIO()
    try:
        with _open_zip(data, max_uncompressed) as src, zipfile.ZipFile(out, "w") as dst:
            for info in src.infolist():
                body = src.read(info)  # bounded by the central-directory sizes checked above
                if info.filename in _OFFICE_FIELDS:
                    body = _blank_elements(body, _OFFICE_FIELDS[info.filename], kind.extension, removed)
                # Reusing the ZipInfo keeps order, compression method and timestamps, so
                # ODF's leading uncompressed "mimetype" entry stays valid.
                dst.writestr(info, body)
    except UnsupportedFile:
        raise
    except (zipfile.BadZipFile, EOFError, ValueError, RuntimeError, NotImplementedError) as exc:
        # RuntimeError: password-protected entry; NotImplementedError: e.g. Deflate64.
        raise UnsupportedFile("corrupt", "zip entry unreadable") from exc
    return StripResult(out.getvalue(), True, removed)


def _strip_pdf(data: bytes) -> StripResult:
    # A full rewrite, not an incremental update: an incremental save appends a new
    # info dictionary but leaves the old author bytes in the file.
    try:
        from pypdf import PdfReader, PdfWriter
        from pypdf.generic import NameObject, TextStringObject

        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            return StripResult(data, False, [])
        writer = PdfWriter(clone_from=reader)
        removed = []
        original = reader.metadata or {}
        for key in ("/Author", "/Creator", "/Producer"):
            if str(original.get(key) or "").strip():
                removed.append("pdf:" + key[1:].lower())
        writer.add_metadata({k: TextStringObject("") for k in ("/Author", "/Creator", "/Producer")})
        root = writer.root_object
        if NameObject("/Metadata") in root:  # XMP repeats author and tool names
            del root[NameObject("/Metadata")]
            removed.append("pdf:xmp")
            # Cloning copies every object; without this the unlinked XMP is still written.
            writer.compress_identical_objects(remove_duplicates=False, remove_unreferenced=True)
        out = io.BytesIO()
        writer.write(out)
    except Exception:  # noqa: BLE001 — pypdf raises many types; a PDF it cannot parse stays evidence
        # Logged because a pypdf API change would otherwise silently stop all PDF stripping.
        logging.getLogger(__name__).warning("PDF metadata left in place", exc_info=True)
        return StripResult(data, False, [])
    return StripResult(out.getvalue(), True, removed)


# --- storage ------------------------------------------------------------------------

_NAME = re.compile(r"[0-9a-f]{32}")


class EvidenceStore:
    """Encrypted blobs under `root` (keep it outside any web-served directory)."""

    def __init__(self, root: Path, keyring):
        self.root = Path(root)
        self.keyring = keyring
        self.root.mkdir(parents=True, exist_ok=True)
        os.chmod(self.root, 0o700)

    def _path(self, name: str) -> Path:
        """Raises ValueError unless name is 32 lowercase hex chars, so no input can escape root."""
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise ValueError("invalid evidence name")
        return self.root / name[:2] / name

    in_database = False

    def put(self, data: bytes, session=None) -> str:  # noqa: ARG002 — the database store needs the session
        """Encrypt and store atomically; returns the new random name."""
        while True:
            name = secrets.token_hex(16)
            path = self._path(name)
            if not path.exists():
                break
        shard = path.parent
        shard.mkdir(mode=0o700, exist_ok=True)
        os.chmod(shard, 0o700)  # mkdir's mode is filtered by the umask
        fd, tmp = tempfile.mkstemp(dir=shard, prefix=".tmp-")  # mkstemp creates 0600
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(self.keyring.encrypt(data))
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        _fsync_dir(shard)
        return name

    def token(self, name: str) -> bytes:
        """The stored ciphertext as it is on disk. Raises ValueError (bad name), FileNotFoundError."""
        return self._path(name).read_bytes()

    def get(self, name: str, session=None) -> bytes:  # noqa: ARG002 — same call as the database store
        """Raises ValueError (bad name), FileNotFoundError, cryptography InvalidToken."""
        return self.keyring.decrypt(self._path(name).read_bytes())

    def exists(self, name: str, session=None) -> bool:  # noqa: ARG002
        """Raises ValueError for a malformed name."""
        return self._path(name).is_file()

    def delete(self, name: str) -> bool:
        """Unlink the blob; returns False if it was already gone. Raises ValueError (bad name)."""
        path = self._path(name)
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        _fsync_dir(path.parent)
        return True


def _fsync_dir(path: Path) -> None:
    # Makes the rename/unlink itself durable, not just the file contents.
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# --- display names ------------------------------------------------------------------

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
