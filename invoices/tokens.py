"""Display Name tokens: `Photography Session for [% contact.first_name %]` rendered per contact."""

import re
from dataclasses import dataclass

TOKEN_PATTERN = re.compile(r"\[%\s*([^%\]]*?)\s*%\]")

SUPPORTED_TOKENS = (
    "contact.first_name",
    "contact.last_name",
    "contact.full_name",
    "contact.company",
    "account.name",
)


@dataclass(frozen=True)
class TokenValues:
    """What a token can stand for; plain strings so rendering needs no database."""

    first_name: str = ""
    last_name: str = ""
    company: str = ""
    account_name: str = ""

    def lookup(self, token: str) -> str:
        full_name = " ".join(part for part in (self.first_name, self.last_name) if part)
        return {
            "contact.first_name": self.first_name,
            "contact.last_name": self.last_name,
            "contact.full_name": full_name,
            "contact.company": self.company,
            "account.name": self.account_name,
        }[token]


def unknown_tokens(template: str) -> list[str]:
    """The tokens in `template` that cannot be rendered, in order of appearance."""
    return [
        token for token in TOKEN_PATTERN.findall(template) if token not in SUPPORTED_TOKENS
    ]


_MARK = re.compile(r"\[%|%\]")
_CLOSING_WORD = re.compile(r"\S*\s*%\]$")  # the word a stray "%]" closes, as written


def broken_tokens(template: str) -> list[tuple[str, str]]:
    """Tokens opened and never closed ("[% contact.first_name") or closed and never opened
    ("contact.first_name %]"): (what was written, what it lacks: "closed" or "opened"), in
    order of appearance. Brackets or percent signs on their own ("[A4]", "20%") are words."""
    broken = []
    for part in TOKEN_PATTERN.sub("\0", template).split("\0"):  # whole tokens cut the text
        previous_end = 0
        for match in _MARK.finditer(part):
            if match.group() == "[%":
                following = _MARK.search(part, match.end())
                written = part[match.start():following.start() if following else len(part)]
                broken.append((" ".join(written.split()), "closed"))
            else:
                word = _CLOSING_WORD.search(part[previous_end:match.end()])
                broken.append((" ".join(word.group().split()) if word else "%]", "opened"))
            previous_end = match.end()
    return broken


def token_example(written: str) -> str:
    """How a token is written, for the one `written` meant (or a known one)."""
    meant = written.replace("[%", "").replace("%]", "").strip()
    return f"[% {meant if meant in SUPPORTED_TOKENS else SUPPORTED_TOKENS[0]} %]"


def has_tokens(template: str) -> bool:
    return bool(TOKEN_PATTERN.search(template))


def render_tokens(template: str, values: TokenValues) -> str:
    """Replace every token; collapse the spaces an empty value leaves behind."""
    rendered = TOKEN_PATTERN.sub(lambda match: values.lookup(match.group(1)), template)
    return " ".join(rendered.split())
