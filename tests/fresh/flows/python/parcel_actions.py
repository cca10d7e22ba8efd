"""Actions of the parcel redelivery flow: find a parcel, book what the caller chose."""

from __future__ import annotations

import asyncio

import superdialog

# tracking number -> (sender, delivery attempts so far, lost in the network)
PARCELS = {
    "4455667788": ("Bookworm Ltd", 1, False),
    "1234512345": ("Garden Supplies", 2, False),
    "9990001112": ("Phone Shop", 1, True),
}


@superdialog.action("find_parcel")
async def find_parcel(tracking: str) -> dict[str, object]:
    """Look the parcel up in the depot system."""
    await asyncio.sleep(0.01)
    record = PARCELS.get(tracking)
    if record is None:
        return {"found": False, "sender": "", "attempts": 0, "lost": False}
    sender, attempts, lost = record
    return {"found": True, "sender": sender, "attempts": attempts, "lost": lost}


@superdialog.action("rebook")
async def rebook(tracking: str, option: str, day: str) -> dict[str, object]:
    """Book the redelivery; slow enough for the holding line."""
    await asyncio.sleep(0.2)
    return {"reference": tracking[-4:] + str(len(option))}
