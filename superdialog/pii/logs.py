"""The last line of defence: a logging filter that masks what looks like personal data.

Our own log calls never put caller or model text into a message (they log
kinds, names and counts). This filter, on every ``superdialog`` logger, is
for what slips through anyway — an exception's text, a value in an argument:
it masks, in the formatted message and any traceback, the secrets of the call
being handled (``masking_call``) and everything shaped like personal data:
runs of six or more digits (grouped or spoken), emails, and dates.

Use ``get_logger(name)`` instead of ``logging.getLogger`` inside SuperDialog,
and ``PIIFilter`` on other loggers that may see call data (e.g. a host SDK's).
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from superdialog.pii.masker import REDACTED

if TYPE_CHECKING:
    from superdialog.pii.masker import Masker

__all__ = ["PIIFilter", "get_logger", "mask_shapes", "masking_call", "use_masker"]

_NUMBER_WORD = (
    r"(?:zero|oh|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|"
    r"fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|"
    r"seventy|eighty|ninety|hundred|thousand|double|triple)"
)
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_ORDINAL_WORD = (
    r"(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|"
    r"thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth|"
    r"thirtieth|(?:twenty|thirty)[\s-]+(?:first|second|third|fourth|fifth|sixth|seventh|"
    r"eighth|ninth))"
)
_SHAPES = re.compile(
    "|".join(
        (
            r"[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}",  # email
            r"\b(?:\d{4}[/.-]\d{1,2}[/.-]\d{1,2}|\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2}))\b",
            rf"\b\d{{1,2}}(?:st|nd|rd|th)?(?:\s+of)?\s+{_MONTH}\b\.?,?(?:\s+\d{{2,4}})?",
            rf"\b{_MONTH}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?(?:\s+\d{{2,4}})?",
            rf"\b(?:the\s+)?{_ORDINAL_WORD}(?:\s+of)?\s+{_MONTH}\b",  # spoken dates
            rf"\b{_MONTH}\s+(?:the\s+)?{_ORDINAL_WORD}\b",
            r"(?:\d[\s.\-/]?){5,}\d",  # six or more digits, grouped any way
            rf"\b(?:{_NUMBER_WORD}[\s,.-]+){{5,}}{_NUMBER_WORD}\b",  # six or more spoken
        )
    ),
    re.IGNORECASE,
)

_CURRENT: contextvars.ContextVar[Masker | None] = contextvars.ContextVar(
    "superdialog_masking_call", default=None
)


def mask_shapes(text: str) -> str:
    """``text`` with everything shaped like personal data replaced by ``[redacted]``."""
    return _SHAPES.sub(REDACTED, text)


@contextlib.contextmanager
def masking_call(masker: Masker) -> Iterator[None]:
    """Log records made inside this block are masked with ``masker``'s secrets too."""
    token = _CURRENT.set(masker)
    try:
        yield
    finally:
        _CURRENT.reset(token)


def use_masker(masker: Masker) -> None:
    """From here on, in this task (and tasks it starts), log records mask ``masker``'s secrets.

    For the task that runs one call (a host's per-call entrypoint): the host
    SDK's own log lines made while the call runs are masked with its secrets.
    """
    _CURRENT.set(masker)


class PIIFilter(logging.Filter):
    """Masks personal data in a record's message and traceback (never drops a record)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place; always keep it.

        A record with nothing to mask is not touched. Otherwise the message
        template stays when masking its arguments is enough (handlers and
        filters may recognise a line by its template); else the record's
        message becomes the masked text.
        """
        masker = _CURRENT.get()
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: keep only what is safe
            message = f"{record.msg} {record.args}"
            record.args = ()
        clean = self._clean(message, masker)
        if clean != message:
            self._rewrite(record, clean, masker)
        if record.exc_info:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text = self._clean(text, masker)
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = self._clean(record.exc_text, masker)
        if record.stack_info:
            record.stack_info = self._clean(record.stack_info, masker)
        return True

    @classmethod
    def _rewrite(cls, record: logging.LogRecord, clean: str, masker: Masker | None) -> None:
        """Mask in the arguments and keep the template if that is enough; else the text."""
        template, args = str(record.msg), record.args
        if cls._clean(template, masker) == template and args:
            if isinstance(args, tuple):
                record.args = tuple(cls._clean_arg(a, masker) for a in args)
            else:
                record.args = {k: cls._clean_arg(v, masker) for k, v in args.items()}
            try:
                if cls._clean(record.getMessage(), masker) == record.getMessage():
                    return
            except Exception:  # e.g. "%d" of a masked number: fall back to the text
                pass
        record.msg, record.args = clean, ()

    @classmethod
    def _clean_arg(cls, value: object, masker: Masker | None) -> object:
        """One argument: text masked; numbers and objects masked through their text."""
        if isinstance(value, str):
            return cls._clean(value, masker)
        if value is None or isinstance(value, bool | float):
            return value
        text = str(value)
        clean = cls._clean(text, masker)
        return value if clean == text else clean

    @staticmethod
    def _clean(text: str, masker: Masker | None) -> str:
        if masker is not None:
            text = masker.mask(text)
        return mask_shapes(text)


_FILTER = PIIFilter()


def get_logger(name: str) -> logging.Logger:
    """``logging.getLogger(name)`` with the PII filter on it (once)."""
    logger = logging.getLogger(name)
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)
    return logger
