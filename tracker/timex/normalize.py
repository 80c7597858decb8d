"""Turn one candidate match into a TIMEX3 (type, value, mod), or reject it.

Dispatches to one handler per finder rule (``absolute``, ``relative``, ``durations``,
``holidays``). Handlers do their own calendar arithmetic relative to the DCT (and, for
anaphoric phrases such as "the quarter" or "that year", to the last explicit mention kept in
``Context``). Nothing here picks between overlapping candidates or widens spans (``tagger``).
"""

from __future__ import annotations

from tracker.timex import absolute, durations, holidays, relative
from tracker.timex.base import Context, Handler, Norm
from tracker.timex.finder import RULE_RANK, Candidate

HANDLERS: dict[str, Handler] = {
    **absolute.HANDLERS, **relative.HANDLERS, **durations.HANDLERS, **holidays.HANDLERS,
}
assert set(HANDLERS) == set(RULE_RANK), sorted(set(HANDLERS) ^ set(RULE_RANK))

__all__ = ["Context", "Norm", "normalize"]


def normalize(c: Candidate, ctx: Context) -> Norm | None:
    """The TIMEX3 reading of a candidate, or None if it is not a temporal expression."""
    try:
        return HANDLERS[c.rule](c.match, c, ctx)
    except (ValueError, OverflowError, KeyError, IndexError, TypeError, AttributeError):
        return None  # a rule matched something it cannot read: not a temporal expression
