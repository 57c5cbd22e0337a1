"""Each page in the signed-in account's language, so dates and numbers are written its way."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from .localisation import language_for


class AccountLocaleMiddleware:
    """Activates the language of the user's account (en-gb for a UK account) for the request;
    anyone else, and staff without an account, get LANGUAGE_CODE. The language is dropped
    afterwards: a thread serves many accounts."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        account = getattr(user, "account", None) if user and user.is_authenticated else None
        language = language_for(account.country) if account is not None else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        try:
            response = self.get_response(request)
        finally:
            translation.deactivate()
        response.headers.setdefault("Content-Language", language)
        return response
