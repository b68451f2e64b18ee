"""Headless Debian Chromium driven by selenium, for the explorer's tests.

`make test` installs Chromium and its driver (the Makefile's `browser` target). When they are
missing the tests fail, saying how to install them; they never skip.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = (
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--window-size=1400,900",
)
INSTALL_HINT = (
    "The explorer's browser tests need Chromium and chromedriver at {chromium} and {driver} "
    "(missing: {missing}). Install them with `make browser` (as root, or with sudo) or "
    "`sudo apt-get install chromium chromium-driver`, and selenium with `pip install -e '.[dev]'`."
)


def start_browser(profile: Path) -> Any:
    """A headless Chromium with a fresh profile that logs the console and network events."""
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not os.access(path, os.X_OK)]
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        missing.append("the selenium package")
    if missing:
        pytest.fail(INSTALL_HINT.format(chromium=CHROMIUM, driver=CHROMEDRIVER, missing=", ".join(missing)),
                    pytrace=False)
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


def browser_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One browser for a test module (the body of its module-scoped fixture)."""
    driver = start_browser(tmp_path_factory.mktemp("chromium-profile"))
    try:
        yield driver
    finally:
        driver.quit()


def open_page(driver: Any, path: Path) -> None:
    """Load `path` from file:// and drop the logs of earlier pages."""
    driver.get_log("browser")
    driver.get_log("performance")
    driver.get(path.resolve().as_uri())


def console_errors(driver: Any) -> list[dict]:
    """The console messages at level SEVERE since the last call (JavaScript errors included)."""
    return [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def requested_urls(driver: Any, page: Path) -> list[str]:
    """Every URL the page at `page` asked for since the last call, from the DevTools network log
    (the browser's own chrome:// pages are left out); fails on any http(s) request at all."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            params = message["params"]
            url = params["request"]["url"]
            assert not url.startswith(("http:", "https:", "ws:", "wss:")), f"a network request: {url}"
            if params.get("documentURL") == page.resolve().as_uri():
                urls.append(url)
    return urls


def resource_entries(driver: Any) -> list[str]:
    """The page's own record of what it fetched after the document (performance resource entries)."""
    return driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
