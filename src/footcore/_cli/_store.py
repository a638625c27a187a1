"""The commands over a store: ``store export|import|checkpoint``."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from .._store import open_store
from .._store._sign import read_key
from ._common import add_command, show_help

if TYPE_CHECKING:
    from ._common import Commands

__all__ = ["add_store_commands"]

STORE_HELP = "a SQLite file or a postgresql:// URL"


def _export(args: argparse.Namespace) -> int:
    with open_store(args.store) as store:
        count = store.export_jsonl(args.out)
    print(f"Wrote {count} record(s) from {store.location} to {args.out}.")
    return 0


def _import(args: argparse.Namespace) -> int:
    with open_store(args.store) as store:
        print(store.import_jsonl(args.log))
    return 0


def _checkpoint(args: argparse.Namespace) -> int:
    key = read_key(args.key, private=True)
    with open_store(args.store) as store:
        checkpoint = store.checkpoint(key)
    print(f"{store.location}: checkpoint {checkpoint.number} signs the heads of "
          f"{len(checkpoint.heads)} athlete(s)' chains (key {checkpoint.public_key[:12]}).")
    return 0


def add_store_commands(commands: Commands) -> None:
    """Declare ``store`` (export, import, checkpoint)."""
    store = commands.add_parser(
        "store", help="Export, import or sign a store of athletes and decisions.",
        description="Export, import or sign a store of athletes and decisions "
                    "(SQLite file or PostgreSQL URL) that evaluate --store writes.",
        epilog="example:\n  footcore store export footcore.db audit.jsonl\n"
               "  footcore store checkpoint footcore.db --key signing.pem",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    show_help(store)
    actions = store.add_subparsers(dest="store_command", metavar="ACTION")

    cmd = add_command(
        actions, "export", _export,
        "Write every decision of the store to an audit log (JSON Lines), athlete by athlete; "
        "the store is verified first.",
        "  footcore store export footcore.db audit.jsonl\n"
        "  footcore audit verify audit.jsonl", rules=False)
    cmd.add_argument("store", metavar="STORE", help=STORE_HELP)
    cmd.add_argument("out", metavar="OUT.jsonl")

    cmd = add_command(
        actions, "import", _import,
        "Add the athletes and decisions of an audit log (an export, or evaluate --log's) to "
        "a store, rebuilding each athlete's chain.",
        "  footcore store import postgresql://app@db/footcore audit.jsonl", rules=False)
    cmd.add_argument("store", metavar="STORE", help=STORE_HELP)
    cmd.add_argument("log", metavar="AUDIT.jsonl")

    cmd = add_command(
        actions, "checkpoint", _checkpoint,
        "Sign the heads of all athletes' chains with an Ed25519 private key "
        "(needs footcore[sign]); audit verify --store --public-key checks them.",
        "  openssl genpkey -algorithm ed25519 -out signing.pem\n"
        "  openssl pkey -in signing.pem -pubout -out signing.pub.pem\n"
        "  footcore store checkpoint footcore.db --key signing.pem", rules=False)
    cmd.add_argument("store", metavar="STORE", help=STORE_HELP)
    cmd.add_argument("--key", required=True, metavar="PRIVATE.pem",
                     help="the Ed25519 private key, PEM, unencrypted")
