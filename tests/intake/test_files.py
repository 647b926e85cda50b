"""Evidence upload handling: sniffing, metadata stripping, encrypted storage, display names."""
from __future__ import annotations

import io
import re
import stat
import zipfile

import pytest
from cryptography.fernet import Fernet
from PIL import Image, PngImagePlugin

from tipline.crypto import KeyRing
from tipline.intake.files.names import safe_display_name
from tipline.intake.files.scrubbing import StripResult, strip_metadata
from tipline.intake.files.sniffing import FileKind, UnsupportedFile, sha256_hex, sniff
from tipline.intake.files.storage import EvidenceStore

SERIAL = "SN-TIPLINE-998877"
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def make_jpeg(width=64, height=32, orientation=6) -> bytes:
    im = Image.new("RGB", (width, height), "red")
    exif = Image.Exif()
    exif[0x010F] = "Canon"
    exif[0x0110] = "EOS 5D"
    exif[0x0112] = orientation
    exif.get_ifd(0x8769)[0xA431] = SERIAL
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (39.0, 54.0, 27.0), 3: "E", 4: (116.0, 23.0, 30.0)})
    out = io.BytesIO()
    im.save(out, "JPEG", exif=exif)
    return out.getvalue()


def make_docx(core_creator="张三", document=b"<w:document>secret plan</w:document>") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml",
                    '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                    'package/2006/content-types"/>')
        zf.writestr("word/document.xml", document)
        zf.writestr("docProps/core.xml",
                    '<?xml version="1.0" encoding="UTF-8"?><cp:coreProperties '
                    'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
                    'xmlns:dc="http://purl.org/dc/elements/1.1/">'
                    f"<dc:title>Q3</dc:title><dc:creator>{core_creator}</dc:creator>"
                    "<cp:lastModifiedBy>李四</cp:lastModifiedBy></cp:coreProperties>")
        zf.writestr("docProps/app.xml",
                    "<Properties><Company>某某公司</Company><Pages>1</Pages></Properties>")
    return out.getvalue()


@pytest.fixture
def keyring():
    return KeyRing((Fernet.generate_key().decode(),), b"x" * 32)


# --- sniffing -----------------------------------------------------------------------

def test_jpeg_named_txt_is_jpeg():
    kind = sniff(make_jpeg(), "notes.txt")
    assert kind == FileKind("image/jpeg", "image", "jpg")


@pytest.mark.parametrize("header", [
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\0\0",
    b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56,
])
def test_executable_named_jpg_is_refused(header):
    with pytest.raises(UnsupportedFile) as err:
        sniff(header, "evidence.jpg")
    assert err.value.reason == "not_allowed"
    assert isinstance(err.value, ValueError)


def test_gb18030_chinese_text_is_plain_text():
    data = "举报材料：该公司于二〇二四年虚报收入。\n联系人不详。\n".encode("gb18030")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert sniff(data, "x.bin") == FileKind("text/plain", "text", "txt")


def test_utf8_text_with_angle_bracket_is_text():
    assert sniff("价格 <3 倍\n".encode(), "a.txt").mime == "text/plain"


@pytest.mark.parametrize("data", [
    b"<html><script>alert(1)</script></html>",
    b"  \n<!DOCTYPE html><p>hi",
    b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
    b'<?xml version="1.0"?><root/>',
    b"notes first, then <script>steal()</script>",
])
def test_markup_text_is_not_allowed(data):
    with pytest.raises(UnsupportedFile) as err:
        sniff(data, "page.txt")
    assert err.value.reason == "not_allowed"


def test_empty_file():
    with pytest.raises(UnsupportedFile) as err:
        sniff(b"", "x.pdf")
    assert err.value.reason == "empty"


def test_random_binary_is_unknown():
    with pytest.raises(UnsupportedFile) as err:
        sniff(b"\x00\x01\x02\xfe\xff" * 50, "x.dat")
    assert err.value.reason == "unknown_type"


def test_docx_sniffed_by_content():
    assert sniff(make_docx(), "report.pdf") == FileKind(DOCX_MIME, "office", "docx")


def test_xlsx_and_odt():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
    assert sniff(out.getvalue(), "a").extension == "xlsx"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        zf.writestr("content.xml", "<office:document-content/>")
    assert sniff(out.getvalue(), "a").extension == "odt"


def test_plain_zip_is_not_allowed():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("payload.exe", b"MZ" + b"\0" * 100)
    with pytest.raises(UnsupportedFile) as err:
        sniff(out.getvalue(), "report.docx")
    assert err.value.reason == "not_allowed"


def test_truncated_zip_is_corrupt():
    with pytest.raises(UnsupportedFile) as err:
        sniff(make_docx()[:40], "a.docx")
    assert err.value.reason == "corrupt"


