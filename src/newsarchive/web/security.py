"""Response headers every page gets, and the bearer token that guards writes."""

from __future__ import annotations

import hmac
import re
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from newsarchive.i18n import N_

# Nothing from another origin, ever: no CDN, no web fonts, no remote images (a reader's
# visit must not be reported to an outlet or a third party), no inline script or style,
# so an HTML injection that slipped past sanitizing still cannot run anything.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; frame-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS: list[tuple[bytes, bytes]] = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), interest-cohort=()"),
]


class SecurityHeaders:
    """Pure ASGI middleware (BaseHTTPMiddleware costs a task per request, which shows
    in the search benchmark)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in SECURITY_HEADERS if k not in present]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


# A write token shorter than this is guessable; whitespace or other characters outside
# printable ASCII cannot travel intact in an Authorization header (and a token of spaces
# once enabled writes that the admin form then accepted with a blank-looking field).
MIN_TOKEN_LENGTH = 12
_TOKEN_CHARS = re.compile(r"[\x21-\x7e]+")


class TokenError(ValueError):
    """An unusable write token; the message says why (without repeating the token)."""


def validated_token(token: str | None) -> str | None:
    """`token` if it can guard writes, None when none is set (writes disabled); raises
    `TokenError` for a token that is set but unusable."""
    if token is None or token == "":
        return None
    if not _TOKEN_CHARS.fullmatch(token):
        raise TokenError(
            "NEWSARCHIVE_TOKEN: the token must be printable ASCII without spaces or other"
            " whitespace"
        )
    if len(token) < MIN_TOKEN_LENGTH:
        raise TokenError(
            f"NEWSARCHIVE_TOKEN: the token is {len(token)} characters long; use at least"
            f" {MIN_TOKEN_LENGTH} (e.g. python -c 'import secrets; print(secrets.token_urlsafe())')"
        )
    return token


_bearer = HTTPBearer(auto_error=False, description="The server's NEWSARCHIVE_TOKEN.")


def require_token(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """Write endpoints: 403 when the server has no token (writes disabled), 401 when
    the request's bearer token is missing or wrong."""
    check_token(request.app.state.token, credentials.credentials if credentials else None)


def check_token(expected: str | None, given: str | None) -> None:
    if not expected:
        raise HTTPException(
            403,
            N_(
                "write endpoints are disabled: start the server with NEWSARCHIVE_TOKEN set "
                "to enable them"
            ),
        )
    if not given:
        raise HTTPException(
            401,
            N_("missing token: send the header 'Authorization: Bearer <NEWSARCHIVE_TOKEN>'"),
            headers={"WWW-Authenticate": "Bearer"},
        )
    # Constant-time comparison: the token must not leak through response timing.
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise HTTPException(
            401, N_("wrong token"), headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}
        )


# The admin page signs an operator in with the token and remembers it in a cookie that
# holds a keyed hash of the token, never the token itself: the cookie is worthless on a
# server with another token and stops working when the token changes.
OPERATOR_COOKIE = "operator"


def operator_cookie_value(token: str) -> str:
    return hmac.new(token.encode(), b"newsarchive operator session", "sha256").hexdigest()


def is_operator(request: Request) -> bool:
    """Whether the request comes from a signed-in operator (admin cookie for this
    server's token)."""
    token: str | None = request.app.state.token
    given = request.cookies.get(OPERATOR_COOKIE)
    if not token or not given:
        return False
    return hmac.compare_digest(given.encode(), operator_cookie_value(token).encode())
