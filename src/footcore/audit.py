"""footcore.audit: the audit log, a hash-chained JSON Lines file of decisions, and what an
app reads back from it: verification, an athlete's history, a replay under a rulebook.

An outer layer: the core never imports it, and importing it does not import the command
line.
"""

from ._audit import AuditLog, AuditLogError, AuditRecord
from ._audit_verify import LogProblem, LogReport, verify_log
from ._history import HistoryRow, history
from ._replay import ReplayDifference, ReplayReport, replay_log

__all__ = [
    "AuditLog",
    "AuditLogError",
    "AuditRecord",
    "HistoryRow",
    "LogProblem",
    "LogReport",
    "ReplayDifference",
    "ReplayReport",
    "history",
    "replay_log",
    "verify_log",
]
