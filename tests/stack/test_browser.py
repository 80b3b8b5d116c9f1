"""An operator finds a failed job in the browser, replays it and watches it turn
published; a viewer can look but not replay."""

from __future__ import annotations

import re

import pytest

from tests.stack.browser import logged_in, shot
from tests.stack.helpers import wait_for_job
from tests.stack.test_replay import documents_for, fail_while_documents_db_is_away

pytestmark = pytest.mark.stack


def test_operator_replays_a_failed_job_and_watches_it_publish(
        tmp_path, s3, db, intake, workers, dashboard, documents_proxy, browser) -> None:
    key = "drops/browser-drop/telegram.png"
    [job] = fail_while_documents_db_is_away(tmp_path, s3, db, intake, documents_proxy, [key])
    context, page = logged_in(browser, dashboard, "test-operator")

    page.goto(f"{dashboard}/failures?code=STORE_UNAVAILABLE")
    row = page.locator(f"#job-{job['id']}")
    assert "STORE_UNAVAILABLE" in row.inner_text() and "last traceback" in row.inner_text()
    shot(page, "failures")
    row.get_by_role("button", name="Replay").click()
    page.wait_for_selector("#replayed")

    page.goto(f"{dashboard}/jobs/{job['id']}")
    page.wait_for_selector("#job-state:text('published')", timeout=90_000)  # the page polls the ledger
    assert "replayed by dashboard" in page.inner_text("body")
    shot(page, "job")
    assert documents_for(db, key) == 1

    page.goto(f"{dashboard}/drops")
    page.click("text=browser-drop")
    page.wait_for_selector("text=Drop browser-drop")
    shot(page, "drop")
    page.goto(f"{dashboard}/drops")
    shot(page, "drops")
    page.goto(f"{dashboard}/")
    page.wait_for_selector("text=Jobs by state")
    shot(page, "overview")

    page.goto(f"{dashboard}/documents")
    page.fill("input[name=q]", "телеграммы")
    page.click("button[type=submit]")
    page.wait_for_selector("text=telegram")
    shot(page, "documents")
    context.close()


def test_replay_all_matching_asks_first(tmp_path, s3, db, intake, workers, dashboard, documents_proxy, browser) -> None:
    keys = [f"drops/browser-bulk/{n}.png" for n in range(2)]
    fail_while_documents_db_is_away(tmp_path, s3, db, intake, documents_proxy, keys)
    context, page = logged_in(browser, dashboard, "test-operator")
    page.goto(f"{dashboard}/failures?drop=browser-bulk")
    page.click("#replay-all")
    assert re.search(r"Replay 2 failed job", page.inner_text("h1"))
    shot(page, "confirm")
    page.click("#confirm-replay")
    page.wait_for_selector("#replayed")
    for key in keys:
        assert wait_for_job(db, key)[0]["state"] == "published"
        assert documents_for(db, key) == 1
    context.close()


def test_viewer_cannot_replay(tmp_path, s3, db, intake, workers, dashboard, documents_proxy, browser) -> None:
    key = "single/browser-viewer.png"
    [job] = fail_while_documents_db_is_away(tmp_path, s3, db, intake, documents_proxy, [key])
    context, page = logged_in(browser, dashboard, "test-viewer")
    page.goto(f"{dashboard}/failures")
    assert page.locator(f"#job-{job['id']}").count() == 1
    assert page.get_by_role("button", name=re.compile("Replay")).count() == 0
    assert page.locator("#replay-all").count() == 0
    status = page.evaluate(f"""async () => (await fetch('/failures/replay', {{method: 'POST',
        headers: {{'Content-Type': 'application/x-www-form-urlencoded'}}, body: 'job_id={job["id"]}'}})).status""")
    assert status == 403
    assert db.execute("SELECT state FROM jobs WHERE id = %s", (job["id"],)).fetchone()["state"] == "failed"
    assert "read only" in page.inner_text("header")
    shot(page, "failures-viewer")
    context.close()