def test_ole_word_document_and_msi_like_container():
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504
    doc = header + "WordDocument".encode("utf-16-le") + b"\0\0" + b"\0" * 64
    assert sniff(doc, "a.bin") == FileKind("application/msword", "office", "doc")
    with pytest.raises(UnsupportedFile) as err:
        sniff(header + b"\0" * 512, "setup.doc")
    assert err.value.reason == "not_allowed"


def test_zip_bomb_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        chunk = b"\0" * (4 * 1024 * 1024)
        with zf.open("word/document.xml", "w", force_zip64=True) as fh:
            for _ in range(75):  # 300 MiB, streamed so memory stays small
                fh.write(chunk)
    data = out.getvalue()
    assert len(data) < 5 * 1024 * 1024
    with pytest.raises(UnsupportedFile) as err:
        sniff(data, "a.docx")
    assert err.value.reason == "zip_bomb"
    with pytest.raises(UnsupportedFile) as err:
        strip_metadata(data, FileKind(DOCX_MIME, "office", "docx"))
    assert err.value.reason == "zip_bomb"


def test_size_cap_is_configurable():
    docx = make_docx(document=b"<w:document>" + b"words " * 20_000 + b"</w:document>")
    assert sniff(docx, "a.docx").extension == "docx"
    with pytest.raises(UnsupportedFile) as err:
        sniff(docx, "a.docx", max_uncompressed=50_000)
    assert err.value.reason == "zip_bomb"


def test_high_ratio_under_size_cap_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", b"\0" * (20 * 1024 * 1024))
    with pytest.raises(UnsupportedFile) as err:
        sniff(out.getvalue(), "a.docx")
    assert err.value.reason == "zip_bomb"


# --- stripping ----------------------------------------------------------------------

def test_jpeg_exif_removed_and_orientation_applied():
    original = make_jpeg(64, 32, orientation=6)
    assert SERIAL.encode() in original
    before = Image.open(io.BytesIO(original))
    assert before.getexif().get_ifd(0x8825)  # the fixture really carries GPS
    kind = sniff(original, "IMG_0001.JPG")
    result = strip_metadata(original, kind)
    assert result.stripped
    assert {"exif:gps", "exif:camera_serial", "exif"} <= set(result.removed)
    assert SERIAL.encode() not in result.data
    assert b"Canon" not in result.data
    after = Image.open(io.BytesIO(result.data))
    assert after.format == "JPEG"
    assert after.size == (32, 64)
    exif = after.getexif()
    assert not exif.get_ifd(0x8825)
    assert not exif.get_ifd(0x8769)
    assert len(exif) == 0
    assert "exif" not in after.info


def test_png_text_chunk_removed():
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Wang Wu")
    out = io.BytesIO()
    Image.new("RGBA", (8, 8), (0, 0, 255, 128)).save(out, "PNG", pnginfo=info)
    result = strip_metadata(out.getvalue(), sniff(out.getvalue(), "a.png"))
    assert "png:text" in result.removed
    assert b"Wang Wu" not in result.data
    again = Image.open(io.BytesIO(result.data))
    assert "Author" not in again.info and again.mode == "RGBA"


def test_animated_gif_keeps_frames():
    frames = [Image.new("RGB", (10, 10), c) for c in ("red", "green", "blue")]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=50,
                   comment=b"made by Zhao Liu")
    assert Image.open(out).n_frames == 3
    result = strip_metadata(out.getvalue(), sniff(out.getvalue(), "a.gif"))
    assert b"Zhao Liu" not in result.data and result.removed == ["comment"]
    assert Image.open(io.BytesIO(result.data)).n_frames == 3


def test_image_bomb_refused(monkeypatch):
    from tipline.intake.files import scrubbing

    out = io.BytesIO()
    Image.new("1", (4000, 3000)).save(out, "PNG")
    monkeypatch.setattr(scrubbing, "MAX_IMAGE_PIXELS", 10_000_000)
    with pytest.raises(UnsupportedFile) as err:
        strip_metadata(out.getvalue(), FileKind("image/png", "image", "png"))
    assert err.value.reason == "image_bomb"


def test_undecodable_image_is_corrupt():
    data = make_jpeg()[:200]
    with pytest.raises(UnsupportedFile) as err:
        strip_metadata(data, FileKind("image/jpeg", "image", "jpg"))
    assert err.value.reason == "corrupt"


