"""The one clock of the core, so tests can fix the time.

Extraction never calls it (it is pure); ingestion stamps ``fetched_at``, runs and events with it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime


def _system_now() -> datetime:
    return datetime.now(UTC)


_now: Callable[[], datetime] = _system_now


def now() -> datetime:
    """The current time, timezone-aware in UTC."""
    return _now()


def set_now(fn: Callable[[], datetime] | None) -> None:
    """Replace the clock (tests); ``None`` restores the system clock."""
    global _now
    _now = fn or _system_now
