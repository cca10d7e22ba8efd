"""Actions of the dental booking example: a tiny in-memory calendar and payments.

Real deployments would call the practice-management system here; the flow
only sees the returned dicts (``results.calendar``, ``results.payment``).
"""

from __future__ import annotations

import asyncio
import datetime as dt

import superdialog

TAKEN = {(dt.date(2030, 1, 1), dt.time(9, 0))}  # a slot the demo can hit


@superdialog.action("check_availability")
async def check_availability(day: str, at: str) -> dict[str, object]:
    """Open 8:00-18:00 on weekdays, except the slots in TAKEN."""
    await asyncio.sleep(0.05)
    date = dt.date.fromisoformat(day)
    time = dt.time.fromisoformat(at)
    open_hours = dt.time(8, 0) <= time <= dt.time(18, 0) and date.weekday() < 5
    return {"available": open_hours and (date, time) not in TAKEN}


@superdialog.action("charge_deposit")
async def charge_deposit(card: str, amount: str) -> dict[str, object]:
    """Pretend to charge the card; cards starting with 4000 0000 0000 0002 are declined."""
    await asyncio.sleep(0.02)
    if card.startswith("4000000000000002"):
        raise RuntimeError("card declined")
    return {"charged": int(amount), "reference": "DEP-" + card[-4:]}
