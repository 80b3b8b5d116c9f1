"""Where the login form may send a browser on (pure: no server)."""

import pytest

from services.dashboard.auth import local_path


@pytest.mark.parametrize("target, expected", [
    ("/drops/march", "/drops/march"),
    ("/failures?code=CORRUPT_FILE", "/failures?code=CORRUPT_FILE"),
    ("//evil.example/x", "/"),          # a browser reads this as another host
    ("/\\evil.example", "/"),
    ("https://evil.example/", "/"),
    ("evil.example", "/"),
    ("/\r\nSet-Cookie: x=1", "/"),
    ("", "/"),
    (None, "/"),
])
def test_login_sends_the_browser_only_to_dashboard_paths(target, expected) -> None:
    assert local_path(target) == expected
