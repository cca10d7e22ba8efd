"""Actions of the debt collection flow: verify the debtor, take a payment."""

from __future__ import annotations

import superdialog

ACCOUNTS = {"7788": {"balance": "412.50", "name": "Jordan Reyes"}}


@superdialog.action("dc_verify")
async def dc_verify(ssn_last4: str, zip: str) -> dict[str, object]:
    """Match the last four of the SSN and the ZIP code to an account."""
    account = ACCOUNTS.get(ssn_last4)
    if account is None or zip != "10001":
        return {"verified": False, "balance": "0", "name": ""}
    return {"verified": True, "balance": account["balance"], "name": account["name"]}


@superdialog.action("dc_charge")
async def dc_charge(card: str, amount: str) -> dict[str, object]:
    """Charge the card; cards ending 0002 are declined."""
    if card.endswith("0002"):
        raise RuntimeError("card declined")
    return {"receipt": "R-5521", "card": card}
