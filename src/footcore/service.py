"""footcore.service: ``footcore serve`` as an ASGI application an app can mount or run
itself, and its bearer tokens.

Needs the ``footcore[serve]`` extra (Starlette and uvicorn). :func:`create_app` builds the
application over a store and an engine; :func:`read_tokens` reads the token file that
``footcore serve token add`` (or :func:`add_token`) writes. An outer layer: the core never
imports it. See docs/service.md for the routes.
"""

from ._service import SCOPES, Token, Tokens, add_token, read_tokens
from ._service._app import MAX_BODY, TIMEOUT, create_app

__all__ = ["MAX_BODY", "SCOPES", "TIMEOUT", "Token", "Tokens", "add_token", "create_app",
           "read_tokens"]