def test_docx_creator_removed_other_entries_identical():
    document = "<w:document>举报内容 secret plan</w:document>".encode()
    original = make_docx(document=document)
    kind = sniff(original, "a.docx")
    result = strip_metadata(original, kind)
    assert result.stripped
    assert set(result.removed) == {"docx:creator", "docx:last_modified_by", "docx:company"}
    with zipfile.ZipFile(io.BytesIO(original)) as before, \
            zipfile.ZipFile(io.BytesIO(result.data)) as after:
        assert after.namelist() == before.namelist()
        assert after.read("word/document.xml") == document
        assert after.read("[Content_Types].xml") == before.read("[Content_Types].xml")
        core = after.read("docProps/core.xml").decode()
        assert "张三" not in core and "李四" not in core
        assert "<dc:creator></dc:creator>" in core and "<dc:title>Q3</dc:title>" in core
        assert "某某公司" not in after.read("docProps/app.xml").decode()
    assert sniff(result.data, "a.docx") == kind


def test_pdf_author_blanked():
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject, StreamObject

    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer.add_metadata({"/Author": "Chen Qi", "/Creator": "Word", "/Title": "Ledger"})
    xmp = StreamObject()
    xmp.set_data(b"<x:xmpmeta><dc:creator>Chen Qi</dc:creator></x:xmpmeta>")
    writer.root_object[NameObject("/Metadata")] = writer._add_object(xmp)
    out = io.BytesIO()
    writer.write(out)
    assert out.getvalue().count(b"Chen Qi") == 2
    result = strip_metadata(out.getvalue(), sniff(out.getvalue(), "a.pdf"))
    assert result.stripped
    assert {"pdf:author", "pdf:creator", "pdf:xmp"} <= set(result.removed)
    assert b"Chen Qi" not in result.data
    meta = PdfReader(io.BytesIO(result.data)).metadata
    assert not meta.get("/Author") and not meta.get("/Creator") and not meta.get("/Producer")
    assert meta.get("/Title") == "Ledger"
    assert len(PdfReader(io.BytesIO(result.data)).pages) == 1


def test_unparseable_or_encrypted_pdf_left_untouched():
    from pypdf import PdfWriter

    data = b"%PDF-1.4 not really a pdf"
    assert strip_metadata(data, sniff(data, "a.pdf")) == StripResult(data, False, [])
    writer = PdfWriter()
    writer.add_blank_page(100, 100)
    writer.encrypt("pw")
    out = io.BytesIO()
    writer.write(out)
    result = strip_metadata(out.getvalue(), sniff(out.getvalue(), "a.pdf"))
    assert result.data == out.getvalue() and not result.stripped


def test_other_kinds_unchanged():
    data = "纯文本".encode()
    result = strip_metadata(data, sniff(data, "a.txt"))
    assert result.data == data and not result.stripped and result.removed == []


# --- storage ------------------------------------------------------------------------

def test_store_round_trip(tmp_path, keyring):
    store = EvidenceStore(tmp_path / "evidence", keyring)
    plaintext = b"MARKER-PLAINTEXT-7731 " * 10
    name = store.put(plaintext)
    assert re.fullmatch(r"[0-9a-f]{32}", name)
    path = tmp_path / "evidence" / name[:2] / name
    assert path.is_file()
    assert b"MARKER-PLAINTEXT-7731" not in path.read_bytes()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "evidence").stat().st_mode) == 0o700
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".tmp")]
    assert store.exists(name)
    assert store.get(name) == plaintext
    assert store.delete(name) is True
    assert not path.exists() and not store.exists(name)
    assert store.delete(name) is False
    with pytest.raises(FileNotFoundError):
        store.get(name)


def test_store_names_are_unique(tmp_path, keyring):
    store = EvidenceStore(tmp_path, keyring)
    assert store.put(b"a") != store.put(b"a")


@pytest.mark.parametrize("name", [
    "../../etc/passwd", "..", "", "0" * 31, "0" * 33, "A" * 32, "0" * 30 + "/x",
    "/" + "0" * 31, "g" * 32, "0" * 31 + "\n",
])
def test_store_rejects_bad_names(tmp_path, keyring, name):
    store = EvidenceStore(tmp_path, keyring)
    with pytest.raises(ValueError):
        store.get(name)
    with pytest.raises(ValueError):
        store.delete(name)


def test_sha256_hex():
    assert sha256_hex(b"abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


# --- display names ------------------------------------------------------------------

@pytest.mark.parametrize("raw, shown", [
    ("../../etc/passwd", "passwd"),
    ("C:\\Users\\wang\\Desktop\\账本.xlsx", "账本.xlsx"),
    ("..\\..\\boot.ini", "boot.ini"),
    (".htaccess", "htaccess"),
    ("a\x00b\r\nc\x1b.txt", "abc.txt"),
    ("invoice\u202egpj.exe", "invoicegpj.exe"),
    ("", "file"),
    ("...", "file"),
    ("dir/", "file"),
])
def test_safe_display_name(raw, shown):
    assert safe_display_name(raw) == shown


def test_safe_display_name_keeps_extension_when_truncating():
    name = safe_display_name("长" * 300 + ".pdf")
    assert len(name) == 120 and name.endswith(".pdf")
    assert len(safe_display_name("x" * 500)) == 120
