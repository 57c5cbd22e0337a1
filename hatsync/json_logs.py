"""JSON logs (HATSYNC_LOG_FORMAT=json): one object a line, for a log pipeline to index.

Each line has time, level, logger and message, then whatever of realm, record_key,
requestid, intuit_tid, task_id, task and duration_ms is known (hatsync/log_context.py, or a
line's own `extra=`), and the traceback when there is one. The message and the traceback
are blanked of OAuth secrets as every plain line is (hatsync/log_redaction.py); no other
attribute of a record is written, so an `extra=` that is not a log field never leaks out.
"""

import json
import logging
from datetime import UTC, datetime

from . import log_context
from .log_redaction import redact


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        fields = log_context.current()
        for name in log_context.FIELDS:
            value = getattr(record, name, None)
            if value not in (None, ""):
                fields[name] = value
        line.update({name: fields[name] for name in log_context.FIELDS if name in fields})
        if record.exc_info:
            line["exception"] = redact(self.formatException(record.exc_info))
        elif record.exc_text:
            line["exception"] = redact(record.exc_text)
        if record.stack_info:
            line["stack"] = redact(self.formatStack(record.stack_info))
        return json.dumps(line, default=str, ensure_ascii=False)


class RedactingWrapper(logging.Formatter):
    """Another formatter's lines (Celery's own, in a worker), blanked of OAuth secrets."""

    def __init__(self, inner: logging.Formatter) -> None:
        super().__init__()
        self.inner = inner

    def format(self, record: logging.LogRecord) -> str:
        return redact(self.inner.format(record))


def take_over_celery_handlers(logger: logging.Logger | None = None, **kwargs) -> None:
    """Celery's after_setup_logger / after_setup_task_logger: a worker's handlers (Celery
    configures its own) format as the settings say: JSON, or Celery's lines redacted."""
    from celery.utils.log import get_multiprocessing_logger
    from django.conf import settings

    loggers = [logger, get_multiprocessing_logger()] if logger else []  # the pool's own too
    for handler in [handler for each in loggers if each for handler in each.handlers]:
        if settings.LOG_FORMAT == "json":
            handler.setFormatter(JsonFormatter())
        elif not isinstance(handler.formatter, RedactingWrapper | JsonFormatter):
            handler.setFormatter(RedactingWrapper(handler.formatter or logging.Formatter()))


def connect_worker_logging() -> None:
    from celery import signals

    signals.after_setup_logger.connect(take_over_celery_handlers, weak=False)
    signals.after_setup_task_logger.connect(take_over_celery_handlers, weak=False)
