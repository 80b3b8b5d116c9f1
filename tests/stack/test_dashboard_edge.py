"""The dashboard's forms against forgery, on the running service: a POST that rides on the
login cookie needs the form's CSRF token (tied to that cookie) and no other site's
Origin; a Bearer call needs neither; the cookie is Secure when the request came over TLS."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from tests.stack.helpers import job_row
from workers.ledger import jobs as ledger

pytestmark = pytest.mark.stack
BEARER = {"Authorization": "Bearer test-operator"}


def csrf_of(html: str) -> str:
    token = re.search(r'name="csrf_token" value="([^"]*)"', html)
    assert token is not None
    return token.group(1)


@contextmanager
def logged_in(dashboard: str, token: str = "test-operator") -> Iterator[httpx.Client]:
    """A browser's session: the login form's token, then the login cookie."""
    with httpx.Client(base_url=dashboard, headers={"Accept": "text/html"}, timeout=10) as client:
        answer = client.post("/login", data={"token": token, "next": "/failures",
                                             "csrf_token": csrf_of(client.get("/login").text)})
        assert answer.status_code == 303 and answer.headers["location"] == "/failures"
        yield client


def failed_job(db) -> int:
    job_id, _ = ledger.create(db, "scans", f"single/edge-{uuid.uuid4().hex[:8]}.png", etag=uuid.uuid4().hex, queued=True)
    ledger.transition(db, job_id, "failed", failure=("STORE_UNAVAILABLE", "failed for the test"))
    return job_id


def replays(db, job_id: int) -> int:
    return db.execute("SELECT count(*) AS n FROM job_events WHERE job_id = %s AND detail ? 'replay'",
                      (job_id,)).fetchone()["n"]


@pytest.mark.parametrize("forged", [
    {},                                                    # no token
    {"csrf_token": "abc.0123"},                            # a made-up one
    {"csrf_token": ""},
])
def test_a_cookie_replay_without_the_forms_token_is_refused(dashboard, db, forged) -> None:
    job_id = failed_job(db)
    with logged_in(dashboard) as browser:
        answer = browser.post("/failures/replay", data={"job_id": job_id, **forged})
        assert answer.status_code == 403 and "CSRF" in answer.text
        answer = browser.post("/failures/replay-all", data={"code": "STORE_UNAVAILABLE", **forged})
        assert answer.status_code == 403
    assert replays(db, job_id) == 0
    assert job_row(db, job_id)["state"] == "failed"


def test_a_token_made_for_another_cookie_is_refused(dashboard, db) -> None:
    """A forger can get tokens of its own (the login page, its own viewer session): none
    of them is good with the operator's cookie."""
    job_id = failed_job(db)
    with logged_in(dashboard) as operator, logged_in(dashboard, "test-viewer") as viewer:
        for token in (csrf_of(httpx.get(f"{dashboard}/login").text), csrf_of(viewer.get("/failures").text)):
            assert operator.post("/failures/replay", data={"job_id": job_id, "csrf_token": token}).status_code == 403
    assert replays(db, job_id) == 0


def test_a_foreign_origin_is_refused_even_with_the_token(dashboard, db) -> None:
    job_id = failed_job(db)
    with logged_in(dashboard) as browser:
        token = csrf_of(browser.get("/failures").text)
        for header in ({"Origin": "https://evil.example"}, {"Origin": "null"}, {"Referer": "https://evil.example/x"}):
            answer = browser.post("/failures/replay", data={"job_id": job_id, "csrf_token": token}, headers=header)
            assert answer.status_code == 403 and "another site" in answer.text
    assert replays(db, job_id) == 0


def test_the_forms_token_replays(dashboard, db) -> None:
    job_id = failed_job(db)
    with logged_in(dashboard) as browser:
        page = browser.get("/failures")
        answer = browser.post("/failures/replay", data={"job_id": job_id, "csrf_token": csrf_of(page.text)},
                              headers={"Origin": dashboard, "Referer": f"{dashboard}/failures"})
        assert answer.status_code == 303 and answer.headers["location"].startswith("/failures?replayed=1")
    assert replays(db, job_id) == 1


