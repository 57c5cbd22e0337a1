"""QuickBooks webhooks: Intuit calls this endpoint (no sign-in, no CSRF token) with changes.

Verified by its `intuit-signature`, handed to the worker, answered at once: Intuit wants an
answer within 3 seconds, and the work (reading each object) is done by the task.
"""

import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from hatsync.client_address import client_address

from . import counters, tasks
from .services.inbound import parse_events, signature_is_valid

logger = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def quickbooks_webhook(request: HttpRequest) -> HttpResponse:
    body = request.body
    token = settings.QBO_WEBHOOK_VERIFIER_TOKEN
    if not token:
        logger.warning("QuickBooks webhook refused: QBO_WEBHOOK_VERIFIER_TOKEN is not set")
        counters.count("hatsync_webhook_deliveries_total", result="refused_not_configured")
        return HttpResponse("Webhooks are not configured.", status=401)
    if not signature_is_valid(body=body, verifier_token=token,
                              signature=request.headers.get("intuit-signature", "")):
        logger.warning("QuickBooks webhook refused: bad or missing intuit-signature (%d bytes "
                       "from %s)", len(body), client_address(request))
        counters.count("hatsync_webhook_deliveries_total", result="refused_signature")
        return HttpResponse("Bad signature.", status=401)
    try:
        events = parse_events(body)
    except ValueError as error:  # its message is ours (never the body): it says what is wrong
        counters.count("hatsync_webhook_deliveries_total", result="refused_body")
        return HttpResponse(f"Expected a JSON array of CloudEvents: {error}.", status=400,
                            content_type="text/plain")
    counters.count("hatsync_webhook_deliveries_total", result="accepted")
    if events:
        counters.count("hatsync_webhook_events_total", len(events))
        tasks.queue_webhook(events)
    return HttpResponse(status=200)
