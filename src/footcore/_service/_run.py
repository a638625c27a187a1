"""Running the service: check what ``footcore serve`` was given before anything listens,
then hand the application to uvicorn in one process or several.

uvicorn starts each worker process afresh and builds its application with
:func:`app_from_environment`, from the settings :func:`serve` leaves in the environment;
each worker opens its own store and engine. SIGTERM (or Ctrl-C) stops taking requests, lets
the ones in flight finish, then closes the store.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import attrs

from .._engine import Engine
from .._errors import InputError
from .._rulebook_loading import load_rulebook
from .._store import open_store
from ._hosts import is_loopback
from ._tokens import read_tokens

__all__ = ["Settings", "app_from_environment", "serve"]

_ENVIRONMENT = "FOOTCORE_SERVE_SETTINGS"


@attrs.frozen
class Settings:
    """What ``footcore serve`` was asked for."""

    store: str
    tokens: str | None = None
    insecure: bool = False
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    rules: str | None = None
    backend: str = "auto"
    max_body: int = 1024 * 1024
    timeout: float = 30.0
    cors_origins: tuple[str, ...] = ()
    grace: int = 30


def check(settings: Settings) -> None:
    """Refuse settings the server must not start with: no token file unless
    ``--insecure`` on a loopback address, a token file that cannot be read, a store that
    cannot be opened, a rulebook that cannot be loaded.

    Raises:
        InputError: the tokens or the address are refused (``insecure-refused``).
        StoreError: the store cannot be opened.
        RulebookError: the rulebook cannot be loaded.
    """
    if settings.tokens is None and not settings.insecure:
        raise InputError("--tokens: a token file is needed (footcore serve token add NAME "
                         "--tokens FILE makes one); --insecure serves without one on a "
                         "loopback address only", code="insecure-refused")
    if settings.tokens is None and not is_loopback(settings.host):
        raise InputError(f"--insecure: refused on --host {settings.host}, which other "
                         f"machines may reach; accepted: a loopback address (127.0.0.1, "
                         f"::1, localhost), or a token file", code="insecure-refused")
    if settings.tokens is not None:
        read_tokens(settings.tokens)
    if min(settings.workers, settings.max_body, settings.grace) < 1 or settings.timeout <= 0:
        raise InputError("--workers, --max-body, --grace and --timeout: accepted: more "
                         "than 0")
    load_rulebook(settings.rules)
    open_store(settings.store, create=False).close()


def app_from_environment() -> Any:
    """The application of the settings :func:`serve` put in the environment (uvicorn's
    factory, called in each worker process)."""
    from ._app import create_app

    data = json.loads(os.environ[_ENVIRONMENT])
    settings = Settings(**{**data, "cors_origins": tuple(data["cors_origins"])})
    engine = Engine(load_rulebook(settings.rules), backend=settings.backend)
    tokens = read_tokens(settings.tokens) if settings.tokens is not None else None
    store = open_store(settings.store, create=False)
    return create_app(store, engine, tokens, max_body=settings.max_body,
                      timeout=settings.timeout, cors_origins=settings.cors_origins,
                      on_shutdown=store.close)


def _logging() -> dict[str, Any]:
    """uvicorn's log settings with footcore's request log beside them, on standard error."""
    from uvicorn.config import LOGGING_CONFIG

    config: dict[str, Any] = json.loads(json.dumps(LOGGING_CONFIG))
    config["formatters"]["request"] = {"format": "%(asctime)s %(name)s %(message)s"}
    config["handlers"]["request"] = {"class": "logging.StreamHandler", "formatter": "request",
                                     "stream": "ext://sys.stderr"}
    config["loggers"]["footcore.service"] = {"handlers": ["request"], "level": "INFO",
                                             "propagate": False}
    return config


def serve(settings: Settings) -> None:
    """Check ``settings`` and serve until SIGTERM or Ctrl-C.

    Raises:
        InputError, StoreError, RulebookError: as :func:`check`; nothing listens then.
    """
    try:
        import uvicorn
    except ImportError:
        raise InputError("footcore serve needs starlette and uvicorn: pip install "
                         "'footcore[serve]'", code="serve-missing") from None
    check(settings)
    if settings.tokens is None:
        print(f"footcore serve: WARNING: --insecure: no tokens; anyone who reaches "
              f"{settings.host}:{settings.port} can read and change every athlete",
              file=sys.stderr, flush=True)
    os.environ[_ENVIRONMENT] = json.dumps(attrs.asdict(settings))
    uvicorn.run("footcore._service._run:app_from_environment", factory=True,
                host=settings.host, port=settings.port, workers=settings.workers,
                access_log=False, log_config=_logging(), server_header=False,
                timeout_graceful_shutdown=settings.grace)
