"""Checks that make "it validates" mean "it will not fail on a call by itself".

* :mod:`.constraints`: slot bounds, lengths, choices, time zones and durations,
  parsed at load by the parser a call uses;
* :mod:`.names` over :mod:`.graph`: every name every template reads, on every
  path into where it is read;
* :mod:`.deep`: a bounded walk over the flow with representative values that
  renders every template and tries every outcome (``validate --deep``).

Errors are what would certainly fail on a call; warnings what may.
"""

from __future__ import annotations

from superdialog.compile.check.constraints import check_constraints
from superdialog.compile.check.findings import Findings, Locate, TemplateUse
from superdialog.compile.check.names import check_reads

__all__ = ["Findings", "Locate", "TemplateUse", "check_constraints", "check_reads"]
