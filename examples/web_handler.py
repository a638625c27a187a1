"""Embedding footcore in a web handler, with the standard library only.

POST /checkin with {"state": <AthleteState JSON>, "checkin": <CheckIn JSON>} returns the
decision as JSON; a bad request gets a 400 with footcore's message naming the field.
Run it with --serve to listen on 127.0.0.1:8080; without arguments it calls the handler
once in-process, which is what CI does.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import footcore as fc

ENGINE = fc.Engine(fc.load_rulebook())  # one engine per process, shared by all threads


def handle_checkin(body: bytes) -> tuple[int, str]:
    """The whole handler: JSON in, decision JSON out, or 400 with the reason."""
    try:
        request = json.loads(body)
        if not isinstance(request, dict) or set(request) != {"state", "checkin"}:
            raise fc.InputError('request: expected {"state": ..., "checkin": ...}')
        state = fc.from_json(json.dumps(request["state"]), fc.AthleteState)
        checkin = fc.from_json(json.dumps(request["checkin"]), fc.CheckIn)
        decision = ENGINE.evaluate(state, checkin)
    except (json.JSONDecodeError, fc.InputError) as exc:
        return 400, json.dumps({"error": str(exc)})
    return 200, json.dumps({"action": decision.action.value,
                            "explanation": fc.explain(decision),
                            "decision": json.loads(fc.to_json(decision))})


class Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        status, text = handle_checkin(self.rfile.read(length))
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(text.encode())


def main() -> None:
    if sys.argv[1:] == ["--serve"]:
        ThreadingHTTPServer(("127.0.0.1", 8080), Handler).serve_forever()
        return
    state = ENGINE.new_athlete("a-17", goal=fc.Goal.EVERYDAY, start=date(2026, 1, 5))
    good = {"state": json.loads(fc.to_json(state)),
            "checkin": {"on": "2026-01-07", "completed": True, "minutes": 16}}
    status, text = handle_checkin(json.dumps(good).encode())
    print(status, json.loads(text)["action"])
    assert status == 200
    bad = dict(good, checkin={"on": "2026-01-07", "completed": "yes"})
    status, text = handle_checkin(json.dumps(bad).encode())
    print(status, json.loads(text)["error"])
    assert status == 400 and "completed" in text


if __name__ == "__main__":
    main()
