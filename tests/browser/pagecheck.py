"""Every page a journey visits, checked for accessibility (axe-core) and for text in the wrong language,
at 1280px and 390px, and photographed for the CI artifacts.

How: the live server records every HTML page it sends (`Recorder`, a WSGI wrapper). When the test is
over, before the server stops, each page not checked before in this session (same path shape,
language, method and status) is shown again in a JavaScript-enabled browser tab at both widths: the
recorded HTML is served at its own URL (so relative links and the stylesheet resolve as for the
visitor), axe-core (bundled by axe-playwright-python, a test dependency; nothing is served to users)
runs in it, and the visible text is searched for words in the other language. Tipline's pages have no
scripts, so the recorded HTML is the page the visitor saw, whatever width or JavaScript setting the
journey itself used, and nothing races with the journey's own clicks.

Time: one axe run is 0.2-0.6 s on a quiet machine; each distinct page is checked once per session.
"""
from __future__ import annotations

import hashlib
import re
import threading
import time
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

WIDTHS = {1280: {"width": 1280, "height": 900}, 390: {"width": 390, "height": 844}}
# axe impacts that fail a page (minor and moderate are reported by axe but do not fail the journey).
FAILING_IMPACTS = {"serious", "critical"}

# Raw identifiers: dotted or underscored lower-case names such as tip.passphrase_set, exif:gps.
RAW_IDENTIFIER = re.compile(r"(?<![\w./@:-])[a-z][a-z0-9]*(?:[._:][a-z][a-z0-9]*)*[._:][a-z][a-z0-9_]*(?![\w.@/-])")
# On a Chinese page: two or more Latin words in a row ("joint finance approval", "reporter" alone is one).
ASCII_PHRASE = re.compile(r"[A-Za-z][A-Za-z'-]+(?:[ ,]+[A-Za-z][A-Za-z'-]+)+")
ASCII_WORD = re.compile(r"(?<![A-Za-z0-9])[a-z]{4,}(?![A-Za-z0-9])")
# What may stay Latin on a Chinese page: product and code names, units, formats a person types.
ALLOWED_LATIN = {
    "Tipline", "English", "PDF", "KB", "MB", "URL", "TOTP", "ID", "USCC", "CSV", "JSON", "PNG", "JPEG",
    "YYYY-MM-DD", "Email", "E-mail", "IMAP", "SMTP", "EXIF", "XMP", "IPTC", "GPS", "SHA-256",
    # Authenticator apps named on the two-factor page.
    "FreeOTP", "Aegis", "Google Authenticator", "Microsoft Authenticator",
}
# Codes shown as they are: reward rule sets ("henan-2025"), tip references ("T2026-000001").
ALLOWED_CODES = re.compile(r"\b[a-z]+(?:-[a-z]+)*-\d{4}\b|\bT\d{4}-\d+\b")


def path_shape(path: str) -> str:
    """/staff/tips/12/case -> /staff/tips/N/case: one check per kind of page, not per record."""
    return re.sub(r"/\d+(?=/|$)", "/N", path)


@dataclass
class Visit:
    method: str
    url: str
    status: int
    html: str


@dataclass
class Recorder:
    """WSGI wrapper around the live server's app: keeps the HTML of every page it sends."""
    app: object
    visits: list[Visit] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    base: str = ""

    def __call__(self, environ, start_response):
        seen = {}

        def capture(status, headers, exc_info=None):
            seen["status"], seen["headers"] = status, headers
            return start_response(status, headers, exc_info)

        body = self.app(environ, capture)
        ctype = dict((k.lower(), v) for k, v in seen.get("headers", [])).get("content-type", "")
        # Pages a person navigated to (not an error page answering the browser's own favicon request).
        if not ctype.startswith("text/html") or "text/html" not in environ.get("HTTP_ACCEPT", ""):
            return body
        try:
            chunks = list(body)
        finally:
            if hasattr(body, "close"):
                body.close()
        path = environ.get("PATH_INFO", "/")
        query = environ.get("QUERY_STRING", "")
        with self.lock:
            self.visits.append(Visit(environ["REQUEST_METHOD"], self.base + path + ("?" + query if query else ""),
                                     int(seen["status"].split()[0]), b"".join(chunks).decode("utf-8")))
        return chunks


