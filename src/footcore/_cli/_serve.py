"""``footcore serve``: run the HTTP service over a store (``serve [run] STORE``), and make
its tokens (``serve token add NAME``). Needs the ``footcore[serve]`` extra to run; making a
token needs nothing more than footcore.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from .._engine import BACKENDS
from .._service._run import Settings, serve
from .._service._tokens import SCOPES, add_token, parse_scopes
from ._common import add_command, print_json, show_help

if TYPE_CHECKING:
    from ._common import Commands

__all__ = ["add_serve_commands", "run_by_default"]


_ACTIONS = ("run", "token", "-h", "--help")


def run_by_default(argv: list[str]) -> list[str]:
    """``footcore serve [OPTIONS] STORE`` reads as ``footcore serve run [OPTIONS] STORE``:
    when the word after ``serve`` names none of its actions (nor asks for help), the options
    given before the store are run's too."""
    if argv[:1] == ["serve"] and len(argv) > 1 and argv[1] not in _ACTIONS:
        return ["serve", "run", *argv[1:]]
    return argv


def _run(args: argparse.Namespace) -> int:
    serve(Settings(store=args.source, tokens=args.tokens, insecure=args.insecure,
                   host=args.host, port=args.port, workers=args.workers, rules=args.rules,
                   backend=args.backend, max_body=args.max_body, timeout=args.timeout,
                   cors_origins=tuple(args.cors_origin), grace=args.grace))
    return 0


def _token_add(args: argparse.Namespace) -> int:
    scopes = parse_scopes(args.scopes)
    token = add_token(args.tokens, args.name, scopes)
    if args.json:
        print_json({"name": args.name, "scopes": sorted(scopes), "token": token})
    else:
        print(token)
        print(f"Added token {args.name!r} ({', '.join(sorted(scopes))}) to {args.tokens}; "
              f"it is shown only now.", file=sys.stderr)
    return 0


def add_serve_commands(commands: Commands) -> None:
    """Declare ``serve`` (run, token add)."""
    parser = commands.add_parser(
        "serve", help="Serve athletes, check-ins and decisions over HTTP (footcore[serve]).",
        description="Serve a store over HTTP: 'serve STORE' runs the service, 'serve token "
                    "add' makes a bearer token. See docs/service.md.",
        epilog="example:\n  footcore serve token add app --scopes read,write --tokens "
               "tokens.toml\n  footcore serve footcore.db --tokens tokens.toml --port 8000",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    show_help(parser)
    actions = parser.add_subparsers(dest="serve_command", metavar="ACTION")

    cmd = add_command(
        actions, "run", _run,
        "Serve the store over HTTP (the default action: 'footcore serve STORE'); SIGTERM "
        "lets requests in flight finish.",
        "  footcore serve footcore.db --tokens tokens.toml --host 0.0.0.0 --workers 2\n"
        "  footcore serve footcore.db --insecure   # loopback only, no tokens")
    cmd.add_argument("source", metavar="STORE", help="a SQLite file or a postgresql:// URL "
                                                     "(footcore store init makes one)")
    cmd.add_argument("--tokens", metavar="TOKENS.toml",
                     help="the token file (footcore serve token add); required unless "
                          "--insecure")
    cmd.add_argument("--insecure", action="store_true",
                     help="serve without tokens: on a loopback address only")
    cmd.add_argument("--host", default="127.0.0.1", help="address to listen on "
                                                         "(default 127.0.0.1)")
    cmd.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    cmd.add_argument("--workers", type=int, default=1,
                     help="processes (default 1; PostgreSQL serves several best)")
    cmd.add_argument("--backend", choices=BACKENDS, default="auto",
                     help="rule engine backend (default: auto)")
    cmd.add_argument("--max-body", type=int, default=1024 * 1024, metavar="BYTES",
                     help="largest request body (default 1 MiB; 413 past it)")
    cmd.add_argument("--timeout", type=float, default=30.0, metavar="SECONDS",
                     help="how long a request waits for the engine and store (default 30; "
                          "503 past it)")
    cmd.add_argument("--cors-origin", action="append", default=[], metavar="ORIGIN",
                     help="an origin browsers may call from (repeat; CORS is off without)")
    cmd.add_argument("--grace", type=int, default=30, metavar="SECONDS",
                     help="on SIGTERM, how long requests in flight may take (default 30)")

    token = actions.add_parser("token", help="Make bearer tokens for the service.",
                               description="Make bearer tokens for the service.")
    show_help(token)
    token_actions = token.add_subparsers(dest="token_command", metavar="ACTION")
    cmd = add_command(
        token_actions, "add", _token_add,
        "Make a token, print it once, and add its SHA-256 digest, name and scopes to the "
        "token file (created, owner-only, when missing).",
        "  footcore serve token add app --scopes read,write --tokens tokens.toml",
        rules=False, json="the token")
    cmd.add_argument("name", metavar="NAME")
    cmd.add_argument("--scopes", required=True,
                     help=f"comma-separated, of {', '.join(SCOPES)}")
    cmd.add_argument("--tokens", required=True, metavar="TOKENS.toml")
