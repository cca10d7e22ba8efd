"""Words that make the number before them a count: "twenty people", "2 tickets".

A number followed by one of these counts something, so it is no hour ("at seven and two
people": two is not the other end of a span), no year ("June second, thirty people") and
no day. One list, shared by the date and time parsers, so a noun added for one reaches
the other.
"""

from __future__ import annotations

__all__ = ["CLOCK_WORDS", "COUNTED_NOUNS"]

#: Plural and singular nouns callers count in bookings and orders.
COUNTED_NOUNS = frozenset(
    {"people", "persons", "person", "guests", "guest", "adults", "adult", "children", "child",
     "kids", "kid", "seats", "seat", "tickets", "ticket", "nights", "night", "rooms", "room",
     "tables", "table", "friends", "bags", "bag", "items", "item", "of", "more", "others"}
)  # fmt: skip
#: Words that make the number before them a clock time or a duration.
CLOCK_WORDS = frozenset(
    {"am", "pm", "a", "p", "o'clock", "minutes", "mins", "minute", "hours", "hour", "past"}
)  # fmt: skip
