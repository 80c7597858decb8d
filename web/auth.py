"""Who may read and write: the one API token, checked in constant time.

The token is the app setting ``API_TOKEN`` or the environment's ``TRACKER_API_TOKEN``.

- Writes (``requires_token`` in ``web.sources_api``) take it only as ``Authorization: Bearer``:
  a browser re-sends cached Basic credentials on its own, so a cross-site form could otherwise
  post with them.
- Reads are open unless ``READS_NEED_TOKEN`` (app setting; from ``TRACKER_READS_NEED_TOKEN=1``
  by default) is on. Then ``guard_reads`` asks every request but the static assets for the token.
  The API answers 401 with a ``Bearer`` challenge. Pages answer 401 with a ``Basic`` one, so a
  browser shows its login box: any user name, the token as password. Both take either form,
  because the dashboard's own script calls the API with the browser's Basic credentials.
- Anonymous readers get a reduced view of sources and health; ``has_token`` tells the views.

It does not manage users or sessions and sets no cookies.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os

from flask import Flask, current_app, render_template, request
from flask.typing import ResponseReturnValue

TOKEN_ENV = "TRACKER_API_TOKEN"
READS_ENV = "TRACKER_READS_NEED_TOKEN"
REALM = "tracker"
# Endpoints anyone may fetch even when reads need the token: the CSS, our script and Plotly
# say nothing about the data.
OPEN_ENDPOINTS = frozenset({"static", "assets.plotly_js"})


def env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def configured_token() -> str | None:
    token = current_app.config.get("API_TOKEN") or os.environ.get(TOKEN_ENV)
    return str(token) if token else None


def token_matches(given: str) -> bool:
    """Whether ``given`` is the configured token, in time that does not depend on where they
    differ. Both sides are hashed first, so their lengths do not show either."""
    expected = configured_token()
    if expected is None or not given:
        return False
    return hmac.compare_digest(hashlib.sha256(given.encode()).digest(),
                               hashlib.sha256(expected.encode()).digest())


def bearer_token() -> str:
    """The token of an ``Authorization: Bearer`` header, or ""."""
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


def basic_password() -> str:
    """The password of an ``Authorization: Basic`` header (the user name is ignored), or ""."""
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return ""
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return ""
    return decoded.partition(":")[2]


def has_bearer_token() -> bool:
    return token_matches(bearer_token())


def has_token() -> bool:
    """Whether this request carries the token, as a Bearer header or a Basic password."""
    return token_matches(bearer_token()) or token_matches(basic_password())


def reads_need_token() -> bool:
    return bool(current_app.config.get("READS_NEED_TOKEN"))


def guard_reads() -> ResponseReturnValue | None:
    """``before_request``: with ``READS_NEED_TOKEN``, everything but the static assets needs
    the token (unknown paths too, so a 404 does not tell which routes exist)."""
    if not reads_need_token() or request.endpoint in OPEN_ENDPOINTS:
        return None
    if configured_token() is None:  # fail closed: the setting asks for a token nobody has
        return refuse(503, f"reads need the API token, but none is configured: set "
                           f"{TOKEN_ENV}")
    if has_token():
        return None
    return challenge()


def challenge(message: str = "") -> ResponseReturnValue:
    """401 asking for the token: a Bearer challenge for the API, a Basic one for pages."""
    from web import json_error, wants_json

    if wants_json():
        response, status = json_error(401, message or "a valid API token is needed: send "
                                                      "'Authorization: Bearer <token>'")
        response.headers["WWW-Authenticate"] = f'Bearer realm="{REALM}"'
        return response, status
    html = render_template("error.html", status=401, title="Sign in",
                           message=message or "This tracker needs its access token: sign in "
                                              "with any user name and the token as password.")
    return html, 401, {"WWW-Authenticate": f'Basic realm="{REALM}", charset="UTF-8"'}


def refuse(status: int, message: str) -> ResponseReturnValue:
    from web import json_error, wants_json

    if wants_json():
        return json_error(status, message)
    title = "Forbidden" if status == 403 else "Unavailable"
    return render_template("error.html", status=status, title=title, message=message), status


def install(app: Flask) -> None:
    app.before_request(guard_reads)
