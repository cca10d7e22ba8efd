"""Validators of the appointment flow."""

from __future__ import annotations

import datetime as dt

import superdialog


@superdialog.validator("weekday")
def weekday(value: dt.date) -> str | None:
    """The clinic is closed at weekends: refuse Saturdays and Sundays with the reason."""
    if value.weekday() >= 5:
        return "we're closed at weekends, so please pick a weekday"
    return None
