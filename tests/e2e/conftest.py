"""Browser journeys: Playwright (sync API) driving Debian's chromium against pytest-django's
live server. Never ``playwright install``: the browser is /usr/bin/chromium
(``make browser`` installs it and a Chinese font from Debian's packages).

Every page a journey visits goes through the ``check_page`` fixture (or ``Person.check``, for
a journey in which several people each use their own browser: ``person``): no URL to another
host in any ``href``/``src``/``action`` attribute or inline ``url(...)``, no request to another
host, no Content-Security-Policy violation, no console error and no script error; and a
full-page screenshot is kept under ``test-artifacts/screenshots/``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page

# Playwright's sync API runs an event loop in this thread; Django refuses ORM calls from a
# thread with a running loop unless told that this is safe (the test's own data set-up).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"

# Collects, in the page, every URL an attribute or an inline style points at.
_URLS_IN_PAGE_JS = r"""
() => {
  const found = [];
  const attrs = new Set(["href", "src", "action", "formaction", "poster", "data", "srcset"]);
  const styleUrls = (text, where) => {
    for (const m of text.matchAll(/url\(\s*(['"]?)(.*?)\1\s*\)/g)) found.push([where, m[2]]);
  };
  for (const el of document.querySelectorAll("*")) {
    const tag = el.tagName.toLowerCase();
    for (const attr of el.attributes) {
      const name = attr.localName;
      if (attr.name === "style") styleUrls(attr.value, tag + "[style]");
      if (!attrs.has(name)) continue;
      if (name === "data" && tag !== "object") continue;
      if (name === "srcset") {
        for (const part of attr.value.split(",")) {
          const url = part.trim().split(/\s+/)[0];
          if (url) found.push([tag + "[srcset]", url]);
        }
      } else {
        found.push([tag + "[" + attr.name + "]", attr.value]);
      }
    }
    if (tag === "style") styleUrls(el.textContent, "style");
  }
  return found;
}
"""

# Records CSP violations as the page reports them (in addition to the console messages).
_CSP_LISTENER_JS = """
window.__kejinCspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__kejinCspViolations.push(e.violatedDirective + " " + e.blockedURI);
});
"""


def foreign_urls(urls: list[list[str]], page_url: str) -> list[str]:
    """The URLs among ``urls`` ([where, url] pairs) that point to another host than the page's."""
    origin = urlsplit(page_url)
    bad = []
    for where, raw in urls:
        value = raw.strip()
        if not value or value.startswith(("#", "data:")):
            continue
        if value.lower().startswith("javascript:"):
            bad.append(f"{where}: {value}")
            continue
        parts = urlsplit(value)
        absolute = value.startswith("//") or parts.scheme or parts.netloc
        if absolute and (parts.scheme, parts.netloc) != (origin.scheme, origin.netloc):
            bad.append(f"{where}: {value}")
    return bad


@dataclass
class PageWatch:
    """What the browser reported while a journey ran: console errors, page errors, requests."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    failed_responses: list[str] = field(default_factory=list)

    def reset(self) -> None:
        self.failed_responses.clear()
        self.console_errors.clear()
        self.page_errors.clear()
        self.requests.clear()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"{CHROMIUM} is missing: run `make browser` (Debian's chromium package)")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": CHROMIUM_ARGS,
        "headless": True,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {
        **browser_context_args,
        "locale": "zh-CN",
        "timezone_id": "Asia/Shanghai",
        "viewport": {"width": 1366, "height": 860},
    }


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    """Signing in checks a password; PBKDF2 at full strength would only slow the journeys."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def page_watch(page) -> PageWatch:
    """Listen to ``page``: console errors, uncaught script errors and every request."""
    watched = PageWatch()
    page.on(
        "console",
        lambda message: (
            watched.console_errors.append(message.text) if message.type == "error" else None
        ),
    )
    page.on("pageerror", lambda error: watched.page_errors.append(str(error)))
    page.on("request", lambda request: watched.requests.append(request.url))
    page.on(
        "response",
        lambda response: (
            watched.failed_responses.append(f"{response.status} {response.url}")
            if response.status >= 400
            else None
        ),
    )
    page.add_init_script(_CSP_LISTENER_JS)
    page.set_default_timeout(15_000)
    return watched


@pytest.fixture
def watch(page) -> PageWatch:
    """Listens to the page: console errors, uncaught script errors and every request."""
    return page_watch(page)


@pytest.fixture
def check_page(page, watch):
    """``check_page("<role>-<page>")`` checks the current page and saves its screenshot."""
    return lambda screenshot: _check_page(page, watch, screenshot)


@dataclass
class Person:
    """One person at their own browser: a context of its own (cookies, session) and a page,
    watched like ``page``. ``check(screenshot)`` is ``check_page`` for this page."""

    name: str
    page: Page
    watch: PageWatch

    def check(self, screenshot: str) -> None:
        _check_page(self.page, self.watch, screenshot)


@pytest.fixture
def person(new_context) -> Callable[[str], Person]:
    """``person("bank")``: a new browser context with one watched page, for journeys in which
    several people take turns (each stays signed in or out in their own browser). The
    contexts are closed at the end of the test."""

    def open_browser(name: str) -> Person:
        page = new_context().new_page()
        return Person(name=name, page=page, watch=page_watch(page))

    return open_browser


def _check_page(page, watch: PageWatch, screenshot: str) -> None:
    """Assert the page shows nothing from another host and broke no rule; save a screenshot."""
    page.wait_for_load_state("networkidle")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{screenshot}.png"), full_page=True)

    foreign = foreign_urls(page.evaluate(_URLS_IN_PAGE_JS), page.url)
    assert foreign == [], f"{page.url} points to another host: {foreign}"
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(page.url))
    elsewhere = [
        url for url in watch.requests if not url.startswith((origin + "/", "data:", "blob:"))
    ]
    assert elsewhere == [], f"{page.url} requested another host: {elsewhere}"

    violations = page.evaluate("window.__kejinCspViolations || []")
    assert violations == [], f"CSP violations on {page.url}: {violations}"
    csp_console = [
        text
        for text in watch.console_errors
        if re.search(r"Content Security Policy|Refused to", text, re.I)
    ]
    assert csp_console == [], f"CSP errors on {page.url}: {csp_console}"
    # Anything else the console calls an error (a missing static file, a failed request).
    assert watch.console_errors == [], (
        f"console errors on {page.url}: {watch.console_errors} {watch.failed_responses}"
    )
    assert watch.page_errors == [], f"script errors on {page.url}: {watch.page_errors}"
    watch.reset()
