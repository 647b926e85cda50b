"""Removing identifying metadata from images, office documents and PDFs before they are stored."""
from __future__ import annotations

import io
import logging
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any

from .sniffing import MAX_UNCOMPRESSED, FileKind, UnsupportedFile, open_zip

MAX_IMAGE_PIXELS = 80_000_000


@dataclass
class StripResult:
    data: bytes
    stripped: bool  # True when the output came from a metadata-removing rewrite
    removed: list[str] = field(default_factory=list)


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

        def blank(m, local=local):  # bound now; sub() calls it before the loop moves on anyway
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
        with open_zip(data, max_uncompressed) as src, zipfile.ZipFile(out, "w") as dst:
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
        original: dict[Any, Any] = reader.metadata or {}
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
