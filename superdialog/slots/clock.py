"""Time zones and "now" for relative dates and times.

``zoneinfo`` is imported on first use so that importing the package stays
cheap for callers that never parse a date.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from functools import lru_cache

from .base import ExtractContext

__all__ = ["local_now", "zone"]


@lru_cache(maxsize=64)
def zone(name: str) -> tzinfo | None:
    """The ``tzinfo`` for an IANA zone name, or ``None`` if it is unknown."""
    if name.upper() in ("UTC", "Z", "GMT", "ETC/UTC"):
        from datetime import UTC

        return UTC
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo(name)
    except (ValueError, KeyError, OSError, ImportError):
        return None


def local_now(ctx: ExtractContext) -> datetime:
    """``ctx.now`` as wall-clock time in ``ctx.timezone``.

    A naive ``now`` is already taken to be local; an aware one is converted,
    so "today" is the caller's today even when the server runs in UTC.
    """
    now = ctx.now
    if now.tzinfo is None:
        return now
    tz = zone(ctx.timezone)
    return now if tz is None else now.astimezone(tz)
