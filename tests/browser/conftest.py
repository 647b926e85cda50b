"""Fixtures for browser journeys: a live server around the `app` fixture and Debian's Chromium.

Playwright's own browser download is not used: the journeys run in /usr/bin/chromium
(`apt-get install -y chromium`). Every test under tests/browser gets the `browser` marker,
so `pytest -m browser` (make test-browser) selects exactly these.
"""
from __future__ import annotations

import re
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest
from werkzeug.serving import make_server

from .pagecheck import PageChecker, Recorder

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent.parent
ARTIFACTS_ROOT = REPO_ROOT / "test-artifacts"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True}


def pytest_collection_modifyitems(config, items):  # noqa: ARG001
    # A conftest's collection hook sees every item of the session: mark only ours.
    for item in items:
        if item.path.resolve().is_relative_to(HERE):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def page_checker(browser):
    """The accessibility and language check of tests/browser/pagecheck.py, shared by the session:
    each distinct page is checked once. Screenshots go to test-artifacts/screenshots/."""
    shots = ARTIFACTS_ROOT / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    checker = PageChecker(browser, shots)
    yield checker
    checker.close()
    SUMMARY.append(f"page check (axe-core, language, 390px width, screenshots): {checker.pages_checked} distinct "
                   f"pages at 1280px and 390px in {checker.seconds:.1f} s")


SUMMARY: list[str] = []


def pytest_terminal_summary(terminalreporter):
    for line in SUMMARY:
        terminalreporter.write_line(line)


@pytest.fixture
def live_server(app, page_checker, request):
    """The test's app (its own database, injected clock) served over HTTP on a free loopback port.
    Every HTML page it sends is checked when the test is over (pagecheck.py): axe-core finds no
    serious or critical violation, and no text is in the other language, at 1280px and 390px."""
    recorder = Recorder(app)
    server = make_server("127.0.0.1", 0, recorder, threaded=True)
    recorder.base = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield SimpleNamespace(url=recorder.base, app=app, visits=recorder.visits)
        if getattr(request.node, "rep_call_passed", False):
            problems = page_checker.check(list(recorder.visits), _names_in(app))
            if problems:
                pytest.fail("pages failed the accessibility or language check:\n" + "\n".join(problems),
                            pytrace=False)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def _names_in(app) -> set[str]:
    """The allow-list of the language check: names people gave (accounts, businesses, files)."""
    from sqlalchemy import select

    from tipline.auth.models import User
    from tipline.extensions import db
    from tipline.intake.hotline.models import ApiToken
    from tipline.intake.models import EvidenceFile, Tip

    with app.app_context():
        names = set(db.session.scalars(select(User.username)))
        names |= set(db.session.scalars(select(User.display_name)))
        names |= {t.entity_name for t in db.session.scalars(select(Tip))}
        names |= {f.display_name for f in db.session.scalars(select(EvidenceFile))}
        names |= set(db.session.scalars(select(ApiToken.name)))
    return {n for n in names if n}


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    # The page check runs only after a journey that passed: a failed one has its own message.
    rep = yield
    if rep.when == "call":
        item.rep_call_passed = rep.passed
    return rep


@pytest.fixture(scope="session")
def _playwright():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(_playwright):
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} not found: install Debian's chromium: apt-get install -y chromium", pytrace=False)
    chromium = _playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    pg = context.new_page()
    yield pg
    context.close()


@pytest.fixture
def phone_page(browser):
    """A phone-sized page with JavaScript off: the public pages must work without it."""
    context = browser.new_context(locale="zh-CN", java_script_enabled=False, **PHONE)
    context.set_default_timeout(10_000)
    pg = context.new_page()
    yield pg
    context.close()


@pytest.fixture
def artifacts(request) -> Path:
    """test-artifacts/<test name>/ at the repository root, for screenshots (git-ignored)."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name).strip("_")
    path = ARTIFACTS_ROOT / name
    path.mkdir(parents=True, exist_ok=True)
    return path
