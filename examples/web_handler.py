"""Embedding footcore in a web handler, with the standard library only.

POST /checkin with {"state": <AthleteState JSON>, "checkin": <CheckIn JSON>} returns the
decision as JSON. A request over MAX_REQUEST_BYTES gets a 413 before it is read; a bad
request gets a 4xx with footcore's message naming the field: 409 for a retried check-in
(DuplicateCheckIn), 400 for any other bad input, 422 for a rulebook or engine problem
(every FootcoreError is one of these). Run it with --serve to listen on 127.0.0.1:8080;
without arguments it calls the handler in-process, which is what CI does.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import footcore as fc

ENGINE = fc.Engine(fc.load_rulebook())  # one engine per process, shared by all threads
MAX_REQUEST_BYTES = 256 * 1024  # a state and a check-in at footcore's limits fit in 100 KB


def status_of(error: fc.FootcoreError) -> int:
    """The HTTP status of a footcore error: always a 4xx."""
    if isinstance(error, fc.DuplicateCheckIn):
        return 409
    return 400 if isinstance(error, fc.InputError) else 422


def handle_checkin(body: bytes) -> tuple[int, str]:
    """The whole handler: JSON in, decision JSON out, or a 4xx with the reason."""
    try:
        request = fc.parse_json(body, "request", max_bytes=MAX_REQUEST_BYTES)
        if not isinstance(request, dict) or set(request) != {"state", "checkin"}:
            raise fc.InputError('request: expected {"state": ..., "checkin": ...}')
        state = fc.from_dict(request["state"], fc.AthleteState)
        checkin = fc.from_dict(request["checkin"], fc.CheckIn)
        decision = ENGINE.evaluate(state, checkin)
    except fc.FootcoreError as exc:
        return status_of(exc), json.dumps({"error": str(exc)})
    return 200, json.dumps({"action": decision.action.value,
                            "explanation": fc.explain(decision),
                            "decision": fc.to_dict(decision)})


class Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        length = self.headers.get("Content-Length", "")
        if not length.isdigit():
            status, text = 411, json.dumps({"error": "Content-Length: a byte count is needed"})
        elif int(length) > MAX_REQUEST_BYTES:
            status, text = 413, json.dumps({"error": f"request: {length} bytes; at most "
                                                     f"{MAX_REQUEST_BYTES}"})
        else:
            status, text = handle_checkin(self.rfile.read(int(length)))
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(text.encode())


def main() -> None:
    if sys.argv[1:] == ["--serve"]:
        ThreadingHTTPServer(("127.0.0.1", 8080), Handler).serve_forever()
        return
    state = ENGINE.new_athlete("a-17", goal=fc.Goal.EVERYDAY, start=date(2026, 1, 5))
    good = {"state": fc.to_dict(state),
            "checkin": {"on": "2026-01-07", "completed": True, "minutes": 16}}
    status, text = handle_checkin(json.dumps(good).encode())
    print(status, json.loads(text)["action"])
    assert status == 200
    bad = dict(good, checkin={"on": "2026-01-07", "completed": "yes"})
    status, text = handle_checkin(json.dumps(bad).encode())
    print(status, json.loads(text)["error"])
    assert status == 400 and "completed" in text
    # Payloads that once crashed the handler: each gets a 4xx naming what is wrong.
    for body in (b"[" * 5000, b'{"state": ' + b"9" * 4400 + b', "checkin": {}}',
                 b"\xff\xfe", b"{" * 100 + b"}" * 100, b" " * (MAX_REQUEST_BYTES + 1)):
        status, text = handle_checkin(body)
        print(status, json.loads(text)["error"][:70])
        assert 400 <= status < 500
    again = dict(good, checkin=dict(good["checkin"], id="c-1"))
    first = json.loads(handle_checkin(json.dumps(again).encode())[1])["decision"]["state"]
    status, text = handle_checkin(json.dumps(dict(again, state=first)).encode())
    print(status, json.loads(text)["error"][:70])
    assert status == 409


if __name__ == "__main__":
    main()
