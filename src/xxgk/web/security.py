"""Passwords (argon2id), signed session cookies, CSRF tokens.

The cookie carries a random session id signed with the server's secret; the database keeps only its
sha256. Signing in always issues a new id (no session fixation); signing out deletes the row. A visitor
without an account gets an anonymous id too, so the login form and 在线校验 carry CSRF tokens as well.
The CSRF token is an HMAC of the session id: it changes when the session id does.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, Signer

COOKIE = "xxgk_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"

# The test suite only (tests/conftest.py sets it): seeding a portal hashes a dozen demo passwords and every
# sign-in verifies one; at the production cost that was most of the portal tests' time. Never set it in production.
TEST_FAST_HASH = "XXGK_INSECURE_TEST_PASSWORD_HASH"


def make_hasher() -> PasswordHasher:
    """argon2id with the library's defaults (memory-hard, RFC 9106); minimal cost only under the test knob.
    Verifying reads the cost from the stored hash, so hashes made either way verify under either hasher."""
    if os.environ.get(TEST_FAST_HASH) == "1":
        return PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    return PasswordHasher()


_hasher = make_hasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


DUMMY_HASH = hash_password(secrets.token_hex(8))  # verified against for unknown users: same timing


def new_session_id() -> str:
    return secrets.token_urlsafe(32)


def session_key(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


class Cookies:
    def __init__(self, secret: str) -> None:
        self._signer = Signer(secret, salt="xxgk-session")
        self._secret = secret.encode()

    def sign(self, session_id: str) -> str:
        return self._signer.sign(session_id).decode()

    def unsign(self, cookie: str | None) -> str | None:
        if not cookie:
            return None
        try:
            return self._signer.unsign(cookie).decode()
        except BadSignature:
            return None

    def csrf_token(self, session_id: str) -> str:
        return hmac.new(self._secret, b"csrf:" + session_id.encode(), hashlib.sha256).hexdigest()

    def csrf_ok(self, session_id: str, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(self.csrf_token(session_id), token or "")
