"""Personal data: one masking service per call, applied at every exit.

* ``project``: any text → the letters and digits it spells, in any rendering;
* ``renderings``: a secret value → the projections of every way it is written or said;
* ``Masker``/``StreamMasker``: one call's secrets and masking by value;
* ``logs``: the logging filter that is the last line of defence.

This package depends on nothing above it: the runtime owns one ``Masker`` per call.
"""

from superdialog.pii.logs import PIIFilter, get_logger, mask_shapes, masking_call, use_masker
from superdialog.pii.masker import REDACTED, SPOKEN_MASK, Masker, StreamMasker, json_safe

__all__ = [
    "REDACTED",
    "SPOKEN_MASK",
    "Masker",
    "PIIFilter",
    "StreamMasker",
    "get_logger",
    "json_safe",
    "mask_shapes",
    "masking_call",
    "use_masker",
]
