"""A real ``footcore serve`` process for the tests that drive one over HTTP
(test_service.py, test_service_schemathesis.py): started on 127.0.0.1 and a free port,
ready once it answers /healthz, stopped by SIGTERM."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


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
