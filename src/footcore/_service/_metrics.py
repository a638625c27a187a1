"""The service's metrics in the Prometheus text format (version 0.0.4): requests by route,
method and status, their latency as a histogram by route, and decisions by action.

Counted in the process that served the request: with ``--workers N`` each worker counts its
own, as a scraper of each process sees them.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable

__all__ = ["BUCKETS", "Metrics"]

BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
"""The latency histogram's upper bounds, in seconds."""


def _labels(**values: str) -> str:
    def escaped(text: str) -> str:
        return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return ",".join(f'{key}="{escaped(value)}"' for key, value in values.items())


class Metrics:
    """Counters and histograms of one process, safe to update from several threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: Counter[tuple[str, str, int]] = Counter()
        self._decisions: Counter[str] = Counter()
        self._buckets: dict[str, list[int]] = {}
        self._sums: dict[str, float] = {}

    def request(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one answered request and its latency."""
        with self._lock:
            self._requests[method, route, status] += 1
            counts = self._buckets.setdefault(route, [0] * (len(BUCKETS) + 1))
            counts[next((i for i, bound in enumerate(BUCKETS) if seconds <= bound),
                        len(BUCKETS))] += 1
            self._sums[route] = self._sums.get(route, 0.0) + seconds

    def decision(self, action: str) -> None:
        """Count one decision recorded or evaluated."""
        with self._lock:
            self._decisions[action] += 1

    def text(self) -> str:
        """Everything counted, as a Prometheus scrape reads it."""
        with self._lock:
            lines = list(self._lines())
        return "\n".join(lines) + "\n"

    def _lines(self) -> Iterable[str]:
        yield "# HELP footcore_http_requests_total Requests answered, by route, method, status."
        yield "# TYPE footcore_http_requests_total counter"
        for (method, route, status), count in sorted(self._requests.items()):
            labels = _labels(route=route, method=method, status=str(status))
            yield f"footcore_http_requests_total{{{labels}}} {count}"
        yield ("# HELP footcore_http_request_duration_seconds Time to answer a request, "
               "by route.")
        yield "# TYPE footcore_http_request_duration_seconds histogram"
        for route, counts in sorted(self._buckets.items()):
            running = 0
            for bound, count in zip([*map(str, BUCKETS), "+Inf"], counts, strict=True):
                running += count
                labels = _labels(route=route, le=bound)
                yield f"footcore_http_request_duration_seconds_bucket{{{labels}}} {running}"
            labels = _labels(route=route)
            yield f"footcore_http_request_duration_seconds_sum{{{labels}}} {self._sums[route]}"
            yield f"footcore_http_request_duration_seconds_count{{{labels}}} {running}"
        yield "# HELP footcore_decisions_total Decisions made, by action."
        yield "# TYPE footcore_decisions_total counter"
        for action, count in sorted(self._decisions.items()):
            yield f"footcore_decisions_total{{{_labels(action=action)}}} {count}"
