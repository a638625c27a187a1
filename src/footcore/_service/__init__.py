"""``footcore serve``: an HTTP API over a store (ASGI: Starlette, served by uvicorn; the
``footcore[serve]`` extra). An outer layer: the core never imports it."""

from ._tokens import SCOPES, Token, Tokens, add_token, read_tokens

__all__ = ["SCOPES", "Token", "Tokens", "add_token", "read_tokens"]
