"""Project-level views that belong to no app."""

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.views.decorators.http import require_safe

from .forms import SignInForm
from .readiness import readiness
from .request_params import BadParameter

REQUEST_NOT_READ = ("Something in it is not of the form hatsync takes, or there is more of it "
                    "than hatsync takes at once.")


@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers and docker-compose: 200 when the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    """For load balancers, deploys and docker-compose: 200 when the database and the Celery
    broker answer; 503 with the reason when either does not (/healthz stays liveness only)."""
    checks = readiness()
    ready = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if ready else "unavailable", **checks},
                        status=200 if ready else 503)


@require_safe
def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """/favicon.ico, which browsers ask for by themselves: the icon every page links."""
    return HttpResponsePermanentRedirect(static("hatsync/favicon.svg"))


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """The 400 answer (handler400): hatsync's own sentence for a malformed parameter, a
    general one for what Django refuses (too many fields, a bad host...). JSON to a script
    that asked for JSON. Rendered without the request, so it needs nothing of it."""
    sentence = str(exception) if isinstance(exception, BadParameter) else REQUEST_NOT_READ
    if "application/json" in request.headers.get("Accept", ""):
        return JsonResponse({"error": sentence}, status=400)
    return HttpResponse(render_to_string("400.html", {"sentence": sentence}), status=400)


def sign_in_locked_out(request: HttpRequest, original_response=None, credentials=None
                       ) -> HttpResponse:
    """django-axes' lockout answer: the sign-in page again, saying why and for how long.

    The same words whether or not the username exists: the count is per username and address."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "registration/login.html", {
        "form": SignInForm(request),
        "next": request.POST.get("next", ""),
        "locked_out": (
            f"Too many failed sign-ins. For your safety, signing in from here is paused for "
            f"{minutes} minutes; wait, then try again. Forgot the password? Ask whoever set up "
            "your hatsync sign-in to reset it."
        ),
    }, status=429)
