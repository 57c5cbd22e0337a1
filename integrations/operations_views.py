"""The operations page, for staff only (is_staff): search, one company, Re-queue.

These screens cross accounts on purpose (services/operations.py), so they are closed to
everyone else: a visitor is sent to sign in, a signed-in user who is not staff is refused
(403), before anything is read.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from hatsync import request_params

from .models import QuickBooksConnection, SyncRecord
from .services import operations


def staff_required(view):
    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not request.user.is_staff:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


@require_safe
@staff_required
def search(request: HttpRequest) -> HttpResponse:
    term = request_params.search_text(request.GET)
    return render(request, "integrations/operations.html", {
        "q": term, "found": operations.search(term=term), "rows": operations.ROWS,
    })


@require_safe
@staff_required
def company(request: HttpRequest, pk: int) -> HttpResponse:
    connection = get_object_or_404(QuickBooksConnection.objects.select_related("account"),
                                   pk=pk)
    return render(request, "integrations/operations_company.html", {
        "view": operations.company(connection=connection), "rows": operations.ROWS,
    })


@require_POST
@staff_required
def requeue(request: HttpRequest) -> HttpResponse:
    """Re-queue one failed or blocked record; again, or once it moved on, does nothing."""
    record_id = request_params.whole_number(request.POST, "record")
    record = get_object_or_404(SyncRecord, pk=record_id) if record_id is not None else None
    if record is None:
        messages.error(request, "Choose a record to re-queue.")
        return redirect("integrations:operations")
    if operations.record_requeue(record_id=record.pk):
        messages.info(request, f"{record.key} is back in the outbox; a worker sends it.")
    else:
        messages.info(request, f"{record.key} was not re-queued: it is no longer failed or "
                      "blocked (already re-queued, or synced since).")
    connection = QuickBooksConnection.objects.filter(
        account_id=record.account_id, realm_id=record.realm_id).first()
    if connection is None:
        return redirect("integrations:operations")
    return redirect(reverse("integrations:operations_company", args=[connection.pk]))