def test_a_bearer_call_needs_no_token(dashboard, db) -> None:
    job_id = failed_job(db)
    answer = httpx.post(f"{dashboard}/failures/replay", data={"job_id": job_id}, headers=BEARER)
    assert answer.status_code == 200 and answer.json()["job_ids"] == [job_id]
    assert replays(db, job_id) == 1


def test_login_and_logout_need_their_tokens_too(dashboard) -> None:
    with httpx.Client(base_url=dashboard, timeout=10) as browser:
        browser.get("/login")  # the pre-login cookie, but the form's token is not sent
        assert browser.post("/login", data={"token": "test-operator"}).status_code == 403
        assert "delo_token" not in browser.cookies
    with logged_in(dashboard) as browser:
        assert browser.post("/logout").status_code == 403 and "delo_token" in browser.cookies
        answer = browser.post("/logout", data={"csrf_token": csrf_of(browser.get("/failures").text)})
        assert answer.status_code == 303 and "delo_token" not in browser.cookies


def test_the_cookie_is_secure_over_tls(dashboard) -> None:
    """Behind a TLS proxy (uvicorn trusts X-Forwarded-Proto from 127.0.0.1) the login
    cookie is Secure; over plain http it cannot be, or the browser would never send it."""
    def login_cookie(**headers) -> str:
        form = httpx.get(f"{dashboard}/login", headers=headers)
        answer = httpx.post(f"{dashboard}/login", data={"token": "test-viewer", "csrf_token": csrf_of(form.text)},
                            headers={**headers, "Cookie": f"delo_csrf={form.cookies['delo_csrf']}"})
        return next(c for c in answer.headers.get_list("set-cookie") if c.startswith("delo_token="))

    assert "secure" in login_cookie(**{"X-Forwarded-Proto": "https"}).lower()
    assert "secure" not in login_cookie().lower()


def test_a_body_over_the_limit_or_of_no_declared_length_is_refused_unread(dashboard, db) -> None:
    job_id = failed_job(db)
    big = httpx.post(f"{dashboard}/failures/replay", headers=BEARER,
                     data={"job_id": job_id, "pad": "x" * (2 * 1024 * 1024)})
    assert big.status_code == 413
    chunked = httpx.post(f"{dashboard}/failures/replay", headers={**BEARER, "Content-Type": "application/x-www-form-urlencoded"},
                         content=iter([f"job_id={job_id}".encode()]))  # a generator: sent chunked, no length
    assert chunked.status_code == 411
    assert replays(db, job_id) == 0


def test_a_replay_with_the_broker_away_changes_nothing_and_says_so(db, stack_env, tmp_path) -> None:
    """A dashboard whose broker does not answer refuses the replay with 503 before the
    ledger changes (else the job would sit queued with no task behind it)."""
    from tests.stack.conftest import serve

    service = serve("dashboard", {**stack_env, "DELO_REDIS_URL": "redis://127.0.0.1:9/0"}, tmp_path)
    url = next(service)
    try:
        job_id = failed_job(db)
        answer = httpx.post(f"{url}/failures/replay", data={"job_id": job_id}, headers=BEARER, timeout=30)
        assert answer.status_code == 503 and "nothing was replayed" in answer.text
        assert job_row(db, job_id)["state"] == "failed" and replays(db, job_id) == 0
    finally:
        service.close()


def test_the_replay_all_confirmation_says_how_many_will_likely_fail_again(dashboard, db) -> None:
    drop = f"mendless-{uuid.uuid4().hex[:6]}"
    for code in ("CORRUPT_FILE", "CORRUPT_FILE", "STORE_UNAVAILABLE"):
        job_id, _ = ledger.create(db, "scans", f"drops/{drop}/{uuid.uuid4().hex[:8]}.pdf", etag=uuid.uuid4().hex,
                                  queued=True)
        ledger.transition(db, job_id, "failed", failure=(code, "for the test"))
    page = httpx.get(f"{dashboard}/failures/replay-all", params={"drop": drop}, headers=BEARER).text
    assert re.search(r"Replay 3 failed job", page)
    assert re.search(r'id="mendless">2 of them failed because of the file itself\s*\(CORRUPT_FILE: 2\)', page)
