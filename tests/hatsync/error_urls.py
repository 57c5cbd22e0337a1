"""The app's URLs plus two that fail on purpose, for the error-page tests."""

from django.core.exceptions import PermissionDenied
from django.urls import path

from hatsync.urls import urlpatterns as app_urlpatterns


def refuse(request):
    raise PermissionDenied


def crash(request):
    raise RuntimeError("a bug")


urlpatterns = [
    path("test-403/", refuse),
    path("test-500/", crash),
    *app_urlpatterns,
]