class PageChecker:
    """Session-wide: which pages were checked, the axe script, the screenshot folder."""

    def __init__(self, browser, screenshots: Path | None):
        from axe_playwright_python.sync_playwright import Axe

        self.browser = browser
        self.axe = Axe()
        self.screenshots = screenshots
        self.checked: set[tuple] = set()
        self.contexts: dict[int, object] = {}
        self.pages: dict[int, object] = {}
        self.current: Visit | None = None
        self.pages_checked = 0
        self.seconds = 0.0

    def _page(self, width: int):
        """One tab per width, kept for the session: the recorded page is served at its own address."""
        if width not in self.contexts:
            ctx = self.browser.new_context(viewport=WIDTHS[width], is_mobile=width < 500)
            ctx.set_default_timeout(30_000)
            self.contexts[width] = ctx
            page = ctx.new_page()
            page.route(lambda url: self.current is not None and url == self.current.url, self._serve)
            self.pages[width] = page
        return self.pages[width]

    @staticmethod
    def title_of(v: Visit) -> str:
        title = re.search(r"<title>(.*?)</title>", v.html, re.S)
        return title.group(1).strip() if title else ""

    def _serve(self, route):
        route.fulfill(status=200, content_type="text/html; charset=utf-8", body=self.current.html)

    def close(self):
        for ctx in self.contexts.values():
            ctx.close()

    def check(self, visits: list[Visit], allowed: AbstractSet[str] = frozenset()) -> list[str]:
        problems: list[str] = []
        started = time.perf_counter()
        for v in visits:
            lang = "zh" if 'lang="zh' in v.html[:300] else "en"
            shape = path_shape(urlsplit(v.url).path)
            # The title tells pages at one address apart (POST /report: the form again, or the receipt).
            key = (v.method, shape, lang, v.status, self.title_of(v))
            if key in self.checked or 300 <= v.status < 400:
                continue
            self.checked.add(key)
            for width in WIDTHS:
                problems += [f"{v.method} {shape} [{lang}, {width}px, HTTP {v.status}]: {p}"
                             for p in self._check_one(v, width, lang, shape, allowed)]
            self.pages_checked += 1
        self.seconds += time.perf_counter() - started
        return problems

    def _check_one(self, v: Visit, width: int, lang: str, shape: str, allowed: AbstractSet[str]) -> list[str]:
        page = self._page(width)
        self.current = v
        page.goto("about:blank")  # the same address twice in a row must load again
        page.goto(v.url, wait_until="load")
        problems = []
        result = self.axe.run(page, options={"resultTypes": ["violations"]}).response
        for violation in result["violations"]:
            if violation.get("impact") in FAILING_IMPACTS:
                targets = "; ".join(" ".join(n["target"]) for n in violation["nodes"][:5])
                problems.append(f"axe {violation['id']} ({violation['impact']}): {violation['help']} at {targets}")
        problems += wrong_language(page_texts(page), lang, allowed)
        if width == 390:
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            if overflow > 0:
                problems.append(f"{overflow}px wider than a 390px phone (sideways scroll)")
        if self.screenshots is not None:
            name = re.sub(r"[^A-Za-z0-9]+", "_", f"{shape}_{v.method}_{v.status}").strip("_") or "root"
            if v.method == "POST":  # one address, several pages: told apart by their title
                name += "_" + hashlib.sha1(self.title_of(v).encode(), usedforsecurity=False).hexdigest()[:6]
            page.screenshot(path=str(self.screenshots / f"{name}-{lang}-{width}.png"), full_page=True)
        return problems


TEXTS_JS = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const n = walker.currentNode, el = n.parentElement;
    if (!el || el.closest('script,style,[translate="no"],[aria-hidden="true"],.hp,code,kbd,samp')) continue;
    const s = getComputedStyle(el);
    if (s.display === 'none' || s.visibility === 'hidden') continue;
    if (n.textContent.trim()) out.push(n.textContent.trim());
  }
  for (const el of document.querySelectorAll('[aria-label],[title],[placeholder],[alt],input[type=submit],button')) {
    for (const a of ['aria-label', 'title', 'placeholder', 'alt']) if (el.getAttribute(a)) out.push(el.getAttribute(a));
  }
  out.push(document.title);
  return out;
}"""


def page_texts(page) -> list[str]:
    return page.evaluate(TEXTS_JS)


def wrong_language(texts: list[str], lang: str, allowed: AbstractSet[str] = frozenset()) -> list[str]:
    """Text a person would read in the other language: raw identifiers anywhere; Latin phrases and
    lower-case English words on a Chinese page. `allowed` holds the test's own data (names, codes)."""
    problems = []
    for text in texts:
        rest = text
        for a in sorted(ALLOWED_LATIN | set(allowed), key=len, reverse=True):
            rest = rest.replace(a, " ")
        rest = ALLOWED_CODES.sub(" ", rest)
        rest = re.sub(r"https?://\S+|\b(?:image|audio|video|text|application)/[\w.+-]+|\S+@\S+"
                      r"|\S+\.(?:jpe?g|png|pdf|txt|docx?|xlsx?|csv|mp3|mp4|eml)\b", " ", rest, flags=re.I)
        found = RAW_IDENTIFIER.findall(rest)
        if lang == "zh":
            found += ASCII_PHRASE.findall(rest) + ASCII_WORD.findall(rest)
        if found:
            problems.append(f"text in the wrong language: {sorted(set(found))!r} in {text[:120]!r}")
    return problems
