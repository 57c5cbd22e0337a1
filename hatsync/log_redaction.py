"""A logging formatter that blanks OAuth secrets (bearer tokens, refresh tokens, sign-in codes).

Every handler in settings.LOGGING formats with it. None of the libraries we use logs a token on
the paths we take (tests/security/test_tokens_never_logged.py), but a request line logged by
the development server carries the OAuth callback's `code`, and a library's DEBUG output may
change with its version: this is the net under both.
"""

import logging
import re

_SECRET_NAMES = r"access_token|refresh_token|id_token|token|code|client_secret"
_PATTERNS = [
    # Authorization headers: "Bearer eyJ...", "Basic aGF0c3luYzpzZWNyZXQ="
    (re.compile(r"\b(Bearer|Basic)\s+[A-Za-z0-9\-._~+/]+=*"), r"\1 [redacted]"),
    # Query strings and form bodies: code=AB11...&state=...
    (re.compile(rf"\b({_SECRET_NAMES})=[^&\s\"']+"), r"\1=[redacted]"),
    # dict reprs and JSON: {'access_token': '...'} / "refresh_token": "..."
    (re.compile(rf"(['\"](?:{_SECRET_NAMES}|Authorization)['\"]\s*:\s*['\"])[^'\"]+",
                re.IGNORECASE), r"\1[redacted]"),
]


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFormatter(logging.Formatter):
    """Formats as usual, then blanks the secrets in the text (tracebacks included). The record
    itself is left alone, so other handlers (and tests) still see what was logged."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))
