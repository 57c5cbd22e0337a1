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


def has_tokens(template: str) -> bool:
    return bool(TOKEN_PATTERN.search(template))


def render_tokens(template: str, values: TokenValues) -> str:
    """Replace every token; collapse the spaces an empty value leaves behind."""
    rendered = TOKEN_PATTERN.sub(lambda match: values.lookup(match.group(1)), template)
    return " ".join(rendered.split())
