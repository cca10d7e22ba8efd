"""Actions of the lost-card example: identity check, card block, replacement order.

They stand in for the bank's core systems. ``block_card`` is deliberately slow
so the flow's holding line and filler can be heard in the demo.
"""

from __future__ import annotations

import asyncio
import datetime as dt

import superdialog

# customer id -> (date of birth, last four digits of the card)
CUSTOMERS = {
    "unknown": (dt.date(1980, 7, 4), "4242"),
    "C-1001": (dt.date(1975, 3, 12), "1881"),
}
BLOCKED: set[str] = set()


@superdialog.action("verify_identity")
async def verify_identity(customer: str, date_of_birth: str, last4: str) -> dict[str, object]:
    """Compare the caller's answers with the record on file."""
    await asyncio.sleep(0.01)
    dob, card = CUSTOMERS.get(customer, CUSTOMERS["unknown"])
    return {"verified": date_of_birth == dob.isoformat() and last4 == card}


@superdialog.action("block_card")
async def block_card(last4: str, reason: str) -> dict[str, object]:
    """Block the card (slow, like a real core-banking call)."""
    await asyncio.sleep(0.7)
    BLOCKED.add(last4)
    return {"blocked": True, "reason": reason}


@superdialog.action("order_replacement")
async def order_replacement(last4: str) -> dict[str, object]:
    """Order a new card; it arrives in three working days."""
    await asyncio.sleep(0.01)
    return {"ordered": True, "days": 3}
