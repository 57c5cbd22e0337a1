"""Two of Intuit's security requirements for production keys, kept for every page at once.

- Methods the product never uses (TRACE above all, and PUT, PATCH, DELETE, OPTIONS, CONNECT)
  answer 405 on every path, before anything else runs; each view then refuses what it does not
  use itself (`require_safe` / `require_POST` / `require_http_methods`).
- Nothing the app answers is kept by a browser or a proxy: its pages show QuickBooks data,
  the connection or the books, and a page shown again by the Back button must be asked for again
  (`Cache-Control: no-cache, no-store, must-revalidate, private`). Static files are served by
  WhiteNoise above this middleware and keep their long cache lifetimes.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.utils.cache import add_never_cache_headers

USED_METHODS = ("GET", "HEAD", "POST")


class HttpHygieneMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method not in USED_METHODS:
            response = HttpResponseNotAllowed(USED_METHODS)
        else:
            response = self.get_response(request)
        if "Cache-Control" not in response:
            add_never_cache_headers(response)
        return response
