"""Sending plans through QuickBooks' batch endpoint: 30 operations a request, up to
QBO_MAX_IN_FLIGHT requests at once, each under a stable requestid, each answer matched to
its plan by `bId` (so one refused operation never fails another)."""

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass

from django.conf import settings

from ..models import QuickBooksConnection
from ..qbo.client import QboClient
from ..qbo.errors import QboAuthError, QboError, QboFault
from . import exactly_once
from .landed import Plan
from .lease import LeaseLost

logger = logging.getLogger(__name__)
BATCH_RETRIES = 3  # a batch with no answer goes again (same requestid) this many times


@dataclass
class Batch:
    request_id: str
    plans: list[Plan]


class BatchSender:
    """Posts batches for one company with the drain's token; one client per thread."""

    def __init__(self, connection: QuickBooksConnection, *, token: str,
                 renew: Callable[[], bool]):
        self.connection = connection
        self.token = token
        self.renew = renew
        self._local = threading.local()

    def put_in_flight(self, plans: list[Plan]) -> list[Batch]:
        """Cut the plans into batches, each committed as in flight before it is sent: a
        later push knows the batch may have landed."""
        size = settings.QBO_BATCH_SIZE
        batches = []
        for start in range(0, len(plans), size):
            chunk = plans[start:start + size]
            request_id = exactly_once.batch_request_id(
                self.connection.realm_id,
                [(plan.record, plan.fingerprint or plan.operation) for plan in chunk])
            exactly_once.batch_in_flight([plan.record for plan in chunk], request_id)
            batches.append(Batch(request_id, chunk))
        return batches

    def post_all(self, batches: list[Batch], settle: Callable[[list[Plan]], None]
                 ) -> list[Batch]:
        """Post the batches, up to QBO_MAX_IN_FLIGHT at once, and `settle` each as its answer
        comes (so progress shows batch by batch). Returns the batches QuickBooks refused for
        the token (401), unsettled."""
        refused_token = []
        workers = max(1, min(settings.QBO_MAX_IN_FLIGHT, len(batches)))
        lost_lease = False
        company_refused: QboFault | None = None
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="qbo-batch") as pool:
            futures = {pool.submit(self._post, batch): batch for batch in batches}
            pending = set(futures)
            while pending:
                # Wake every few seconds while QuickBooks works (retries, slow answers) to
                # keep the company's lease: it must never run out under batches in flight.
                done, pending = wait(pending, timeout=max(1.0, settings.QBO_LEASE_SECONDS / 8),
                                     return_when=FIRST_COMPLETED)
                lost_lease = not self.renew() or lost_lease
                for future in done:
                    batch = futures[future]
                    try:
                        answers, tid = future.result()
                    except QboAuthError:
                        refused_token.append(batch)
                        continue
                    except QboError as error:
                        if isinstance(error, QboFault) and error.is_company_not_writable:
                            company_refused = error  # nothing applied: not a lost answer
                            continue
                        logger.warning("Batch %s on company %s got no answer: %s "
                                       "(intuit_tid %s)", batch.request_id,
                                       self.connection.realm_id, error,
                                       error.intuit_tid or "none")
                        answers, tid = {}, error.intuit_tid
                    for index, plan in enumerate(batch.plans):
                        plan.intuit_tid = tid
                        answer = answers.get(str(index), {})
                        if isinstance(answer.get("Fault"), QboFault):
                            plan.fault = answer["Fault"]
                        elif answer.get(plan.entity):
                            plan.answer = answer[plan.entity]
                    settle(batch.plans)
        if lost_lease:  # what was in flight is recorded; nothing more is sent
            raise LeaseLost(f"Lost the hold on company {self.connection.realm_id}")
        if company_refused is not None:  # the company takes no writes: the drain pauses it
            raise company_refused
        return refused_token

    def _post(self, batch: Batch) -> tuple[dict[str, dict], str]:
        """One batch request (in a worker thread: HTTP only, no database). A lost answer or
        a 5xx goes again with the same requestid, so QuickBooks applies it once."""
        items = [{"bId": str(index), "operation": plan.operation, plan.entity: plan.payload}
                 for index, plan in enumerate(batch.plans)]
        client = self._client()
        for attempt in range(BATCH_RETRIES + 1):
            try:
                return client.batch(items, request_id=batch.request_id), client.intuit_tid
            except QboAuthError:
                raise
            except QboError as error:
                if not error.retryable or attempt == BATCH_RETRIES:
                    raise
                time.sleep(getattr(error, "retry_after", None) or 2 ** attempt)
        raise AssertionError("unreachable")

    def _client(self) -> QboClient:
        client = getattr(self._local, "client", None)
        if client is None:
            client = QboClient(env_name=self.connection.environment,
                               realm_id=self.connection.realm_id, access_token=self.token)
            self._local.client = client
        return client
