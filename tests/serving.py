"""A real ``footcore serve`` process for the tests that drive one over HTTP (test_service.py
with httpx, test_service_schemathesis.py with Schemathesis, test_typescript_client.py with a
TypeScript client): started on 127.0.0.1 and a free port over a store and a token file,
ready once it answers /healthz, stopped by SIGTERM."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import attrs
import httpx

import footcore as fc
import footcore.service
from footcore._service._tokens import parse_scopes


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@attrs.frozen
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log: Path
    store: str
    tokens: dict[str, str]  # by the name given in launched()'s scopes

    def client(self, token: str | None = "rw") -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.tokens[token]}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)


def start(tmp: Path, *extra: str) -> tuple[str, subprocess.Popen[bytes], Path]:
    """A ``footcore serve`` process with ``extra`` arguments, once it answers /healthz."""
    port = free_port()
    log = tmp / f"serve-{port}.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "footcore", "serve", *extra, "--port", str(port),
         "--backend", "native"], stdout=subprocess.DEVNULL, stderr=log.open("wb"),
        cwd=tmp)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server stopped: {log.read_text()}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return url, process, log
        except httpx.TransportError:
            time.sleep(0.05)
    process.kill()
    raise AssertionError(f"the server did not answer: {log.read_text()}")


def stopped(process: subprocess.Popen[bytes], log: Path) -> bool:
    """True when SIGTERM stops the server cleanly: uvicorn finishes, closes the
    application (the store), and ends by the signal it caught (-15) or with 0."""
    process.send_signal(signal.SIGTERM)
    code = process.wait(timeout=30)
    return code in (0, -signal.SIGTERM) and "Application shutdown complete" in log.read_text()


@contextmanager
def launched(tmp: Path, scopes: dict[str, str], *extra: str,
             store: str | None = None) -> Iterator[Server]:
    """A server over a new store at ``store`` (a SQLite file in ``tmp`` by default) with a
    token for each name of ``scopes`` (its scopes, comma-separated), and ``extra``
    arguments; it must stop cleanly after."""
    store = store or str(tmp / "footcore.db")
    fc.open_store(store, create=True).close()
    tokens = {name: footcore.service.add_token(tmp / "tokens.toml", name, parse_scopes(given))
              for name, given in scopes.items()}
    url, process, log = start(tmp, store, "--tokens", str(tmp / "tokens.toml"), *extra)
    try:
        yield Server(url, process, log, store, tokens)
    finally:
        clean = stopped(process, log)
    assert clean, log.read_text()
