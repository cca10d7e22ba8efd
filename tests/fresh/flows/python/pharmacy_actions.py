"""Actions of the pharmacy refill flow: look up a prescription, order the refill."""

from __future__ import annotations

import asyncio

import superdialog

# prescription number -> (date of birth, medicine, refills left)
PRESCRIPTIONS = {
    "4455667": ("1961-03-14", "lisinopril 10 mg", 2),
    "1112223": ("1990-11-02", "atorvastatin 20 mg", 0),
}


@superdialog.action("rx_lookup")
async def rx_lookup(rx_number: str, dob: str) -> dict[str, object]:
    """Find the prescription and check the date of birth against it."""
    await asyncio.sleep(0.01)
    record = PRESCRIPTIONS.get(rx_number)
    if record is None or record[0] != dob:
        return {"found": False, "medicine": "", "refills": 0}
    return {"found": True, "medicine": record[1], "refills": record[2]}


@superdialog.action("rx_refill")
async def rx_refill(rx_number: str, method: str) -> dict[str, object]:
    """Order the refill; slow, so the holding line is heard."""
    await asyncio.sleep(0.3)
    return {"ready_in_days": 1 if method == "pickup" else 3}
