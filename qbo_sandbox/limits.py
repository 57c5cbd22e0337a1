"""Sandbox time, runtime settings, throttling (per-second, per-minute, concurrent, batch) and
fault injection.

Sandbox time runs `time_scale` times faster than real time and can be advanced by the control
API; token lifetimes and the per-minute windows are measured in it. Latency is real time.
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections import defaultdict, deque
from dataclasses import asdict, dataclass, fields
from typing import Any
from xml.sax.saxutils import escape

from .faults import QBOFault, authentication_failed, qbo_time, system_fault, throttled

MINUTE = 60.0
SECOND = 1.0


@dataclass
class Config:
    latency_ms: float = 0
    time_scale: float = 1.0
    rate_limit_per_minute: int = 500
    rate_limit_per_second: int = 10  # Intuit: 10 requests a second per company and app
    concurrent_limit: int = 10
    batch_limit_per_minute: int = 40
    batch_max_items: int = 30
    request_cut_seconds: float = 120.0  # real s: a longer call is answered 504 GatewayTimeout
    fault_rate: float = 0.0  # share of API calls answered 500 before anything is applied
    lost_answer_rate: float = 0.0  # share of writes applied, then answered 504 (answer lost)
    access_token_lifetime: int = 3600
    refresh_token_lifetime: int = 8_726_400  # 101 days, Intuit's x_refresh_token_expires_in
    refresh_token_rotation: int = 86_400  # same value returned for ~24 h, then a new one
    refresh_token_hard_lifetime: int = 157_680_000  # 5 years from consent, Intuit's hard expiry
    launch_url: str = "http://localhost:8000/integrations/quickbooks/launch/"  # the app's
    disconnect_url: str = "http://localhost:8000/integrations/quickbooks/disconnected/"  # URLs
    auth_code_lifetime: int = 300
    app_name: str = "hatsync"  # the display name of the one app this sandbox knows
    webhook_window: float = 2.0  # real seconds of aggregation per delivery; <= 0: flush only
    webhook_timeout: float = 10.0  # real seconds to wait for a receiver's answer
    webhook_retry_seconds: float = 1.0  # first retry delay, doubled per attempt (max 60 s)
    webhook_max_attempts: int = 6  # then the delivery is dropped and logged as failed

    def update(self, values: dict[str, Any]) -> None:
        known = {f.name: f.type for f in fields(self)}
        for key, value in values.items():
            if key not in known:
                raise ValueError(f"unknown setting {key!r}; known: {sorted(known)}")
            current = getattr(self, key)
            setattr(self, key, type(current)(value))

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class Clock:
    """Sandbox time in epoch seconds: real time, scaled, plus whatever was advanced."""

    def __init__(self, offset: float = 0.0, scale: float = 1.0) -> None:
        self._lock = threading.Lock()
        self._real_anchor = time.time()
        self._sandbox_anchor = self._real_anchor + offset
        self._scale = scale

    def now(self) -> float:
        with self._lock:
            return self._sandbox_anchor + (time.time() - self._real_anchor) * self._scale

    def offset(self) -> float:
        return self.now() - time.time()

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._sandbox_anchor += seconds

    def set_scale(self, scale: float) -> None:
        if scale <= 0:
            raise ValueError("time_scale must be positive")
        now = self.now()
        with self._lock:
            self._real_anchor = time.time()
            self._sandbox_anchor = now
            self._scale = scale

    @property
    def scale(self) -> float:
        return self._scale


class Limiter:
    """In-memory throttles and scripted faults, per realm (like Intuit's per app+realm limits)."""

    def __init__(self, config: Config, clock: Clock) -> None:
        self.config = config
        self.clock = clock
        self._lock = threading.Lock()
        self._requests: dict[str, deque[float]] = defaultdict(deque)
        self._this_second: dict[str, deque[float]] = defaultdict(deque)
        self._batches: dict[str, deque[float]] = defaultdict(deque)
        self._in_flight: dict[str, int] = defaultdict(int)
        self._scripted: list[tuple[str | None, dict[str, Any]]] = []
        self._holding = 0
        self.injected = 0  # random faults injected since the last reset

    def reset(self) -> None:
        with self._lock:
            self._requests.clear()
            self._this_second.clear()
            self._batches.clear()
            self._scripted.clear()
            self.injected = 0

    def script_faults(self, realm: str | None, responses: list[dict[str, Any]]) -> None:
        with self._lock:
            for response in responses:
                status = int(response.get("status", 500))
                if status not in (401, 429, 500, 502, 503, 504):
                    raise ValueError(f"unsupported scripted status {status}")
                if response.get("on", "any") not in CALL_KINDS:
                    raise ValueError(f"'on' must be one of {sorted(CALL_KINDS)}")
                self._scripted.append((realm, dict(response, status=status)))

    def scripted_count(self) -> int:
        return len(self._scripted)

    def holding_count(self) -> int:
        return self._holding

    def hold(self, seconds: float) -> None:
        """Keep a connection open without an answer (a client may die meanwhile)."""
        if seconds <= 0:
            return
        with self._lock:
            self._holding += 1
        try:
            time.sleep(seconds)
        finally:
            with self._lock:
                self._holding -= 1

    def enter(self, realm: str) -> None:
        """Count a request in flight; raise a 429 fault if the concurrent limit is exceeded."""
        with self._lock:
            if self._in_flight[realm] >= self.config.concurrent_limit:
                raise throttled(1, "Too many concurrent requests for this company.")
            self._in_flight[realm] += 1

    def leave(self, realm: str) -> None:
        with self._lock:
            self._in_flight[realm] = max(0, self._in_flight[realm] - 1)

    def check_rate(self, realm: str, *, batch: bool) -> None:
        """Admit one request into the second and minute windows, or raise a 429 with
        Retry-After."""
        now = self.clock.now()
        with self._lock:
            windows = [(self._requests[realm], self.config.rate_limit_per_minute, MINUTE),
                       (self._this_second[realm], self.config.rate_limit_per_second, SECOND)]
            if batch:
                windows.append((self._batches[realm], self.config.batch_limit_per_minute,
                                MINUTE))
            for window, limit, period in windows:
                while window and window[0] <= now - period:
                    window.popleft()
                if len(window) >= limit:
                    wait_sandbox = window[0] + period - now
                    wait_real = math.ceil(wait_sandbox / self.clock.scale)
                    raise throttled(wait_real)
            for window, _, _ in windows:
                window.append(now)

    def injected_fault(self, realm: str, kind: str = "read") -> Injected | None:
        """The next scripted fault for this realm (or any realm) and this kind of call
        ("read", "query", "write", "batch"), else a random one (`fault_rate`,
        `lost_answer_rate`)."""
        with self._lock:
            for index, (target, response) in enumerate(self._scripted):
                wanted = response.get("on", "any")
                kind_matches = wanted in ("any", kind) or (
                    wanted == "writes" and kind in ("write", "batch"))
                if kind_matches and target in (None, realm):
                    if response.get("skip", 0) > 0:  # let this many matching calls pass
                        response["skip"] -= 1
                        break
                    del self._scripted[index]
                    return Injected(
                        fault=_fault_for(response),
                        after_apply=bool(response.get("after_apply")),
                        hold_seconds=float(response.get("hold_seconds", 0)),
                        apply_items=(int(response["apply_items"])
                                     if "apply_items" in response else None),
                    )
        if self.config.fault_rate and random.random() < self.config.fault_rate:
            self.injected += 1
            return Injected(system_fault(500))
        if (kind in ("write", "batch") and self.config.lost_answer_rate
                and random.random() < self.config.lost_answer_rate):
            self.injected += 1
            return Injected(system_fault(504), after_apply=True)
        return None


CALL_KINDS = frozenset({"any", "read", "query", "write", "batch", "writes"})


@dataclass
class Injected:
    """A fault to answer with. `after_apply`: the call is applied first (its answer is
    lost); `apply_items`: with after_apply, a batch applies only its first N operations;
    `hold_seconds`: the connection stays open that long before the answer."""

    fault: QBOFault
    after_apply: bool = False
    hold_seconds: float = 0.0
    apply_items: int | None = None


def _fault_for(response: dict[str, Any]) -> QBOFault:
    status = response["status"]
    if status == 429:  # Intuit's own 429 names no Retry-After: a script may add one
        return throttled(int(response["retry_after"]) if "retry_after" in response else None)
    if status == 401:
        return authentication_failed("Token expired: injected by the sandbox fault script")
    fault = system_fault(status)
    if "retry_after" in response:
        fault.headers["Retry-After"] = str(int(response["retry_after"]))
    return fault



XML_FAULT_CODES = frozenset({"3001", "6002"})  # answered in XML whatever `Accept` says


def gateway_timeout() -> QBOFault:
    """Intuit's answer to a request that ran past its 120 s cut (recorded in
    mcohen01/node-quickbooks #242); what the request did is kept: its answer is lost."""
    return QBOFault(6002, "message=GatewayTimeout; errorCode=006002; statusCode=504", "",
                    type="SERVICE", status=504)


def intuit_xml(fault: QBOFault, now: float) -> str:
    """Intuit's XML fault body, for the faults its gateway answers (a 429 and a 504 cut):
    XML even when the request asked for JSON (recorded 429s in routablehq/python-quickbooks
    #43 and #83, intuit/QuickBooks-V3-PHP-SDK #54)."""
    detail = f"            <Detail>{escape(fault.detail)}</Detail>\n" if fault.detail else ""
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<IntuitResponse time="{qbo_time(now)}" xmlns="http://schema.intuit.com/finance/v3">\n'
        f'    <Fault type="{escape(fault.type)}">\n'
        f'        <Error code="{escape(fault.code)}">\n'
        f'            <Message>{escape(fault.message)}</Message>\n'
        f'{detail}'
        '        </Error>\n'
        '    </Fault>\n'
        '</IntuitResponse>'
    )
