from __future__ import annotations

__all__ = ["add_report_command"]


def add_report_command(commands: object) -> None:
    """placeholder"""
