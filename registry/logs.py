"""How the registry logs: one JSON object a line for a log pipeline (production's default), or plain
text for a developer's terminal. Every line written while a request is served carries its request
id, the one in the response's X-Request-Id header and in the audit events it records; each request
ends with one access line (method, path without its query, status, duration). Query strings are
never logged: a password-reset link carries its token there."""

import json
import logging
import logging.config
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Literal

LogFormat = Literal["text", "json"]
current_request_id: ContextVar[str | None] = ContextVar("current_request_id", default=None)  # set by registry.web.request_id
access = logging.getLogger("registry.access")

TEXT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
# What every LogRecord has: anything else on a record was passed in `extra` and is logged as a field.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "request_id", "color_message"}


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id.get() or "-"
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        entry |= {name: value for name, value in vars(record).items() if name not in _STANDARD}
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def config(log_format: LogFormat, level: str = "INFO") -> dict:
    """A logging.config.dictConfig for the process: the registry's, Uvicorn's (given to it, so that
    each worker process applies it) and the libraries'. Uvicorn's own access log is replaced by ours."""
    formatter = {"()": JsonFormatter} if log_format == "json" else {"format": TEXT}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"registry": formatter},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "registry", "filters": ["request_id"], "stream": "ext://sys.stderr"}},
        "root": {"handlers": ["stderr"], "level": level},
        "loggers": {
            "uvicorn": {"handlers": [], "propagate": True},
            "uvicorn.error": {"handlers": [], "propagate": True},
            "uvicorn.access": {"handlers": [], "propagate": False, "level": "CRITICAL"},
            "piccolo": {"level": "WARNING"},
        },
    }


def configure(log_format: LogFormat, level: str = "INFO") -> None:
    logging.config.dictConfig(config(log_format, level))
