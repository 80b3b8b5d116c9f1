"""Who gets into the dashboard: a viewer token may look, an operator token may also
replay, nobody else gets past /login but to /healthz; the same whether the token comes
as `Authorization: Bearer` or as the login cookie. (/metrics is tests/stack/test_metrics.py's.)"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.integration.conftest import REDIS

VIEWER, OPERATOR = "viewer-http-token", "operator-http-token"
COOKIE = "delo_token"


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def migrate(url: str) -> None:
    """The ledger's tables, as `make stack` makes them before the services start."""
    from workers.stores import postgres

    with postgres.connect(url) as conn:
        postgres.migrate_all(conn)


@pytest.fixture
def dashboard(service, database):
    migrate(database)
    app = service("dashboard", DELO_DATABASE_URL=database, DELO_REDIS_URL=f"{REDIS}/14",
                  DELO_DASHBOARD_VIEWER_TOKEN=VIEWER, DELO_DASHBOARD_OPERATOR_TOKEN=OPERATOR)
    with TestClient(app, follow_redirects=False) as client:
        yield client


def test_healthz_is_open(dashboard) -> None:
    answer = dashboard.get("/healthz")
    assert (answer.status_code, answer.json()) == (200, {"ok": True})


LOOKING = ["/api/jobs", "/failures", "/drops", "/documents", "/jobs/1", "/records/x.json", "/failures/replay-all"]


@pytest.mark.parametrize("headers", [{}, bearer("not-a-token"), bearer(""), {"Authorization": VIEWER}],
                         ids=["none", "unknown", "empty", "no-scheme"])
def test_without_a_known_token_a_caller_gets_401(dashboard, headers: dict) -> None:
    for path in LOOKING:
        answer = dashboard.get(path, headers=headers)
        assert (answer.status_code, answer.json()) == (401, {"error": "a viewer or operator token is required"}), path
        assert answer.headers["www-authenticate"] == "Bearer"


def test_without_a_token_a_browser_is_sent_to_the_login_form(dashboard) -> None:
    answer = dashboard.get("/failures", headers={"Accept": "text/html"})
    assert (answer.status_code, answer.headers["location"]) == (303, "/login?next=%2Ffailures")


def test_an_unknown_cookie_is_no_login(dashboard) -> None:
    dashboard.cookies.set(COOKIE, "not-a-token")
    assert dashboard.get("/api/jobs").status_code == 401


@pytest.mark.parametrize("token", [VIEWER, OPERATOR], ids=["viewer", "operator"])
def test_viewer_and_operator_may_look(dashboard, token: str) -> None:
    answer = dashboard.get("/api/jobs", headers=bearer(token))
    assert (answer.status_code, answer.json()) == (200, {"total": 0, "jobs": []})
    assert dashboard.get("/documents", headers=bearer(token)).status_code == 200


def test_only_the_operator_may_replay_with_a_bearer_token(dashboard) -> None:
    for call in (lambda h: dashboard.post("/failures/replay", headers=h),
                 lambda h: dashboard.get("/failures/replay-all", headers=h)):
        refused = call(bearer(VIEWER))
        assert (refused.status_code, refused.json()) == (403, {"detail": "replaying needs the operator token"})
    answer = dashboard.post("/failures/replay", headers=bearer(OPERATOR))
    assert (answer.status_code, answer.json()) == (200, {"replayed": 0, "job_ids": [], "skipped": []})
    assert dashboard.get("/failures/replay-all", headers=bearer(OPERATOR)).status_code == 200


def test_the_cookie_carries_the_same_roles(dashboard) -> None:
    dashboard.cookies.set(COOKIE, VIEWER)
    assert dashboard.get("/api/jobs").json() == {"total": 0, "jobs": []}
    assert dashboard.get("/failures/replay-all").status_code == 403
    dashboard.cookies.set(COOKIE, OPERATOR)
    assert dashboard.get("/failures/replay-all").status_code == 200
    # a change riding on the cookie needs the form's CSRF token, even the operator's
    refused = dashboard.post("/failures/replay", data={"job_id": "1"})
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]


def test_a_bearer_token_is_taken_before_the_cookie(dashboard) -> None:
    dashboard.cookies.set(COOKIE, OPERATOR)
    assert dashboard.get("/failures/replay-all", headers=bearer(VIEWER)).status_code == 403


def login_form_token(client: TestClient) -> str:
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert token is not None
    return token.group(1)


def test_logging_in_sets_the_cookie_and_a_wrong_token_sets_none(dashboard) -> None:
    wrong = dashboard.post("/login", data={"token": "not-a-token", "next": "/failures",
                                           "csrf_token": login_form_token(dashboard)})
    assert wrong.status_code == 303 and wrong.headers["location"].startswith("/login?")
    assert COOKIE not in dashboard.cookies
    answer = dashboard.post("/login", data={"token": VIEWER, "next": "/failures",
                                            "csrf_token": login_form_token(dashboard)})
    assert (answer.status_code, answer.headers["location"]) == (303, "/failures")
    assert dashboard.cookies[COOKIE] == VIEWER
    assert dashboard.get("/api/jobs").status_code == 200
    assert dashboard.post("/logout", data={"csrf_token": login_form_token(dashboard)}).status_code == 303
    assert COOKIE not in dashboard.cookies
    assert dashboard.get("/api/jobs").status_code == 401
