"""What every page may say in the account's words."""

from django.http import HttpRequest

from .localisation import tax_word


def account_words(request: HttpRequest) -> dict[str, str]:
    """`tax_word`: "VAT" in a UK account, "GST/HST" in a Canadian one, "Sales tax" in the US;
    `tax_word_in_sentence` the same inside a sentence ("sales tax")."""
    user = getattr(request, "user", None)
    account = getattr(user, "account", None) if user and user.is_authenticated else None
    if account is None:
        return {"tax_word": "Tax", "tax_word_in_sentence": "tax"}
    return {"tax_word": tax_word(account.country),
            "tax_word_in_sentence": tax_word(account.country, in_sentence=True)}
