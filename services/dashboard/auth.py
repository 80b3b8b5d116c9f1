"""Who may do what: a viewer token may look, an operator token may also replay.

A token comes as `Authorization: Bearer …` or, for a browser, from the login form into
an HttpOnly cookie. Nothing else is let in but /healthz and (unless turned off) /metrics.
"""

from __future__ import annotations

import hmac
from enum import IntEnum

from fastapi import HTTPException, Request

from workers.config import get_settings

COOKIE = "delo_token"


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


def role_of(token: str | None) -> Role | None:
    if not token:
        return None
    settings = get_settings()
    for role, expected in ((Role.operator, settings.dashboard_operator_token), (Role.viewer, settings.dashboard_viewer_token)):
        if expected and hmac.compare_digest(token.encode(), expected.encode()):
            return role
    return None


def token_of(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.cookies.get(COOKIE)


class LoginRequired(Exception):
    pass


def viewer(request: Request) -> Role:
    role = role_of(token_of(request))
    if role is None:
        raise LoginRequired()
    return role


def operator(request: Request) -> Role:
    role = viewer(request)
    if role < Role.operator:
        raise HTTPException(403, "replaying needs the operator token")
    return role
