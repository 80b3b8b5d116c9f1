"""Debian's chromium driven by Playwright, for the browser tests of the dashboard.

Screenshots of each page go to test-artifacts/ at the top of the checkout."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def launch_browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is not installed: apt-get install chromium (make test does)")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        # the flags keep chromium from reaching for the network this machine does not have
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        yield b
        b.close()


def logged_in(browser, dashboard: str, token: str):
    context = browser.new_context(viewport={"width": 1300, "height": 900})
    page = context.new_page()
    page.goto(f"{dashboard}/failures")
    assert "/login" in page.url  # nobody gets in without a token
    page.fill("input[name=token]", token)
    page.click("button[type=submit]")
    page.wait_for_url(f"{dashboard}/failures")
    return context, page


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
