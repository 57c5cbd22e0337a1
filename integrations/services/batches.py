"""Sending plans to QuickBooks in two lanes at once: batches of 30 operations (QuickBooks'
batch endpoint, 40 requests a minute) and, beside them, single requests of one operation each
from the rest of the company's 500 requests a minute. Up to QBO_MAX_IN_FLIGHT requests go at
once, each under a stable requestid committed before it is sent, each answer matched to its
plan (by `bId` in a batch), so one refused operation never fails another.

Every database write happens in the calling thread; the pool's threads only do HTTP."""

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

from django.conf import settings

from ..models import QuickBooksConnection
from ..qbo import budget
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
    single: bool = False  # one plan sent by itself (POST /invoice), not through /batch


@dataclass
class Left:
    """What a send could not finish because QuickBooks refused the token (401): batches in
    flight, unsettled (they go again under their requestids), and plans never sent."""

    batches: list[Batch] = field(default_factory=list)
    plans: list[Plan] = field(default_factory=list)
    # A crowded send that gave its thread back rather than wait for the batch budget: plans
    # never sent (their records wait, as before they were planned), and the wait it saw.
    unsent: list[Plan] = field(default_factory=list)
    budget_wait: float = 0.0

    def __bool__(self) -> bool:
        return bool(self.batches or self.plans)


SINGLE_OPERATIONS = ("create", "update")
IDLE_POLL_SECONDS = 0.25  # the longest the sender waits before it looks at the budget again
MEANWHILE_PAUSE = 0.1  # a wait for the budget this long is spent on other work
GIVE_WAY_SECONDS = 1.0  # a crowded send that would wait this long gives its thread back


