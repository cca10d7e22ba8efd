"""Actions of the hotel booking change flow."""

from __future__ import annotations

import superdialog

BOOKINGS = {"482913": {"guest": "Okafor", "nights": 2}}


@superdialog.action("hotel_find_booking")
async def hotel_find_booking(reference: str, surname: str) -> dict[str, object]:
    """Find a booking by its reference and the guest's surname."""
    booking = BOOKINGS.get(reference)
    ok = booking is not None and str(booking["guest"]).lower() == surname.split()[-1].lower()
    return {"found": ok, "nights": booking["nights"] if booking else 0}


@superdialog.action("hotel_change_dates")
async def hotel_change_dates(
    reference: str, arrival: str, nights: int, guests: int
) -> dict[str, object]:
    """Move the booking; a stay longer than 7 nights is refused by the hotel system."""
    if int(nights) > 7:
        raise RuntimeError("stay too long for an online change")
    return {"confirmation": f"CHG-{reference[-3:]}", "rate": "189 dollars"}
