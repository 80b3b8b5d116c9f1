"""Who may do what: a viewer token may look, an operator token may also replay.

A token comes as `Authorization: Bearer …` or, for a browser, from the login form into
an HttpOnly cookie. Nothing else is let in but /healthz and (unless turned off) /metrics.

A browser sends the cookie with whatever request any site makes it send, so a request
that changes something and rides on the cookie (or logs in) must come from the
dashboard's own pages: no Origin/Referer of another host, and the form's CSRF token,
an HMAC keyed by the session cookie (before login, by a random cookie of the browser's
own) that another site can neither read nor compute. A Bearer header is never added by
a browser on its own, so API calls with one need no token.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from enum import IntEnum
from urllib.parse import urlsplit

from fastapi import HTTPException, Request, Response
from markupsafe import Markup

from workers.config import Settings

COOKIE = "delo_token"
CSRF_COOKIE = "delo_csrf"  # what a login form's token is tied to, before there is a session
CSRF_FIELD = "csrf_token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def local_path(target: str | None) -> str:
    """Where a login may send the browser on: a path of the dashboard, never another site.
    `//evil.example/x` and `/\\evil.example` are read by browsers as other hosts."""
    if not target or not target.startswith("/") or target[1:2] in ("/", "\\") \
            or any(c < " " for c in target):
        return "/"
    return target


class Role(IntEnum):
    viewer = 1
    operator = 2


def role_of(token: str | None, settings: Settings) -> Role | None:
    if not token:
        return None
    for role, expected in ((Role.operator, settings.dashboard_operator_token), (Role.viewer, settings.dashboard_viewer_token)):
        if expected and hmac.compare_digest(token.encode(), expected.encode()):
            return role
    return None


def bearer_of(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else None


def token_of(request: Request) -> str | None:
    return bearer_of(request) or request.cookies.get(COOKIE)


def set_cookie(response: Response, request: Request, name: str, value: str, max_age: int) -> None:
    """HttpOnly, same-site only, and Secure when the request came over TLS (as uvicorn sees
    it: behind a proxy, its --proxy-headers reads X-Forwarded-Proto from trusted hosts)."""
    response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="strict",
                        secure=request.url.scheme == "https")


def _binder(request: Request) -> str | None:
    """The secret a form's token is tied to: the session cookie, else the pre-login one
    (or the one the login page is about to set)."""
    return request.cookies.get(COOKIE) or request.cookies.get(CSRF_COOKIE) or getattr(request.state, "csrf_binder", None)


def _mac(binder: str, nonce: str) -> str:
    return hmac.new(binder.encode(), f"delo-csrf:{nonce}".encode(), hashlib.sha256).hexdigest()


def csrf_field(request: Request) -> Markup:
    """The hidden input every POST form carries. A fresh nonce each time, so that the
    token differs from page to page (nothing constant for a compressed page to leak)."""
    binder, nonce = _binder(request), secrets.token_urlsafe(12)
    token = f"{nonce}.{_mac(binder, nonce)}" if binder else ""
    return Markup(f'<input type="hidden" name="{CSRF_FIELD}" value="{token}">')


def new_login_binder(request: Request) -> str | None:
    """A random pre-login cookie value for a browser that has neither cookie yet."""
    if _binder(request) is None:
        request.state.csrf_binder = secrets.token_urlsafe(32)
        return request.state.csrf_binder
    return None


def _foreign(request: Request) -> bool:
    """Origin (else Referer) names another host than the one asked; "null" counts as one.
    Hosts, not schemes, are compared: behind a TLS proxy the dashboard may see http."""
    source = request.headers.get("origin") or request.headers.get("referer")
    return bool(source) and urlsplit(source).netloc != request.headers.get("host")


async def csrf_protect(request: Request) -> None:
    """Every route's first dependency: a state-changing request that rides on the cookie
    (or logs in) needs a same-host Origin/Referer and a valid token, else 403."""
    if request.method in SAFE_METHODS or bearer_of(request):
        return
    if COOKIE not in request.cookies and request.url.path != "/login":
        return  # no session to ride on: the route's own check answers 401
    if _foreign(request):
        raise HTTPException(403, "a request from another site may not act on the dashboard")
    nonce, _, mac = str((await request.form()).get(CSRF_FIELD) or "").partition(".")
    binder = _binder(request)
    if not (binder and nonce and hmac.compare_digest(mac.encode(), _mac(binder, nonce).encode())):
        raise HTTPException(403, "the form's CSRF token is missing or stale: reload the page and try again")


class LoginRequired(Exception):
    pass


def viewer(request: Request) -> Role:
    role = role_of(token_of(request), request.app.state.settings)
    if role is None:
        raise LoginRequired()
    return role


def operator(request: Request) -> Role:
    role = viewer(request)
    if role < Role.operator:
        raise HTTPException(403, "replaying needs the operator token")
    return role