class BatchSender:
    """Posts one company's plans with the drain's token; one client per thread."""

    def __init__(self, connection: QuickBooksConnection, *, token: str,
                 renew: Callable[[], bool]):
        self.connection = connection
        self.realm = connection.realm_id
        self.token = token
        self.renew = renew
        self._local = threading.local()
        self.in_flight = 0  # requests of a send out now (look-ups meanwhile share the limit)
        self.batches_sent = 0  # batch requests this sender took from the budget

    def put_in_flight(self, plans: list[Plan]) -> list[Batch]:
        """Cut the plans into batches, each committed as in flight before it is sent: a
        later push knows the batch may have landed."""
        size = settings.QBO_BATCH_SIZE
        batches = []
        for start in range(0, len(plans), size):
            chunk = plans[start:start + size]
            request_id = exactly_once.batch_request_id(
                self.realm, [(plan.record, plan.fingerprint or plan.operation) for plan in chunk])
            exactly_once.batch_in_flight([plan.record for plan in chunk], request_id)
            batches.append(Batch(request_id, chunk))
        return batches

    def single_in_flight(self, plan: Plan) -> Batch:
        """One plan for the single lane, committed as in flight like a batch of one (a lost
        answer is looked for the same way), under a requestid no batch can have."""
        request_id = exactly_once.batch_request_id(
            self.realm, [(plan.record, "single|" + (plan.fingerprint or plan.operation))])
        exactly_once.batch_in_flight([plan.record], request_id)
        return Batch(request_id, [plan], single=True)

    def send(self, plans: list[Plan], settle: Callable[[list[Plan]], None], *,
             again: list[Batch] | None = None, meanwhile: Iterator | None = None,
             crowded: bool = False) -> Left:
        """Send the plans through both lanes and `settle` each request's plans as its answer
        comes (so progress shows as it goes); `again`: batches already in flight to post once
        more (after a new token). Whenever the batch budget has room a batch of up to 30
        goes; while it has none, single requests take plans one at a time, as long as the
        company's request windows keep their share for people (`budget.take_spare`).
        `meanwhile`: other work (the next chunk's planning), advanced a step at a time
        whenever both lanes wait for the budget or the last requests are in flight.
        `crowded` (other companies wait for a worker thread, turns.py): batches only, at
        most QBO_CROWDED_IN_FLIGHT at once, and rather than wait GIVE_WAY_SECONDS for the
        batch budget with nothing in flight, stop: the plans not sent are `unsent`."""
        queue = deque(plans)
        ready = deque(again or [])
        left = Left()
        futures: dict[Future, Batch] = {}
        stop: QboFault | None = None  # the company takes no writes: nothing more is sent
        lost_lease = False
        renewed = time.monotonic()
        size = settings.QBO_BATCH_SIZE
        most = max(1, settings.QBO_MAX_IN_FLIGHT)
        if crowded:  # the workers serve many companies: a few requests each, not a flood
            most = min(most, max(1, settings.QBO_CROWDED_IN_FLIGHT))
        singles = 0 if crowded else max(0, min(settings.QBO_SINGLE_LANE_IN_FLIGHT, most - 1))
        spacing = 1.0 / settings.QBO_LIMITS_TIME_SCALE / max(1, settings.QBO_REQUESTS_PER_SECOND)
        next_single = 0.0
        with ThreadPoolExecutor(max_workers=most, thread_name_prefix="qbo-send") as pool:
            while futures or ((queue or ready) and not (stop or lost_lease or left)):
                pause, batch_wait = IDLE_POLL_SECONDS, 0.0
                while ready and len(futures) < most and not left:
                    batch = ready.popleft()  # its client waits for the budget itself
                    futures[pool.submit(self._post, batch, counted=False)] = batch
                while queue and len(futures) < most and not (stop or lost_lease or left):
                    wait_for = budget.take(self.realm, batch=True)
                    if wait_for:
                        pause, batch_wait = min(pause, wait_for), wait_for
                        break
                    [batch] = self.put_in_flight([queue.popleft() for _ in
                                                  range(min(size, len(queue)))])
                    self.batches_sent += 1
                    futures[pool.submit(self._post, batch, counted=True)] = batch
                while (queue and len(futures) < most and not (stop or lost_lease or left)
                       and sum(b.single for b in futures.values()) < singles
                       and queue[0].operation in SINGLE_OPERATIONS):
                    # Evenly spaced, never in bursts: a burst taken within one second of the
                    # budget could reach QuickBooks within one of its own.
                    wait_for = max(next_single - time.monotonic(), 0) or budget.take_spare(
                        self.realm)
                    if wait_for:
                        pause = min(pause, wait_for)
                        break
                    next_single = time.monotonic() + spacing
                    batch = self.single_in_flight(queue.popleft())
                    futures[pool.submit(self._post, batch, counted=True)] = batch
                if crowded and queue and not futures and batch_wait >= GIVE_WAY_SECONDS:
                    left.unsent, left.budget_wait = list(queue), batch_wait
                    queue.clear()
                    break
                idle = futures and (not queue or pause >= MEANWHILE_PAUSE)
                if meanwhile is not None and idle:
                    self.in_flight = len(futures)
                    try:
                        next(meanwhile)  # HTTP and database work of its own, a step
                    except StopIteration:
                        meanwhile = None
                    finally:
                        self.in_flight = 0
                    done = {future for future in futures if future.done()}
                elif futures:
                    done, _ = wait(futures, timeout=max(0.01, pause),
                                   return_when=FIRST_COMPLETED)
                elif stop or lost_lease or left or not (queue or ready):
                    break
                else:  # both lanes wait for the budget
                    time.sleep(max(0.01, pause))
                    done = set()
                # Renew at every answer, and every few seconds while QuickBooks works or the
                # budget waits: the company's lease must never run out under this send.
                if done or time.monotonic() - renewed > max(1.0, settings.QBO_LEASE_SECONDS / 8):
                    lost_lease = not self.renew() or lost_lease
                    renewed = time.monotonic()
                for future in done:
                    batch = futures.pop(future)
                    try:
                        answers, tid = future.result()
                    except QboAuthError:
                        left.batches.append(batch)
                        continue
                    except QboError as error:
                        if isinstance(error, QboFault) and error.is_company_not_writable:
                            stop = error  # nothing applied: not a lost answer
                            continue
                        logger.warning("Request %s on company %s got no answer: %s "
                                       "(intuit_tid %s)", batch.request_id, self.realm,
                                       error, error.intuit_tid or "none")
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
            raise LeaseLost(f"Lost the hold on company {self.realm}")
        if stop is not None:  # the company takes no writes: the drain pauses it
            raise stop
        left.batches += list(ready)
        left.plans = list(queue)
        return left

    def query_all(self, statements: list[str]) -> list[dict]:
        """Several look-up queries at once (HTTP only in the pool), their rows together."""
        if not self.renew():
            raise LeaseLost(f"Lost the hold on company {self.realm}")
        # Within the company's requests in flight: a chunk planned meanwhile shares them.
        most = max(1, min(settings.QBO_MAX_IN_FLIGHT - self.in_flight, len(statements)))
        with ThreadPoolExecutor(max_workers=most, thread_name_prefix="qbo-query") as pool:
            answers = list(pool.map(lambda statement: self._client().query(statement),
                                    statements))
        return [row for rows in answers for row in rows]

    def _post(self, batch: Batch, *, counted: bool) -> tuple[dict[str, dict], str]:
        """One request (in a pool thread: HTTP only, no database). A lost answer or a 5xx
        goes again with the same requestid, so QuickBooks applies it once. `counted`: its
        first try is already counted in the budget. A single request's refusal is answered
        as a batch answers one (`{"0": {"Fault": ...}}`)."""
        client = self._client()
        for attempt in range(BATCH_RETRIES + 1):
            if counted and not attempt:
                client.counted()
            try:
                if batch.single:
                    return self._post_single(client, batch), client.intuit_tid
                items = [{"bId": str(index), "operation": plan.operation,
                          plan.entity: plan.payload} for index, plan in enumerate(batch.plans)]
                return client.batch(items, request_id=batch.request_id), client.intuit_tid
            except QboAuthError:
                raise
            except QboError as error:
                if not error.retryable or attempt == BATCH_RETRIES:
                    raise
                time.sleep(getattr(error, "retry_after", None) or 2 ** attempt)
        raise AssertionError("unreachable")

    @staticmethod
    def _post_single(client: QboClient, batch: Batch) -> dict[str, dict]:
        [plan] = batch.plans
        send = client.create if plan.operation == "create" else client.update
        try:
            return {"0": {plan.entity: send(plan.entity, plan.payload,
                                            request_id=batch.request_id)}}
        except QboFault as fault:
            if fault.is_company_not_writable:
                raise
            return {"0": {"Fault": fault}}

    def _client(self) -> QboClient:
        client = getattr(self._local, "client", None)
        if client is None:
            client = QboClient(env_name=self.connection.environment,
                               realm_id=self.realm, access_token=self.token)
            self._local.client = client
        return client
