"""What a log line is about (company realm, record key, requestid, intuit_tid, task id,
duration), carried by context variables so every line inside a sync or a task has it.

The sync engine and the QuickBooks client bind what they know (`bound(realm=..., ...)`), the
Celery signals bind the task id (`connect_task_signals`), and the JSON formatter
(hatsync/json_logs.py) writes them beside each message. A line's own `extra={...}` wins over
the context. Only these names are ever written: a value never carries a token or a payload.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

FIELDS = ("realm", "record_key", "requestid", "intuit_tid", "task_id", "task", "duration_ms")

_context: ContextVar[dict[str, object] | None] = ContextVar("hatsync_log_context", default=None)


def current() -> dict[str, object]:
    return dict(_context.get() or {})


@contextmanager
def bound(**fields: object) -> Iterator[None]:
    """Within the block, every log line carries these fields (None and "" are left out)."""
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise ValueError(f"Not a log field: {', '.join(sorted(unknown))}")
    token = _context.set({**current(), **{k: v for k, v in fields.items()
                                          if v not in (None, "")}})
    try:
        yield
    finally:
        _context.reset(token)


_task_tokens: dict[str, object] = {}


def _task_started(task_id: str | None = None, task=None, **kwargs) -> None:
    if task_id:
        _task_tokens[task_id] = _context.set(
            {**current(), "task_id": task_id, "task": getattr(task, "name", "")})


def _task_finished(task_id: str | None = None, **kwargs) -> None:
    token = _task_tokens.pop(task_id or "", None)
    if token is not None:
        try:
            _context.reset(token)
        except ValueError:  # set in another context (a thread pool's hand-off): start clean
            _context.set(None)


def connect_task_signals() -> None:
    """Every line a task logs carries its id (task_prerun / task_postrun)."""
    from celery import signals

    signals.task_prerun.connect(_task_started, weak=False)
    signals.task_postrun.connect(_task_finished, weak=False)
