"""The pages QuickBooks sends people to, entered in Intuit's developer portal: the Launch URL
(opening hatsync from QuickBooks' Apps page), the Disconnect URL (after disconnecting hatsync
there) and the Reconnect URL (Intuit's reconnect flow; also the banner's Reconnect button)."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_http_methods

from invoices.views import account_required

from . import selectors
from .qbo.errors import QboError
from .services import oauth
from .views import _redirect_uri


@account_required
@require_GET
def launch(request: HttpRequest) -> HttpResponse:
    # Sign-in comes first (account_required sends a stranger to it, then back here).
    return redirect("integrations:settings")


@account_required
@require_GET
def disconnected(request: HttpRequest) -> HttpResponse:
    connection = selectors.connection_for(request.account)
    if connection is None:
        return redirect("integrations:settings")
    try:
        gone = oauth.connection_disconnected_in_quickbooks(connection=connection)
    except QboError as error:
        messages.error(request, "QuickBooks could not be reached to confirm the disconnect "
                                f"({error.message}). Open this page again in a minute.")
        return redirect("integrations:settings")
    if gone:
        messages.success(request, f"You disconnected hatsync from {connection.company_name} in "
                                  "QuickBooks: nothing syncs until you connect again. Invoices "
                                  "and payments wait here meanwhile, and your sync history is "
                                  "kept.")
    else:
        messages.info(request, f"hatsync is still connected to {connection.company_name}: "
                               "QuickBooks accepts its connection. To disconnect, press "
                               "Disconnect here or in QuickBooks' Apps page.")
    return redirect("integrations:settings")


@account_required
@require_http_methods(["GET", "POST"])
def reconnect(request: HttpRequest) -> HttpResponse:
    connection = selectors.connection_for(request.account)
    try:
        url = oauth.connection_start(
            session=request.session, account=request.account,
            redirect_uri=_redirect_uri(request),
            same_company_as=connection.realm_id if connection else "",
        )
    except oauth.ConnectError as error:
        messages.error(request, str(error))
        return redirect("integrations:settings")
    return redirect(url)
